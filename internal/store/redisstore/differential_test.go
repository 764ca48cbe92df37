package redisstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport"
	"gatekeeper/policy"
)

// TestScriptAgreesWithPolicy checks, for many random windows, rules and
// subjects, that the check script picks the situation policy.SituationAt
// picks and computes the earliest safe time policy.EarliestSafe computes.
func TestScriptAgreesWithPolicy(t *testing.T) {
	srv := sharedServer(t)
	s := open(t, srv.URL())
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	const window = 30 * 24 * time.Hour
	now0 := time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC)
	var holds, withTime, positives int
	iters := 500
	if testing.Short() {
		iters = 150
	}
	for iter := range iters {
		outlet := fmt.Sprintf("diff-%d-%d-%d", time.Now().UnixNano(), iter, rng.Int64())
		limit := policy.BasisPoints(rng.IntN(int(policy.Full) + 1))
		if iter%3 == 0 {
			limit = 1500
		}
		rules := policy.Rules{
			Limit: limit, WarnAt: policy.BasisPoints(rng.IntN(int(limit) + 1)),
			MinSample: int64(rng.IntN(3) * rng.IntN(20)), SensationalAction: policy.SensationalWarn, Mode: policy.Enforce,
		}
		if rng.IntN(5) == 0 {
			rules.SensationalAction = policy.SensationalHold
		}
		subject := policy.Subject{Negative: rng.IntN(3) > 0, Borderline: rng.IntN(5) == 0, Sensational: rng.IntN(8) == 0}
		subject.Positive = !subject.Negative && rng.IntN(2) == 0

		// A random window: some posts share a millisecond; some may already
		// have left the window by the time of the check (not yet pruned).
		n := rng.IntN(60)
		if iter%25 == 0 {
			n = 250 + rng.IntN(500) // more than one page of the script's walk
		}
		negShare := rng.IntN(40)
		posts := make([]store.SyncPost, n)
		var prev int64
		for i := range posts {
			at := now0.Add(-window + time.Millisecond + time.Duration(rng.Int64N(int64(window)))).UnixMilli()
			if i > 0 && rng.IntN(4) == 0 {
				at = prev
			}
			prev = at
			posts[i] = store.SyncPost{ID: fmt.Sprintf("w%d", i), Negative: rng.IntN(100) < negShare, PublishedAt: time.UnixMilli(at), Day: "20261102"}
			posts[i].Positive = !posts[i].Negative && rng.IntN(2) == 0
		}
		if iter%2 == 1 { // half the outlets created (window sets with their marker), half not (as before it)
			if err := s.CreateOutlet(ctx, store.Outlet{ID: outlet, Name: "d", Rules: rules, WindowDays: 30, Timezone: "UTC"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Sync(ctx, store.SyncInput{Outlet: outlet, Now: now0, Window: window, Posts: posts}); err != nil {
			t.Fatal(err)
		}
		now := now0.Add(time.Duration(rng.IntN(3)) * time.Duration(rng.Int64N(int64(48*time.Hour))))
		cutoff := now.Add(-window).UnixMilli()

		// The post checked: new, or one of the window's posts (an edit).
		post, ledger := "new", policy.NotCounted
		if n > 0 && rng.IntN(3) == 0 {
			p := posts[rng.IntN(n)]
			post = p.ID
			switch {
			case p.PublishedAt.UnixMilli() <= cutoff:
				ledger = policy.CountedOutsideWindow
			case p.Negative:
				ledger = policy.CountedNegative
			default:
				ledger = policy.CountedNonNegative
			}
		}
		var entries []policy.WindowEntry
		var c policy.Counts
		for _, p := range posts {
			if at := p.PublishedAt.UnixMilli(); at > cutoff && p.ID != post {
				entries = append(entries, policy.WindowEntry{AtMillis: at, Negative: p.Negative})
				if p.Positive {
					c.Positive++
				}
			}
		}
		for _, e := range entries {
			c.Published++
			if e.Negative {
				c.Negative++
			}
		}

		plan := policy.MakePlan(rules, subject)
		in := store.CheckInput{Outlet: outlet, PostID: post, Now: now, Window: window, Day: "20261102",
			Rules: rules, Subject: subject, Plan: plan, DryRun: iter%2 == 0, HoldID: "h", Actor: "t"}
		r, err := s.Check(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		if c.Positive > 0 {
			positives++
		}
		want := policy.SituationAt(rules, ledger, c)
		// The counts after: the post itself added when counted now, by its tone.
		wantAfter := c
		if out := plan[want.Index()]; out.Counted && ledger != policy.CountedOutsideWindow {
			wantAfter.Published++
			if subject.Negative {
				wantAfter.Negative++
			} else if subject.Positive {
				wantAfter.Positive++
			}
		}
		if r.Situation != want || r.Situation.Index() != want.Index() || r.Before != c || r.After != wantAfter {
			t.Fatalf("iter %d: situation %+v before %+v after %+v; policy: %+v before %+v after %+v (rules %+v)", iter, r.Situation, r.Before, r.After, want, c, wantAfter, rules)
		}
		out := plan[want.Index()]
		var wantES time.Time
		if out.Verdict == policy.Hold {
			holds++
			if r.HoldID == "" && !in.DryRun {
				t.Fatalf("iter %d: hold without id", iter)
			}
			if out.TimeCanHelp {
				if at, ok := policy.EarliestSafe(&plan, rules, entries, window.Milliseconds()); ok {
					wantES = time.UnixMilli(at)
					withTime++
				}
			}
		}
		if !r.EarliestSafe.Equal(wantES) {
			t.Fatalf("iter %d: earliest safe %v, policy %v (rules %+v, counts %+v, %d entries)", iter, r.EarliestSafe, wantES, rules, c, len(entries))
		}
	}
	t.Logf("%d holds, %d with an earliest safe time, %d windows with positive posts", holds, withTime, positives)
	if holds < iters/12 || withTime < iters/30 || positives < iters/3 {
		t.Fatalf("too few holds (%d) or earliest safe times (%d) to mean anything", holds, withTime)
	}
}

// TestScriptEarliestSafeAtTheLimit: windows whose negative share sits near
// the limit, so the script's walk visits many negative posts (several pages
// of them, same-millisecond groups, a minimum sample or none, the checked
// post in the window or not); its earliest safe time equals
// policy.EarliestSafe's (itself checked against the walk over every group).
func TestScriptEarliestSafeAtTheLimit(t *testing.T) {
	s := open(t, sharedServer(t).URL())
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(15, 15))
	const window = 30 * 24 * time.Hour
	now := testsupport.Now(t, time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC))
	cutoff := now.Add(-window).UnixMilli()
	var holds, withTime, long int
	iters := 120
	if testing.Short() {
		iters = 40
	}
	for iter := range iters {
		outlet := fmt.Sprintf("limit-%d-%d", time.Now().UnixNano(), iter)
		limit := policy.BasisPoints(800 + rng.IntN(3000))
		rules := policy.Rules{Limit: limit, WarnAt: limit / 2, MinSample: int64(rng.IntN(2) * rng.IntN(400)),
			SensationalAction: policy.SensationalWarn, Mode: policy.Enforce}
		n := 50 + rng.IntN(400)
		if iter%6 == 0 {
			n = 800 + rng.IntN(1200)
		}
		// Negative about as often as the limit allows, a little more or less.
		share := int(limit) + rng.IntN(600) - 200
		posts := make([]store.SyncPost, n)
		at := cutoff - int64(rng.IntN(3))*1000 // a few may have left already
		for i := range posts {
			if rng.IntN(5) > 0 {
				at += 1 + rng.Int64N(window.Milliseconds()/int64(n))
			}
			posts[i] = store.SyncPost{ID: fmt.Sprintf("w%d", i), Negative: rng.IntN(10000) < share, PublishedAt: time.UnixMilli(at), Day: "20261102"}
		}
		if iter%2 == 0 {
			if err := s.CreateOutlet(ctx, store.Outlet{ID: outlet, Name: "l", Rules: rules, WindowDays: 30, Timezone: "UTC"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Sync(ctx, store.SyncInput{Outlet: outlet, Now: now, Window: window, Posts: posts}); err != nil {
			t.Fatal(err)
		}
		post := "new"
		if rng.IntN(3) == 0 {
			post = posts[rng.IntN(n)].ID
		}
		var entries []policy.WindowEntry
		for _, p := range posts {
			if a := p.PublishedAt.UnixMilli(); a > cutoff && p.ID != post {
				entries = append(entries, policy.WindowEntry{AtMillis: a, Negative: p.Negative})
			}
		}
		subject := policy.Subject{Negative: true}
		plan := policy.MakePlan(rules, subject)
		r, err := s.Check(ctx, store.CheckInput{Outlet: outlet, PostID: post, Now: now, Window: window, Day: "20261102",
			Rules: rules, Subject: subject, Plan: plan, DryRun: true, Actor: "t"})
		if err != nil {
			t.Fatal(err)
		}
		out := plan[r.Situation.Index()]
		var want time.Time
		if out.Verdict == policy.Hold && out.TimeCanHelp {
			holds++
			if a, ok := policy.EarliestSafe(&plan, rules, entries, window.Milliseconds()); ok {
				want = time.UnixMilli(a)
				withTime++
				if len(entries) > 0 && a-window.Milliseconds() > entries[len(entries)/2].AtMillis {
					long++
				}
			}
		}
		if !r.EarliestSafe.Equal(want) {
			t.Fatalf("iter %d (rules %+v, %d posts, post %s, counts %+v): script %v, policy %v", iter, rules, len(entries), post, r.Before, r.EarliestSafe, want)
		}
	}
	t.Logf("%d holds, %d with an earliest safe time, %d past the window's middle", holds, withTime, long)
	if holds < iters/4 || withTime < iters/8 || long < 3 {
		t.Fatalf("too few holds (%d), times (%d) or long walks (%d) to mean anything", holds, withTime, long)
	}
}
