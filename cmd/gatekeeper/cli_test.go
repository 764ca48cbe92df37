package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatekeeper/internal/admin"
)

// run calls Main like the shell would and returns exit code, stdout, stderr.
func run(t *testing.T, stdin string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
	})
	return code, out.String(), errb.String()
}

func TestOutletCommands(t *testing.T) {
	data := t.TempDir()
	code, out, errs := run(t, "", nil, "outlet", "add", "dakglei", "--name", "Cổng TTĐT huyện Đắk Glei", "--json", "--data", data,
		"--limit", "15", "--warn-at", "12.5", "--category", "Pháp luật=negative")
	if code != 0 {
		t.Fatalf("add: %d %s", code, errs)
	}
	var added struct{ ID, Secret string }
	if err := json.Unmarshal([]byte(out), &added); err != nil || added.ID != "dakglei" || !strings.HasPrefix(added.Secret, "whsec_") {
		t.Fatalf("add --json printed %q", out)
	}
	if code, _, errs := run(t, "", nil, "outlet", "add", "dakglei", "--name", "x", "--data", data); code == 0 || !strings.Contains(errs, "already exists") {
		t.Fatalf("second add: %d %s", code, errs)
	}
	if code, _, errs := run(t, "", nil, "outlet", "add", "other", "--name", "x", "--limit", "150", "--data", data); code == 0 || !strings.Contains(errs, "--limit") {
		t.Fatalf("bad limit: %d %s", code, errs)
	}
	if code, _, _ := run(t, "", map[string]string{"GATEKEEPER_DATA": data}, "outlet", "update", "dakglei", "--mode", "shadow", "--sensational", "hold"); code != 0 {
		t.Fatal("update")
	}
	code, out, _ = run(t, "", nil, "outlet", "show", "dakglei", "--json", "--data", data)
	var shown map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &shown) != nil {
		t.Fatalf("show: %d %s", code, out)
	}
	if shown["mode"] != "shadow" || shown["sensational_action"] != "hold" || shown["warn_at"] != "12.50" || strings.Contains(out, added.Secret) {
		t.Fatalf("show: %s", out)
	}
	code, out, _ = run(t, "", nil, "outlet", "rotate-secret", "dakglei", "--json", "--data", data)
	if code != 0 || strings.Contains(out, added.Secret) || !strings.Contains(out, "whsec_") {
		t.Fatalf("rotate: %s", out)
	}
	// An explicit revoke stops the rotated-out secret; rotating again with
	// no grace leaves only the new one.
	if code, out, _ := run(t, "", nil, "outlet", "revoke-secrets", "dakglei", "--data", data); code != 0 || !strings.Contains(out, "Revoked 1 previous") {
		t.Fatalf("revoke-secrets: %d %s", code, out)
	}
	if code, out, _ := run(t, "", nil, "outlet", "rotate-secret", "dakglei", "--grace", "24h", "--data", data); code != 0 || !strings.Contains(out, "work until") {
		t.Fatalf("rotate with grace: %d %s", code, out)
	}
	if code, out, _ := run(t, "", nil, "outlet", "rotate-secret", "dakglei", "--grace", "0", "--data", data); code != 0 || !strings.Contains(out, "Every previous secret has stopped") {
		t.Fatalf("rotate without grace: %d %s", code, out)
	}
	if code, out, _ := run(t, "", nil, "outlet", "show", "dakglei", "--json", "--data", data); code != 0 || !strings.Contains(out, `"secrets": 1`) {
		t.Fatalf("after a rotation with no grace: %s", out)
	}
	if code, out, _ := run(t, "", nil, "outlet", "list", "--data", data); code != 0 || !strings.Contains(out, "dakglei") {
		t.Fatalf("list: %s", out)
	}
	if code, _, errs := run(t, "", nil, "outlet", "remove", "dakglei", "--data", data); code == 0 || !strings.Contains(errs, "--yes") {
		t.Fatalf("remove without --yes: %d %s", code, errs)
	}
	if code, _, _ := run(t, "", nil, "outlet", "remove", "dakglei", "--yes", "--data", data); code != 0 {
		t.Fatal("remove")
	}
	if code, _, _ := run(t, "", nil, "outlet", "show", "dakglei", "--data", data); code == 0 {
		t.Fatal("a removed outlet is still shown")
	}
}

func TestStartUpRefusesBadSettings(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "gk.yaml")
	os.WriteFile(cfg, []byte("adress: \":1\"\n"), 0o600)
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"serve", "--config", cfg}, nil, "adress"},
		{[]string{"serve", "--addr", "nope"}, nil, "addr"},
		{[]string{"serve"}, map[string]string{"GATEKEEPER_LOG_LEVEL": "loud"}, "log_level"},
		{[]string{"serve", "--redis-url", "http://x"}, nil, "redis_url"},
		{[]string{"frobnicate"}, nil, "unknown command"},
	} {
		code, _, errs := run(t, "", tc.env, tc.args...)
		if code == 0 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want an error naming %q", tc.args, code, errs, tc.want)
		}
	}
}

// TestWalkthrough follows the README: an outlet, a backfill, then negative
// posts one after another through a running server — allow, allow, warn,
// warn, warn, hold — signed by `gatekeeper sign --send`.
func TestWalkthrough(t *testing.T) {
	data := t.TempDir()
	_, out, _ := run(t, "", nil, "outlet", "add", "dakglei", "--name", "Đắk Glei", "--json", "--data", data)
	var added struct{ Secret string }
	json.Unmarshal([]byte(out), &added)

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--data", data, "--addr", "127.0.0.1:0", "--log-format", "text"},
			&Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: pw, Getenv: func(string) string { return "" }})
		pw.Close()
	}()
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "listening on "); ok {
				addr <- a
			}
		}
	}()
	var base string
	select {
	case a := <-addr:
		base = "http://" + a
	case <-time.After(15 * time.Second):
		t.Fatal("the server did not start")
	}
	env := map[string]string{"GATEKEEPER_SECRET": added.Secret}
	dir := t.TempDir()
	send := func(path string, body any) map[string]any {
		t.Helper()
		args := []string{"sign", "--send", base + path}
		if body != nil {
			f := filepath.Join(dir, "body.json")
			b, _ := json.Marshal(body)
			os.WriteFile(f, b, 0o600)
			args = append(args, f)
		}
		code, out, errs := run(t, "", env, args...)
		if code != 0 {
			t.Fatalf("sign --send %s: %d %s %s", path, code, errs, out)
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("answer %q", out)
		}
		return m
	}
	var posts []map[string]any
	at := time.Now().Add(-2 * time.Hour).UTC().Format(time.RFC3339)
	for i := 0; i < 100; i++ {
		tone := "neutral"
		if i < 10 {
			tone = "negative"
		}
		posts = append(posts, map[string]any{"id": fmt.Sprintf("old-%d", i), "title": fmt.Sprintf("Bài %d", i), "published_at": at, "declared_tone": tone})
	}
	if s := send("/v1/outlets/dakglei/sync", map[string]any{"posts": posts}); len(s["added"].([]any)) != 100 {
		t.Fatalf("sync: %v", s)
	}
	var got []string
	for i := 1; i <= 6; i++ {
		a := send("/v1/outlets/dakglei/check", map[string]any{"post": map[string]any{
			"id": fmt.Sprintf("p%d", i), "title": "Tai nạn giao thông trên quốc lộ 14, 2 người bị thương",
			"categories": []string{"Thời sự"}, "declared_tone": "negative"}})
		got = append(got, a["decision"].(string))
	}
	if want := "allow allow warn warn warn hold"; strings.Join(got, " ") != want {
		t.Fatalf("decisions %v, want %s", got, want)
	}
	if s := send("/v1/outlets/dakglei/share", nil); s["published"].(float64) != 105 || s["negative"].(float64) != 15 {
		t.Fatalf("share: %v", s)
	}
	if h := send("/v1/outlets/dakglei/holds?status=pending", nil); len(h["holds"].([]any)) != 1 {
		t.Fatalf("holds: %v", h)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("serve exited %d after SIGTERM-like cancel", code)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not shut down")
	}
}

// TestOutletDefaultsAreAdmins: an outlet added with no policy flags has
// exactly admin.NewOutlet's settings (the console's new-outlet form starts
// from the same function), so the CLI's flag defaults cannot drift.
func TestOutletDefaultsAreAdmins(t *testing.T) {
	data := t.TempDir()
	if code, _, errs := run(t, "", nil, "outlet", "add", "macdinh", "--name", "Mặc định", "--data", data); code != 0 {
		t.Fatalf("add: %s", errs)
	}
	code, out, _ := run(t, "", nil, "outlet", "show", "macdinh", "--json", "--data", data)
	var got map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil {
		t.Fatalf("show: %d %s", code, out)
	}
	b, _ := json.Marshal(admin.Public(admin.NewOutlet("macdinh", "Mặc định")))
	var want map[string]any
	json.Unmarshal(b, &want)
	for _, k := range []string{"window_days", "timezone", "limit", "warn_at", "min_sample", "sensational_action", "mode", "category_tones", "callback_url", "allow_private_callback"} {
		if fmt.Sprint(got[k]) != fmt.Sprint(want[k]) {
			t.Errorf("%s = %v, admin.NewOutlet says %v", k, got[k], want[k])
		}
	}
}
