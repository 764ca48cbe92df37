package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// TestWindowSetsFollowLedgers does random checks (tones moving between
// negative, neutral and positive), withdrawals, relabels, approvals,
// rejections and syncs, and after every step compares the window's counts
// (ZCOUNT of win, neg and pos) with a count of the posts' ledgers: the
// sorted sets and the ledgers never disagree, positive posts included.
func TestWindowSetsFollowLedgers(t *testing.T) {
	srv := sharedServer(t)
	s := open(t, srv.URL())
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(9, 3))
	const window = 30 * 24 * time.Hour
	// A fresh id on every run: the server is shared by the package's tests (and by -count).
	o := store.Outlet{ID: fmt.Sprintf("tones-%d-%d", rng.Int64(), time.Now().UnixNano()), Name: "t", Rules: policy.DefaultRules(), WindowDays: 30,
		Timezone: "Asia/Ho_Chi_Minh", Secrets: []store.Secret{{Value: "whsec_dGVzdA=="}}}
	o.Rules.MinSample = 5
	if err := s.CreateOutlet(ctx, o); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC)
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = fmt.Sprint("p", i)
	}
	post := func() string { return ids[rng.IntN(len(ids))] }
	tones := []policy.Tone{policy.Negative, policy.Neutral, policy.Positive}
	subject := func() policy.Subject {
		tn := tones[rng.IntN(3)]
		return policy.Subject{Negative: tn == policy.Negative, Positive: tn == policy.Positive,
			Borderline: rng.IntN(8) == 0, Sensational: rng.IntN(10) == 0}
	}
	k := keysOf(o.ID)
	ledgers := func(at time.Time) policy.Counts {
		var c policy.Counts
		cutoff := ms(at) - window.Milliseconds()
		for _, id := range ids {
			v, err := s.rdb.Get(ctx, k.post(id)).Result()
			if errors.Is(err, redis.Nil) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			l, err := ParseLedger(v)
			if err != nil {
				t.Fatal(err)
			}
			if l.State != "counted" || l.At <= cutoff || l.At > ms(at) {
				continue
			}
			c.Published++
			if l.Negative {
				c.Negative++
			} else if l.Positive {
				c.Positive++
			}
		}
		return c
	}
	steps, sawPositive := 800, 0
	if testing.Short() {
		steps = 200
	}
	for step := 0; step < steps; step++ {
		now = now.Add(time.Duration(rng.IntN(int(30 * time.Hour))))
		var err error
		switch op := rng.IntN(100); {
		case op < 55:
			sj := subject()
			plan := policy.MakePlan(o.Rules, sj)
			_, err = s.Check(ctx, store.CheckInput{Outlet: o.ID, PostID: post(), Now: now, Window: window, Day: store.DayKey(now, o.Location()),
				Rules: o.Rules, Subject: sj, Plan: plan, HoldID: fmt.Sprint("h", step), DryRun: rng.IntN(10) == 0, Actor: "t"})
		case op < 65:
			_, err = s.Withdraw(ctx, o.ID, post(), now, window, "cms")
		case op < 75:
			err = s.Relabel(ctx, o.ID, post(), tones[rng.IntN(3)], now, window, "mgr", "")
		case op < 85:
			var hs []store.Hold
			hs, err = s.ListHolds(ctx, o.ID, store.HoldFilter{Status: store.HoldPending, Limit: 5})
			if err == nil && len(hs) > 0 {
				_, err = s.Resolve(ctx, store.Resolution{Outlet: o.ID, HoldID: hs[rng.IntN(len(hs))].ID, Approve: rng.IntN(3) > 0,
					Reviewer: "mgr", Now: now, Window: window, Day: store.DayKey(now, o.Location())})
			}
		default:
			var ps []store.SyncPost
			for i := rng.IntN(6); i > 0; i-- {
				sj := subject()
				at := now.Add(-time.Duration(rng.Int64N(int64(40 * 24 * time.Hour))))
				ps = append(ps, store.SyncPost{ID: post(), Negative: sj.Negative, Positive: sj.Positive, PublishedAt: at, Day: store.DayKey(at, o.Location())})
			}
			_, err = s.Sync(ctx, store.SyncInput{Outlet: o.ID, Now: now, Window: window, Posts: ps, Complete: rng.IntN(5) == 0, Actor: "cms"})
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrConflict) {
			t.Fatalf("step %d: %v", step, err)
		}
		// Now, and a later instant (before now members that left the window may
		// have been pruned from the sets, which is what pruning is for).
		for _, at := range []time.Time{now, now.Add(time.Duration(rng.Int64N(int64(10 * 24 * time.Hour))))} {
			got, err := s.Window(ctx, o.ID, at, window)
			if err != nil {
				t.Fatal(err)
			}
			if want := ledgers(at); got != want {
				t.Fatalf("step %d at %s: window %+v, ledgers say %+v", step, at.Format(time.RFC3339), got, want)
			}
			if got.Positive > 0 {
				sawPositive++
			}
		}
	}
	if sawPositive < steps/4 {
		t.Fatalf("only %d windows held a positive post: the test exercised too little", sawPositive)
	}
}
