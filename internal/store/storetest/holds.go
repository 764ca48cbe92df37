package storetest

import (
	"bytes"
	"testing"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

func callback(e *env, id, typ string, at time.Time) *store.Callback {
	return &store.Callback{
		ID: id, Outlet: e.o.ID, Type: typ,
		Payload:   []byte(`{"type":"` + typ + `","id":"` + id + `"}`),
		Status:    store.CallbackPending,
		CreatedAt: at, NextAttempt: at,
	}
}

func (e *env) mustHold(post string, now time.Time) string {
	e.t.Helper()
	r, out := e.check(post, negative, now)
	if out.Verdict != policy.Hold || r.HoldID == "" {
		e.t.Fatalf("%s at %+v not held: %+v", post, r.Before, out)
	}
	return r.HoldID
}

func testResolveApprove(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	e.fillCounts(T0, 20, 3)
	hid := e.mustHold("p", T0)

	now := T0.Add(2 * time.Hour)
	day := e.day(now)
	_, dayP, dayN := dayOf(e, day)
	cb := callback(e, "cb-approve", "hold.approved", now)
	h := e.resolve(hid, true, now, cb)
	if h.ID != hid || h.PostID != "p" || h.Status != store.HoldApproved || h.Reviewer != "manager1" || h.Note != "Đã xem xét / reviewed" {
		t.Fatalf("approved hold %+v", h)
	}
	if h.ResolvedAt == nil || !h.ResolvedAt.Equal(now) || !h.UpdatedAt.Equal(now) || !h.CreatedAt.Equal(T0) {
		t.Fatalf("approved hold times: %+v", h)
	}
	// Counted at the approval time even though 4/21 is past the limit.
	e.wantCounts(now, policy.Counts{Published: 21, Negative: 4})
	e.wantDay(day, dayP+1, dayN+1)
	e.wantCounts(now.Add(e.window()-time.Millisecond), policy.Counts{Published: 1, Negative: 1})
	e.wantCounts(now.Add(e.window()), policy.Counts{})

	if got := e.hold(hid); jsonOf(got) != jsonOf(h) || !bytes.Equal(got.Snapshot, h.Snapshot) {
		t.Fatalf("GetHold %+v, Resolve returned %+v", got, h)
	}
	_, err := e.st.Resolve(e.ctx, e.resolution(hid, false, now.Add(time.Minute), nil))
	wantErr(t, "second Resolve", err, store.ErrConflict)
	_, err = e.st.Resolve(e.ctx, e.resolution("no-such-hold", true, now, nil))
	wantErr(t, "Resolve(unknown hold)", err, store.ErrNotFound)
	e.wantCounts(now, policy.Counts{Published: 21, Negative: 4})

	// The notice to the CMS was recorded with the approval.
	cbs, err := e.st.ListCallbacks(e.ctx, e.o.ID, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(cbs) != 1 {
		t.Fatalf("%d callbacks, want 1", len(cbs))
	}
	c := cbs[0]
	if c.ID != cb.ID || c.Outlet != e.o.ID || c.Type != cb.Type || !bytes.Equal(c.Payload, cb.Payload) || c.Status != store.CallbackPending ||
		!c.CreatedAt.Equal(now) || !c.NextAttempt.Equal(now) || c.Attempts != 0 || c.DeliveredAt != nil {
		t.Fatalf("callback %+v, want %+v", c, cb)
	}

	// The approved post is counted: a re-check moves nothing.
	r, out := e.check("p", negative, now.Add(time.Minute))
	expectSituation(t, r, e.o.Rules, policy.CountedNegative, policy.Counts{Published: 20, Negative: 3})
	if out.Verdict != policy.Allow {
		t.Fatalf("re-check of the approved post: %+v", out)
	}
	e.wantCounts(now.Add(time.Minute), policy.Counts{Published: 21, Negative: 4})
}

// testResolveGuarded: a guarded approval (the scheduler's "approve at the
// earliest safe time") counts the post only where a check of it would not
// be held, decided in the same atomic step; refused, it changes nothing.
// Two guarded approvals for one room: the first takes it, the second is
// refused (no 16/101 overshoot).
func testResolveGuarded(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	e.fillCounts(T0, 20, 3)
	h1, h2 := e.mustHold("p1", T0), e.mustHold("p2", T0.Add(time.Second))
	guard := &store.Guard{Rules: e.o.Rules, Plan: policy.MakePlan(e.o.Rules, negative)}
	guarded := func(hold string, now time.Time) (store.Hold, error) {
		r := e.resolution(hold, true, now, callback(e, newID("cb-"), "hold.approved", now))
		r.Guard = guard
		return e.st.Resolve(e.ctx, r)
	}

	// 4/21 would pass 15%: refused, nothing recorded.
	now := T0.Add(time.Minute)
	before := e.state(now, e.day(now))
	_, err := guarded(h1, now)
	wantErr(t, "guarded Resolve over the limit", err, store.ErrNotSafe)
	e.wantState("a refused guarded approval", before, now, e.day(now))

	// Seven neutral posts later, 3/27: room for exactly one more (4/28).
	now = T0.Add(2 * time.Minute)
	var posts []store.SyncPost
	for i := 0; i < 7; i++ {
		posts = append(posts, e.post(newID("n-"), false, now.Add(-time.Duration(i+1)*time.Millisecond)))
	}
	e.sync(now, false, posts...)
	if h := e.mustResolveGuarded(guarded, h1, now); h.Status != store.HoldApproved {
		t.Fatalf("first guarded approval: %+v", h)
	}
	e.wantCounts(now, policy.Counts{Published: 28, Negative: 4})
	before = e.state(now, e.day(now))
	_, err = guarded(h2, now)
	wantErr(t, "second guarded Resolve for the same room", err, store.ErrNotSafe)
	e.wantState("the second guarded approval", before, now, e.day(now))
	if got := e.hold(h2); got.Status != store.HoldPending {
		t.Fatalf("second hold after the refusal: %+v", got)
	}
	// An unguarded approval (a manager's own decision) may still pass the
	// limit.
	e.resolve(h2, true, now, nil)
	e.wantCounts(now, policy.Counts{Published: 29, Negative: 5})
}

func (e *env) mustResolveGuarded(f func(string, time.Time) (store.Hold, error), hold string, now time.Time) store.Hold {
	e.t.Helper()
	h, err := f(hold, now)
	if err != nil {
		e.t.Fatalf("guarded Resolve(%s): %v", hold, err)
	}
	return h
}

func testResolveReject(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	e.fillCounts(T0, 20, 3)
	hid := e.mustHold("q", T0)
	now := T0.Add(time.Hour)
	before := e.daily(e.day(now))
	h := e.resolve(hid, false, now, callback(e, "cb-reject", "hold.rejected", now))
	if h.Status != store.HoldRejected || h.ResolvedAt == nil || !h.ResolvedAt.Equal(now) || h.Reviewer != "manager1" {
		t.Fatalf("rejected hold %+v", h)
	}
	e.wantCounts(now, policy.Counts{Published: 20, Negative: 3})
	if got := e.daily(e.day(now)); jsonOf(got) != jsonOf(before) {
		t.Fatalf("Daily moved on a rejection: %+v → %+v", before, got)
	}
	_, err := e.st.Resolve(e.ctx, e.resolution(hid, true, now, nil))
	wantErr(t, "approve after reject", err, store.ErrConflict)
	cbs, err := e.st.ListCallbacks(e.ctx, e.o.ID, store.CallbackPending, 10)
	if err != nil || len(cbs) != 1 || cbs[0].ID != "cb-reject" {
		t.Fatalf("callbacks after reject: %+v, %v", cbs, err)
	}
	if wr := e.withdraw("q", now); wr.Withdrawn || wr.Previous != store.StateRejected || wr.HoldCancelled != "" {
		t.Fatalf("withdraw of a rejected post: %+v", wr)
	}

	// Submitted again: decided afresh, a new hold.
	now = now.Add(time.Minute)
	r, _ := e.check("q", negative, now)
	expectSituation(t, r, e.o.Rules, policy.NotCounted, policy.Counts{Published: 20, Negative: 3})
	if r.HoldID == "" || r.HoldID == hid {
		t.Fatalf("re-check of a rejected post: HoldID %q (old %q), want a new hold", r.HoldID, hid)
	}
	if p := e.holds(store.HoldFilter{Status: store.HoldPending}); len(p) != 1 || p[0].ID != r.HoldID {
		t.Fatalf("pending holds %+v", p)
	}
}

func holdIDs(hs []store.Hold) []string {
	ids := []string{}
	for _, h := range hs {
		ids = append(ids, h.ID)
	}
	return ids
}

func testListHolds(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	e.fillCounts(T0, 20, 3)
	t1, t2, t3 := T0, T0.Add(time.Minute), T0.Add(2*time.Minute)
	h1, h2, h3 := e.mustHold("p1", t1), e.mustHold("p2", t2), e.mustHold("p3", t3)
	e.resolve(h2, true, T0.Add(3*time.Minute), nil)
	cases := []struct {
		f    store.HoldFilter
		want []string
	}{
		{store.HoldFilter{}, []string{h3, h2, h1}},
		{store.HoldFilter{Status: store.HoldPending}, []string{h3, h1}},
		{store.HoldFilter{Status: store.HoldApproved}, []string{h2}},
		{store.HoldFilter{Status: store.HoldRejected}, []string{}},
		{store.HoldFilter{Limit: 1}, []string{h3}},
		{store.HoldFilter{Before: t3}, []string{h2, h1}},
		{store.HoldFilter{Before: t3, Status: store.HoldPending}, []string{h1}},
		{store.HoldFilter{Before: t3, Limit: 1}, []string{h2}},
	}
	for _, tc := range cases {
		if got := holdIDs(e.holds(tc.f)); jsonOf(got) != jsonOf(tc.want) {
			t.Errorf("ListHolds(%+v) = %v, want %v", tc.f, got, tc.want)
		}
	}
}

func cbIDs(cs []store.Callback) []string {
	ids := []string{}
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	return ids
}

func testCallbacks(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	e.fillCounts(T0, 20, 3)
	t1, t2 := T0.Add(time.Minute), T0.Add(time.Minute+time.Second)
	e.resolve(e.mustHold("p1", T0), false, t1, callback(e, "c1", "hold.rejected", t1))
	e.resolve(e.mustHold("p2", T0), false, t2, callback(e, "c2", "hold.rejected", t2))
	lease := 30 * time.Second

	leased := func(now time.Time, n int, want ...string) []store.Callback {
		t.Helper()
		cs, err := e.st.LeaseCallbacks(e.ctx, e.o.ID, now, lease, n)
		if err != nil {
			t.Fatalf("LeaseCallbacks: %v", err)
		}
		if want == nil {
			want = []string{}
		}
		if got := cbIDs(cs); jsonOf(got) != jsonOf(want) {
			t.Fatalf("LeaseCallbacks(%s, n=%d) = %v, want %v", now.Format(time.RFC3339Nano), n, got, want)
		}
		for _, c := range cs {
			if c.Status != store.CallbackPending || !c.NextAttempt.Equal(now.Add(lease)) || len(c.Payload) == 0 {
				t.Fatalf("leased callback %+v: want pending, next attempt at now+lease, with its payload", c)
			}
		}
		return cs
	}
	list := func(status store.CallbackStatus, limit int) []store.Callback {
		t.Helper()
		cs, err := e.st.ListCallbacks(e.ctx, e.o.ID, status, limit)
		if err != nil {
			t.Fatalf("ListCallbacks: %v", err)
		}
		return cs
	}

	leased(t1, 10, "c1")
	leased(t2, 10, "c2") // c1 is leased until t1+30s
	leased(t2, 10)
	leased(t2.Add(lease), 1, "c1")
	leased(t2.Add(lease), 10, "c2")

	t3 := t2.Add(time.Minute)
	if err := e.st.FinishCallback(e.ctx, e.o.ID, "c1", store.CallbackAttempt{At: t3, Delivered: true}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.FinishCallback(e.ctx, e.o.ID, "c2", store.CallbackAttempt{At: t3, Error: "HTTP 503", Next: t3.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	d := list(store.CallbackDelivered, 10)
	if len(d) != 1 || d[0].ID != "c1" || d[0].DeliveredAt == nil || !d[0].DeliveredAt.Equal(t3) || d[0].Attempts != 1 {
		t.Fatalf("delivered callbacks %+v", d)
	}
	p := list(store.CallbackPending, 10)
	if len(p) != 1 || p[0].ID != "c2" || p[0].Attempts != 1 || p[0].LastError != "HTTP 503" || !p[0].NextAttempt.Equal(t3.Add(time.Minute)) {
		t.Fatalf("pending callbacks %+v", p)
	}
	leased(t3.Add(59*time.Second), 10)
	leased(t3.Add(time.Minute), 10, "c2")

	// Give up.
	if err := e.st.FinishCallback(e.ctx, e.o.ID, "c2", store.CallbackAttempt{At: t3.Add(time.Minute), Error: "timeout"}); err != nil {
		t.Fatal(err)
	}
	leased(t3.Add(24*time.Hour), 10)
	f := list(store.CallbackFailed, 10)
	if len(f) != 1 || f[0].ID != "c2" || f[0].Attempts != 2 || f[0].LastError != "timeout" {
		t.Fatalf("failed callbacks %+v", f)
	}
	if got := cbIDs(list("", 10)); jsonOf(got) != `["c2","c1"]` {
		t.Fatalf("ListCallbacks = %v, want newest first [c2 c1]", got)
	}
	if got := cbIDs(list("", 1)); jsonOf(got) != `["c2"]` {
		t.Fatalf("ListCallbacks(limit 1) = %v", got)
	}

	// The console's "retry now".
	t5 := t3.Add(2 * time.Hour)
	if err := e.st.RetryCallback(e.ctx, e.o.ID, "c2", t5); err != nil {
		t.Fatal(err)
	}
	leased(t5, 10, "c2")
	wantErr(t, "RetryCallback(delivered)", e.st.RetryCallback(e.ctx, e.o.ID, "c1", t5), store.ErrConflict)
	wantErr(t, "FinishCallback(delivered)", e.st.FinishCallback(e.ctx, e.o.ID, "c1", store.CallbackAttempt{At: t5, Delivered: true}), store.ErrConflict)
	wantErr(t, "RetryCallback(unknown)", e.st.RetryCallback(e.ctx, e.o.ID, "nope", t5), store.ErrNotFound)
	wantErr(t, "FinishCallback(unknown)", e.st.FinishCallback(e.ctx, e.o.ID, "nope", store.CallbackAttempt{At: t5, Delivered: true}), store.ErrNotFound)
}

func testRelabel(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	e.fillCounts(T0, 40, 2)
	e.check("p", nonNegative, T0)
	e.wantCounts(T0, policy.Counts{Published: 41, Negative: 2})
	now := T0.Add(time.Hour)
	if err := e.st.Relabel(e.ctx, e.o.ID, "p", policy.Negative, now, e.window(), "manager1", "tin về tai nạn"); err != nil {
		t.Fatal(err)
	}
	e.wantCounts(now, policy.Counts{Published: 41, Negative: 3})
	e.wantDay(e.day(T0), 1, 1)
	a := e.audit(store.AuditFilter{Type: "relabel"})
	if len(a) != 1 || a[0].PostID != "p" || a[0].Actor != "manager1" || !a[0].At.Equal(now) {
		t.Fatalf("relabel audit %+v", a)
	}
	// The edit check now sees it as counted negative.
	r, _ := e.check("p", negative, now)
	expectSituation(t, r, e.o.Rules, policy.CountedNegative, policy.Counts{Published: 40, Negative: 2})
	err := e.st.Relabel(e.ctx, e.o.ID, "never-seen", policy.Negative, now, e.window(), "manager1", "")
	wantErr(t, "Relabel(unknown post)", err, store.ErrNotFound)

	// A held post relabelled as not negative is counted as such when approved.
	e2 := newEnv(t, open)
	e2.fillCounts(T0, 20, 3)
	hid := e2.mustHold("q", T0)
	if err := e2.st.Relabel(e2.ctx, e2.o.ID, "q", policy.Neutral, now, e2.window(), "manager1", "không phải tin xấu"); err != nil {
		t.Fatal(err)
	}
	e2.wantCounts(now, policy.Counts{Published: 20, Negative: 3})
	if h := e2.hold(hid); h.Negative || h.Status != store.HoldPending {
		t.Fatalf("hold after relabel: %+v", h)
	}
	e2.resolve(hid, true, now, nil)
	e2.wantCounts(now, policy.Counts{Published: 21, Negative: 3})
}
