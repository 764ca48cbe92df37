package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatekeeper/internal/redistest"
	"gatekeeper/internal/store"
	"gatekeeper/internal/store/storetest"
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
