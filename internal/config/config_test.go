package config

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func load(t *testing.T, args []string, env map[string]string) (Config, error) {
	t.Helper()
	c := Default()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	_, err := c.Load(fs, args, func(k string) string { return env[k] }, c.ServeFlags)
	if err == nil {
		err = c.Validate()
	}
	return c, err
}

func TestPrecedenceFileEnvFlag(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "gk.yaml")
	os.WriteFile(file, []byte("addr: \":7000\"\nstore_timeout: 400ms\nrate_limit: 5\n"), 0o600)

	c, err := load(t, []string{"--config", file}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":7000" || c.StoreTimeout != 400*time.Millisecond || c.RateLimit != 5 {
		t.Fatalf("file not applied: %+v", c)
	}
	c, err = load(t, []string{"--config", file}, map[string]string{"GATEKEEPER_ADDR": ":7100"})
	if err != nil || c.Addr != ":7100" {
		t.Fatalf("env must beat the file: %v %q", err, c.Addr)
	}
	c, err = load(t, []string{"--config", file, "--addr", ":7200"}, map[string]string{"GATEKEEPER_ADDR": ":7100"})
	if err != nil || c.Addr != ":7200" {
		t.Fatalf("flag must beat env: %v %q", err, c.Addr)
	}
	c, err = load(t, nil, map[string]string{"GATEKEEPER_CONFIG": file})
	if err != nil || c.Addr != ":7000" {
		t.Fatalf("GATEKEEPER_CONFIG not read: %v %q", err, c.Addr)
	}
}

func TestErrorsNameTheSetting(t *testing.T) {
	dir := t.TempDir()
	unknown := filepath.Join(dir, "unknown.yaml")
	os.WriteFile(unknown, []byte("adress: \":1\"\n"), 0o600)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"unknown key in file", []string{"--config", unknown}, nil, "adress"},
		{"bad env value", nil, map[string]string{"GATEKEEPER_STORE_TIMEOUT": "soon"}, "GATEKEEPER_STORE_TIMEOUT"},
		{"bad flag value", []string{"--rate-limit", "many"}, nil, "rate-limit"},
		{"unknown flag", []string{"--colour", "red"}, nil, "colour"},
		{"bad redis scheme", []string{"--redis-url", "http://x"}, nil, "redis_url"},
		{"bad log format", []string{"--log-format", "xml"}, nil, "log_format"},
		{"bad addr", []string{"--addr", "8080"}, nil, "addr"},
		{"bad admin addr", []string{"--admin-addr", "9090"}, nil, "admin_addr"},
		{"admin addr equals addr", []string{"--addr", ":8080", "--admin-addr", ":8080"}, nil, "admin_addr"},
		{"missing file", []string{"--config", filepath.Join(dir, "nope.yaml")}, nil, "config file"},
		{"store timeout too long", []string{"--store-timeout", "1h"}, nil, "store_timeout"},
		{"wait replicas without redis", []string{"--redis-wait-replicas", "1"}, nil, "redis_wait_replicas"},
		{"wait replicas negative", []string{"--redis-url", "redis://127.0.0.1:6379", "--redis-wait-replicas", "-1"}, nil, "redis_wait_replicas"},
		{"bad wait replicas env", nil, map[string]string{"GATEKEEPER_REDIS_WAIT_REPLICAS": "all"}, "GATEKEEPER_REDIS_WAIT_REPLICAS"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := load(t, tc.args, tc.env)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func TestDefaultsAreValid(t *testing.T) {
	if _, err := load(t, nil, nil); err != nil {
		t.Fatal(err)
	}
}

func TestRedisWaitReplicas(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "gk.yaml")
	os.WriteFile(file, []byte("redis_url: redis://127.0.0.1:6379\nredis_wait_replicas: 2\n"), 0o600)
	c, err := load(t, []string{"--config", file}, nil)
	if err != nil || c.RedisWaitReplicas != 2 {
		t.Fatalf("from the file: %v %d", err, c.RedisWaitReplicas)
	}
	c, err = load(t, []string{"--config", file}, map[string]string{"GATEKEEPER_REDIS_WAIT_REPLICAS": "1"})
	if err != nil || c.RedisWaitReplicas != 1 {
		t.Fatalf("from the environment: %v %d", err, c.RedisWaitReplicas)
	}
	c, err = load(t, []string{"--config", file, "--redis-wait-replicas", "0"}, map[string]string{"GATEKEEPER_REDIS_WAIT_REPLICAS": "1"})
	if err != nil || c.RedisWaitReplicas != 0 {
		t.Fatalf("from the flag: %v %d", err, c.RedisWaitReplicas)
	}
	if Default().RedisWaitReplicas != 0 {
		t.Fatal("the default must be 0")
	}
}

func TestAdminAddr(t *testing.T) {
	if Default().AdminAddr != "" {
		t.Fatal("the admin listener must be off by default")
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "gk.yaml")
	os.WriteFile(file, []byte("admin_addr: 127.0.0.1:9090\n"), 0o600)
	c, err := load(t, []string{"--config", file}, nil)
	if err != nil || c.AdminAddr != "127.0.0.1:9090" {
		t.Fatalf("from the file: %v %q", err, c.AdminAddr)
	}
	c, err = load(t, []string{"--config", file}, map[string]string{"GATEKEEPER_ADMIN_ADDR": ":9091"})
	if err != nil || c.AdminAddr != ":9091" {
		t.Fatalf("from the environment: %v %q", err, c.AdminAddr)
	}
	c, err = load(t, []string{"--config", file, "--admin-addr", ":9092"}, map[string]string{"GATEKEEPER_ADMIN_ADDR": ":9091"})
	if err != nil || c.AdminAddr != ":9092" {
		t.Fatalf("from the flag: %v %q", err, c.AdminAddr)
	}
}
