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
