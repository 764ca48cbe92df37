package redisstore

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/redistest"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// primaryReplica starts a master and one replica of it, synced.
func primaryReplica(t testing.TB) (master, replica *redistest.Server) {
	t.Helper()
	master = redistest.Start(t, redistest.Options{Config: []string{"repl-diskless-sync-delay 0"}})
	replica = redistest.Start(t, redistest.Options{Config: []string{"replicaof 127.0.0.1 " + strconv.Itoa(master.Port())}})
	if err := redistest.WaitReplicated(master.Addr(), 1, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	return master, replica
}

// TestWaitReplicas: with WAIT 1, a check is acknowledged only once the
// replica has it. With the replica frozen the check fails with
// ErrUnavailable after about the deadline, although the master applied
// it; the CMS's retry (same post id, same webhook id) after the replica is
// back replays the recorded answer and counts the post once. The claim of
// the check's webhook id (CheckInput.Claim) is written by the script, so the
// same WAIT covers it: an acknowledged check's id is on the replica, and
// cannot be used on another route after a failover. A dry run writes
// nothing and does not wait.
func TestWaitReplicas(t *testing.T) {
	master, replica := primaryReplica(t)
	st := openStrict(t, master.URL(), WithWaitReplicas(1))
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	o := newOutlet(t, st, now, 100, 5)

	// The gate gives each store call 250 ms (config store_timeout).
	call := func(in store.CheckInput) (store.CheckResult, time.Duration, error) {
		cctx, cancel := context.WithTimeout(ctx, 250*time.Millisecond)
		defer cancel()
		start := time.Now()
		r, err := st.Check(cctx, in)
		return r, time.Since(start), err
	}
	claim := []byte(`{"target":"POST /v1/outlets/x/check"}`)
	first := checkInput(o, "p1", false, now, "msg-1")
	first.Claim = claim
	if _, d, err := call(first); err != nil {
		t.Fatalf("check with a live replica: %v (%v)", err, d)
	}
	wantWindow(t, st, o, now, policy.Counts{Published: 101, Negative: 5})
	rc := redis.NewClient(&redis.Options{Addr: replica.Addr(), MaxRetries: -1})
	defer rc.Close()
	// Read at once, without waiting: WAIT confirmed it.
	if got, err := rc.LIndex(ctx, keysOf(o.ID).reply("msg-1"), 0).Bytes(); err != nil || !bytes.Equal(got, claim) {
		t.Fatalf("the acknowledged check's claim on the replica: %q %v, want %s", got, err, claim)
	}

	if err := replica.Pause(); err != nil {
		t.Fatal(err)
	}
	in := checkInput(o, "p2", true, now.Add(time.Second), "msg-2")
	in.Claim = claim
	_, d, err := call(in)
	// WAIT gives up first (ErrNotReplicated); on a very busy machine the
	// read deadline may fire first (a timeout): both are ErrUnavailable.
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("check with the replica frozen: %v, want ErrUnavailable", err)
	}
	t.Logf("refused after %v: %v", d.Round(time.Millisecond), err)
	if d > 2*time.Second {
		t.Fatalf("refusal took %v", d)
	}
	// Not confirmed is not "not applied": the master has the post.
	wantWindow(t, st, o, now.Add(time.Second), policy.Counts{Published: 102, Negative: 6})

	dry := checkInput(o, "p3", false, now.Add(time.Second), "")
	dry.DryRun = true
	if _, _, err := call(dry); err != nil {
		t.Fatalf("dry run with the replica frozen: %v", err)
	}

	if err := replica.Resume(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	var r store.CheckResult
	for {
		r, _, err = call(in)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("retry after the replica is back: %v", err)
	}
	if !r.Replayed {
		t.Fatal("the retry was not a replay of the recorded check")
	}
	wantWindow(t, st, o, now.Add(time.Second), policy.Counts{Published: 102, Negative: 6})
	// The replica has every acknowledged write.
	if n, err := rc.ZCount(ctx, keysOf(o.ID).win(), "(-1", "+inf").Result(); err != nil || n != 102 { // the marker left out
		t.Fatalf("replica window %d %v, want 102", n, err)
	}
}

// TestWaitMoreReplicasThanExist: WAIT 2 with one replica never confirms,
// so every write is refused; reads still work.
func TestWaitMoreReplicasThanExist(t *testing.T) {
	master, _ := primaryReplica(t)
	st := openStrict(t, master.URL(), WithWaitReplicas(2))
	ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
	defer cancel()
	now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	plain := openStrict(t, master.URL())
	o := newOutlet(t, plain, now, 10, 0)
	_, err := st.Check(ctx, checkInput(o, "p1", false, now, "msg-1"))
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("check: %v, want ErrUnavailable", err)
	}
	if _, err := st.Window(context.Background(), o.ID, now, o.Window()); err != nil {
		t.Fatalf("window: %v", err)
	}
}

// TestWaitTimeout: WAIT's own timeout stays inside the call's deadline and
// the read timeout, and a call with no time left fails before running.
func TestWaitTimeout(t *testing.T) {
	s := &Store{readTimeout: 200 * time.Millisecond}
	s2 := &Store{readTimeout: 2 * time.Second}
	if got, err := s2.waitTimeout(context.Background()); err != nil || got != 1890*time.Millisecond {
		t.Errorf("read timeout 2 s: %v %v", got, err)
	}
	for _, tc := range []struct {
		deadline time.Duration // 0 = none
		lo, hi   time.Duration
		fail     bool
	}{
		{0, 90 * time.Millisecond, 90 * time.Millisecond, false},
		{250 * time.Millisecond, 90 * time.Millisecond, 90 * time.Millisecond, false},
		{100 * time.Millisecond, 20 * time.Millisecond, 25 * time.Millisecond, false},
		{time.Millisecond, 0, 0, true},
	} {
		ctx := context.Background()
		if tc.deadline > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, tc.deadline)
			defer cancel()
		}
		got, err := s.waitTimeout(ctx)
		if tc.fail {
			if !errors.Is(err, ErrNotReplicated) || !Unavailable(err) {
				t.Errorf("deadline %v: %v %v, want ErrNotReplicated", tc.deadline, got, err)
			}
			continue
		}
		if err != nil || got < tc.lo || got > tc.hi {
			t.Errorf("deadline %v: %v %v, want %v–%v", tc.deadline, got, err, tc.lo, tc.hi)
		}
	}
}
