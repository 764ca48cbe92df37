package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// T0 is the suite's "now": every test moves time from here, never back.
var T0 = time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC)

var (
	negative    = policy.Subject{Negative: true}
	nonNegative = policy.Subject{}
)

// newID returns prefix + 12 random hex digits.
func newID(prefix string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// env is one test's store and outlet.
type env struct {
	t   *testing.T
	ctx context.Context
	st  store.Store
	o   store.Outlet
}

// newEnv opens a store and creates a fresh outlet with the default rules
// (limit 15%, warn 12%), a 30-day window and the Vietnamese time zone.
func newEnv(t *testing.T, open func(t *testing.T) store.Store, mutate ...func(*store.Outlet)) *env {
	t.Helper()
	e := &env{t: t, ctx: context.Background(), st: open(t)}
	e.o = e.createOutlet(mutate...)
	return e
}

func (e *env) createOutlet(mutate ...func(*store.Outlet)) store.Outlet {
	e.t.Helper()
	o := store.Outlet{
		ID:         newID("t-"),
		Name:       "Cổng thông tin điện tử huyện Đắk Glei",
		Rules:      policy.DefaultRules(),
		WindowDays: 30,
		Timezone:   "Asia/Ho_Chi_Minh",
		Secrets:    []store.Secret{{Value: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}},
		CreatedAt:  T0,
		UpdatedAt:  T0,
	}
	for _, m := range mutate {
		m(&o)
	}
	if err := e.st.CreateOutlet(e.ctx, o); err != nil {
		e.t.Fatalf("CreateOutlet: %v", err)
	}
	return o
}

func (e *env) window() time.Duration { return e.o.Window() }

func (e *env) day(t time.Time) string { return store.DayKey(t, e.o.Location()) }

// input is a check of post at now with subject s under the outlet's rules.
func (e *env) input(post string, s policy.Subject, now time.Time) store.CheckInput {
	return store.CheckInput{
		Outlet:   e.o.ID,
		PostID:   post,
		Now:      now,
		Window:   e.window(),
		Day:      e.day(now),
		Rules:    e.o.Rules,
		Subject:  s,
		Plan:     policy.MakePlan(e.o.Rules, s),
		HoldID:   newID("h-"),
		Snapshot: []byte(fmt.Sprintf(`{"post":{"id":%q},"negative":%t}`, post, s.Negative)),
		Actor:    "editor1",
	}
}

func (e *env) run(in store.CheckInput) store.CheckResult {
	e.t.Helper()
	r, err := e.st.Check(e.ctx, in)
	if err != nil {
		e.t.Fatalf("Check(%s at %s): %v", in.PostID, in.Now.Format(time.RFC3339Nano), err)
	}
	return r
}

// check checks post at now with subject s and returns the result and its outcome.
func (e *env) check(post string, s policy.Subject, now time.Time) (store.CheckResult, policy.Outcome) {
	e.t.Helper()
	in := e.input(post, s, now)
	r := e.run(in)
	return r, in.Plan[r.Situation.Index()]
}

func (e *env) counts(now time.Time) policy.Counts {
	e.t.Helper()
	c, err := e.st.Window(e.ctx, e.o.ID, now, e.window())
	if err != nil {
		e.t.Fatalf("Window: %v", err)
	}
	return c
}

func (e *env) wantCounts(now time.Time, want policy.Counts) {
	e.t.Helper()
	if got := e.counts(now); got != want {
		e.t.Fatalf("Window at %s = %+v, want %+v", now.Format(time.RFC3339Nano), got, want)
	}
}

func (e *env) daily(days ...string) []store.DayCount {
	e.t.Helper()
	d, err := e.st.Daily(e.ctx, e.o.ID, days)
	if err != nil {
		e.t.Fatalf("Daily: %v", err)
	}
	return d
}

func (e *env) wantDay(day string, published, negative int64) {
	e.t.Helper()
	got := e.daily(day)
	want := []store.DayCount{{Day: day, Published: published, Negative: negative}}
	if !reflect.DeepEqual(got, want) {
		e.t.Fatalf("Daily(%s) = %+v, want %+v", day, got, want)
	}
}

// spread places p posts, n of them negative (the oldest n), in the window
// ending at now: one every 10 minutes from 2 days after the window's start
// (so time can move forward a day and they are all still in the window).
func spread(now time.Time, window time.Duration, p, n int) []policy.WindowEntry {
	es := make([]policy.WindowEntry, p)
	start := now.Add(-window + 48*time.Hour)
	for i := range es {
		es[i] = policy.WindowEntry{AtMillis: start.Add(time.Duration(i) * 10 * time.Minute).UnixMilli(), Negative: i < n}
	}
	return es
}

// fill syncs the entries as posts "w-0", "w-1", ... into the outlet at now.
func (e *env) fill(now time.Time, es []policy.WindowEntry) {
	e.t.Helper()
	posts := make([]store.SyncPost, len(es))
	for i, w := range es {
		at := time.UnixMilli(w.AtMillis).UTC()
		posts[i] = store.SyncPost{ID: fmt.Sprintf("w-%d", i), Negative: w.Negative, PublishedAt: at, Day: e.day(at)}
	}
	r, err := e.st.Sync(e.ctx, store.SyncInput{Outlet: e.o.ID, Now: now, Window: e.window(), Posts: posts, Actor: "cms"})
	if err != nil {
		e.t.Fatalf("Sync (fill %d): %v", len(es), err)
	}
	if len(r.Added) != len(es) {
		e.t.Fatalf("Sync (fill) added %d of %d posts: %+v", len(r.Added), len(es), r)
	}
}

// fillCounts fills the window with p posts, n of them negative.
func (e *env) fillCounts(now time.Time, p, n int) []policy.WindowEntry {
	e.t.Helper()
	es := spread(now, e.window(), p, n)
	e.fill(now, es)
	e.wantCounts(now, policy.Counts{Published: int64(p), Negative: int64(n)})
	return es
}

func (e *env) holds(f store.HoldFilter) []store.Hold {
	e.t.Helper()
	hs, err := e.st.ListHolds(e.ctx, e.o.ID, f)
	if err != nil {
		e.t.Fatalf("ListHolds: %v", err)
	}
	return hs
}

func (e *env) hold(id string) store.Hold {
	e.t.Helper()
	h, err := e.st.GetHold(e.ctx, e.o.ID, id)
	if err != nil {
		e.t.Fatalf("GetHold(%s): %v", id, err)
	}
	return h
}

func (e *env) audit(f store.AuditFilter) []store.AuditEntry {
	e.t.Helper()
	es, err := e.st.ListAudit(e.ctx, e.o.ID, f)
	if err != nil {
		e.t.Fatalf("ListAudit: %v", err)
	}
	return es
}

func (e *env) auditTypes(f store.AuditFilter) []string {
	e.t.Helper()
	var types []string
	for _, a := range e.audit(f) {
		types = append(types, a.Type)
	}
	return types
}

func (e *env) withdraw(post string, now time.Time) store.WithdrawResult {
	e.t.Helper()
	r, err := e.st.Withdraw(e.ctx, e.o.ID, post, now, e.window(), "editor1")
	if err != nil {
		e.t.Fatalf("Withdraw(%s): %v", post, err)
	}
	return r
}

func (e *env) sync(now time.Time, complete bool, posts ...store.SyncPost) store.SyncResult {
	e.t.Helper()
	r, err := e.st.Sync(e.ctx, store.SyncInput{Outlet: e.o.ID, Now: now, Window: e.window(), Posts: posts, Complete: complete, Actor: "cms"})
	if err != nil {
		e.t.Fatalf("Sync: %v", err)
	}
	return r
}

func (e *env) post(id string, neg bool, at time.Time) store.SyncPost {
	return store.SyncPost{ID: id, Negative: neg, PublishedAt: at, Day: e.day(at)}
}

func (e *env) resolve(hold string, approve bool, now time.Time, cb *store.Callback) store.Hold {
	e.t.Helper()
	h, err := e.st.Resolve(e.ctx, e.resolution(hold, approve, now, cb))
	if err != nil {
		e.t.Fatalf("Resolve(%s, approve=%t): %v", hold, approve, err)
	}
	return h
}

func (e *env) resolution(hold string, approve bool, now time.Time, cb *store.Callback) store.Resolution {
	return store.Resolution{
		Outlet: e.o.ID, HoldID: hold, Approve: approve, Reviewer: "manager1", Note: "Đã xem xét / reviewed",
		Now: now, Window: e.window(), Day: e.day(now), Callback: cb,
	}
}

// state is everything a refused or dry call must leave as it was.
type state struct {
	Counts    policy.Counts
	Daily     []store.DayCount
	Holds     []store.Hold
	Snapshots [][]byte
	Audit     []store.AuditEntry
	Callbacks []store.Callback
}

func (e *env) state(now time.Time, days ...string) state {
	e.t.Helper()
	s := state{Counts: e.counts(now), Daily: e.daily(days...), Holds: e.holds(store.HoldFilter{Limit: 1000}), Audit: e.audit(store.AuditFilter{Limit: 1000})}
	for _, h := range s.Holds {
		s.Snapshots = append(s.Snapshots, h.Snapshot)
	}
	cbs, err := e.st.ListCallbacks(e.ctx, e.o.ID, "", 1000)
	if err != nil {
		e.t.Fatalf("ListCallbacks: %v", err)
	}
	s.Callbacks = cbs
	return s
}

func (e *env) wantState(what string, want state, now time.Time, days ...string) {
	e.t.Helper()
	got := e.state(now, days...)
	if !reflect.DeepEqual(jsonOf(got), jsonOf(want)) {
		e.t.Fatalf("%s changed the store:\n got %s\nwant %s", what, jsonOf(got), jsonOf(want))
	}
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: error %v, want %v", what, err, want)
	}
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	if s == nil {
		s = []string{}
	}
	return s
}

func wantIDs(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(sorted(got), sorted(want)) {
		t.Fatalf("%s = %v, want %v", what, sorted(got), sorted(want))
	}
}

func ms(t time.Time) int64 { return t.UnixMilli() }

// expectSituation asserts r was decided in ledger state l against the
// window counts before (excluding the post), exactly as policy does.
func expectSituation(t *testing.T, r store.CheckResult, rules policy.Rules, l policy.Ledger, before policy.Counts) {
	t.Helper()
	if r.Before != before {
		t.Fatalf("Before = %+v, want %+v", r.Before, before)
	}
	if want := policy.SituationAt(rules, l, before); r.Situation != want {
		t.Fatalf("Situation = %+v, want %+v", r.Situation, want)
	}
}
