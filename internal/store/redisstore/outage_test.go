package redisstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"gatekeeper/internal/redistest"
	"gatekeeper/internal/store"
	"gatekeeper/internal/store/storetest"
	"gatekeeper/policy"
)

// TestOutage: with the server stopped every call is ErrUnavailable and
// nothing is recorded; after a restart the retried check counts once.
func TestOutage(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{AppendOnly: true, Fsync: "always"})
	st := open(t, srv.URL())
	storetest.Outage(t, st,
		func(t *testing.T) {
			if err := srv.Stop(); err != nil {
				t.Fatal(err)
			}
		},
		func(t *testing.T) {
			if err := srv.Restart(); err != nil {
				t.Fatal(err)
			}
		})
}

// outlet creates an outlet with the default rules and fills its window with
// p posts, n of them negative, at now.
func newOutlet(t *testing.T, st *Store, now time.Time, p, n int) store.Outlet {
	t.Helper()
	ctx := context.Background()
	o := store.Outlet{ID: fmt.Sprintf("o%d", time.Now().UnixNano()), Name: "test", Rules: policy.DefaultRules(), WindowDays: 30, Timezone: "Asia/Ho_Chi_Minh"}
	if err := st.CreateOutlet(ctx, o); err != nil {
		t.Fatal(err)
	}
	posts := make([]store.SyncPost, p)
	for i := range posts {
		at := now.Add(-o.Window() + time.Hour + time.Duration(i)*time.Minute)
		posts[i] = store.SyncPost{ID: fmt.Sprintf("w%d", i), Negative: i < n, PublishedAt: at, Day: store.DayKey(at, o.Location())}
	}
	if _, err := st.Sync(ctx, store.SyncInput{Outlet: o.ID, Now: now, Window: o.Window(), Posts: posts}); err != nil {
		t.Fatal(err)
	}
	return o
}

func checkInput(o store.Outlet, post string, negative bool, now time.Time, webhookID string) store.CheckInput {
	s := policy.Subject{Negative: negative}
	return store.CheckInput{
		Outlet: o.ID, PostID: post, Now: now, Window: o.Window(), Day: store.DayKey(now, o.Location()),
		Rules: o.Rules, Subject: s, Plan: policy.MakePlan(o.Rules, s), WebhookID: webhookID,
		HoldID: "h-" + post, Snapshot: []byte(`{}`), Actor: "editor",
	}
}

// latencies times calls of fn, which must fail with ErrUnavailable.
func latencies(t *testing.T, calls int, fn func(ctx context.Context) error) []time.Duration {
	t.Helper()
	var ds []time.Duration
	for range calls {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		start := time.Now()
		err := fn(ctx)
		d := time.Since(start)
		cancel()
		if !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("call while Redis is unreachable: %v, want ErrUnavailable", err)
		}
		ds = append(ds, d)
	}
	slices.Sort(ds)
	// A sanity bound only; the real numbers are logged.
	if max := ds[len(ds)-1]; max > 2*time.Second {
		t.Fatalf("slowest refusal took %v", max)
	}
	return ds
}

func logLatencies(t *testing.T, what string, ds []time.Duration) {
	t.Logf("%s: %d calls, min %v, median %v, max %v", what, len(ds), ds[0].Round(time.Microsecond), ds[len(ds)/2].Round(time.Microsecond), ds[len(ds)-1].Round(time.Microsecond))
}

// TestStoppedAndHungServer: a stopped server (connection refused) and a
// hung one (SIGSTOP: connections accepted, nothing answered) both give
// ErrUnavailable quickly; after it is back the retried check is counted once.
func TestStoppedAndHungServer(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{AppendOnly: true, Fsync: "always"})
	st := openStrict(t, srv.URL())
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	o := newOutlet(t, st, now, 100, 5)

	// Stopped mid-test.
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	in := checkInput(o, "p1", true, now, "msg-1")
	logLatencies(t, "server stopped", latencies(t, 20, func(ctx context.Context) error {
		_, err := st.Check(ctx, in)
		return err
	}))
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	waitUp(t, st)
	r, err := st.Check(ctx, in)
	if err != nil || r.Replayed || !in.Plan[r.Situation.Index()].Counted {
		t.Fatalf("check after restart: %+v, %v", r, err)
	}
	wantWindow(t, st, o, now, policy.Counts{Published: 101, Negative: 6})

	// Hung: the requests sit in the socket and may run when it wakes up, so
	// the answer is unknown, never "not counted": the retry sorts it out.
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	in2 := checkInput(o, "p2", true, now.Add(time.Second), "msg-2")
	ds := latencies(t, 5, func(ctx context.Context) error {
		_, err := st.Check(ctx, in2)
		return err
	})
	logLatencies(t, "server hung (SIGSTOP)", ds)
	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	r2, err := st.Check(ctx, in2)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("retry after the hang: replayed=%t (a request sent during the hang ran when the server woke up: %t)", r2.Replayed, r2.Replayed)
	wantWindow(t, st, o, now.Add(time.Second), policy.Counts{Published: 102, Negative: 7})
	in3 := in2
	in3.WebhookID = "msg-3" // a retry with a new webhook id: the ledger still counts it once
	if _, err := st.Check(ctx, in3); err != nil {
		t.Fatal(err)
	}
	wantWindow(t, st, o, now.Add(time.Second), policy.Counts{Published: 102, Negative: 7})
	if hs, err := st.ListHolds(ctx, o.ID, store.HoldFilter{}); err != nil || len(hs) != 0 {
		t.Fatalf("holds %+v %v", hs, err)
	}
}

// waitUp waits until the store answers again. After a burst of failed dials
// go-redis fails fast for a while (it retries dialling in the background
// about once a second), so this takes up to about a second.
func waitUp(t *testing.T, st *Store) {
	t.Helper()
	start := time.Now()
	for st.Ping(context.Background()) != nil {
		if time.Since(start) > 5*time.Second {
			t.Fatal("store still unavailable 5 s after the server came back")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("store answered %v after the server was back", time.Since(start).Round(time.Millisecond))
}

func wantWindow(t *testing.T, st *Store, o store.Outlet, now time.Time, want policy.Counts) {
	t.Helper()
	got, err := st.Window(context.Background(), o.ID, now, o.Window())
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("window %+v, want %+v", got, want)
	}
}

// TestKillNine: with appendfsync always, every acknowledged decision
// survives kill -9 and a restart; re-checks count nothing twice.
func TestKillNine(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{AppendOnly: true, Fsync: "always"})
	st := open(t, srv.URL())
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	o := newOutlet(t, st, now, 200, 20)
	var counted, held []string
	negative := map[string]bool{}
	want := policy.Counts{Published: 200, Negative: 20}
	for i := range 150 {
		neg := i%3 == 0
		in := checkInput(o, fmt.Sprintf("k%d", i), neg, now.Add(time.Duration(i)*time.Second), "")
		r, err := st.Check(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		negative[in.PostID] = neg
		if in.Plan[r.Situation.Index()].Counted {
			counted = append(counted, in.PostID)
			want = r.After
		} else {
			held = append(held, r.HoldID)
		}
	}
	end := now.Add(150 * time.Second)
	wantWindow(t, st, o, end, want)
	if len(held) == 0 || len(counted) == 0 {
		t.Fatalf("test setup: %d counted, %d held", len(counted), len(held))
	}

	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	wantWindow(t, st, o, end, want)
	hs, err := st.ListHolds(ctx, o.ID, store.HoldFilter{Status: store.HoldPending, Limit: 1000})
	if err != nil || len(hs) != len(held) {
		t.Fatalf("%d pending holds after kill -9 (%v), want %d", len(hs), err, len(held))
	}
	for _, id := range counted[:20] {
		r, err := st.Check(ctx, checkInput(o, id, negative[id], end, ""))
		if err != nil {
			t.Fatal(err)
		}
		if r.Situation.Ledger == policy.NotCounted {
			t.Fatalf("%s: ledger lost after kill -9", id)
		}
	}
	wantWindow(t, st, o, end, want)
}
