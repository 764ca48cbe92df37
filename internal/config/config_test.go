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

// Scheduled reports come from the file or, as YAML flow, from the
// environment; every mistake names the schedule and the field.
func TestReportSchedules(t *testing.T) {
	env := map[string]string{
		"GATEKEEPER_SMTP_HOST":        "mail.example.vn",
		"GATEKEEPER_SMTP_FROM":        "gk@example.vn",
		"GATEKEEPER_REPORT_SCHEDULES": `[{outlet: dakglei, every: monthly, day: 3, to: [vanhoa@dakglei.gov.vn]}, {outlet: "*", every: quarterly, day: 5, to: [bch@example.vn], lang: en}]`,
	}
	c, err := load(t, nil, env) // loads and validates
	if err != nil {
		t.Fatal(err)
	}
	if len(c.ReportSchedules) != 2 || c.ReportSchedules[1].Outlet != "*" || c.ReportSchedules[1].Lang != "en" || c.ReportSchedules[0].To[0] != "vanhoa@dakglei.gov.vn" {
		t.Errorf("schedules %+v", c.ReportSchedules)
	}
	env["GATEKEEPER_REPORT_SCHEDULES"] = `[{outlet: dakglei, every: weekly, day: 31, to: ["Văn hóa <x>"]}]`
	_, err = load(t, nil, env)
	for _, want := range []string{"report_schedules[0]", "every \"weekly\"", "day 31", "is not an e-mail address"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not say %q", err, want)
		}
	}
	env["GATEKEEPER_REPORT_SCHEDULES"] = `[{outlet: dakglei, every: monthly, day: 3, to: [a@b.vn], recipients: x}]`
	if _, err := load(t, nil, env); err == nil || !strings.Contains(err.Error(), "GATEKEEPER_REPORT_SCHEDULES") {
		t.Errorf("an unknown field: %v", err)
	}
	delete(env, "GATEKEEPER_SMTP_HOST")
	env["GATEKEEPER_REPORT_SCHEDULES"] = `[{outlet: dakglei, every: monthly, day: 3, to: [a@b.vn]}]`
	if _, err := load(t, nil, env); err == nil || !strings.Contains(err.Error(), "need smtp_host") {
		t.Errorf("schedules without mail: %v", err)
	}
}

// Secrets given in the file or the environment never show in --help.
func TestSecretsNotShown(t *testing.T) {
	c := Default()
	c.SMTPPassword, c.NotifyWebhookSecret = "mat-khau-bi-mat", "whsec_bimat"
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var out strings.Builder
	fs.SetOutput(&out)
	c.ServeFlags(fs)
	fs.PrintDefaults()
	if strings.Contains(out.String(), "mat-khau-bi-mat") || strings.Contains(out.String(), "whsec_bimat") {
		t.Errorf("--help shows a secret:\n%s", out.String())
	}
	if err := fs.Parse([]string{"--smtp-password", "moi"}); err != nil || c.SMTPPassword != "moi" {
		t.Errorf("the flag does not set the password: %v %q", err, c.SMTPPassword)
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
