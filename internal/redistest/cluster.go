package redistest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ErrCLINotInstalled is returned when redis-cli (needed to create a cluster) is missing.
var ErrCLINotInstalled = errors.New("redis-cli is not installed (Debian: apt-get install -y redis-tools)")

// CLIBinary returns the path of redis-cli, or ErrCLINotInstalled.
func CLIBinary() (string, error) {
	if _, err := os.Stat("/usr/bin/redis-cli"); err == nil {
		return "/usr/bin/redis-cli", nil
	}
	if b, err := exec.LookPath("redis-cli"); err == nil {
		return b, nil
	}
	return "", ErrCLINotInstalled
}

// skipOrFail skips the test for a missing binary, or fails it when
// GATEKEEPER_REQUIRE_ALL=1.
func skipOrFail(tb testing.TB, err error) {
	tb.Helper()
	if Required() {
		tb.Fatalf("redistest: %v; %s=1 requires it", err, RequireEnv)
	}
	tb.Skipf("redistest: %v; skipping (set %s=1 to fail instead)", err, RequireEnv)
}

// ClusterOptions configure a Redis Cluster.
type ClusterOptions struct {
	// Masters is the number of masters (default 3).
	Masters int
	// ReplicasPerMaster is the number of replicas of each master (default 1).
	ReplicasPerMaster int
	// NodeTimeout is cluster-node-timeout (default 2 s, so a failover takes
	// a few seconds rather than the default 15 s + election).
	NodeTimeout time.Duration
	// Node configures every node (append-only file, extra config lines).
	Node Options
}

// Cluster is a running Redis Cluster of local nodes.
type Cluster struct {
	// Nodes are every node, in the order given to redis-cli --cluster create
	// (the first Masters nodes start as masters).
	Nodes []*Server
	opts  ClusterOptions
}

// StartCluster starts a cluster for the test (3 masters, 1 replica each,
// cluster-node-timeout 2 s by default), waits until every node reports
// cluster_state:ok and every replica is synced, and stops every node when
// the test ends. It skips the test when redis-server or redis-cli is
// missing, or fails it when GATEKEEPER_REQUIRE_ALL=1.
func StartCluster(tb testing.TB, o ClusterOptions) *Cluster {
	tb.Helper()
	if o.Masters == 0 {
		o.Masters = 3
	}
	if o.ReplicasPerMaster == 0 {
		o.ReplicasPerMaster = 1
	}
	if o.NodeTimeout == 0 {
		o.NodeTimeout = 2 * time.Second
	}
	if _, err := Binary(); err != nil {
		skipOrFail(tb, err)
	}
	cli, err := CLIBinary()
	if err != nil {
		skipOrFail(tb, err)
	}
	c := &Cluster{opts: o}
	tb.Cleanup(func() {
		for _, n := range c.Nodes {
			if tb.Failed() {
				if tail := n.LogTail(8); tail != "" {
					tb.Logf("redistest: node %s, last lines of its log:\n%s", n.Addr(), tail)
				}
			}
			if err := n.Close(); err != nil {
				tb.Errorf("redistest: %v", err)
			}
		}
	})
	node := o.Node
	node.ClusterBus = true
	node.Config = append([]string{
		"cluster-enabled yes",
		"cluster-config-file nodes.conf",
		"cluster-node-timeout " + strconv.FormatInt(o.NodeTimeout.Milliseconds(), 10),
		// Replicas sync at once instead of waiting 5 s for more replicas.
		"repl-diskless-sync-delay 0",
	}, o.Node.Config...)
	total := o.Masters * (1 + o.ReplicasPerMaster)
	args := []string{"--cluster", "create"}
	for range total {
		s, err := StartServer(node)
		if err != nil {
			tb.Fatalf("redistest: cluster node: %v", err)
		}
		c.Nodes = append(c.Nodes, s)
		args = append(args, s.Addr())
	}
	args = append(args, "--cluster-replicas", strconv.Itoa(o.ReplicasPerMaster), "--cluster-yes")
	if out, err := exec.Command(cli, args...).CombinedOutput(); err != nil {
		tb.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	if err := c.WaitReady(60*time.Second, o.ReplicasPerMaster); err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	return c
}

// URL is the cluster URL redisstore.ParseURL reads: every node as a seed.
func (c *Cluster) URL() string {
	var b strings.Builder
	b.WriteString("redis://" + c.Nodes[0].Addr())
	for i, n := range c.Nodes[1:] {
		if i == 0 {
			b.WriteString("?addr=")
		} else {
			b.WriteString("&addr=")
		}
		b.WriteString(n.Addr())
	}
	return b.String()
}

// Running returns the nodes whose process is alive.
func (c *Cluster) Running() []*Server {
	var out []*Server
	for _, n := range c.Nodes {
		if n.Running() {
			out = append(out, n)
		}
	}
	return out
}

// ByAddr returns the node listening on addr (host:port), or nil.
func (c *Cluster) ByAddr(addr string) *Server {
	for _, n := range c.Nodes {
		if n.Addr() == addr {
			return n
		}
	}
	return nil
}

// KeySlot asks a running node for the hash slot of key.
func (c *Cluster) KeySlot(key string) (int, error) {
	var last error = errors.New("no node is running")
	for _, n := range c.Running() {
		v, err := Do(n.Addr(), 0, "CLUSTER", "KEYSLOT", key)
		if err != nil {
			last = err
			continue
		}
		if x, ok := v.(int64); ok {
			return int(x), nil
		}
		return 0, fmt.Errorf("redistest: CLUSTER KEYSLOT answered %v", v)
	}
	return 0, last
}

// clusterNode is one line of CLUSTER NODES.
type clusterNode struct {
	id, addr, master string
	flags            []string
	slots            [][2]int
}

func (n clusterNode) has(flag string) bool {
	for _, f := range n.flags {
		if f == flag {
			return true
		}
	}
	return false
}

func (n clusterNode) owns(slot int) bool {
	for _, r := range n.slots {
		if slot >= r[0] && slot <= r[1] {
			return true
		}
	}
	return false
}

// nodesView reads CLUSTER NODES as one node sees the cluster.
func nodesView(addr string) ([]clusterNode, error) {
	text, err := DoString(addr, "CLUSTER", "NODES")
	if err != nil {
		return nil, err
	}
	var out []clusterNode
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		f := strings.Fields(line)
		if len(f) < 8 {
			continue
		}
		n := clusterNode{id: f[0], flags: strings.Split(f[2], ","), master: f[3]}
		n.addr, _, _ = strings.Cut(f[1], "@")
		for _, r := range f[8:] {
			if strings.HasPrefix(r, "[") { // a slot being migrated
				continue
			}
			lo, hi, found := strings.Cut(r, "-")
			a, err1 := strconv.Atoi(lo)
			b := a
			var err2 error
			if found {
				b, err2 = strconv.Atoi(hi)
			}
			if err1 == nil && err2 == nil {
				n.slots = append(n.slots, [2]int{a, b})
			}
		}
		out = append(out, n)
	}
	return out, nil
}

// MasterOf returns the node that the running nodes agree is the master of
// slot (a healthy master: not flagged fail or fail?). It is an error when
// the running nodes disagree or name no running node.
func (c *Cluster) MasterOf(slot int) (*Server, error) {
	var found string
	for _, n := range c.Running() {
		view, err := nodesView(n.Addr())
		if err != nil {
			return nil, fmt.Errorf("redistest: CLUSTER NODES on %s: %w", n.Addr(), err)
		}
		addr := ""
		for _, v := range view {
			if v.has("master") && !v.has("fail") && !v.has("fail?") && v.owns(slot) {
				addr = v.addr
			}
		}
		if addr == "" {
			return nil, fmt.Errorf("redistest: %s sees no healthy master for slot %d", n.Addr(), slot)
		}
		if found != "" && addr != found {
			return nil, fmt.Errorf("redistest: nodes disagree on slot %d: %s and %s", slot, found, addr)
		}
		found = addr
	}
	s := c.ByAddr(found)
	if s == nil || !s.Running() {
		return nil, fmt.Errorf("redistest: master of slot %d is %q, not a running node", slot, found)
	}
	return s, nil
}

// WaitFailover waits until every running node names a master of slot other
// than old, and that master answers role:master. It returns the new master.
func (c *Cluster) WaitFailover(slot int, old *Server, timeout time.Duration) (*Server, error) {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		m, err := c.MasterOf(slot)
		if err == nil && m != old {
			info, err2 := DoString(m.Addr(), "INFO", "replication")
			if err2 == nil && InfoField(info, "role") == "master" {
				return m, nil
			}
			err = err2
		}
		if err == nil {
			err = fmt.Errorf("slot %d is still served by %s", slot, old.Addr())
		}
		last = err
		time.Sleep(20 * time.Millisecond)
	}
	return nil, fmt.Errorf("redistest: no failover of slot %d within %s: %v", slot, timeout, last)
}

// WaitReady waits until every running node reports cluster_state:ok and
// sees the same masters, every master serving slots has at least replicas
// online replicas, and every replica's link to its master is up and synced.
func (c *Cluster) WaitReady(timeout time.Duration, replicas int) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if last = c.ready(replicas); last == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("cluster not ready after %s: %v", timeout, last)
}

func (c *Cluster) ready(replicas int) error {
	running := c.Running()
	if len(running) == 0 {
		return errors.New("no node is running")
	}
	masters := map[string]bool{}
	for i, n := range running {
		info, err := DoString(n.Addr(), "CLUSTER", "INFO")
		if err != nil {
			return fmt.Errorf("%s: %w", n.Addr(), err)
		}
		if st := InfoField(info, "cluster_state"); st != "ok" {
			return fmt.Errorf("%s: cluster_state:%s", n.Addr(), st)
		}
		view, err := nodesView(n.Addr())
		if err != nil {
			return fmt.Errorf("%s: %w", n.Addr(), err)
		}
		seen := map[string]bool{}
		for _, v := range view {
			if v.has("master") && len(v.slots) > 0 {
				if v.has("fail") || v.has("fail?") {
					return fmt.Errorf("%s sees master %s as failing", n.Addr(), v.addr)
				}
				seen[v.addr] = true
			}
		}
		if i == 0 {
			masters = seen
		} else if fmt.Sprint(masters) != fmt.Sprint(seen) {
			return fmt.Errorf("nodes disagree on the masters: %v and %v", masters, seen)
		}
	}
	for addr := range masters {
		info, err := DoString(addr, "INFO", "replication")
		if err != nil {
			return fmt.Errorf("%s: %w", addr, err)
		}
		if role := InfoField(info, "role"); role != "master" {
			return fmt.Errorf("%s: role %s", addr, role)
		}
		online := strings.Count(info, ",state=online,")
		if online < replicas {
			return fmt.Errorf("master %s has %d online replicas, want %d", addr, online, replicas)
		}
		if replicas > 0 {
			key, err := c.keyServedBy(addr)
			if err != nil {
				return err
			}
			if err := confirmsWrites(addr, key, replicas); err != nil {
				return err
			}
		}
	}
	for _, n := range running {
		info, err := DoString(n.Addr(), "INFO", "replication")
		if err != nil {
			return fmt.Errorf("%s: %w", n.Addr(), err)
		}
		if InfoField(info, "role") != "slave" {
			continue
		}
		if InfoField(info, "master_link_status") != "up" || InfoField(info, "master_sync_in_progress") != "0" {
			return fmt.Errorf("replica %s: link %s, sync in progress %s", n.Addr(),
				InfoField(info, "master_link_status"), InfoField(info, "master_sync_in_progress"))
		}
	}
	return nil
}

// keyServedBy finds a key whose slot the master at addr serves.
func (c *Cluster) keyServedBy(addr string) (string, error) {
	view, err := nodesView(addr)
	if err != nil {
		return "", err
	}
	var me clusterNode
	for _, v := range view {
		if v.has("myself") {
			me = v
		}
	}
	for i := range 1000 {
		key := "redistest:ready:" + strconv.Itoa(i)
		v, err := Do(addr, 0, "CLUSTER", "KEYSLOT", key)
		if err != nil {
			return "", err
		}
		if slot, ok := v.(int64); ok && me.owns(int(slot)) {
			return key, nil
		}
	}
	return "", fmt.Errorf("no key found for the slots of %s", addr)
}
