package storetest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// normOutlet puts an outlet's times in UTC so outlets compare by value.
func normOutlet(o store.Outlet) string {
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	secrets := make([]store.Secret, len(o.Secrets))
	for i, s := range o.Secrets {
		if s.ExpiresAt != nil {
			at := s.ExpiresAt.UTC()
			s.ExpiresAt = &at
		}
		secrets[i] = s
	}
	o.Secrets = secrets
	return jsonOf(o)
}

func testOutlets(t *testing.T, open func(*testing.T) store.Store) {
	st := open(t)
	ctx := t.Context()
	expires := T0.Add(72 * time.Hour)
	o := store.Outlet{
		ID:   newID("t-"),
		Name: "Báo điện tử tỉnh Kon Tum",
		Rules: policy.Rules{Limit: 1000, WarnAt: 800, MinSample: 10,
			SensationalAction: policy.SensationalHold, SensationalSensitivity: policy.SensitivityHigh, Mode: policy.Shadow},
		WindowDays: 7,
		Timezone:   "Asia/Ho_Chi_Minh",
		CategoryTones: map[string]policy.Tone{
			policy.CategoryKey("Pháp luật"):       policy.Negative,
			policy.CategoryKey("Gương người tốt"): policy.Positive,
		},
		CallbackURL:          "https://cms.example.vn/wp-json/gatekeeper/v1/callback",
		AllowPrivateCallback: true,
		Secrets: []store.Secret{
			{Value: "whsec_bmV3IHNlY3JldCBmb3IgdGVzdHMgb25seQ=="},
			{Value: "whsec_b2xkIHNlY3JldCBmb3IgdGVzdHMgb25seQ==", ExpiresAt: &expires},
		},
		CreatedAt: T0,
		UpdatedAt: T0,
	}
	if err := st.CreateOutlet(ctx, o); err != nil {
		t.Fatal(err)
	}
	got, err := st.GetOutlet(ctx, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if normOutlet(got) != normOutlet(o) {
		t.Fatalf("GetOutlet:\n got %s\nwant %s", normOutlet(got), normOutlet(o))
	}
	wantErr(t, "CreateOutlet(existing)", st.CreateOutlet(ctx, o), store.ErrExists)
	_, err = st.GetOutlet(ctx, "t-no-such-outlet")
	wantErr(t, "GetOutlet(unknown)", err, store.ErrNotFound)
	wantErr(t, "UpdateOutlet(unknown)", st.UpdateOutlet(ctx, store.Outlet{ID: "t-no-such-outlet", Rules: policy.DefaultRules(), WindowDays: 30}), store.ErrNotFound)
	wantErr(t, "DeleteOutlet(unknown)", st.DeleteOutlet(ctx, "t-no-such-outlet"), store.ErrNotFound)

	o.Name = "Báo Kon Tum điện tử"
	o.Rules = policy.DefaultRules()
	o.Rules.SensationalAction, o.Rules.SensationalSensitivity = policy.SensationalNote, policy.SensitivityLow
	o.Secrets = o.Secrets[:1]
	o.UpdatedAt = T0.Add(time.Hour)
	if err := st.UpdateOutlet(ctx, o); err != nil {
		t.Fatal(err)
	}
	if got, _ := st.GetOutlet(ctx, o.ID); normOutlet(got) != normOutlet(o) {
		t.Fatalf("after UpdateOutlet:\n got %s\nwant %s", normOutlet(got), normOutlet(o))
	}
	other := o
	other.ID = newID("t-")
	if err := st.CreateOutlet(ctx, other); err != nil {
		t.Fatal(err)
	}
	all, err := st.ListOutlets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, x := range all {
		found[x.ID] = normOutlet(x)
	}
	if found[o.ID] != normOutlet(o) || found[other.ID] != normOutlet(other) {
		t.Fatalf("ListOutlets lacks the outlets created: %v", found)
	}
	if err := st.DeleteOutlet(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	_, err = st.GetOutlet(ctx, o.ID)
	wantErr(t, "GetOutlet(deleted)", err, store.ErrNotFound)
	all, _ = st.ListOutlets(ctx)
	for _, x := range all {
		if x.ID == o.ID {
			t.Fatal("ListOutlets lists a deleted outlet")
		}
	}
	if _, err := st.GetOutlet(ctx, other.ID); err != nil {
		t.Fatalf("deleting one outlet touched another: %v", err)
	}
}

func testAudit(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	e.fillCounts(T0, 20, 3) // a sync entry at T0
	at := func(i int) time.Time { return T0.Add(time.Duration(i) * time.Minute) }

	e.check("p1", nonNegative, at(1)) // 21/3
	dry := e.input("p2", negative, at(1))
	dry.DryRun = true
	e.run(dry)
	hid3 := e.mustHold("p3", at(2))
	e.resolve(hid3, true, at(3), nil) // 22/4
	hid4 := e.mustHold("p4", at(4))
	e.resolve(hid4, false, at(5), nil)
	e.withdraw("p1", at(6))
	e.sync(at(7), false, e.post("p5", false, at(7)))
	if err := e.st.Relabel(e.ctx, e.o.ID, "p5", policy.Negative, at(8), e.window(), "manager1", "ghi chú"); err != nil {
		t.Fatal(err)
	}
	custom := store.AuditEntry{Outlet: e.o.ID, At: at(9), Type: "outlet_update", Actor: "admin", Detail: []byte(`{"field":"limit","from":1500,"to":1400}`)}
	if err := e.st.AppendAudit(e.ctx, custom); err != nil {
		t.Fatal(err)
	}

	all := e.audit(store.AuditFilter{})
	want := []struct {
		typ, post, hold, actor, decision string
		at                               time.Time
	}{
		{"outlet_update", "", "", "admin", "", at(9)},
		{"relabel", "p5", "", "manager1", "", at(8)},
		{"sync", "", "", "cms", "", at(7)},
		{"withdraw", "p1", "", "editor1", "", at(6)},
		{"reject", "p4", hid4, "manager1", "", at(5)},
		{"hold", "p4", hid4, "editor1", "hold", at(4)},
		{"approve", "p3", hid3, "manager1", "", at(3)},
		{"hold", "p3", hid3, "editor1", "hold", at(2)},
		{"check", "p1", "", "editor1", "allow", at(1)},
		{"sync", "", "", "cms", "", T0},
	}
	if len(all) != len(want) {
		t.Fatalf("audit has %d entries, want %d: %v", len(all), len(want), e.auditTypes(store.AuditFilter{}))
	}
	ids := map[string]bool{}
	for i, w := range want {
		a := all[i]
		if a.Type != w.typ || a.PostID != w.post || a.HoldID != w.hold || a.Actor != w.actor || !a.At.Equal(w.at) || a.Outlet != e.o.ID {
			t.Errorf("audit[%d] = %+v, want %+v", i, a, w)
		}
		if w.decision != "" && a.Decision != w.decision {
			t.Errorf("audit[%d] decision %q, want %q", i, a.Decision, w.decision)
		}
		if a.ID == "" || ids[a.ID] {
			t.Errorf("audit[%d] id %q empty or repeated", i, a.ID)
		}
		ids[a.ID] = true
		if len(a.Detail) > 0 && !json.Valid(a.Detail) {
			t.Errorf("audit[%d] detail is not JSON: %s", i, a.Detail)
		}
	}
	var gotDetail, wantDetail any
	json.Unmarshal(all[0].Detail, &gotDetail)
	json.Unmarshal(custom.Detail, &wantDetail)
	if jsonOf(gotDetail) != jsonOf(wantDetail) {
		t.Errorf("appended detail %s, want %s", all[0].Detail, custom.Detail)
	}

	filters := []struct {
		f    store.AuditFilter
		want string
	}{
		{store.AuditFilter{Type: "hold"}, `["hold","hold"]`},
		{store.AuditFilter{PostID: "p3"}, `["approve","hold"]`},
		{store.AuditFilter{Since: at(3), Until: at(6)}, `["reject","hold","approve"]`},
		{store.AuditFilter{Since: at(8)}, `["outlet_update","relabel"]`},
		{store.AuditFilter{Until: at(1)}, `["sync"]`},
		{store.AuditFilter{Limit: 3}, `["outlet_update","relabel","sync"]`},
		{store.AuditFilter{Type: "sync", Limit: 1}, `["sync"]`},
		{store.AuditFilter{PostID: "nope"}, `null`},
		{store.AuditFilter{Actor: "manager1"}, `["relabel","reject","approve"]`},
		{store.AuditFilter{Actor: "editor1", Type: "hold", Limit: 1}, `["hold"]`},
		{store.AuditFilter{Actor: "editor"}, `null`},
	}
	for _, tc := range filters {
		if got := jsonOf(e.auditTypes(tc.f)); got != tc.want {
			t.Errorf("ListAudit(%+v) = %s, want %s", tc.f, got, tc.want)
		}
	}
	if a := e.audit(store.AuditFilter{Type: "sync", Limit: 1}); len(a) != 1 || !a[0].At.Equal(at(7)) {
		t.Errorf("newest sync entry %+v, want the one at %v", a, at(7))
	}
}

func testReplies(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	other := e.createOutlet()
	if _, ok, err := e.st.Recall(e.ctx, e.o.ID, "msg_1"); err != nil || ok {
		t.Fatalf("Recall before Remember: ok=%t err=%v", ok, err)
	}
	answer := []byte(`{"decision":"allow","message":"Đã duyệt"}`)
	if err := e.st.Remember(e.ctx, e.o.ID, "msg_1", answer); err != nil {
		t.Fatal(err)
	}
	got, ok, err := e.st.Recall(e.ctx, e.o.ID, "msg_1")
	if err != nil || !ok || !bytes.Equal(got, answer) {
		t.Fatalf("Recall = %s, %t, %v; want %s", got, ok, err, answer)
	}
	if _, ok, _ := e.st.Recall(e.ctx, other.ID, "msg_1"); ok {
		t.Fatal("another outlet recalls the answer")
	}

	// Claim: the first use keeps its record; later uses see it; Remember
	// puts the answer in its place; ids of another outlet are apart.
	claim := []byte(`{"target":"GET /v1/outlets/x/share"}`)
	got, first, err := e.st.Claim(e.ctx, e.o.ID, "msg_2", claim)
	if err != nil || !first || !bytes.Equal(got, claim) {
		t.Fatalf("first Claim = %s, %t, %v", got, first, err)
	}
	got, first, err = e.st.Claim(e.ctx, e.o.ID, "msg_2", []byte(`{"target":"DELETE /v1/outlets/x/posts/1"}`))
	if err != nil || first || !bytes.Equal(got, claim) {
		t.Fatalf("second Claim = %s, %t, %v; want the first record", got, first, err)
	}
	if _, first, _ := e.st.Claim(e.ctx, other.ID, "msg_2", claim); !first {
		t.Fatal("a claim of another outlet's id was refused")
	}
	if err := e.st.Remember(e.ctx, e.o.ID, "msg_2", answer); err != nil {
		t.Fatal(err)
	}
	if got, first, _ := e.st.Claim(e.ctx, e.o.ID, "msg_2", claim); first || !bytes.Equal(got, answer) {
		t.Fatalf("Claim after Remember = %s, %t; want the answer", got, first)
	}
	// msg_1 was remembered without a claim: claiming it finds the answer.
	if got, first, _ := e.st.Claim(e.ctx, e.o.ID, "msg_1", claim); first || !bytes.Equal(got, answer) {
		t.Fatalf("Claim of a remembered id = %s, %t", got, first)
	}
}

func testIsolation(t *testing.T, open func(*testing.T) store.Store) {
	a := newEnv(t, open)
	b := &env{t: t, ctx: a.ctx, st: a.st}
	b.o = b.createOutlet()
	a.fillCounts(T0, 20, 3)

	in := a.input("p", nonNegative, T0)
	in.WebhookID = "same-id"
	a.run(in)
	a.mustHold("h", T0)
	a.wantCounts(T0, policy.Counts{Published: 21, Negative: 3})

	in = b.input("p", nonNegative, T0)
	in.WebhookID = "same-id"
	r := b.run(in)
	if r.Replayed {
		t.Fatal("a webhook id of another outlet was replayed")
	}
	expectSituation(t, r, b.o.Rules, policy.NotCounted, policy.Counts{})
	b.wantCounts(T0, policy.Counts{Published: 1})
	if hs := b.holds(store.HoldFilter{}); len(hs) != 0 {
		t.Fatalf("holds of another outlet listed: %+v", hs)
	}
	now := T0.Add(time.Minute)
	a.withdraw("p", now)
	a.wantCounts(now, policy.Counts{Published: 20, Negative: 3})
	b.wantCounts(now, policy.Counts{Published: 1})
	if got := b.auditTypes(store.AuditFilter{}); jsonOf(got) != `["check"]` {
		t.Fatalf("other outlet's audit %v, want [check]", got)
	}
	b.wantDay(b.day(T0), 1, 0)
	_, err := b.st.Withdraw(b.ctx, b.o.ID, "h", now, b.window(), "editor1")
	wantErr(t, "Withdraw of another outlet's post", err, store.ErrNotFound)
}

func testDeleteOutlet(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	e.fillCounts(T0, 20, 3)
	in := e.input("p", nonNegative, T0)
	in.WebhookID = "msg_before"
	e.run(in)
	hid := e.mustHold("h1", T0)
	e.resolve(hid, false, T0, callback(e, "cb", "hold.rejected", T0))
	hid2 := e.mustHold("h2", T0)
	if err := e.st.Remember(e.ctx, e.o.ID, "msg_x", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	if err := e.st.DeleteOutlet(e.ctx, e.o.ID); err != nil {
		t.Fatal(err)
	}
	_, err := e.st.GetOutlet(e.ctx, e.o.ID)
	wantErr(t, "GetOutlet(deleted)", err, store.ErrNotFound)
	wantErr(t, "DeleteOutlet(deleted)", e.st.DeleteOutlet(e.ctx, e.o.ID), store.ErrNotFound)

	// The same id again starts from nothing.
	if err := e.st.CreateOutlet(e.ctx, e.o); err != nil {
		t.Fatal(err)
	}
	e.wantCounts(T0, policy.Counts{})
	e.wantDay(e.day(T0), 0, 0)
	e.wantDay(e.day(time.UnixMilli(spread(T0, e.window(), 1, 0)[0].AtMillis)), 0, 0)
	if hs := e.holds(store.HoldFilter{}); len(hs) != 0 {
		t.Fatalf("holds survived DeleteOutlet: %+v", hs)
	}
	for _, id := range []string{hid, hid2} {
		_, err = e.st.GetHold(e.ctx, e.o.ID, id)
		wantErr(t, "GetHold after DeleteOutlet", err, store.ErrNotFound)
	}
	if a := e.audit(store.AuditFilter{}); len(a) != 0 {
		t.Fatalf("audit survived DeleteOutlet: %+v", a)
	}
	if cbs, err := e.st.ListCallbacks(e.ctx, e.o.ID, "", 10); err != nil || len(cbs) != 0 {
		t.Fatalf("callbacks survived DeleteOutlet: %+v %v", cbs, err)
	}
	if _, ok, err := e.st.Recall(e.ctx, e.o.ID, "msg_x"); ok || err != nil {
		t.Fatalf("reply survived DeleteOutlet: %t %v", ok, err)
	}
	for _, post := range []string{"w-0", "p", "h1", "h2"} {
		_, err = e.st.Withdraw(e.ctx, e.o.ID, post, T0, e.window(), "editor1")
		wantErr(t, "Withdraw("+post+") after DeleteOutlet", err, store.ErrNotFound)
	}
	in.HoldID = newID("h-")
	if r := e.run(in); r.Replayed {
		t.Fatal("a webhook id survived DeleteOutlet")
	}
}

func testConcurrency(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	const p0, n0, workers = 1000, 100, 64
	e.fillCounts(T0, p0, n0)

	// Every order of identical negative posts admits the same number.
	c := policy.Counts{Published: p0, Negative: n0}
	admit := 0
	for range workers {
		if policy.Decide(e.o.Rules, negative, policy.NotCounted, c).Counted {
			admit++
			c.Published++
			c.Negative++
		}
	}
	if admit == 0 || admit == workers {
		t.Fatalf("test setup: %d of %d admitted", admit, workers)
	}

	now := T0.Add(time.Second)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		errs    []error
		counted int
		held    int
	)
	start := make(chan struct{})
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			in := e.input(fmt.Sprintf("c-%d", i), negative, now)
			<-start
			r, err := e.st.Check(e.ctx, in)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			if in.Plan[r.Situation.Index()].Counted {
				counted++
				if limit := e.o.Rules.Limit; r.After.Negative*int64(policy.Full) > int64(limit)*r.After.Published {
					errs = append(errs, fmt.Errorf("allowed/warned with After %+v past the limit", r.After))
				}
			} else {
				held++
			}
		}()
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	if counted != admit || held != workers-admit {
		t.Fatalf("%d counted and %d held, want %d and %d", counted, held, admit, workers-admit)
	}
	final := e.counts(now)
	if final != c {
		t.Fatalf("final counts %+v, want %+v", final, c)
	}
	if final.Negative*int64(policy.Full) > int64(e.o.Rules.Limit)*final.Published {
		t.Fatalf("final share %s%% past the limit", final.Share().Percent())
	}
	if hs := e.holds(store.HoldFilter{Status: store.HoldPending, Limit: 1000}); len(hs) != workers-admit {
		t.Fatalf("%d pending holds, want %d", len(hs), workers-admit)
	}
}

// testAuditReadings pins the audit details reports read: a check's and a
// hold's situation, tone and reading; a withdrawal's previous state; a
// relabel's new tone and note; a decision's note.
func testAuditReadings(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	e.fillCounts(T0, 20, 3)
	at := func(i int) time.Time { return T0.Add(time.Duration(i) * time.Minute) }
	in := e.input("p1", nonNegative, at(1))
	in.Reading = store.Reading{Tone: "positive", Sensational: true}
	e.run(in)
	hid := e.mustHold("p2", at(2))
	e.resolve(hid, true, at(3), nil)
	e.withdraw("p1", at(4))
	if err := e.st.Relabel(e.ctx, e.o.ID, "p2", policy.Neutral, at(5), e.window(), "manager1", "không tiêu cực"); err != nil {
		t.Fatal(err)
	}
	type detail struct {
		Situation *int           `json:"situation"`
		Negative  *bool          `json:"negative"`
		Reading   *store.Reading `json:"reading"`
		Previous  any            `json:"previous"`
		Note      *string        `json:"note"`
	}
	got := map[string]detail{}
	for _, a := range e.audit(store.AuditFilter{Since: at(1)}) {
		var d detail
		if err := json.Unmarshal(a.Detail, &d); err != nil {
			t.Fatalf("%s detail %s: %v", a.Type, a.Detail, err)
		}
		got[a.Type] = d
	}
	c := got["check"]
	if c.Situation == nil || *c.Situation != policy.SituationAt(e.o.Rules, policy.NotCounted, policy.Counts{Published: 20, Negative: 3}).Index() ||
		c.Negative == nil || *c.Negative || c.Reading == nil || jsonOf(*c.Reading) != jsonOf(in.Reading) {
		t.Errorf("check detail %+v, want situation, negative false and reading %+v", c, in.Reading)
	}
	if h := got["hold"]; h.Situation == nil || h.Negative == nil || !*h.Negative || h.Reading == nil {
		t.Errorf("hold detail %+v, want situation, negative true and a reading", h)
	}
	if w := got["withdraw"]; w.Previous != string(store.StateCounted) {
		t.Errorf("withdraw detail previous %v, want %q", w.Previous, store.StateCounted)
	}
	if r := got["relabel"]; r.Negative == nil || *r.Negative || r.Note == nil || *r.Note != "không tiêu cực" {
		t.Errorf("relabel detail %+v, want negative false and the note", r)
	}
	if a := got["approve"]; a.Note == nil {
		t.Errorf("approve detail %+v, want a note", a)
	}
}

// testEnqueueCallback: a notice is queued once by id, whoever asks how
// often; it is leased and listed like any callback.
func testEnqueueCallback(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	c := store.Callback{ID: "n-hold-h1-mai", Outlet: e.o.ID, Type: "notice.email", Payload: []byte(`{"to":"mai@example.vn"}`)}
	ok, err := e.st.EnqueueCallback(e.ctx, c, T0)
	if err != nil || !ok {
		t.Fatalf("first enqueue: %v %v", ok, err)
	}
	again := c
	again.Payload = []byte(`{"to":"other@example.vn"}`)
	for range 3 {
		if ok, err := e.st.EnqueueCallback(e.ctx, again, T0.Add(time.Minute)); err != nil || ok {
			t.Fatalf("repeated enqueue: %v %v", ok, err)
		}
	}
	list, err := e.st.ListCallbacks(e.ctx, e.o.ID, "", 10)
	if err != nil || len(list) != 1 || list[0].ID != c.ID || list[0].Type != c.Type || list[0].Status != store.CallbackPending ||
		!list[0].CreatedAt.Equal(T0) {
		t.Fatalf("outbox after enqueues: %+v %v", list, err)
	}
	leased, err := e.st.LeaseCallbacks(e.ctx, e.o.ID, T0, time.Minute, 10)
	if err != nil || len(leased) != 1 || string(leased[0].Payload) != string(c.Payload) {
		t.Fatalf("lease: %+v %v", leased, err)
	}
	later := store.Callback{ID: "n-later", Outlet: e.o.ID, Type: "notice.webhook", Payload: []byte(`{}`), NextAttempt: T0.Add(time.Hour)}
	if ok, err := e.st.EnqueueCallback(e.ctx, later, T0); err != nil || !ok {
		t.Fatalf("enqueue later: %v %v", ok, err)
	}
	if got, err := e.st.LeaseCallbacks(e.ctx, e.o.ID, T0.Add(2*time.Minute), time.Minute, 10); err != nil || len(got) != 1 || got[0].ID != c.ID {
		t.Fatalf("a notice due in an hour was leased early: %+v %v", got, err)
	}
	_, err = e.st.EnqueueCallback(e.ctx, store.Callback{ID: "x", Outlet: "no-such-outlet", Type: "notice.email"}, T0)
	wantErr(t, "enqueue for an unknown outlet", err, store.ErrNotFound)
	if _, err := e.st.EnqueueCallback(e.ctx, store.Callback{Outlet: e.o.ID, Type: "notice.email"}, T0); err == nil {
		t.Error("a callback without id was queued")
	}
}

// testRetention: Trim deletes what is older than the cut — audit entries,
// days, decided holds, finished callbacks — and nothing else; snapshots
// are kept by key.
func testRetention(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	old := T0
	e.fillCounts(old, 20, 3) // a sync entry and 20 posts on T0's day
	decided := e.mustHold("p-old-decided", old.Add(time.Minute))
	e.resolve(decided, false, old.Add(2*time.Minute), &store.Callback{ID: "cb-old", Type: "hold.rejected", Payload: []byte(`{}`)})
	if err := e.st.FinishCallback(e.ctx, e.o.ID, "cb-old", store.CallbackAttempt{At: old.Add(3 * time.Minute), Delivered: true}); err != nil {
		t.Fatal(err)
	}
	pending := e.mustHold("p-old-pending", old.Add(4*time.Minute))
	if _, err := e.st.EnqueueCallback(e.ctx, store.Callback{ID: "n-old-pending", Outlet: e.o.ID, Type: "notice.email", Payload: []byte(`{}`)}, old); err != nil {
		t.Fatal(err)
	}
	later := old.Add(40 * 24 * time.Hour)
	e.check("p-new", nonNegative, later)
	cut := old.Add(20 * 24 * time.Hour)

	r, err := e.st.Trim(e.ctx, e.o.ID, cut, e.day(cut))
	if err != nil {
		t.Fatal(err)
	}
	if r.Audit != 4 || r.Days != 1 || r.Holds != 1 || r.Callbacks != 1 {
		t.Errorf("trimmed %+v, want 4 audit entries (sync, hold, reject, hold), 1 day, 1 hold, 1 callback", r)
	}
	if got := e.auditTypes(store.AuditFilter{}); jsonOf(got) != `["check"]` {
		t.Errorf("audit after trim %v, want the new check only", got)
	}
	if d := e.daily(e.day(old), e.day(later)); d[0].Published != 0 || d[1].Published != 1 {
		t.Errorf("daily after trim %+v", d)
	}
	if _, err := e.st.GetHold(e.ctx, e.o.ID, decided); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the decided hold is still there: %v", err)
	}
	if h := e.hold(pending); h.Status != store.HoldPending {
		t.Errorf("the pending hold went: %+v", h)
	}
	cbs, err := e.st.ListCallbacks(e.ctx, e.o.ID, "", 10)
	if err != nil || len(cbs) != 1 || cbs[0].ID != "n-old-pending" {
		t.Errorf("callbacks after trim %+v %v (the pending notice stays)", cbs, err)
	}
	if r, err := e.st.Trim(e.ctx, e.o.ID, cut, e.day(cut)); err != nil || r != (store.TrimResult{}) {
		t.Errorf("a second trim: %+v %v", r, err)
	}
	// Snapshots.
	if _, err := e.st.GetSnapshot(e.ctx, e.o.ID, "202611"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a missing snapshot: %v", err)
	}
	for _, v := range []string{`{"v":1}`, `{"v":2}`} {
		if err := e.st.PutSnapshot(e.ctx, e.o.ID, "202611", []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	if b, err := e.st.GetSnapshot(e.ctx, e.o.ID, "202611"); err != nil || string(b) != `{"v":2}` {
		t.Errorf("snapshot %s %v", b, err)
	}
	wantErr(t, "snapshot of an unknown outlet", e.st.PutSnapshot(e.ctx, "no-such-outlet", "202611", []byte(`{}`)), store.ErrNotFound)
	_, err = e.st.Trim(e.ctx, "no-such-outlet", cut, e.day(cut))
	wantErr(t, "trim of an unknown outlet", err, store.ErrNotFound)
}

// testAuditSinceOutOfOrder: entries appended out of time order by less than
// store.AuditOrderSlack are all found by Since, however long the log before
// them (a store reading newest first may stop only past the slack).
func testAuditSinceOutOfOrder(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	// A long log first: two days of entries, one every 2 minutes.
	for i := range 1440 {
		if err := e.st.AppendAudit(e.ctx, store.AuditEntry{Outlet: e.o.ID, Type: "note", At: T0.Add(time.Duration(i) * 2 * time.Minute), Actor: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	since := T0.Add(48 * time.Hour)
	for _, d := range []time.Duration{time.Hour, -2 * time.Hour, 30 * time.Minute, -20 * time.Hour, 2 * time.Hour} {
		if err := e.st.AppendAudit(e.ctx, store.AuditEntry{Outlet: e.o.ID, Type: "late", At: since.Add(d), Actor: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	got := e.audit(store.AuditFilter{Since: since, Limit: 10000})
	var late []time.Duration
	for _, a := range got {
		if a.Type != "late" {
			t.Fatalf("an entry before Since: %+v", a)
		}
		late = append(late, a.At.Sub(since))
	}
	want := []time.Duration{2 * time.Hour, 30 * time.Minute, time.Hour} // newest first: appended last first
	if fmt.Sprint(late) != fmt.Sprint(want) {
		t.Fatalf("Since %v found %v, want %v", since, late, want)
	}
	// An earlier Since: the last hour of the log and the late entries after it.
	if n := len(e.audit(store.AuditFilter{Since: T0.Add(47 * time.Hour), Limit: 10000})); n != 30+3 {
		t.Fatalf("%d entries since T0+47h, want 33", n)
	}
}
