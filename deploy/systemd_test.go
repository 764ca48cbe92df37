package deploy

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const systemdInstall = "apt-get install -y systemd (systemd-analyze; it does not need systemd as PID 1)"

// unitDirectives returns the unit's directives as "Section.Key" → values.
func unitDirectives(t *testing.T, path string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, path)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "["):
			section = strings.Trim(line, "[]")
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				t.Fatalf("%s: bad line %q", path, line)
			}
			out[section+"."+k] = append(out[section+"."+k], v)
		}
	}
	return out
}

func TestSystemdUnitHardening(t *testing.T) {
	u := unitDirectives(t, "systemd/gatekeeper.service")
	one := func(k string) string {
		if v := u["Service."+k]; len(v) > 0 {
			return v[len(v)-1]
		}
		return ""
	}
	for k, want := range map[string]string{
		"DynamicUser":             "yes",
		"StateDirectory":          "gatekeeper",
		"ProtectSystem":           "strict",
		"NoNewPrivileges":         "yes",
		"PrivateTmp":              "yes",
		"MemoryDenyWriteExecute":  "yes",
		"Restart":                 "on-failure",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"EnvironmentFile":         "/etc/gatekeeper/gatekeeper.env",
		"CapabilityBoundingSet":   "",
	} {
		if _, ok := u["Service."+k]; !ok {
			t.Errorf("[Service] %s missing", k)
		} else if got := one(k); got != want {
			t.Errorf("[Service] %s=%q, want %q", k, got, want)
		}
	}
	if f := u["Service.SystemCallFilter"]; len(f) == 0 || f[0] != "@system-service" {
		t.Errorf("SystemCallFilter must start from @system-service, got %v", f)
	}
	if !strings.HasPrefix(one("ExecStart"), "/usr/local/bin/gatekeeper serve") {
		t.Errorf("ExecStart %q", one("ExecStart"))
	}
	env := string(readFile(t, "systemd/gatekeeper.env.example"))
	for _, k := range []string{"GATEKEEPER_ADDR=", "GATEKEEPER_ADMIN_ADDR=127.0.0.1:", "GATEKEEPER_REDIS_URL="} {
		if !strings.Contains(env, "\n"+k) {
			t.Errorf("gatekeeper.env.example lacks %s", k)
		}
	}
}

// TestSystemdAnalyze runs systemd-analyze verify (any warning fails: verify
// exits 0 on unknown keys and bad values) and the offline security scan.
// ExecStart must name an existing executable for verify, so the unit is
// checked as a copy whose ExecStart points at a stand-in executable.
func TestSystemdAnalyze(t *testing.T) {
	sa := tool(t, "systemd-analyze", systemdInstall)
	dir := t.TempDir()
	stand := filepath.Join(dir, "gatekeeper")
	if err := os.WriteFile(stand, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	unit := strings.ReplaceAll(string(readFile(t, "systemd/gatekeeper.service")), "ExecStart=/usr/local/bin/gatekeeper", "ExecStart="+stand)
	unitPath := filepath.Join(dir, "gatekeeper.service")
	if err := os.WriteFile(unitPath, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sa, "verify", unitPath).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	// Exposure 0 (best) .. 10 (worst); --threshold is in tenths.
	out, err = exec.Command(sa, "security", "--offline=yes", "--threshold=20", unitPath).CombinedOutput()
	if err != nil {
		t.Errorf("systemd-analyze security: exposure above 2.0 or error: %v\n%s", err, lastLines(out, 3))
	} else {
		t.Logf("%s", lastLines(out, 1))
	}
}

func lastLines(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
