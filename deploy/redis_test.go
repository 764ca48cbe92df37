package deploy

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisConf returns the directives of deploy/redis/redis.conf (last one wins).
func redisConf(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, "redis/redis.conf")))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, _ := strings.Cut(line, " ")
		out[strings.ToLower(k)] = strings.Trim(strings.TrimSpace(v), `"`)
	}
	return out
}

func TestRedisConfDirectives(t *testing.T) {
	c := redisConf(t)
	for k, want := range map[string]string{
		"appendonly":                  "yes",
		"appendfsync":                 "always",
		"maxmemory-policy":            "noeviction",
		"protected-mode":              "yes",
		"no-appendfsync-on-rewrite":   "no",
		"stop-writes-on-bgsave-error": "yes",
	} {
		if c[k] != want {
			t.Errorf("redis.conf %s = %q, want %q", k, c[k], want)
		}
	}
	if c["save"] == "" || c["save"] == `""` {
		t.Errorf("redis.conf: keep RDB snapshots for backups")
	}
}

// startRedis runs redis-server with deploy/redis/redis.conf (its dir moved
// to dataDir, bound to loopback on a free port) and stops it at cleanup.
func startRedis(t *testing.T, bin, dataDir string) (*exec.Cmd, *redis.Client) {
	t.Helper()
	conf := regexp.MustCompile(`(?m)^dir .*$`).ReplaceAllString(string(readFile(t, "redis/redis.conf")), "dir "+dataDir)
	confPath := filepath.Join(t.TempDir(), "redis.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	var log bytes.Buffer
	cmd := exec.Command(bin, confPath, "--port", fmt.Sprint(port), "--bind", "127.0.0.1")
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	rdb := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { rdb.Close() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return cmd, rdb
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server with redis.conf did not come up: %v\n%s", err, log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRedisConfRuns starts a real redis-server with the file, checks the
// settings in force, and that a write acknowledged just before kill -9 is
// there after a restart (AOF with fsync always).
func TestRedisConfRuns(t *testing.T) {
	bin := tool(t, "redis-server", "apt-get install -y redis-server")
	ctx := context.Background()
	data := t.TempDir()
	cmd, rdb := startRedis(t, bin, data)
	for k, want := range map[string]string{"appendonly": "yes", "appendfsync": "always", "maxmemory-policy": "noeviction", "protected-mode": "yes"} {
		got, err := rdb.ConfigGet(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		if got[k] != want {
			t.Errorf("CONFIG GET %s = %q, want %q", k, got[k], want)
		}
	}
	// The shape of a check: one script, keys sharing a hash tag.
	const script = `redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2]); return redis.call('ZCARD', KEYS[1])`
	for i := range 200 {
		if err := rdb.Eval(ctx, script, []string{"{o:test}:win"}, i, fmt.Sprintf("post-%d", i)).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	rdb.Close()

	_, rdb2 := startRedis(t, bin, data)
	n, err := rdb2.ZCard(ctx, "{o:test}:win").Result()
	if err != nil {
		t.Fatal(err)
	}
	if n != 200 {
		t.Fatalf("after kill -9 and restart: %d of 200 acknowledged writes", n)
	}
}
