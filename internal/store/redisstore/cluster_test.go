package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gatekeeper/internal/redistest"
	"gatekeeper/internal/store"
	"gatekeeper/internal/store/storetest"
	"gatekeeper/policy"

	"github.com/redis/go-redis/v9"
)

// TestContractCluster runs the contract suite on a 6-node Redis Cluster
// (3 masters, 3 replicas) through a cluster URL: every script's keys must
// hash to one slot (the {o:ID} tag), or Redis refuses it (the check
// function declares the outlet's key prefix and makes its keys from it; the
// other scripts declare theirs in KEYS). It runs again with WAIT 1 after
// every write script, which on a cluster must go to the master of the
// script's slot on the same connection. Then every master loses the check
// function (FUNCTION FLUSH) and checks of outlets on every master load it
// again, with and without WAIT.
func TestContractCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	c := redistest.StartCluster(t, redistest.ClusterOptions{Masters: 3, ReplicasPerMaster: 1})
	t.Run("Async", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store { return open(t, c.URL()) })
	})
	t.Run("Wait1", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store { return open(t, c.URL(), WithWaitReplicas(1)) })
	})
	t.Run("FunctionLost", func(t *testing.T) {
		for _, wait := range []int{0, 1} {
			st := open(t, c.URL(), WithWaitReplicas(wait))
			for _, n := range c.Running() {
				_, _ = redistest.DoString(n.Addr(), "FUNCTION", "FLUSH") // replicas refuse: they follow their master
			}
			now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
			masters := map[string]bool{}
			for i := 0; i < 12; i++ {
				o := newOutlet(t, st, now, 10, 1)
				master, err := c.MasterOf(mustSlot(t, c, keysOf(o.ID).win()))
				if err != nil {
					t.Fatal(err)
				}
				masters[master.Addr()] = true
				if _, err := st.Check(context.Background(), checkInput(o, "p", false, now, fmt.Sprint("msg-", i))); err != nil {
					t.Fatalf("WAIT %d: check on %s after FUNCTION FLUSH: %v", wait, master.Addr(), err)
				}
				if !hasCheckFunction(t, master.Addr()) {
					t.Fatalf("WAIT %d: %s has no check function after a check", wait, master.Addr())
				}
			}
			if len(masters) < 2 {
				t.Fatalf("the outlets fell on %d master(s)", len(masters))
			}
		}
	})
	t.Run("SlotMigration", func(t *testing.T) { checkDuringSlotMigration(t, c) })
	t.Run("Batches", func(t *testing.T) { checkBatchesPerMaster(t, c) })
	var waits int64
	for _, n := range c.Nodes {
		waits += waitCalls(t, n.Addr())
	}
	if waits == 0 {
		t.Fatal("no WAIT reached any node")
	}
	t.Logf("WAIT calls on the cluster: %d", waits)
}

func mustSlot(t *testing.T, c *redistest.Cluster, key string) int {
	t.Helper()
	slot, err := c.KeySlot(key)
	if err != nil {
		t.Fatal(err)
	}
	return slot
}

// waitCalls reads how many WAIT commands the server at addr has run.
func waitCalls(t *testing.T, addr string) int64 {
	t.Helper()
	info, err := redistest.DoString(addr, "INFO", "commandstats")
	if err != nil {
		t.Fatal(err)
	}
	v := redistest.InfoField(info, "cmdstat_wait")
	if v == "" {
		return 0
	}
	calls, _, _ := strings.Cut(strings.TrimPrefix(v, "calls="), ",")
	n, err := strconv.ParseInt(calls, 10, 64)
	if err != nil {
		t.Fatalf("cmdstat_wait %q", v)
	}
	return n
}

// TestContractSentinel runs the contract suite through Sentinel (one
// master, one replica, three sentinels), with and without WAIT 1.
func TestContractSentinel(t *testing.T) {
	if testing.Short() {
		t.Skip("sentinel test skipped in -short mode")
	}
	s := redistest.StartSentinel(t, redistest.SentinelOptions{Replicas: 1, Sentinels: 3})
	t.Run("Async", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store { return open(t, s.URL()) })
	})
	t.Run("Wait1", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) store.Store { return open(t, s.URL(), WithWaitReplicas(1)) })
	})
	if waitCalls(t, s.Servers[0].Addr()) == 0 {
		t.Fatal("no WAIT reached the master")
	}
	// The client talks to the master only.
	st := open(t, s.URL())
	info, err := st.Client().Info(context.Background(), "replication").Result()
	if err != nil {
		t.Fatal(err)
	}
	if role := redistest.InfoField(info, "role"); role != "master" {
		t.Fatalf("the Sentinel client reached a %s", role)
	}
}

// checkDuringSlotMigration moves an outlet's slot to another master by hand
// (CLUSTER SETSLOT … IMPORTING/MIGRATING, MIGRATE, SETSLOT … NODE), as
// redis-cli --cluster reshard does. Half-way, with one of the outlet's keys
// moved, a check is refused as unavailable and writes nothing: the store's
// own client follows no ASK, and through a client that does, the importing
// master answers TRYAGAIN instead of running the check on the keys moved so
// far (the check declares two keys it never writes, keys.migrationGuard).
// Once the slot has moved, checks count exactly again.
func checkDuringSlotMigration(t *testing.T, c *redistest.Cluster) {
	ctx := context.Background()
	st := open(t, c.URL())
	now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	o := newOutlet(t, st, now, 10, 1)
	if _, err := st.Check(ctx, checkInput(o, "a", false, now, "msg-a")); err != nil {
		t.Fatal(err)
	}
	k := keysOf(o.ID)
	slot := mustSlot(t, c, k.prefix())
	src, err := c.MasterOf(slot)
	if err != nil {
		t.Fatal(err)
	}
	node := func(s *redistest.Server) *redis.Client {
		cl := redis.NewClient(&redis.Options{Addr: s.Addr()})
		t.Cleanup(func() { cl.Close() })
		return cl
	}
	isMaster := func(s *redistest.Server) bool {
		role, err := node(s).Do(ctx, "ROLE").Slice()
		return err == nil && len(role) > 0 && role[0] == "master"
	}
	var dst *redistest.Server
	for _, n := range c.Running() {
		if n != src && isMaster(n) {
			dst = n
			break
		}
	}
	if dst == nil {
		t.Fatal("no second master")
	}
	from, to := node(src), node(dst)
	fromID, err := from.ClusterMyID(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	toID, err := to.ClusterMyID(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	migrate := func(keys ...string) {
		t.Helper()
		args := []any{"MIGRATE", "127.0.0.1", dst.Port(), "", 0, 5000, "KEYS"}
		for _, key := range keys {
			args = append(args, key)
		}
		must(from.Do(ctx, args...).Err())
	}
	must(to.Do(ctx, "CLUSTER", "SETSLOT", slot, "IMPORTING", fromID).Err())
	must(from.Do(ctx, "CLUSTER", "SETSLOT", slot, "MIGRATING", toID).Err())
	migrate(k.win())

	if _, err := st.Check(ctx, checkInput(o, "b", false, now, "msg-b")); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("check while the outlet's slot migrates: %v, want ErrUnavailable", err)
	}
	// A store on a client that follows ASK (New takes any client) reaches
	// the importing master, which must not run the check on the keys moved
	// so far.
	follows := New(ctx, redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{src.Addr()}}), true)
	t.Cleanup(func() { follows.Close() })
	if _, err := follows.Check(ctx, checkInput(o, "b", false, now, "msg-b")); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("check through a client that follows ASK while the slot migrates: %v, want ErrUnavailable", err)
	}

	rest, err := from.ClusterGetKeysInSlot(ctx, slot, 10000).Result()
	must(err)
	if len(rest) > 0 {
		migrate(rest...)
	}
	for _, n := range c.Running() {
		if isMaster(n) {
			must(node(n).Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", toID).Err())
		}
	}
	if n, err := to.Exists(ctx, k.post("b"), k.reply("msg-b")).Result(); err != nil || n != 0 {
		t.Fatalf("the refused check left %d key(s) (%v)", n, err)
	}
	// The store follows no redirect: a MOVED is unavailable, and the slot
	// map reloads in the background, as a caller's retry finds.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, err := st.Window(ctx, o.ID, now, o.Window())
		if err == nil {
			break
		}
		if !errors.Is(err, store.ErrUnavailable) || time.Now().After(deadline) {
			t.Fatalf("reading the window after the slot moved: %v", err)
		}
	}
	wantWindow(t, st, o, now, policy.Counts{Published: 11, Negative: 1})
	if _, err := st.Check(ctx, checkInput(o, "b", false, now, "msg-b2")); err != nil {
		t.Fatalf("check once the slot has moved: %v", err)
	}
	wantWindow(t, st, o, now, policy.Counts{Published: 12, Negative: 1})
	if n, err := to.Exists(ctx, k.win()).Result(); err != nil || n != 1 {
		t.Fatalf("the outlet's window is not on the new master (%d, %v)", n, err)
	}
}

// checkBatchesPerMaster: on a Cluster, checks made at once are batched per
// master (one batcher per master's node client), each counted exactly, and
// with WAIT 1 a batch shares one WAIT (the masters run fewer WAITs than
// there were checks).
func checkBatchesPerMaster(t *testing.T, c *redistest.Cluster) {
	now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	for _, wait := range []int{0, 1} {
		st := open(t, c.URL(), WithWaitReplicas(wait))
		outlets := make([]store.Outlet, 12)
		for i := range outlets {
			outlets[i] = newOutlet(t, st, now, 100, 5)
		}
		waitsBefore := int64(0)
		for _, n := range c.Nodes {
			waitsBefore += waitCalls(t, n.Addr())
		}
		const workers, each = 48, 4
		errs := make(chan error, workers*each)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				o := outlets[w%len(outlets)]
				for i := range each {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					_, err := st.Check(ctx, checkInput(o, fmt.Sprint("b", w, "-", i), false, now, fmt.Sprint("msg-b", wait, w, "-", i)))
					cancel()
					if err != nil {
						errs <- fmt.Errorf("WAIT %d: check %d/%d: %w", wait, w, i, err)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for _, o := range outlets {
			wantWindow(t, st, o, now, policy.Counts{Published: int64(100 + workers*each/len(outlets)), Negative: 5})
		}
		masters := 0
		st.nodeBatches.Range(func(any, any) bool { masters++; return true })
		if masters < 2 {
			t.Fatalf("WAIT %d: batches on %d master(s), want one per master the outlets fell on", wait, masters)
		}
		if wait > 0 {
			waits := -waitsBefore
			for _, n := range c.Nodes {
				waits += waitCalls(t, n.Addr())
			}
			if waits < 1 || waits >= workers*each {
				t.Fatalf("%d checks ran %d WAITs: not one per batch", workers*each, waits)
			}
			t.Logf("WAIT 1: %d checks on %d masters, %d WAITs", workers*each, masters, waits)
		}
	}
}
