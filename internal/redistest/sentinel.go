package redistest

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

// SentinelOptions configure a Sentinel set-up: one master, its replicas and
// the sentinels that watch it.
type SentinelOptions struct {
	// MasterName is the name the sentinels monitor (default "gatekeeper").
	MasterName string
	// Replicas is the number of replicas of the master (default 1).
	Replicas int
	// Sentinels is the number of sentinels (default 3); Quorum is how many
	// must agree the master is down (default a majority).
	Sentinels, Quorum int
	// DownAfter is down-after-milliseconds (default 2 s); FailoverTimeout
	// is failover-timeout (default 5 s).
	DownAfter, FailoverTimeout time.Duration
	// Node configures the master and the replicas.
	Node Options
}

// Sentinels is a running Sentinel set-up.
type Sentinels struct {
	// Servers are the data nodes; Servers[0] starts as the master.
	Servers []*Server
	// Watchers are the sentinel processes.
	Watchers []*Server
	opts     SentinelOptions
}

// StartSentinel starts a master, its replicas and the sentinels for the
// test, waits until the replicas are synced and every sentinel knows the
// master, its replicas and the other sentinels, and stops everything when
// the test ends. It skips the test when redis-server is missing, or fails
// it when GATEKEEPER_REQUIRE_ALL=1.
func StartSentinel(tb testing.TB, o SentinelOptions) *Sentinels {
	tb.Helper()
	if o.MasterName == "" {
		o.MasterName = "gatekeeper"
	}
	if o.Replicas == 0 {
		o.Replicas = 1
	}
	if o.Sentinels == 0 {
		o.Sentinels = 3
	}
	if o.Quorum == 0 {
		o.Quorum = o.Sentinels/2 + 1
	}
	if o.DownAfter == 0 {
		o.DownAfter = 2 * time.Second
	}
	if o.FailoverTimeout == 0 {
		o.FailoverTimeout = 5 * time.Second
	}
	if _, err := Binary(); err != nil {
		skipOrFail(tb, err)
	}
	s := &Sentinels{opts: o}
	tb.Cleanup(func() {
		for _, n := range append(append([]*Server{}, s.Watchers...), s.Servers...) {
			if tb.Failed() {
				if tail := n.LogTail(8); tail != "" {
					tb.Logf("redistest: %s, last lines of its log:\n%s", n.Addr(), tail)
				}
			}
			if err := n.Close(); err != nil {
				tb.Errorf("redistest: %v", err)
			}
		}
	})
	node := o.Node
	node.Config = append([]string{"repl-diskless-sync-delay 0"}, o.Node.Config...)
	master, err := StartServer(node)
	if err != nil {
		tb.Fatalf("redistest: sentinel master: %v", err)
	}
	s.Servers = append(s.Servers, master)
	for range o.Replicas {
		r := node
		r.Config = append(append([]string{}, node.Config...), "replicaof 127.0.0.1 "+strconv.Itoa(master.Port()))
		rs, err := StartServer(r)
		if err != nil {
			tb.Fatalf("redistest: sentinel replica: %v", err)
		}
		s.Servers = append(s.Servers, rs)
	}
	if err := s.waitReplicas(master, o.Replicas, 30*time.Second); err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	name := o.MasterName
	for range o.Sentinels {
		w, err := StartServer(Options{Sentinel: true, Config: []string{
			fmt.Sprintf("sentinel monitor %s 127.0.0.1 %d %d", name, master.Port(), o.Quorum),
			fmt.Sprintf("sentinel down-after-milliseconds %s %d", name, o.DownAfter.Milliseconds()),
			fmt.Sprintf("sentinel failover-timeout %s %d", name, o.FailoverTimeout.Milliseconds()),
			fmt.Sprintf("sentinel parallel-syncs %s 1", name),
		}})
		if err != nil {
			tb.Fatalf("redistest: sentinel: %v", err)
		}
		s.Watchers = append(s.Watchers, w)
	}
	if err := s.WaitReady(60*time.Second, o.Replicas); err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	return s
}

// MasterName is the name the sentinels monitor.
func (s *Sentinels) MasterName() string { return s.opts.MasterName }

// URL is the redis+sentinel:// URL redisstore.ParseURL reads.
func (s *Sentinels) URL() string {
	var hosts []string
	for _, w := range s.Watchers {
		hosts = append(hosts, w.Addr())
	}
	return "redis+sentinel://" + strings.Join(hosts, ",") + "/" + s.opts.MasterName
}

// ByAddr returns the data node listening on addr, or nil.
func (s *Sentinels) ByAddr(addr string) *Server {
	for _, n := range s.Servers {
		if n.Addr() == addr {
			return n
		}
	}
	return nil
}

// Master returns the data node every running sentinel names as the master.
func (s *Sentinels) Master() (*Server, error) {
	found := ""
	for _, w := range s.Watchers {
		if !w.Running() {
			continue
		}
		v, err := Do(w.Addr(), 0, "SENTINEL", "get-master-addr-by-name", s.opts.MasterName)
		if err != nil {
			return nil, fmt.Errorf("sentinel %s: %w", w.Addr(), err)
		}
		a, ok := v.([]any)
		if !ok || len(a) != 2 {
			return nil, fmt.Errorf("sentinel %s: master address %v", w.Addr(), v)
		}
		addr := fmt.Sprintf("%v:%v", a[0], a[1])
		if found != "" && found != addr {
			return nil, fmt.Errorf("sentinels disagree on the master: %s and %s", found, addr)
		}
		found = addr
	}
	n := s.ByAddr(found)
	if n == nil {
		return nil, fmt.Errorf("sentinels name %q, not a data node", found)
	}
	return n, nil
}

// WaitFailover waits until every running sentinel names a master other than
// old and that node answers role:master. It returns the new master.
func (s *Sentinels) WaitFailover(old *Server, timeout time.Duration) (*Server, error) {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		m, err := s.Master()
		if err == nil && m != old && m.Running() {
			info, err2 := DoString(m.Addr(), "INFO", "replication")
			if err2 == nil && InfoField(info, "role") == "master" {
				return m, nil
			}
			err = err2
		}
		if err == nil {
			err = errors.New("the sentinels still name " + old.Addr())
		}
		last = err
		time.Sleep(20 * time.Millisecond)
	}
	return nil, fmt.Errorf("redistest: no failover within %s: %v", timeout, last)
}

// WaitReady waits until the sentinels agree on a running master with at
// least replicas synced replicas, and every sentinel knows the others and
// the replicas.
func (s *Sentinels) WaitReady(timeout time.Duration, replicas int) error {
	deadline := time.Now().Add(timeout)
	var last error
	for time.Now().Before(deadline) {
		if last = s.ready(replicas); last == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("sentinel set-up not ready after %s: %v", timeout, last)
}

func (s *Sentinels) ready(replicas int) error {
	m, err := s.Master()
	if err != nil {
		return err
	}
	if !m.Running() {
		return fmt.Errorf("master %s is not running", m.Addr())
	}
	if err := s.waitReplicas(m, replicas, 0); err != nil {
		return err
	}
	for _, w := range s.Watchers {
		if !w.Running() {
			continue
		}
		v, err := Do(w.Addr(), 0, "SENTINEL", "master", s.opts.MasterName)
		if err != nil {
			return fmt.Errorf("sentinel %s: %w", w.Addr(), err)
		}
		f := pairs(v)
		if f["flags"] != "master" {
			return fmt.Errorf("sentinel %s: master flags %q", w.Addr(), f["flags"])
		}
		if n, _ := strconv.Atoi(f["num-other-sentinels"]); n != len(s.Watchers)-1 {
			return fmt.Errorf("sentinel %s knows %d other sentinels", w.Addr(), n)
		}
		if n, _ := strconv.Atoi(f["num-slaves"]); n < replicas {
			return fmt.Errorf("sentinel %s knows %d replicas", w.Addr(), n)
		}
	}
	return nil
}

// waitReplicas waits (or, with timeout 0, checks once) until master has at
// least n online replicas whose links are up and synced.
func (s *Sentinels) waitReplicas(master *Server, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := replicasSynced(master, s.Servers, n)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func replicasSynced(master *Server, nodes []*Server, n int) error {
	info, err := DoString(master.Addr(), "INFO", "replication")
	if err != nil {
		return fmt.Errorf("master %s: %w", master.Addr(), err)
	}
	if role := InfoField(info, "role"); role != "master" {
		return fmt.Errorf("%s: role %s", master.Addr(), role)
	}
	if online := strings.Count(info, ",state=online,"); online < n {
		return fmt.Errorf("master %s has %d online replicas, want %d", master.Addr(), online, n)
	}
	if n > 0 {
		if err := confirmsWrites(master.Addr(), "redistest:ready", n); err != nil {
			return err
		}
	}
	for _, r := range nodes {
		if r == master || !r.Running() {
			continue
		}
		info, err := DoString(r.Addr(), "INFO", "replication")
		if err != nil {
			return fmt.Errorf("replica %s: %w", r.Addr(), err)
		}
		if InfoField(info, "role") == "slave" && (InfoField(info, "master_link_status") != "up" || InfoField(info, "master_sync_in_progress") != "0") {
			return fmt.Errorf("replica %s: link %s", r.Addr(), InfoField(info, "master_link_status"))
		}
	}
	return nil
}

// pairs turns a flat [k1 v1 k2 v2 ...] reply into a map.
func pairs(v any) map[string]string {
	out := map[string]string{}
	a, _ := v.([]any)
	for i := 0; i+1 < len(a); i += 2 {
		out[fmt.Sprint(a[i])] = fmt.Sprint(a[i+1])
	}
	return out
}
