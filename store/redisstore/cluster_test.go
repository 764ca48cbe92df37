package redisstore

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"gatekeeper/internal/redistest"
	"gatekeeper/store"
	"gatekeeper/store/storetest"
)

// TestContractCluster runs the contract suite on a three-master Redis
// Cluster: every script's keys must hash to one slot (the {o:ID} tag) and
// be declared in KEYS, or Redis refuses it.
func TestContractCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		if redistest.Required() {
			t.Fatalf("redis-cli is not installed: %v", err)
		}
		t.Skip("redis-cli is not installed")
	}
	conf := []string{"cluster-enabled yes", "cluster-config-file nodes.conf", "cluster-node-timeout 2000"}
	var nodes []*redistest.Server
	args := []string{"--cluster", "create"}
	for range 3 {
		s := redistest.Start(t, redistest.Options{Config: conf})
		nodes = append(nodes, s)
		args = append(args, s.Addr())
	}
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _ := exec.Command(cli, "-p", strings.TrimPrefix(nodes[0].Addr(), "127.0.0.1:"), "cluster", "info").Output()
		if strings.Contains(string(out), "cluster_state:ok") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cluster not ok after 10 s:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	url := "redis://" + nodes[0].Addr() + "?addr=" + nodes[1].Addr() + "&addr=" + nodes[2].Addr()
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
