package sqlitestore

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// checkConcurrently checks n distinct negative posts at once, spread over
// stores, and returns how many were counted.
func checkConcurrently(t *testing.T, stores []*Store, n int, now time.Time, r policy.Rules) int {
	t.Helper()
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		counted int
		errs    []error
	)
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			s := stores[i%len(stores)]
			in := input("o", fmt.Sprint("neg-", i), now, r, negative)
			in.WebhookID = fmt.Sprint("wh-", i)
			res, err := s.Check(context.Background(), in)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			if in.Plan[res.Situation.Index()].Counted {
				counted++
			}
		}(i)
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		t.Errorf("Check: %v", err)
	}
	return counted
}

func TestConcurrentChecksNeverPassTheLimit(t *testing.T) {
	r := policy.DefaultRules()
	for _, tc := range []struct {
		name   string
		stores int
	}{
		{"one store", 1},
		{"two stores on one file", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var stores []*Store
			for i := 0; i < tc.stores; i++ {
				stores = append(stores, openTest(t, dir))
			}
			s := stores[0]
			addOutlet(t, s, "o", r)
			seed(t, s, "o", 100, 11, t0) // 11% negative: just under warn_at
			now := t0.Add(time.Minute)
			before := windowOf(t, s, "o", now)
			left := *policy.HeadroomOf(r, before).NegativeLeft
			if left != 4 {
				t.Fatalf("headroom %d, want 4 (the test's premise)", left)
			}

			counted := checkConcurrently(t, stores, 64, now, r)
			if int64(counted) != left {
				t.Errorf("%d of 64 negative posts counted, want exactly %d", counted, left)
			}
			after := windowOf(t, s, "o", now)
			if after.Published != before.Published+left || after.Negative != before.Negative+left {
				t.Errorf("window %+v after, %+v before; want +%d negative", after, before, left)
			}
			if after.Negative*int64(policy.Full) > int64(r.Limit)*after.Published {
				t.Errorf("counted share %s%% past the limit", after.Share().Percent())
			}
			holds, err := s.ListHolds(context.Background(), "o", store.HoldFilter{Status: store.HoldPending, Limit: 1000})
			if err != nil || len(holds) != 64-counted {
				t.Errorf("%d pending holds (%v), want %d", len(holds), err, 64-counted)
			}
			// Replays from the other store change nothing and give the same answers.
			if again := checkConcurrently(t, stores[len(stores)-1:], 64, now, r); again != counted {
				t.Errorf("replays: %d counted, first time %d", again, counted)
			}
			if c := windowOf(t, s, "o", now); c != after {
				t.Errorf("window after replays %+v, want %+v", c, after)
			}
		})
	}
}

func TestTwoStoresShareOneFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	server, cli := openTest(t, dir), openTest(t, dir)
	r := policy.DefaultRules()
	// The command line adds an outlet; the running server sees it at once.
	addOutlet(t, cli, "o", r)
	if _, err := server.GetOutlet(ctx, "o"); err != nil {
		t.Fatalf("server does not see the outlet the CLI added: %v", err)
	}
	check(t, server, input("o", "p", t0, r, neutral))
	if c := windowOf(t, cli, "o", t0); c.Published != 1 {
		t.Errorf("CLI sees %+v", c)
	}
	o, _ := cli.GetOutlet(ctx, "o")
	o.Rules.Limit = 2000
	if err := cli.UpdateOutlet(ctx, o); err != nil {
		t.Fatal(err)
	}
	if got, _ := server.GetOutlet(ctx, "o"); got.Rules.Limit != 2000 {
		t.Errorf("server sees limit %d after CLI update", got.Rules.Limit)
	}
}

func TestDataSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	r := policy.DefaultRules()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	addOutlet(t, s, "o", r)
	seed(t, s, "o", 10, 1, t0)
	res, _ := check(t, s, input("o", "h", t0, r, negative))
	if err := s.Remember(ctx, "o", "w", []byte(`{"ok":true}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openTest(t, dir)
	if c := windowOf(t, s, "o", t0); c != (policy.Counts{Published: 10, Negative: 1}) {
		t.Errorf("window after reopen %+v", c)
	}
	if h, err := s.GetHold(ctx, "o", res.HoldID); err != nil || h.Status != store.HoldPending {
		t.Errorf("hold after reopen %+v %v", h, err)
	}
	if a, ok, err := s.Recall(ctx, "o", "w"); err != nil || !ok || string(a) != `{"ok":true}` {
		t.Errorf("Recall after reopen %q %v %v", a, ok, err)
	}
	if es, _ := s.ListAudit(ctx, "o", store.AuditFilter{}); len(es) != 2 {
		t.Errorf("%d audit entries after reopen, want 2 (sync, check)", len(es))
	}
}
