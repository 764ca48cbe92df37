package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// TestRunningCountsStayExact does random checks, edits, holds, approvals,
// withdrawals, relabels and syncs with a clock that mostly moves forward
// (sometimes back, and windows of other lengths), and compares the running
// counts with a count of the posts themselves after every step.
func TestRunningCountsStayExact(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	r := policy.DefaultRules()
	r.MinSample = 5
	s := openTest(t, t.TempDir())
	addOutlet(t, s, "o", r)
	now := t0
	post := func() string { return fmt.Sprint("p", rng.IntN(60)) }
	tones := []policy.Tone{policy.Negative, policy.Neutral, policy.Positive}
	subject := func() policy.Subject {
		t := tones[rng.IntN(3)]
		return policy.Subject{Negative: t == policy.Negative, Positive: t == policy.Positive, Borderline: rng.IntN(8) == 0}
	}
	sawPositive := 0
	steps := 1500
	if raceEnabled {
		steps = 150
	}
	for step := 0; step < steps; step++ {
		switch k := rng.IntN(100); {
		case k < 70:
			now = now.Add(time.Duration(rng.IntN(int(36 * time.Hour))))
		case k < 75:
			now = now.Add(-time.Duration(rng.IntN(int(10 * 24 * time.Hour))))
		}
		w := window
		if rng.IntN(10) == 0 {
			w = time.Duration(1+rng.IntN(40)) * 24 * time.Hour
		}
		var err error
		switch op := rng.IntN(100); {
		case op < 55:
			in := input("o", post(), now, r, subject())
			in.Window, in.HoldID = w, fmt.Sprint("h", step)
			in.DryRun = rng.IntN(10) == 0
			_, err = s.Check(ctx, in)
		case op < 65:
			_, err = s.Withdraw(ctx, "o", post(), now, w, "cms")
		case op < 72:
			err = s.Relabel(ctx, "o", post(), tones[rng.IntN(3)], now, w, "mgr", "")
		case op < 85:
			var hs []store.Hold
			hs, err = s.ListHolds(ctx, "o", store.HoldFilter{Status: store.HoldPending, Limit: 5})
			if err == nil && len(hs) > 0 {
				_, err = s.Resolve(ctx, store.Resolution{Outlet: "o", HoldID: hs[rng.IntN(len(hs))].ID,
					Approve: rng.IntN(2) == 0, Reviewer: "mgr", Now: now, Window: w, Day: "d"})
			}
		default:
			var ps []store.SyncPost
			for i := rng.IntN(6); i > 0; i-- {
				sj := subject()
				ps = append(ps, store.SyncPost{ID: post(), Negative: sj.Negative, Positive: sj.Positive,
					PublishedAt: now.Add(-time.Duration(rng.IntN(int(45 * 24 * time.Hour)))), Day: "d"})
			}
			_, err = s.Sync(ctx, store.SyncInput{Outlet: "o", Now: now, Window: w, Posts: ps, Complete: rng.IntN(5) == 0})
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("step %d: %v", step, err)
		}
		for _, at := range []time.Time{now, now.Add(-time.Duration(rng.IntN(int(20 * 24 * time.Hour))))} {
			start := at.UnixMilli() - w.Milliseconds()
			got, err := windowCounts(ctx, s.db, "o", start, false)
			if err != nil {
				t.Fatal(err)
			}
			want, err := scanWindow(ctx, s.db, "o", start)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Fatalf("step %d: running counts %+v, posts say %+v", step, got, want)
			}
			if got.Positive > 0 {
				sawPositive++
			}
		}
	}
	if sawPositive == 0 {
		t.Fatal("no window ever held a positive post: the test exercised nothing")
	}
	// The daily series adds up to every counted post.
	var daily, posts int64
	if err := s.db.QueryRow("SELECT coalesce(sum(published), 0) FROM daily WHERE outlet = 'o'").Scan(&daily); err != nil {
		t.Fatal(err)
	}
	if err := s.db.QueryRow("SELECT count(*) FROM posts WHERE outlet = 'o' AND state = 'counted'").Scan(&posts); err != nil {
		t.Fatal(err)
	}
	if daily != posts {
		t.Errorf("daily series sums to %d published, %d posts counted", daily, posts)
	}
}

// TestEarliestSafeOverManyPosts compares the store's walk (a prefix of the
// window, the rest stood in for) with policy.EarliestSafe over every post,
// for windows where the answer lies inside the prefix, past it, at a group of
// posts that went live at the same millisecond across its edge, or nowhere.
func TestEarliestSafeOverManyPosts(t *testing.T) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(3, 4))
	r := policy.DefaultRules()
	plan := policy.MakePlan(r, negative)
	cases := 15
	if raceEnabled {
		cases = 3
	}
	for i := 0; i < cases; i++ {
		s := openTest(t, t.TempDir())
		addOutlet(t, s, "o", r)
		n := earliestPrefix - 5 + rng.IntN(700)
		// Negatives concentrated early (answer inside the prefix), late
		// (answer past it) or everywhere (often no answer).
		mode := i % 3
		var posts []store.SyncPost
		var es []policy.WindowEntry
		at := t0.Add(-window).UnixMilli()
		for j := 0; j < n; j++ {
			if rng.IntN(4) != 0 { // a quarter share the previous post's millisecond
				at += 1 + int64(rng.IntN(3_600_000))
			}
			neg := false
			switch mode {
			case 0:
				neg = j < n/5
			case 1:
				neg = j > n/2 && rng.IntN(3) == 0
			default:
				neg = rng.IntN(4) == 0
			}
			posts = append(posts, store.SyncPost{ID: fmt.Sprint("p", j), Negative: neg, PublishedAt: time.UnixMilli(at), Day: "d"})
			es = append(es, policy.WindowEntry{AtMillis: at, Negative: neg})
		}
		if _, err := s.Sync(ctx, store.SyncInput{Outlet: "o", Now: t0, Window: window, Posts: posts}); err != nil {
			t.Fatal(err)
		}
		in := input("o", "x", t0, r, negative)
		start := t0.UnixMilli() - window.Milliseconds()
		var kept []policy.WindowEntry
		for _, e := range es {
			if e.AtMillis > start {
				kept = append(kept, e)
			}
		}
		c, err := windowCounts(ctx, s.db, "o", start, false)
		if err != nil {
			t.Fatal(err)
		}
		got, gotOK, err := earliestSafe(ctx, s.db, in, start, c)
		if err != nil {
			t.Fatal(err)
		}
		want, wantOK := policy.EarliestSafe(&plan, r, kept, window.Milliseconds())
		if got != want || gotOK != wantOK {
			t.Errorf("case %d (mode %d, %d posts, %+v): store %d %v, policy %d %v", i, mode, n, c, got, gotOK, want, wantOK)
		}
		s.Close()
	}
}

// scanWindow counts the window the slow way, from the posts alone (tests).
func scanWindow(ctx context.Context, q queryer, outlet string, start int64) (policy.Counts, error) {
	var c policy.Counts
	err := q.QueryRowContext(ctx, `
		SELECT count(*), coalesce(sum(neg), 0), coalesce(sum(pos), 0) FROM posts
		WHERE outlet = ? AND state = 'counted' AND at_ms > ?`, outlet, start).
		Scan(&c.Published, &c.Negative, &c.Positive)
	return c, err
}
