package main

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// serveForTest runs `gatekeeper serve ARGS…` in process and returns the
// addresses it printed ("listening on …" and, with --admin-addr, "admin
// listening on …"). The server stops at the end of the test.
func serveForTest(t *testing.T, admin bool, args ...string) (public, adminAddr string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, append([]string{"serve", "--log-format", "text"}, args...),
			&Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: pw, Getenv: func(string) string { return "" }})
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not shut down")
		}
	})
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.After(15 * time.Second)
	var said []string
	for public == "" || (admin && adminAddr == "") {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve stopped before listening: %s", strings.Join(said, "\n"))
			}
			said = append(said, l)
			if a, ok := strings.CutPrefix(l, "admin listening on "); ok {
				adminAddr = a
			} else if a, ok := strings.CutPrefix(l, "listening on "); ok {
				public = a
			}
		case <-timeout:
			t.Fatal("the server did not start")
		}
	}
	go func() {
		for range lines {
		}
	}()
	return public, adminAddr
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestAdminAddress: with --admin-addr, /metrics and /debug/pprof/ answer
// there and not on the public address; without it, /metrics is nowhere.
func TestAdminAddress(t *testing.T) {
	public, admin := serveForTest(t, true, "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0")
	if code, body := get(t, "http://"+admin+"/metrics"); code != 200 || !strings.Contains(body, "gatekeeper_") {
		t.Errorf("admin /metrics: %d %.200s", code, body)
	}
	if code, body := get(t, "http://"+admin+"/debug/pprof/"); code != 200 || !strings.Contains(body, "goroutine") {
		t.Errorf("admin /debug/pprof/: %d %.200s", code, body)
	}
	if code, body := get(t, "http://"+admin+"/debug/pprof/heap?debug=1"); code != 200 || !strings.Contains(body, "heap profile") {
		t.Errorf("admin heap profile: %d %.200s", code, body)
	}
	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/heap"} {
		if code, _ := get(t, "http://"+public+path); code != http.StatusNotFound {
			t.Errorf("public %s: %d, want 404", path, code)
		}
	}
	if code, _ := get(t, "http://"+public+"/healthz"); code != 200 {
		t.Errorf("public /healthz: %d", code)
	}
	if code, _ := get(t, "http://"+admin+"/v1/outlets/x/share"); code != http.StatusNotFound {
		t.Errorf("admin serves the API: %d", code)
	}
}

func TestNoMetricsWithoutAdminAddress(t *testing.T) {
	public, _ := serveForTest(t, false, "--data", t.TempDir(), "--addr", "127.0.0.1:0")
	if code, _ := get(t, "http://"+public+"/metrics"); code != http.StatusNotFound {
		t.Errorf("public /metrics without an admin address: %d, want 404", code)
	}
}
