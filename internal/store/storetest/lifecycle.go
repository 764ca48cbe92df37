package storetest

import (
	"reflect"
	"testing"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

func testWithdraw(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	e.fillCounts(T0, 40, 2)
	e.check("p", negative, T0)
	e.wantCounts(T0, policy.Counts{Published: 41, Negative: 3})
	e.wantDay(e.day(T0), 1, 1)

	_, err := e.st.Withdraw(e.ctx, e.o.ID, "never-seen", T0, e.window(), "editor1")
	wantErr(t, "Withdraw(unknown post)", err, store.ErrNotFound)

	now := T0.Add(time.Minute)
	if r := e.withdraw("p", now); !r.Withdrawn || r.Previous != store.StateCounted || r.HoldCancelled != "" {
		t.Fatalf("withdraw of a counted post: %+v", r)
	}
	e.wantCounts(now, policy.Counts{Published: 40, Negative: 2})
	e.wantDay(e.day(T0), 0, 0)
	nAudit := len(e.audit(store.AuditFilter{Type: "withdraw"}))
	if nAudit != 1 {
		t.Fatalf("%d withdraw audit entries, want 1", nAudit)
	}

	// Idempotent: nothing changes, nothing is recorded.
	if r := e.withdraw("p", now); r.Withdrawn || r.Previous != store.StateWithdrawn || r.HoldCancelled != "" {
		t.Fatalf("second withdraw: %+v", r)
	}
	e.wantCounts(now, policy.Counts{Published: 40, Negative: 2})
	if n := len(e.audit(store.AuditFilter{Type: "withdraw"})); n != 1 {
		t.Fatalf("%d withdraw audit entries after a repeated withdrawal, want 1", n)
	}

	// Published again: decided afresh and counted at the new time.
	now = now.Add(time.Minute)
	r, out := e.check("p", negative, now)
	expectSituation(t, r, e.o.Rules, policy.NotCounted, policy.Counts{Published: 40, Negative: 2})
	if !out.Counted {
		t.Fatalf("re-published post: %+v", out)
	}
	e.wantCounts(now, policy.Counts{Published: 41, Negative: 3})

	// Withdrawing a held post cancels its hold.
	e2 := newEnv(t, open)
	e2.fillCounts(T0, 20, 3)
	h, _ := e2.check("held", negative, T0)
	if h.HoldID == "" {
		t.Fatal("4/21 not held")
	}
	wr := e2.withdraw("held", now)
	if wr.Withdrawn || wr.Previous != store.StateHeld || wr.HoldCancelled != h.HoldID {
		t.Fatalf("withdraw of a held post: %+v", wr)
	}
	if hold := e2.hold(h.HoldID); hold.Status != store.HoldCancelled || hold.CancelReason == "" || !hold.UpdatedAt.Equal(now) {
		t.Fatalf("hold after withdrawal: %+v", hold)
	}
	e2.wantCounts(now, policy.Counts{Published: 20, Negative: 3})
	_, err = e2.st.Resolve(e2.ctx, e2.resolution(h.HoldID, true, now, nil))
	wantErr(t, "Resolve of a cancelled hold", err, store.ErrConflict)
	if wr := e2.withdraw("held", now); wr.Withdrawn || wr.Previous != store.StateWithdrawn || wr.HoldCancelled != "" {
		t.Fatalf("second withdraw of the held post: %+v", wr)
	}
}

func testSync(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	now := T0
	w := e.window()
	posts := []store.SyncPost{
		e.post("a", true, now.Add(-time.Hour)),
		e.post("b", false, now.Add(-2*24*time.Hour)),
		e.post("c", false, now.Add(-3*24*time.Hour)),
		e.post("d", true, now.Add(-10*24*time.Hour)),
		e.post("e", false, now.Add(-20*24*time.Hour)),
		e.post("f", false, now.Add(-w)),               // the window's start is not in the window
		e.post("g", true, now.Add(-w-5*24*time.Hour)), // long gone
	}
	r := e.sync(now, false, posts...)
	wantIDs(t, "Added", r.Added, "a", "b", "c", "d", "e")
	wantIDs(t, "Outside", r.Outside, "f", "g")
	wantIDs(t, "Withdrawn", r.Withdrawn)
	wantIDs(t, "Unchanged", r.Unchanged)
	e.wantCounts(now, policy.Counts{Published: 5, Negative: 2})
	e.wantDay(posts[3].Day, 1, 1)
	e.wantDay(posts[5].Day, 1, 0) // recorded as published that day, outside the window
	if n := len(e.audit(store.AuditFilter{Type: "sync"})); n != 1 {
		t.Fatalf("%d sync audit entries, want 1", n)
	}

	// Idempotent.
	r = e.sync(now, false, posts...)
	wantIDs(t, "Added (again)", r.Added)
	wantIDs(t, "Unchanged (again)", r.Unchanged, "a", "b", "c", "d", "e")
	wantIDs(t, "Outside (again)", r.Outside, "f", "g")
	wantIDs(t, "Withdrawn (again)", r.Withdrawn)
	e.wantCounts(now, policy.Counts{Published: 5, Negative: 2})
	e.wantDay(posts[3].Day, 1, 1)
	if n := len(e.audit(store.AuditFilter{Type: "sync"})); n != 1 {
		t.Fatalf("%d sync audit entries after a sync that changed nothing, want 1", n)
	}

	// An edit of a post published before the window never counts it.
	now = now.Add(time.Minute)
	res, out := e.check("f", negative, now)
	expectSituation(t, res, e.o.Rules, policy.CountedOutsideWindow, policy.Counts{Published: 5, Negative: 2})
	if out.Verdict != policy.Allow || out.Reasons[0] != policy.ReasonOutsideWindow || res.After != res.Before {
		t.Fatalf("edit of a post outside the window: %+v, result %+v", out, res)
	}
	e.check("n", nonNegative, now)
	e.wantCounts(now, policy.Counts{Published: 6, Negative: 2})

	// Complete: counted posts of the window missing from the list are withdrawn.
	now = now.Add(time.Minute)
	r = e.sync(now, true, posts[0], posts[1], posts[2], e.post("h", false, now.Add(-5*24*time.Hour)))
	wantIDs(t, "Added (complete)", r.Added, "h")
	wantIDs(t, "Unchanged (complete)", r.Unchanged, "a", "b", "c")
	wantIDs(t, "Withdrawn (complete)", r.Withdrawn, "d", "e", "n")
	wantIDs(t, "Outside (complete)", r.Outside)
	e.wantCounts(now, policy.Counts{Published: 4, Negative: 1})
	e.wantDay(posts[3].Day, 0, 0)
	if wr := e.withdraw("d", now); wr.Withdrawn || wr.Previous != store.StateWithdrawn {
		t.Fatalf("post withdrawn by a complete sync: %+v", wr)
	}
	if n := len(e.audit(store.AuditFilter{Type: "sync"})); n != 2 {
		t.Fatalf("%d sync audit entries, want 2", n)
	}
}

// testSyncRange: a complete sync with a range withdraws only the counted
// posts that went live in [From, To); posts before and after it, and the
// range's end itself, are left alone.
func testSyncRange(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	now := T0
	day := 24 * time.Hour
	from, to := now.Add(-10*day), now.Add(-5*day)
	e.sync(now, false,
		e.post("before", true, from.Add(-time.Millisecond)),
		e.post("first", true, from),
		e.post("inside", false, from.Add(day)),
		e.post("kept", false, from.Add(2*day)),
		e.post("end", false, to),
		e.post("after", true, now.Add(-time.Hour)),
	)
	e.wantCounts(now, policy.Counts{Published: 6, Negative: 3})
	now = now.Add(time.Minute)
	in := store.SyncInput{
		Outlet: e.o.ID, Now: now, Window: e.window(), Complete: true, From: from, To: to, Actor: "import",
		Posts: []store.SyncPost{e.post("kept", false, from.Add(2*day)), e.post("new", false, from.Add(3*day))},
	}
	r, err := e.st.Sync(e.ctx, in)
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	wantIDs(t, "Added", r.Added, "new")
	wantIDs(t, "Unchanged", r.Unchanged, "kept")
	wantIDs(t, "Withdrawn", r.Withdrawn, "first", "inside")
	e.wantCounts(now, policy.Counts{Published: 5, Negative: 2})
	// Only To: everything of the window before it; only From: after it.
	now = now.Add(time.Minute)
	in = store.SyncInput{Outlet: e.o.ID, Now: now, Window: e.window(), Complete: true, To: from, Actor: "import"}
	if r, err = e.st.Sync(e.ctx, in); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	wantIDs(t, "Withdrawn (to)", r.Withdrawn, "before")
	in = store.SyncInput{Outlet: e.o.ID, Now: now, Window: e.window(), Complete: true, From: now.Add(-2 * time.Hour), Actor: "import"}
	if r, err = e.st.Sync(e.ctx, in); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	wantIDs(t, "Withdrawn (from)", r.Withdrawn, "after")
	e.wantCounts(now, policy.Counts{Published: 3, Negative: 0})
}

func testSyncCountsHeldPost(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	e.fillCounts(T0, 20, 3)
	h, _ := e.check("p", negative, T0)
	if h.HoldID == "" {
		t.Fatal("4/21 not held")
	}
	// The CMS published it anyway (break glass) and says so.
	now := T0.Add(time.Minute)
	r := e.sync(now, false, e.post("p", true, now))
	wantIDs(t, "Added", r.Added, "p")
	e.wantCounts(now, policy.Counts{Published: 21, Negative: 4})
	if hold := e.hold(h.HoldID); hold.Status != store.HoldCancelled || hold.CancelReason == "" {
		t.Fatalf("hold of a post synced as published: %+v", hold)
	}
	res, _ := e.check("p", negative, now.Add(time.Minute))
	expectSituation(t, res, e.o.Rules, policy.CountedNegative, policy.Counts{Published: 20, Negative: 3})
	e.wantCounts(now, policy.Counts{Published: 21, Negative: 4})
}

func testWindowBoundary(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	now := T0
	w := e.window()
	r := e.sync(now, false, e.post("a", false, now.Add(-w)), e.post("b", true, now.Add(-w+time.Millisecond)))
	wantIDs(t, "Outside", r.Outside, "a")
	wantIDs(t, "Added", r.Added, "b")
	e.wantCounts(now, policy.Counts{Published: 1, Negative: 1})

	later := now.Add(time.Millisecond)
	e.wantCounts(later, policy.Counts{})
	res, out := e.check("b", negative, later)
	expectSituation(t, res, e.o.Rules, policy.CountedOutsideWindow, policy.Counts{})
	if out.Verdict != policy.Allow || res.After != (policy.Counts{}) {
		t.Fatalf("re-check of a post that just left the window: %+v, After %+v", out, res.After)
	}
	e.wantCounts(later, policy.Counts{})

	e.check("c", nonNegative, later)
	e.wantCounts(later.Add(w-time.Millisecond), policy.Counts{Published: 1})
	e.wantCounts(later.Add(w), policy.Counts{})
}

func testDaily(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	d1 := time.Date(2026, 11, 2, 18, 0, 0, 0, time.UTC) // 2026-11-03 01:00 in Hà Nội
	d2 := d1.Add(24 * time.Hour)
	if e.day(d1) != "20261103" || e.day(d2) != "20261104" {
		t.Fatalf("DayKey: %s %s", e.day(d1), e.day(d2))
	}
	e.fillCounts(d1, 40, 0)
	e.check("p1", negative, d1)
	e.check("p2", nonNegative, d2)
	want := []store.DayCount{
		{Day: "20261104", Published: 1, Negative: 0},
		{Day: "20261102", Published: 0, Negative: 0},
		{Day: "20261103", Published: 1, Negative: 1},
	}
	if got := e.daily("20261104", "20261102", "20261103"); !reflect.DeepEqual(got, want) {
		t.Fatalf("Daily = %+v, want %+v", got, want)
	}
	e.withdraw("p1", d2)
	e.wantDay("20261103", 0, 0)
	if err := e.st.Relabel(e.ctx, e.o.ID, "p2", policy.Negative, d2, e.window(), "manager1", "tin tai nạn"); err != nil {
		t.Fatal(err)
	}
	e.wantDay("20261104", 1, 1)
	// Positive posts have their own count: checked, relabelled, withdrawn.
	e.check("p3", positive, d2)
	if got, want := e.daily("20261104"), []store.DayCount{{Day: "20261104", Published: 2, Negative: 1, Positive: 1}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Daily after a positive post = %+v, want %+v", got, want)
	}
	if err := e.st.Relabel(e.ctx, e.o.ID, "p2", policy.Positive, d2, e.window(), "manager1", "tin tốt"); err != nil {
		t.Fatal(err)
	}
	if got, want := e.daily("20261104"), []store.DayCount{{Day: "20261104", Published: 2, Negative: 0, Positive: 2}}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Daily after relabelling positive = %+v, want %+v", got, want)
	}
	e.withdraw("p3", d2)
	e.check("p2", negative, d2) // an edit that turns it negative
	e.wantDay("20261104", 1, 1)
	if got := e.daily(); len(got) != 0 {
		t.Fatalf("Daily() = %+v, want empty", got)
	}
}

// testDayBoundaries pins now at a month's last local minute and the next
// month's first, and at New Year, in outlets of two time zones: a post
// checked at 23:59 local counts under that day and one at 00:01 under the
// next, and each leaves the window exactly window after it went live, to
// the millisecond.
func testDayBoundaries(t *testing.T, open func(*testing.T) store.Store) {
	ict := time.FixedZone("ICT", 7*3600)
	cases := []struct {
		name        string
		tz          string
		late, early time.Time // a local day's last minute, the next day's first
		lateDay     string
		earlyDay    string
	}{
		{"month end, Hà Nội", "Asia/Ho_Chi_Minh",
			time.Date(2026, 11, 30, 23, 59, 0, 0, ict), time.Date(2026, 12, 1, 0, 1, 0, 0, ict), "20261130", "20261201"},
		{"New Year, Hà Nội", "Asia/Ho_Chi_Minh",
			time.Date(2026, 12, 31, 23, 59, 30, 0, ict), time.Date(2027, 1, 1, 0, 0, 30, 0, ict), "20261231", "20270101"},
		{"the same instants in a UTC outlet", "UTC",
			time.Date(2026, 12, 31, 23, 59, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 1, 0, 0, time.UTC), "20261231", "20270101"},
		{"local midnight is not UTC midnight", "UTC",
			time.Date(2026, 11, 30, 23, 59, 0, 0, ict), time.Date(2026, 12, 1, 0, 1, 0, 0, ict), "20261130", "20261130"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, open, func(o *store.Outlet) { o.Timezone = tc.tz })
			if got := e.day(tc.late) + "," + e.day(tc.early); got != tc.lateDay+","+tc.earlyDay {
				t.Fatalf("days %s, want %s,%s", got, tc.lateDay, tc.earlyDay)
			}
			if _, out := e.check("late", nonNegative, tc.late); out.Verdict != policy.Allow {
				t.Fatalf("late: %+v", out)
			}
			if _, out := e.check("early", nonNegative, tc.early); out.Verdict != policy.Allow {
				t.Fatalf("early: %+v", out)
			}
			if tc.lateDay == tc.earlyDay {
				e.wantDay(tc.lateDay, 2, 0)
			} else {
				e.wantDay(tc.lateDay, 1, 0)
				e.wantDay(tc.earlyDay, 1, 0)
			}
			w := e.window()
			e.wantCounts(tc.early, policy.Counts{Published: 2})
			e.wantCounts(tc.late.Add(w-time.Millisecond), policy.Counts{Published: 2})
			e.wantCounts(tc.late.Add(w), policy.Counts{Published: 1})
			e.wantCounts(tc.early.Add(w-time.Millisecond), policy.Counts{Published: 1})
			e.wantCounts(tc.early.Add(w), policy.Counts{})
		})
	}
}
