package redisstore

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"gatekeeper/internal/redistest"
	"gatekeeper/internal/store"
	"gatekeeper/internal/store/storetest"
)

// TestContractCluster runs the contract suite on a 6-node Redis Cluster
// (3 masters, 3 replicas) through a cluster URL: every script's keys must
// hash to one slot (the {o:ID} tag) and be declared in KEYS, or Redis
// refuses it. It runs again with WAIT 1 after every write script, which on
// a cluster must go to the master of the script's slot on the same
// connection.
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
	var waits int64
	for _, n := range c.Nodes {
		waits += waitCalls(t, n.Addr())
	}
	if waits == 0 {
		t.Fatal("no WAIT reached any node")
	}
	t.Logf("WAIT calls on the cluster: %d", waits)
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
