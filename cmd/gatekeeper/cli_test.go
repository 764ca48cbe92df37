package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"gatekeeper/internal/admin"
	"gatekeeper/internal/clock"
	"gatekeeper/internal/config"
	"gatekeeper/internal/testsupport"
)

// cliNow is the instant the commands run at unless GATEKEEPER_TEST_NOW says.
var cliNow = time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)

// run calls Main like the shell would and returns exit code, stdout, stderr.
// Every command reads the test's instant (testsupport.Now) as its clock.
func run(t *testing.T, stdin string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, &Env{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
		Clock:  clock.Fixed(testsupport.Now(t, cliNow)),
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
	// A callback address callbacks may not reach is refused when it is set, naming the fix.
	if code, _, errs := run(t, "", nil, "outlet", "update", "dakglei", "--callback-url", "http://127.0.0.1:8081/wp-json/gatekeeper/v1/callback", "--data", data); code == 0 ||
		!strings.Contains(errs, "--allow-private-callback") || !strings.Contains(errs, "địa chỉ nội bộ") {
		t.Fatalf("private callback without --allow-private-callback: %d %s", code, errs)
	}
	if code, _, errs := run(t, "", nil, "outlet", "update", "dakglei", "--callback-url", "http://127.0.0.1:8081/cb", "--allow-private-callback", "--data", data); code != 0 {
		t.Fatalf("private callback with --allow-private-callback: %d %s", code, errs)
	}
	if code, _, _ := run(t, "", map[string]string{"GATEKEEPER_DATA": data}, "outlet", "update", "dakglei", "--mode", "shadow", "--sensational", "hold"); code != 0 {
		t.Fatal("update")
	}
	code, out, _ = run(t, "", nil, "outlet", "show", "dakglei", "--json", "--data", data)
	var shown map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &shown) != nil {
		t.Fatalf("show: %d %s", code, out)
	}
	if shown["mode"] != "shadow" || shown["sensational_action"] != "hold" || shown["sensational_sensitivity"] != "normal" ||
		shown["warn_at"] != "12.50" || strings.Contains(out, added.Secret) {
		t.Fatalf("show: %s", out)
	}
	// The sensational flag's sensitivity and a note-only action; bad values are refused with what is allowed.
	if code, _, errs := run(t, "", nil, "outlet", "update", "dakglei", "--sensational-sensitivity", "low", "--sensational", "note", "--data", data); code != 0 {
		t.Fatalf("update sensitivity: %d %s", code, errs)
	}
	code, out, _ = run(t, "", nil, "outlet", "show", "dakglei", "--json", "--data", data)
	if code != 0 || json.Unmarshal([]byte(out), &shown) != nil || shown["sensational_action"] != "note" || shown["sensational_sensitivity"] != "low" {
		t.Fatalf("show after sensitivity update: %d %s", code, out)
	}
	for _, bad := range [][]string{{"--sensational-sensitivity", "medium"}, {"--sensational", "block"}} {
		args := append([]string{"outlet", "update", "dakglei", "--data", data}, bad...)
		if code, _, errs := run(t, "", nil, args...); code == 0 || !strings.Contains(errs, "low, normal or high") && !strings.Contains(errs, "note, warn or hold") {
			t.Fatalf("update %v: %d %s", bad, code, errs)
		}
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
	serveClock := clock.Fixed(testsupport.Now(t, cliNow))
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"serve", "--data", data, "--addr", "127.0.0.1:0", "--log-format", "text"},
			&Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: pw, Getenv: func(string) string { return "" },
				Clock: serveClock})
		pw.Close()
	}()
	addr := make(chan string, 1)
	var logMu sync.Mutex
	var logText strings.Builder
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			logMu.Lock()
			logText.WriteString(sc.Text() + "\n")
			logMu.Unlock()
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
	at := testsupport.Now(t, cliNow).Add(-2 * time.Hour).UTC().Format(time.RFC3339)
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

	// 5. The console: the start-up log said where it is and how to create the
	// first admin; create one, sign in and see the held post.
	logMu.Lock()
	startLog := logText.String()
	logMu.Unlock()
	if !strings.Contains(startLog, base+"/console") {
		t.Errorf("the start-up log does not give the console's address %s/console:\n%s", base, startLog)
	}
	if !strings.Contains(startLog, "gatekeeper user add admin --role admin --data "+data+" --password-stdin") {
		t.Errorf("with no user, the start-up log does not give the command that creates one:\n%s", startLog)
	}
	if code, out, errs := run(t, "correct horse battery staple\n", nil, "user", "add", "admin", "--role", "admin", "--data", data, "--password-stdin"); code != 0 {
		t.Fatalf("user add: %d %s %s", code, out, errs)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	resp, err := browser.PostForm(base+"/console/login", url.Values{"username": {"admin"}, "password": {"correct horse battery staple"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = browser.Get(base + "/console/holds")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "trên quốc lộ 14, 2 người") ||
		!strings.Contains(string(page), `href="/console/outlets/dakglei/holds/h_`) {
		t.Fatalf("the console's held posts (%s) do not show the held post:\n%.4000s", resp.Status, page)
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
	for _, k := range []string{"kind", "window_days", "timezone", "limit", "warn_at", "min_sample", "sensational_action", "mode", "category_tones", "callback_url", "allow_private_callback"} {
		if fmt.Sprint(got[k]) != fmt.Sprint(want[k]) {
			t.Errorf("%s = %v, admin.NewOutlet says %v", k, got[k], want[k])
		}
	}
}

// TestHelp: every way of asking for help prints usage to stdout and exits 0.
func TestHelp(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--help"}, "Commands:"},
		{[]string{"-h"}, "Commands:"},
		{[]string{"help"}, "Commands:"},
		{[]string{"help", "outlet"}, "gatekeeper outlet add ID --name NAME"},
		{[]string{"outlet", "--help"}, "gatekeeper outlet add ID --name NAME"},
		{[]string{"outlet", "add", "--help"}, "--callback-url"},
		{[]string{"help", "outlet", "add"}, "--window-days"},
		{[]string{"help", "outlet"}, "gatekeeper outlet add --help"},
		{[]string{"help", "user"}, "gatekeeper user add USERNAME"},
		{[]string{"user", "add", "--help"}, "--password-stdin"},
		{[]string{"help", "serve"}, "--addr"},
		{[]string{"sign", "-h"}, "--send"},
		{[]string{"help"}, "revoke-secrets"},
		{[]string{"help"}, "notices"},
		{[]string{"help", "serve"}, "--admin-addr"},
		{[]string{"--version"}, "gatekeeper "},
		{[]string{"version"}, "gatekeeper "},
	} {
		code, out, errs := run(t, "", nil, tc.args...)
		if code != 0 || !strings.Contains(out, tc.want) || errs != "" {
			t.Errorf("gatekeeper %s: exit %d, stdout %q, stderr %q; want exit 0 and %q on stdout", strings.Join(tc.args, " "), code, out, errs, tc.want)
		}
	}
	// Every command's help starts with the one heading.
	for _, args := range [][]string{{"help"}, {"help", "outlet"}, {"outlet", "add", "--help"}, {"help", "user"}, {"user", "add", "--help"},
		{"help", "serve"}, {"help", "sign"}, {"help", "post"}, {"post", "import", "--help"}, {"help", "bench"}, {"help", "classify"}, {"help", "eval"}, {"help", "healthcheck"}} {
		_, out, _ := run(t, "", nil, args...)
		if !strings.Contains(out, "Cách dùng / Usage:\n") || strings.Contains(out, "Usage of") || regexp.MustCompile(`(?m)^\s*-[a-z]`).MatchString(out) {
			t.Errorf("gatekeeper %s: want the heading \"Cách dùng / Usage:\" and flags written --flag:\n%s", strings.Join(args, " "), out)
		}
	}
	// Words that are off are not help: usage on stderr, exit 2.
	if code, out, errs := run(t, "", nil, "outlet"); code != 2 || out != "" || !strings.Contains(errs, "gatekeeper outlet add") {
		t.Errorf("gatekeeper outlet: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if code, out, errs := run(t, "", nil, "eval", "--sensitivity", "max", "x.jsonl"); code != 2 || out != "" ||
		!strings.Contains(errs, "độ nhạy phải là low, normal hoặc high / the sensitivity must be low, normal or high") {
		t.Errorf("gatekeeper eval --sensitivity max: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

// TestEvalSensitivity: eval reads the flag at the sensitivity asked for,
// normal by default, and says so per file with the language used.
func TestEvalSensitivity(t *testing.T) {
	f := filepath.Join(t.TempDir(), "bait.jsonl")
	if err := os.WriteFile(f, []byte(`{"id":"1","title":"You Won't Believe What This Dog Did Next","label":"clickbait"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"eval", f}, "click-bait at sensitivity normal (1 rows)"},
		{[]string{"eval", "--sensitivity", "high", f}, "click-bait at sensitivity high (1 rows)"},
	} {
		code, out, errs := run(t, "", nil, tc.args...)
		if code != 0 || !strings.Contains(out, tc.want) || !strings.Contains(out, "language used: en 1") {
			t.Errorf("gatekeeper %s: exit %d, stderr %q, stdout:\n%s", strings.Join(tc.args, " "), code, errs, out)
		}
	}
}

// TestNoCommandServesAndSaysSo: a bare "gatekeeper" runs serve, as the README says, and tells the reader.
func TestNoCommandServesAndSaysSo(t *testing.T) {
	code, _, errs := run(t, "", map[string]string{"GATEKEEPER_ADDR": "nope"})
	if !strings.Contains(errs, `running "gatekeeper serve"`) || !strings.Contains(errs, "addr") || code == 0 {
		t.Errorf("bare gatekeeper: exit %d, stderr %q; want the notice, then serve's own check of the address", code, errs)
	}
}

// TestSignSendIndentsOnATerminal: the body alone on stdout, indented only for a terminal; the status on stderr.
func TestSignSendIndentsOnATerminal(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"decision":"allow","share":{"after":0.1}}`)
	}))
	defer srv.Close()
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	for _, terminal := range []bool{false, true} {
		var out, errb bytes.Buffer
		code := Main(context.Background(), []string{"sign", "--secret", secret, "--send", srv.URL}, &Env{
			Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
			Getenv: func(string) string { return "" }, Terminal: func(io.Writer) bool { return terminal },
		})
		if code != 0 || !strings.HasPrefix(errb.String(), "HTTP 200") || strings.Contains(out.String(), "HTTP") {
			t.Fatalf("terminal=%v: exit %d, stdout %q, stderr %q", terminal, code, out.String(), errb.String())
		}
		var v map[string]any
		if err := json.Unmarshal(out.Bytes(), &v); err != nil {
			t.Fatalf("terminal=%v: stdout is not JSON: %q", terminal, out.String())
		}
		if indented := strings.Contains(out.String(), "\n  \"decision\""); indented != terminal {
			t.Errorf("terminal=%v: indented=%v: %q", terminal, indented, out.String())
		}
	}
}

// TestSignWithoutSecretSaysItIsMissing: a missing secret is named as missing, not as malformed.
func TestSignWithoutSecretSaysItIsMissing(t *testing.T) {
	code, _, errs := run(t, "", map[string]string{"GATEKEEPER_SECRET": ""}, "sign", "--target", "GET /v1/outlets/a/share")
	if code == 0 || !strings.Contains(errs, "no secret") || strings.Contains(errs, "base64") {
		t.Errorf("sign without a secret: exit %d, stderr %q; want the missing secret named", code, errs)
	}
}

// TestSignSendRefusesADisagreeingTarget: --target that differs from what --send sends is refused, nothing is sent;
// a --target equal to it is accepted.
func TestSignSendRefusesADisagreeingTarget(t *testing.T) {
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	secret := "whsec_" + base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	code, _, errs := run(t, "", nil, "sign", "--secret", secret, "--send", srv.URL+"/v1/outlets/a/share", "--target", "POST /v1/outlets/a/check")
	if code == 0 || !strings.Contains(errs, "--target") || !strings.Contains(errs, "GET /v1/outlets/a/share") || hits != 0 {
		t.Fatalf("disagreeing --target: exit %d, stderr %q, requests sent %d; want a refusal naming both targets", code, errs, hits)
	}
	if code, _, errs := run(t, "", nil, "sign", "--secret", secret, "--send", srv.URL+"/v1/outlets/a/share", "--target", "GET /v1/outlets/a/share"); code != 0 || hits != 1 {
		t.Fatalf("agreeing --target: exit %d, stderr %q, requests sent %d", code, errs, hits)
	}
}

// TestGatekeeperCommandInTheFirstAdminHint: the start-up hint names a way to
// run this binary that works from a shell: the build command under go run
// (make run), "gatekeeper" when that is this binary on the PATH, else its path.
func TestGatekeeperCommandInTheFirstAdminHint(t *testing.T) {
	dir := t.TempDir()
	installed := filepath.Join(dir, "gatekeeper")
	other := filepath.Join(dir, "other-gatekeeper")
	for _, p := range []string{installed, other} {
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	goRun := filepath.Join(os.TempDir(), "go-build1234567", "b001", "exe", "gatekeeper")
	found := func(string) (string, error) { return installed, nil }
	notFound := func(string) (string, error) { return "", errors.New("not found") }
	for _, tc := range []struct {
		name, exe string
		lookPath  func(string) (string, error)
		want      string
	}{
		{"go run", goRun, found, buildHint},
		{"on the PATH", installed, found, "gatekeeper"},
		{"another gatekeeper on the PATH", other, found, other},
		{"not on the PATH", other, notFound, other},
		{"unknown executable", "", notFound, buildHint},
	} {
		got := gatekeeperCommand(func() (string, error) { return tc.exe, nil }, tc.lookPath)
		if got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
	if hint := firstAdminCommand(&config.Config{DataDir: "/srv/gk"}, buildHint); hint != "go build -o bin/gatekeeper ./cmd/gatekeeper && bin/gatekeeper user add admin --role admin --data /srv/gk --password-stdin" {
		t.Errorf("first admin hint under go run: %q", hint)
	}
}

// TestSubcommandHelpIsItsOwn: a sub-command's help shows its own form and the
// flags it takes, no other form's; the command's help shows the forms alone.
func TestSubcommandHelpIsItsOwn(t *testing.T) {
	for _, tc := range []struct {
		args          []string
		want, notWant []string
	}{
		{[]string{"outlet", "add", "--help"}, []string{"gatekeeper outlet add ID", "--limit", "--json"},
			[]string{"gatekeeper outlet update", "gatekeeper outlet remove", "--clear-categories", "--grace", "--yes"}},
		{[]string{"outlet", "update", "--help"}, []string{"gatekeeper outlet update ID", "--limit", "--clear-categories"},
			[]string{"gatekeeper outlet add", "--json", "--yes"}},
		{[]string{"help", "outlet", "remove"}, []string{"gatekeeper outlet remove ID --yes", "--yes"},
			[]string{"gatekeeper outlet add", "--limit", "--json"}},
		{[]string{"help", "outlet"}, []string{"gatekeeper outlet add ID", "gatekeeper outlet remove ID", "gatekeeper outlet add --help"},
			[]string{"Flags:", "--limit string"}},
		{[]string{"user", "passwd", "--help"}, []string{"gatekeeper user passwd USERNAME", "--password-stdin"},
			[]string{"gatekeeper user add", "--role", "--email"}},
		{[]string{"user", "list", "--help"}, []string{"gatekeeper user list"}, []string{"gatekeeper user add", "--role", "--password-stdin"}},
		{[]string{"post", "check", "--help"}, []string{"gatekeeper post check --outlet ID", "--link", "--url", "--secret"},
			[]string{"gatekeeper post record", "gatekeeper post import", "--apply", "--id string"}},
		{[]string{"post", "record", "--help"}, []string{"gatekeeper post record --outlet ID", "--id", "--link"},
			[]string{"gatekeeper post check", "--apply", "--complete"}},
		{[]string{"help", "post", "import"}, []string{"gatekeeper post import FILE", "--apply", "--complete"},
			[]string{"gatekeeper post check", "--title", "--link"}},
		{[]string{"help", "post"}, []string{"gatekeeper post check", "gatekeeper post record", "gatekeeper post import", "GATEKEEPER_URL"},
			[]string{"Flags:"}},
	} {
		code, out, _ := run(t, "", nil, tc.args...)
		for _, w := range tc.want {
			if code != 0 || !strings.Contains(out, w) {
				t.Errorf("gatekeeper %s: exit %d, want %q in:\n%s", strings.Join(tc.args, " "), code, w, out)
			}
		}
		for _, w := range tc.notWant {
			if strings.Contains(out, w) {
				t.Errorf("gatekeeper %s: %q does not apply, but is in:\n%s", strings.Join(tc.args, " "), w, out)
			}
		}
	}
	// The flags a form does not show it does not take either.
	if code, _, errs := run(t, "", nil, "outlet", "add", "x", "--name", "X", "--clear-categories", "--data", t.TempDir()); code == 0 || !strings.Contains(errs, "clear-categories") {
		t.Errorf("outlet add --clear-categories: exit %d, stderr %q; want it refused", code, errs)
	}
}

// TestServeGCPace: serving sets the collector's pace unless GOGC is set.
func TestServeGCPace(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	paceGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != serveGCPercent {
		t.Fatalf("without GOGC the pace is %d, want %d", got, serveGCPercent)
	}
	paceGC(func(k string) string {
		if k == "GOGC" {
			return "150"
		}
		return ""
	})
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("with GOGC set, serve changed the pace to %d", got)
	}
}
