package storetest

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

func testEmptyWindow(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	e.wantCounts(T0, policy.Counts{})
	e.wantDay(e.day(T0), 0, 0)

	r, out := e.check("p1", nonNegative, T0)
	expectSituation(t, r, e.o.Rules, policy.NotCounted, policy.Counts{})
	if out.Verdict != policy.Allow || !out.Counted {
		t.Fatalf("non-negative post in an empty window: %+v, want allow counted", out)
	}
	if r.After != (policy.Counts{Published: 1}) || r.HoldID != "" || !r.EarliestSafe.IsZero() || r.Replayed {
		t.Fatalf("result %+v", r)
	}
	e.wantCounts(T0, policy.Counts{Published: 1})

	// 1/2 negative is far past 15%; the only post in the window is
	// non-negative, so time cannot help: no earliest safe time.
	now := T0.Add(time.Minute)
	r, out = e.check("p2", negative, now)
	expectSituation(t, r, e.o.Rules, policy.NotCounted, policy.Counts{Published: 1})
	if out.Verdict != policy.Hold || r.HoldID == "" || !r.EarliestSafe.IsZero() {
		t.Fatalf("negative post at 1/2: %+v, result %+v; want hold without earliest safe time", out, r)
	}
	if r.After != (policy.Counts{Published: 1}) {
		t.Fatalf("After = %+v, want the counts unchanged by a hold", r.After)
	}
	e.wantCounts(now, policy.Counts{Published: 1})
}

func testEdges(t *testing.T, open func(*testing.T) store.Store) {
	sensationalHold := func(o *store.Outlet) { o.Rules.SensationalAction = policy.SensationalHold }
	minSample := func(o *store.Outlet) { o.Rules.MinSample = 50 }
	cases := []struct {
		name    string
		p, n    int
		subject policy.Subject
		rules   func(*store.Outlet)
		want    policy.Verdict
	}{
		{"17 of 120, negative: 18/121 is past 12%", 120, 17, negative, nil, policy.Warn},
		{"2 of 19, negative: 3/20 is exactly 15%", 19, 2, negative, nil, policy.Warn},
		{"3 of 20, negative: 4/21 is past 15%", 20, 3, negative, nil, policy.Hold},
		{"2 of 24, negative: 3/25 is exactly 12%", 24, 2, negative, nil, policy.Allow},
		{"2 of 23, negative: 3/24 is past 12%", 23, 2, negative, nil, policy.Warn},
		{"18 of 120, negative: 19/121 is past 15%", 120, 18, negative, nil, policy.Hold},
		{"3 of 20, non-negative", 20, 3, nonNegative, nil, policy.Allow},
		{"2 of 19, borderline: (N+1)/(P+1) is 15%", 19, 2, policy.Subject{Borderline: true}, nil, policy.Warn},
		{"3 of 20, borderline: past 15%", 20, 3, policy.Subject{Borderline: true}, nil, policy.Hold},
		{"sensational, outlet warns", 20, 0, policy.Subject{Sensational: true}, nil, policy.Warn},
		{"sensational, outlet holds", 20, 0, policy.Subject{Sensational: true}, sensationalHold, policy.Hold},
		{"3 of 20 under min_sample 50: warned, not held", 20, 3, negative, minSample, policy.Warn},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var mut []func(*store.Outlet)
			if tc.rules != nil {
				mut = append(mut, tc.rules)
			}
			e := newEnv(t, open, mut...)
			before := policy.Counts{Published: int64(tc.p), Negative: int64(tc.n)}
			es := e.fillCounts(T0, tc.p, tc.n)
			in := e.input("new", tc.subject, T0)
			r := e.run(in)
			expectSituation(t, r, e.o.Rules, policy.NotCounted, before)
			out := in.Plan[r.Situation.Index()]
			if want := policy.Decide(e.o.Rules, tc.subject, policy.NotCounted, before); !reflect.DeepEqual(out, want) {
				t.Fatalf("outcome %+v, policy.Decide says %+v", out, want)
			}
			if out.Verdict != tc.want {
				t.Fatalf("verdict %s, want %s (outcome %+v)", out.Verdict, tc.want, out)
			}
			after := before
			if out.Counted {
				after.Published++
				if tc.subject.Negative {
					after.Negative++
				}
				if r.HoldID != "" {
					t.Fatalf("HoldID %q on a counted post", r.HoldID)
				}
			} else {
				if r.HoldID == "" {
					t.Fatal("hold without HoldID")
				}
				var wantES time.Time
				if out.TimeCanHelp {
					if at, ok := policy.EarliestSafe(&in.Plan, e.o.Rules, es, e.window().Milliseconds()); ok {
						wantES = time.UnixMilli(at)
					}
				}
				if !r.EarliestSafe.Equal(wantES) {
					t.Fatalf("EarliestSafe %v, want %v", r.EarliestSafe, wantES)
				}
			}
			if r.After != after {
				t.Fatalf("After = %+v, want %+v", r.After, after)
			}
			e.wantCounts(T0, after)
		})
	}
}

// earliestSafeWindow is 20 posts: the 4 oldest negative, two of them live at
// the same millisecond. A new negative post (5/21) is held; when the oldest
// leaves, 4/20 is still too much; when the pair leaves together, 2/18 fits.
func earliestSafeWindow(now time.Time, window time.Duration) []policy.WindowEntry {
	es := spread(now, window, 20, 4)
	es[2].AtMillis = es[1].AtMillis
	return es
}

func testHoldEarliestSafe(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	es := earliestSafeWindow(T0, e.window())
	e.fill(T0, es)
	e.wantCounts(T0, policy.Counts{Published: 20, Negative: 4})
	day := e.day(T0)
	dailyBefore := e.daily(day)

	now := T0.Add(time.Second)
	in := e.input("p", negative, now)
	r := e.run(in)
	out := in.Plan[r.Situation.Index()]
	expectSituation(t, r, e.o.Rules, policy.NotCounted, policy.Counts{Published: 20, Negative: 4})
	if out.Verdict != policy.Hold || !out.TimeCanHelp {
		t.Fatalf("outcome %+v, want a hold time can lift", out)
	}
	at, ok := policy.EarliestSafe(&in.Plan, e.o.Rules, es, e.window().Milliseconds())
	if !ok || at != es[1].AtMillis+e.window().Milliseconds() {
		t.Fatalf("test setup: policy.EarliestSafe = %d, %t", at, ok)
	}
	if !r.EarliestSafe.Equal(time.UnixMilli(at)) {
		t.Fatalf("EarliestSafe = %v, want %v (policy.EarliestSafe)", r.EarliestSafe, time.UnixMilli(at).UTC())
	}
	if r.HoldID != in.HoldID {
		t.Fatalf("HoldID = %q, want the new hold's id %q", r.HoldID, in.HoldID)
	}
	// A hold is not counted.
	e.wantCounts(now, policy.Counts{Published: 20, Negative: 4})
	if got := e.daily(day); !reflect.DeepEqual(got, dailyBefore) {
		t.Fatalf("Daily moved on a hold: %+v → %+v", dailyBefore, got)
	}

	h := e.hold(r.HoldID)
	if h.ID != r.HoldID || h.Outlet != e.o.ID || h.PostID != "p" || h.Status != store.HoldPending || !h.Negative {
		t.Fatalf("hold %+v", h)
	}
	if !h.CreatedAt.Equal(now) || h.Before != (policy.Counts{Published: 20, Negative: 4}) {
		t.Fatalf("hold created %v before %+v", h.CreatedAt, h.Before)
	}
	if h.EarliestSafe == nil || !h.EarliestSafe.Equal(r.EarliestSafe) {
		t.Fatalf("hold EarliestSafe %v, want %v", h.EarliestSafe, r.EarliestSafe)
	}
	if !bytes.Equal(h.Snapshot, in.Snapshot) {
		t.Fatalf("hold snapshot %s, want %s", h.Snapshot, in.Snapshot)
	}
	if h.ResolvedAt != nil || h.Reviewer != "" {
		t.Fatalf("new hold already resolved: %+v", h)
	}
	pending := e.holds(store.HoldFilter{Status: store.HoldPending})
	if len(pending) != 1 || pending[0].ID != r.HoldID {
		t.Fatalf("pending holds %+v", pending)
	}
	_, err := e.st.GetHold(e.ctx, e.o.ID, "no-such-hold")
	wantErr(t, "GetHold(unknown)", err, store.ErrNotFound)
}

func testHoldReused(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	e.fillCounts(T0, 20, 3)
	r1, _ := e.check("p", negative, T0)
	if r1.HoldID == "" {
		t.Fatal("no hold")
	}
	now := T0.Add(time.Minute)
	in := e.input("p", negative, now)
	r2 := e.run(in)
	if r2.HoldID != r1.HoldID {
		t.Fatalf("re-check of a held post: HoldID %q, want the pending hold %q", r2.HoldID, r1.HoldID)
	}
	expectSituation(t, r2, e.o.Rules, policy.NotCounted, policy.Counts{Published: 20, Negative: 3})
	if hs := e.holds(store.HoldFilter{}); len(hs) != 1 {
		t.Fatalf("%d holds after re-checking a held post, want 1", len(hs))
	}
	_, err := e.st.GetHold(e.ctx, e.o.ID, in.HoldID)
	wantErr(t, "GetHold(unused id)", err, store.ErrNotFound)

	// The tone changed: the post now fits, is counted, and its hold is cancelled.
	now = now.Add(time.Minute)
	r3, out := e.check("p", nonNegative, now)
	if out.Verdict != policy.Allow || r3.HoldID != "" {
		t.Fatalf("re-check as non-negative: %+v %+v", out, r3)
	}
	e.wantCounts(now, policy.Counts{Published: 21, Negative: 3})
	if h := e.hold(r1.HoldID); h.Status != store.HoldCancelled || h.CancelReason == "" {
		t.Fatalf("hold after the post was let through: %+v, want cancelled with a reason", h)
	}
}

// testHoldSnapshot: CheckInput.HoldSnapshot is kept with a hold (new or
// pending) and nowhere else; replays answer Snapshot.
func testHoldSnapshot(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	e.fillCounts(T0, 20, 3)
	withFull := func(in store.CheckInput, text string) store.CheckInput {
		in.HoldSnapshot = []byte(fmt.Sprintf(`{"post":{"id":%q,"content":%q}}`, in.PostID, text))
		return in
	}
	// Counted: no hold, the answer carries Snapshot.
	in := withFull(e.input("ok", nonNegative, T0), "tin vui")
	if r := e.run(in); r.HoldID != "" || !bytes.Equal(r.Snapshot, in.Snapshot) {
		t.Fatalf("counted check: hold %q, snapshot %s, want none and %s", r.HoldID, r.Snapshot, in.Snapshot)
	}
	// Held: the hold keeps HoldSnapshot; the answer and its replay carry Snapshot.
	now := T0.Add(time.Minute)
	in = withFull(e.input("p", negative, now), "tai nạn giao thông")
	in.WebhookID = "msg_hs1"
	r := e.run(in)
	if r.HoldID == "" || !bytes.Equal(r.Snapshot, in.Snapshot) {
		t.Fatalf("held check: hold %q, snapshot %s, want a hold and %s", r.HoldID, r.Snapshot, in.Snapshot)
	}
	if h := e.hold(r.HoldID); !bytes.Equal(h.Snapshot, in.HoldSnapshot) {
		t.Fatalf("hold snapshot %s, want the hold snapshot %s", h.Snapshot, in.HoldSnapshot)
	}
	again := withFull(e.input("p", negative, now.Add(time.Second)), "other")
	again.WebhookID = "msg_hs1"
	if r2 := e.run(again); !r2.Replayed || !bytes.Equal(r2.Snapshot, in.Snapshot) || r2.HoldID != r.HoldID {
		t.Fatalf("replay: %+v snapshot %s, want hold %s and %s", r2, r2.Snapshot, r.HoldID, in.Snapshot)
	}
	// Re-checked while held (an edit): the pending hold shows the new text.
	edit := withFull(e.input("p", negative, now.Add(time.Minute)), "tai nạn giao thông (sửa)")
	if r3 := e.run(edit); r3.HoldID != r.HoldID {
		t.Fatalf("re-check of a held post: hold %q, want %q", r3.HoldID, r.HoldID)
	}
	if h := e.hold(r.HoldID); !bytes.Equal(h.Snapshot, edit.HoldSnapshot) {
		t.Fatalf("hold snapshot after an edit %s, want %s", h.Snapshot, edit.HoldSnapshot)
	}
	// Without HoldSnapshot a hold keeps Snapshot.
	plain := e.input("q", negative, now.Add(2*time.Minute))
	if r4 := e.run(plain); r4.HoldID == "" || !bytes.Equal(e.hold(r4.HoldID).Snapshot, plain.Snapshot) {
		t.Fatalf("hold without a hold snapshot: %+v", r4)
	}
}

func testDryRun(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	es := earliestSafeWindow(T0, e.window())
	e.fill(T0, es)
	e.check("counted", nonNegative, T0) // 21 posts, 4 negative
	now := T0.Add(time.Minute)
	days := []string{e.day(T0), e.day(now)}
	before := e.state(now, days...)

	// Would be held: same answer, no hold, no ledger, no webhook record.
	in := e.input("p", negative, now)
	in.DryRun, in.WebhookID = true, "wh-dry"
	r := e.run(in)
	out := in.Plan[r.Situation.Index()]
	expectSituation(t, r, e.o.Rules, policy.NotCounted, policy.Counts{Published: 21, Negative: 4})
	if out.Verdict != policy.Hold {
		t.Fatalf("dry run verdict %s, want hold", out.Verdict)
	}
	if r.HoldID != "" {
		t.Fatalf("dry run invented a hold id %q", r.HoldID)
	}
	withCounted := append(slices.Clone(es), policy.WindowEntry{AtMillis: ms(T0)})
	at, ok := policy.EarliestSafe(&in.Plan, e.o.Rules, withCounted, e.window().Milliseconds())
	if !ok || !r.EarliestSafe.Equal(time.UnixMilli(at)) {
		t.Fatalf("dry run EarliestSafe %v, want %v", r.EarliestSafe, time.UnixMilli(at))
	}
	if r.After != r.Before || r.Replayed || !bytes.Equal(r.Snapshot, in.Snapshot) {
		t.Fatalf("dry run result %+v", r)
	}
	e.wantState("a dry run that would hold", before, now, days...)

	// Would be counted: After as if it had been, nothing recorded.
	in = e.input("q", nonNegative, now)
	in.DryRun, in.WebhookID = true, "wh-dry-2"
	r = e.run(in)
	if out := in.Plan[r.Situation.Index()]; out.Verdict != policy.Allow || r.After != (policy.Counts{Published: 22, Negative: 4}) {
		t.Fatalf("dry run of a non-negative post: %+v, After %+v", out, r.After)
	}
	// An edit, dry: the counted post as negative.
	in = e.input("counted", negative, now)
	in.DryRun = true
	r = e.run(in)
	expectSituation(t, r, e.o.Rules, policy.CountedNonNegative, policy.Counts{Published: 20, Negative: 4})
	e.wantState("dry runs", before, now, days...)
	_, err := e.st.Withdraw(e.ctx, e.o.ID, "q", now, e.window(), "editor1")
	wantErr(t, "Withdraw of a post only dry-run checked", err, store.ErrNotFound)

	// The dry runs' webhook ids were not recorded.
	in = e.input("q", nonNegative, now)
	in.WebhookID = "wh-dry-2"
	if r := e.run(in); r.Replayed {
		t.Fatal("a dry run's webhook id was recorded: the real check was answered as a replay")
	}
	e.wantCounts(now, policy.Counts{Published: 22, Negative: 4})
}

func testWebhookReplay(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	e.fillCounts(T0, 20, 2)
	now := T0.Add(time.Minute)
	in := e.input("p1", negative, now)
	in.WebhookID = "msg_1"
	r1 := e.run(in)
	if r1.Replayed {
		t.Fatal("first check answered as a replay")
	}
	e.wantCounts(now, policy.Counts{Published: 21, Negative: 3})
	days := []string{e.day(now)}
	before := e.state(now, days...)

	// Same webhook id, whatever the body says: the first answer, nothing changes.
	later := now.Add(time.Hour)
	again := e.input("p2", nonNegative, later)
	again.WebhookID = "msg_1"
	r2 := e.run(again)
	if !r2.Replayed {
		t.Fatal("repeated webhook id not answered as a replay")
	}
	r1.Replayed = true
	if !reflect.DeepEqual(jsonOf(r2), jsonOf(r1)) || !r2.EarliestSafe.Equal(r1.EarliestSafe) {
		t.Fatalf("replay %+v, want the first answer %+v", r2, r1)
	}
	if !bytes.Equal(r2.Snapshot, in.Snapshot) {
		t.Fatalf("replay snapshot %s, want the first %s", r2.Snapshot, in.Snapshot)
	}
	e.wantState("a replayed webhook id", before, later, days...)
	_, err := e.st.Withdraw(e.ctx, e.o.ID, "p2", later, e.window(), "editor1")
	wantErr(t, "Withdraw of the replayed request's post", err, store.ErrNotFound)

	// A replayed hold keeps its hold id and creates no other hold.
	in = e.input("p3", negative, later)
	in.WebhookID = "msg_2"
	h1 := e.run(in)
	if h1.HoldID == "" {
		t.Fatal("4/22 negative not held")
	}
	before = e.state(later, days...)
	in2 := e.input("p3", negative, later.Add(time.Second))
	in2.WebhookID = "msg_2"
	h2 := e.run(in2)
	if !h2.Replayed || h2.HoldID != h1.HoldID || !h2.EarliestSafe.Equal(h1.EarliestSafe) || h2.Situation != h1.Situation {
		t.Fatalf("replayed hold %+v, want %+v", h2, h1)
	}
	e.wantState("a replayed hold", before, later, days...)
}

// testCheckClaims: a check claims its webhook id (CheckInput.Claim) in the
// same atomic step as the decision. Claim afterwards finds the check's
// record; an id another request claimed (or whose answer is remembered) is
// refused with ErrWebhookReused and changes nothing; an id claimed with the
// check's own record (its dry run) is still the check's; a dry run, or a
// check without a claim, claims nothing.
func testCheckClaims(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	other := e.createOutlet()
	e.fillCounts(T0, 20, 2)
	now := T0.Add(time.Minute)
	days := []string{e.day(now)}
	rec := []byte(`{"target":"POST /v1/outlets/x/check"}`)
	elsewhere := []byte(`{"target":"DELETE /v1/outlets/x/posts/p1"}`)
	claimed := func(outlet, id string, want []byte) {
		t.Helper()
		got, first, err := e.st.Claim(e.ctx, outlet, id, elsewhere)
		if err != nil || first || !bytes.Equal(got, want) {
			t.Fatalf("Claim of %s after the check = %s, %t, %v; want %s kept", id, got, first, err, want)
		}
	}
	unclaimed := func(id string) {
		t.Helper()
		if _, first, err := e.st.Claim(e.ctx, e.o.ID, id, elsewhere); err != nil || !first {
			t.Fatalf("Claim of %s = first %t, %v; want the id free", id, first, err)
		}
	}

	// A counted check claims its id; repeated, it is a replay.
	in := e.input("p1", nonNegative, now)
	in.WebhookID, in.Claim = "msg_c1", rec
	if r := e.run(in); r.Replayed || r.After.Published != 21 {
		t.Fatalf("first check %+v", r)
	}
	claimed(e.o.ID, "msg_c1", rec)
	if _, first, _ := e.st.Claim(e.ctx, other.ID, "msg_c1", elsewhere); !first {
		t.Fatal("another outlet's id was taken by the check")
	}
	if r := e.run(in); !r.Replayed {
		t.Fatalf("repeated check %+v, want a replay", r)
	}

	// A held check claims its id too (3/22 negative, then 4/23 is held).
	e.check("p2a", negative, now)
	held := e.input("p2", negative, now)
	held.WebhookID, held.Claim = "msg_c2", rec
	if r := e.run(held); r.HoldID == "" {
		t.Fatalf("held check %+v, want a hold", r)
	}
	claimed(e.o.ID, "msg_c2", rec)

	// An id another route claimed, or whose answer is remembered: refused,
	// nothing changes.
	before := e.state(now, days...)
	if _, first, err := e.st.Claim(e.ctx, e.o.ID, "msg_o1", elsewhere); err != nil || !first {
		t.Fatalf("Claim: %t %v", first, err)
	}
	if err := e.st.Remember(e.ctx, e.o.ID, "msg_o2", []byte(`{"target":"POST /v1/outlets/x/sync","status":200,"body":"e30="}`)); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"msg_o1", "msg_o2"} {
		refused := e.input("p3", nonNegative, now)
		refused.WebhookID, refused.Claim = id, rec
		_, err := e.st.Check(e.ctx, refused)
		wantErr(t, "a check with the id of another request", err, store.ErrWebhookReused)
		if store.KindOf(err) != store.KindConflict {
			t.Fatalf("kind of %v: %v, want a conflict", err, store.KindOf(err))
		}
	}
	e.wantState("a check refused for its webhook id", before, now, days...)
	claimed(e.o.ID, "msg_o1", elsewhere)

	// Claimed with the check's own record (its dry run): the check goes on.
	if _, first, err := e.st.Claim(e.ctx, e.o.ID, "msg_s1", rec); err != nil || !first {
		t.Fatalf("Claim: %t %v", first, err)
	}
	same := e.input("p4", nonNegative, now)
	same.WebhookID, same.Claim = "msg_s1", rec
	if r := e.run(same); r.Replayed || r.After.Published != before.Counts.Published+1 {
		t.Fatalf("check after its own claim %+v", r)
	}
	claimed(e.o.ID, "msg_s1", rec)

	// A dry run claims nothing, nor does a check without a claim.
	dry := e.input("p5", nonNegative, now)
	dry.WebhookID, dry.Claim, dry.DryRun = "msg_d1", rec, true
	e.run(dry)
	unclaimed("msg_d1")
	bare := e.input("p6", nonNegative, now)
	bare.WebhookID = "msg_b1"
	e.run(bare)
	unclaimed("msg_b1")
}

func testAlreadyCounted(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	e.fillCounts(T0, 40, 2)
	r1, out1 := e.check("p", negative, T0)
	if out1.Verdict != policy.Allow {
		t.Fatalf("3/41: %s", out1.Verdict)
	}
	now := T0.Add(time.Hour)
	r2, out2 := e.check("p", negative, now)
	expectSituation(t, r2, e.o.Rules, policy.CountedNegative, r1.Before)
	if out2.Verdict != policy.Allow || out2.Reasons[0] != policy.ReasonAlreadyCounted || r2.After != r1.After {
		t.Fatalf("second check of a counted post: %+v, After %+v (first %+v)", out2, r2.After, r1.After)
	}
	e.wantCounts(now, policy.Counts{Published: 41, Negative: 3})
	e.wantDay(e.day(T0), 1, 1)
}

func testEditMovesCount(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	e.fillCounts(T0, 100, 10)
	day := e.day(T0)
	e.check("p", nonNegative, T0)
	e.wantCounts(T0, policy.Counts{Published: 101, Negative: 10})
	_, dayP, dayN := dayOf(e, day)

	// Edited the next day as negative: its count moves on its go-live day.
	now := T0.Add(26 * time.Hour)
	r, out := e.check("p", negative, now)
	expectSituation(t, r, e.o.Rules, policy.CountedNonNegative, policy.Counts{Published: 100, Negative: 10})
	if !out.Counted || r.After != (policy.Counts{Published: 101, Negative: 11}) {
		t.Fatalf("edit to negative: %+v, After %+v", out, r.After)
	}
	e.wantCounts(now, policy.Counts{Published: 101, Negative: 11})
	e.wantDay(day, dayP, dayN+1)
	e.wantDay(e.day(now), 0, 0)

	now = now.Add(time.Hour)
	r, _ = e.check("p", nonNegative, now)
	expectSituation(t, r, e.o.Rules, policy.CountedNegative, policy.Counts{Published: 100, Negative: 10})
	e.wantCounts(now, policy.Counts{Published: 101, Negative: 10})
	e.wantDay(day, dayP, dayN)
}

func dayOf(e *env, day string) (string, int64, int64) {
	d := e.daily(day)[0]
	return d.Day, d.Published, d.Negative
}

func testEditToHold(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	e.fillCounts(T0, 20, 3)
	day := e.day(T0)
	e.check("p", nonNegative, T0)
	e.wantCounts(T0, policy.Counts{Published: 21, Negative: 3})
	_, dayP, dayN := dayOf(e, day)

	now := T0.Add(time.Minute)
	in := e.input("p", negative, now)
	r := e.run(in)
	out := in.Plan[r.Situation.Index()]
	expectSituation(t, r, e.o.Rules, policy.CountedNonNegative, policy.Counts{Published: 20, Negative: 3})
	if out.Verdict != policy.Hold || r.HoldID != in.HoldID {
		t.Fatalf("edit to negative at 4/21: %+v, result %+v; want a new hold", out, r)
	}
	if r.After != (policy.Counts{Published: 20, Negative: 3}) {
		t.Fatalf("After = %+v: a held post leaves the counts", r.After)
	}
	e.wantCounts(now, policy.Counts{Published: 20, Negative: 3})
	e.wantDay(day, dayP-1, dayN)
	if h := e.hold(r.HoldID); h.Status != store.HoldPending || h.PostID != "p" || !h.Negative {
		t.Fatalf("hold %+v", h)
	}
	res := e.withdraw("p", now)
	if res.Withdrawn || res.Previous != store.StateHeld || res.HoldCancelled != r.HoldID {
		t.Fatalf("withdraw of the held post: %+v", res)
	}
}
