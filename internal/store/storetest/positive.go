package storetest

import (
	"fmt"
	"testing"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

var positive = policy.Subject{Positive: true}

// counts is a shorthand for policy.Counts.
func counts(published, negative, positive int64) policy.Counts {
	return policy.Counts{Published: published, Negative: negative, Positive: positive}
}

// wantDailyPositive: the daily series' positive counts over the days of the
// window ending at now add up to the window's positive count (every post of
// these tests is still in the window when this is called).
func (e *env) wantDailyPositive(now time.Time, want int64) {
	e.t.Helper()
	var days []string
	for d := now.Add(-e.window()); !d.After(now.Add(24 * time.Hour)); d = d.Add(time.Hour) {
		if k := e.day(d); len(days) == 0 || days[len(days)-1] != k {
			days = append(days, k)
		}
	}
	var got int64
	for _, d := range e.daily(days...) {
		got += d.Positive
	}
	if got != want {
		e.t.Fatalf("daily series at %s: %d positive over the window's days, want %d", now.Format(time.RFC3339), got, want)
	}
}

// testPositiveCounts: the window and the daily series count positive posts
// beside negative ones, exactly, through every path that moves a post's
// count or tone: a check, a re-check that changes the tone, a dry run
// (nothing), a replay, a withdrawal, a sync (added, withdrawn when
// complete), a hold and its approval, and a relabel (counted and held
// posts).
func testPositiveCounts(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open, func(o *store.Outlet) { o.Rules.SensationalAction = policy.SensationalHold })
	wantCounts := func(now time.Time, want policy.Counts) {
		t.Helper()
		e.wantCounts(now, want)
		e.wantDailyPositive(now, want.Positive)
	}
	now := T0
	e.fillCounts(now, 20, 2) // neutral and negative posts only
	wantCounts(now, counts(20, 2, 0))

	// A new positive post is counted as positive.
	r, out := e.check("g1", positive, now)
	if out.Verdict != policy.Allow || r.Before != counts(20, 2, 0) || r.After != counts(21, 2, 1) {
		t.Fatalf("positive check: %+v before %+v after %+v", out, r.Before, r.After)
	}
	wantCounts(now, counts(21, 2, 1))

	// A dry run of another positive post says what would happen and records nothing.
	in := e.input("g-dry", positive, now)
	in.DryRun = true
	if r := e.run(in); r.After != counts(22, 2, 2) {
		t.Fatalf("dry run after %+v", r.After)
	}
	wantCounts(now, counts(21, 2, 1))

	// The same webhook id answers the first counts again, positive included.
	now = now.Add(time.Second)
	in = e.input("g2", positive, now)
	in.WebhookID = "msg_positive"
	first := e.run(in)
	again := e.run(in)
	if !again.Replayed || again.Before != first.Before || again.After != first.After || first.After != counts(22, 2, 2) {
		t.Fatalf("replay: first %+v / %+v, again %+v / %+v", first.Before, first.After, again.Before, again.After)
	}
	wantCounts(now, counts(22, 2, 2))

	// Edits move the count with the tone: positive → neutral → positive → negative.
	steps := []struct {
		s      policy.Subject
		ledger policy.Ledger
		before policy.Counts // the window without g1
		after  policy.Counts
	}{
		{nonNegative, policy.CountedNonNegative, counts(21, 2, 1), counts(22, 2, 1)},
		{positive, policy.CountedNonNegative, counts(21, 2, 1), counts(22, 2, 2)},
		{negative, policy.CountedNonNegative, counts(21, 2, 1), counts(22, 3, 1)},
		{positive, policy.CountedNegative, counts(21, 2, 1), counts(22, 2, 2)},
	}
	for i, st := range steps {
		now = now.Add(time.Second)
		r, out := e.check("g1", st.s, now)
		expectSituation(t, r, e.o.Rules, st.ledger, st.before)
		if !out.Counted || r.After != st.after {
			t.Fatalf("edit %d (%+v): %+v after %+v, want %+v", i, st.s, out, r.After, st.after)
		}
		wantCounts(now, st.after)
	}

	// Withdrawn: out of the positive count.
	now = now.Add(time.Second)
	if w := e.withdraw("g2", now); !w.Withdrawn {
		t.Fatalf("withdraw: %+v", w)
	}
	wantCounts(now, counts(21, 2, 1))

	// Sync: positive posts are added as positive; a complete sync withdraws
	// the positive ones it does not list.
	now = now.Add(time.Second)
	at := now.Add(-time.Hour)
	s1 := e.post("s-pos", false, at)
	s1.Positive = true
	s2 := e.post("s-neu", false, at)
	if r := e.sync(now, false, s1, s2); len(r.Added) != 2 {
		t.Fatalf("sync added %v", r.Added)
	}
	wantCounts(now, counts(23, 2, 2))
	listed := []store.SyncPost{s2}
	for i := 0; i < 20; i++ {
		listed = append(listed, store.SyncPost{ID: fmt.Sprintf("w-%d", i), Negative: i < 2, PublishedAt: time.UnixMilli(spread(T0, e.window(), 20, 2)[i].AtMillis).UTC()})
		listed[len(listed)-1].Day = e.day(listed[len(listed)-1].PublishedAt)
	}
	now = now.Add(time.Second)
	r2 := e.sync(now, true, listed...)
	wantIDs(t, "complete sync withdrew", r2.Withdrawn, "g1", "s-pos")
	wantCounts(now, counts(21, 2, 0))

	// A positive post held (a sensational headline, held by this outlet)
	// keeps its tone in the hold, with the window's positive count then, and
	// is counted as positive when approved.
	now = now.Add(time.Second)
	sens := policy.Subject{Positive: true, Sensational: true}
	r, out = e.check("g3", sens, now)
	if out.Verdict != policy.Hold || r.HoldID == "" {
		t.Fatalf("sensational positive post: %+v", out)
	}
	wantCounts(now, counts(21, 2, 0))
	h := e.hold(r.HoldID)
	if !h.Positive || h.Negative || h.Before != counts(21, 2, 0) {
		t.Fatalf("hold of a positive post: %+v", h)
	}
	now = now.Add(time.Second)
	e.resolve(h.ID, true, now, nil)
	wantCounts(now, counts(22, 2, 1))

	// Relabel: a counted post's counts follow its new tone.
	for _, c := range []struct {
		tone policy.Tone
		want policy.Counts
	}{
		{policy.Negative, counts(22, 3, 0)},
		{policy.Positive, counts(22, 2, 1)},
		{policy.Neutral, counts(22, 2, 0)},
		{policy.Positive, counts(22, 2, 1)},
	} {
		now = now.Add(time.Second)
		if err := e.st.Relabel(e.ctx, e.o.ID, "g3", c.tone, now, e.window(), "manager1", "sửa nhãn"); err != nil {
			t.Fatal(err)
		}
		wantCounts(now, c.want)
	}

	// A held post relabelled positive is counted as positive when approved.
	now = now.Add(time.Second)
	r, out = e.check("g4", policy.Subject{Sensational: true}, now)
	if out.Verdict != policy.Hold {
		t.Fatalf("sensational neutral post: %+v", out)
	}
	if err := e.st.Relabel(e.ctx, e.o.ID, "g4", policy.Positive, now, e.window(), "manager1", "tin tốt"); err != nil {
		t.Fatal(err)
	}
	if h := e.hold(r.HoldID); !h.Positive || h.Negative {
		t.Fatalf("relabelled hold: %+v", h)
	}
	wantCounts(now, counts(22, 2, 1))
	now = now.Add(time.Second)
	e.resolve(r.HoldID, true, now, nil)
	wantCounts(now, counts(23, 2, 2))

	// A counted positive post held on an edit leaves the positive count.
	now = now.Add(time.Second)
	r, out = e.check("g4", sens, now)
	if out.Verdict != policy.Hold {
		t.Fatalf("edit to a held headline: %+v", out)
	}
	expectSituation(t, r, e.o.Rules, policy.CountedNonNegative, counts(22, 2, 1))
	wantCounts(now, counts(22, 2, 1))

	// Everything leaves with the window.
	late := now.Add(e.window())
	e.wantCounts(late, counts(0, 0, 0))
}
