package redistest

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func client(t *testing.T, s *Server) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { c.Close() })
	return c
}

func TestKillRestartKeepsAOF(t *testing.T) {
	s := Start(t, Options{AppendOnly: true, Fsync: "always"})
	ctx := context.Background()
	c := client(t, s)
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Kill(); err != nil {
		t.Fatal(err)
	}
	if s.Running() {
		t.Fatal("running after Kill")
	}
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("PING answered after Kill")
	}
	port := s.Port()
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if s.Port() != port {
		t.Fatalf("port changed: %d → %d", port, s.Port())
	}
	got, err := c.Get(ctx, "k").Result()
	if err != nil || got != "v" {
		t.Fatalf("after kill -9 and restart: %q, %v; want v", got, err)
	}
}

func TestStopRestart(t *testing.T) {
	s := Start(t, Options{AppendOnly: true})
	ctx := context.Background()
	c := client(t, s)
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	if err := s.Restart(); err != nil {
		t.Fatal(err)
	}
	if got, _ := c.Get(ctx, "k").Result(); got != "v" {
		t.Fatalf("after SIGTERM and restart: %q, want v", got)
	}
	if s.URL() != "redis://"+s.Addr()+"/0" {
		t.Fatalf("URL %s", s.URL())
	}
}

func TestCloseRemovesDir(t *testing.T) {
	if _, err := Binary(); err != nil {
		if Required() {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	s, err := StartServer(Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := s.Dir()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("%s still there after Close: %v", dir, err)
	}
	if ping(s.Addr()) == nil {
		t.Fatal("server still answers after Close")
	}
}

func TestMissingBinary(t *testing.T) {
	t.Setenv(BinaryEnv, "/nonexistent/redis-server")
	if _, err := StartServer(Options{}); !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("StartServer with a missing binary: %v, want ErrNotInstalled", err)
	}
}

func TestBadFsync(t *testing.T) {
	if _, err := StartServer(Options{Fsync: "sometimes"}); err == nil {
		t.Fatal("accepted appendfsync sometimes")
	}
}

func TestPauseResume(t *testing.T) {
	s := Start(t, Options{})
	if err := s.Pause(); err != nil {
		t.Fatal(err)
	}
	if err := ping(s.Addr()); err == nil {
		t.Fatal("a paused server answered PING")
	}
	if err := s.Resume(); err != nil {
		t.Fatal(err)
	}
	if err := ping(s.Addr()); err != nil {
		t.Fatalf("after Resume: %v", err)
	}
}

// TestCluster: a 3+3 cluster comes up with every replica synced, answers
// through a cluster client, and fails a killed master's slots over to its
// replica; the killed node rejoins as a replica when restarted.
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("cluster test skipped in -short mode")
	}
	start := time.Now()
	c := StartCluster(t, ClusterOptions{})
	t.Logf("3+3 cluster ready (replicas synced) in %v", time.Since(start).Round(time.Millisecond))
	if len(c.Nodes) != 6 {
		t.Fatalf("%d nodes", len(c.Nodes))
	}
	ctx := context.Background()
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{c.Nodes[0].Addr()}, MaxRetries: -1})
	defer cc.Close()
	if err := cc.Set(ctx, "{o:x}:k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	slot, err := c.KeySlot("{o:x}:k")
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.MasterOf(slot)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := Do(m.Addr(), 0, "GET", "{o:x}:k"); err != nil || v != "v" {
		t.Fatalf("GET on the slot's master %s: %v %v", m.Addr(), v, err)
	}
	if _, err := Do(m.Addr(), 0, "WAIT", "1", "1000"); err != nil {
		t.Fatal(err)
	}
	pid := m.Pid()
	if pid == 0 {
		t.Fatal("no pid")
	}
	killed := time.Now()
	if err := m.Kill(); err != nil {
		t.Fatal(err)
	}
	nm, err := c.WaitFailover(slot, m, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("slot %d: master %s (pid %d) killed, %s promoted after %v", slot, m.Addr(), pid, nm.Addr(), time.Since(killed).Round(time.Millisecond))
	if v, err := Do(nm.Addr(), 0, "GET", "{o:x}:k"); err != nil || v != "v" {
		t.Fatalf("GET on the new master: %v %v", v, err)
	}
	if err := m.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitReady(30*time.Second, 1); err != nil {
		t.Fatal(err)
	}
	if info, _ := DoString(m.Addr(), "INFO", "replication"); InfoField(info, "role") != "slave" {
		t.Fatalf("restarted old master is %s", InfoField(info, "role"))
	}
}

// TestSentinel: a master, a replica and three sentinels; a killed master is
// replaced by its replica and a Sentinel client follows.
func TestSentinel(t *testing.T) {
	if testing.Short() {
		t.Skip("sentinel test skipped in -short mode")
	}
	start := time.Now()
	s := StartSentinel(t, SentinelOptions{})
	t.Logf("sentinel set-up ready in %v", time.Since(start).Round(time.Millisecond))
	m, err := s.Master()
	if err != nil {
		t.Fatal(err)
	}
	if m != s.Servers[0] {
		t.Fatalf("master %s, want %s", m.Addr(), s.Servers[0].Addr())
	}
	ctx := context.Background()
	fc := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: s.MasterName(), SentinelAddrs: []string{s.Watchers[0].Addr(), s.Watchers[1].Addr()}, MaxRetries: -1})
	defer fc.Close()
	if err := fc.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, err := Do(m.Addr(), 0, "WAIT", "1", "1000"); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	if err := m.Kill(); err != nil {
		t.Fatal(err)
	}
	nm, err := s.WaitFailover(m, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("master killed, %s promoted after %v", nm.Addr(), time.Since(killed).Round(time.Millisecond))
	deadline := time.Now().Add(10 * time.Second)
	for {
		v, err := fc.Get(ctx, "k").Result()
		if err == nil && v == "v" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the Sentinel client does not reach the new master: %v %v", v, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// InfoCPU and InfoCommand read what Redis 7 prints.
func TestInfoReaders(t *testing.T) {
	cpu := "# CPU\r\nused_cpu_sys:1.250000\r\nused_cpu_user:2.500000\r\nused_cpu_sys_children:9.000000\r\n"
	if got := InfoCPU(cpu); got != 3750*time.Millisecond {
		t.Errorf("InfoCPU = %v, want 3.75s", got)
	}
	stats := "# Commandstats\r\ncmdstat_fcall:calls=5000,usec=107888,usec_per_call=21.58,rejected_calls=0,failed_calls=0\r\n" +
		"cmdstat_fcall_ro:calls=7,usec=70,usec_per_call=10.00,rejected_calls=0,failed_calls=0\r\n"
	if calls, usec := InfoCommand(stats, "fcall"); calls != 5000 || usec != 21.58 {
		t.Errorf("InfoCommand(fcall) = %d, %v; want 5000, 21.58", calls, usec)
	}
	if calls, usec := InfoCommand(stats, "evalsha"); calls != 0 || usec != 0 {
		t.Errorf("InfoCommand(evalsha) = %d, %v; want 0, 0", calls, usec)
	}
}
