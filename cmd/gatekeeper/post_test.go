package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/importer"
	"gatekeeper/internal/messages"
	"gatekeeper/internal/posting"
	"gatekeeper/internal/redistest"
	"gatekeeper/internal/testsupport"
)

// startServe runs `gatekeeper serve` with the store flags given and returns
// its base URL; it stops when the test ends.
func startServe(t *testing.T, storeFlags ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan int, 1)
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "text"}, storeFlags...)
	go func() {
		done <- Main(ctx, args, &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: pw,
			Getenv: func(string) string { return "" }, Clock: clock.Fixed(testsupport.Now(t, cliNow))})
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
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("serve did not shut down")
		}
	})
	select {
	case a := <-addr:
		return "http://" + a
	case <-time.After(15 * time.Second):
		t.Fatal("the server did not start")
	}
	return ""
}

// TestPostCommands: a social outlet from the command line, then its posts
// through a running server, on both stores: a check records nothing; a
// record by link counts once however the link is written; a negative post
// past the limit is held; an import previews every row and refuses a bad
// file whole, then applies a good one as one sync.
func TestPostCommands(t *testing.T) {
	for _, st := range []string{"sqlite", "redis"} {
		t.Run(st, func(t *testing.T) {
			data := t.TempDir()
			flags := []string{"--data", data}
			if st == "redis" {
				flags = []string{"--redis-url", redistest.Start(t, redistest.Options{}).URL()}
			}
			args := append([]string{"outlet", "add", "xa-dakpek", "--name", "Trang UBND xã Đắk Pék", "--json",
				"--kind", "social", "--platform", "facebook", "--page-url", "https://www.facebook.com/ubndxadakpek",
				"--min-sample", "0"}, flags...)
			code, out, errs := run(t, "", nil, args...)
			if code != 0 {
				t.Fatalf("outlet add: %d %s", code, errs)
			}
			var added struct{ Secret string }
			json.Unmarshal([]byte(out), &added)
			code, out, _ = run(t, "", nil, append([]string{"outlet", "list"}, flags...)...)
			if code != 0 || !strings.Contains(out, "social:facebook") || !strings.Contains(out, "https://www.facebook.com/ubndxadakpek") {
				t.Fatalf("outlet list: %s", out)
			}
			if code, _, errs := run(t, "", nil, append([]string{"outlet", "add", "x2", "--name", "X", "--platform", "zalo"}, flags...)...); code == 0 ||
				!strings.Contains(errs, "social outlets only") {
				t.Fatalf("a platform on a website: %d %s", code, errs)
			}

			base := startServe(t, flags...)
			env := map[string]string{"GATEKEEPER_SECRET": added.Secret, "GATEKEEPER_URL": base, "USER": "bientap"}
			post := func(args ...string) (int, string, string) {
				t.Helper()
				return run(t, "", env, append([]string{"post"}, args...)...)
			}
			// A check records nothing and says so.
			code, out, errs = post("check", "--outlet", "xa-dakpek", "--text", "Tai nạn giao thông nghiêm trọng trên quốc lộ 14 làm một người tử vong")
			if code != 0 || !strings.Contains(out, "Kết quả: ") || !strings.Contains(out, "chưa ghi nhận") || !strings.Contains(out, "Sắc thái: tiêu cực") {
				t.Fatalf("post check: %d %s %s", code, out, errs)
			}
			// Records: the same link twice is one post.
			link := "https://www.facebook.com/ubndxadakpek/posts/101?fbclid=IwAR0"
			for i, l := range []string{link, "https://m.facebook.com/ubndxadakpek/posts/101/"} {
				code, out, errs = post("record", "--outlet", "xa-dakpek", "--title", "Xã tổ chức ngày hội đại đoàn kết", "--text", "Vui tươi, đoàn kết.", "--link", l, "--lang", "en")
				id, _ := posting.PostID(link, "")
				if code != 0 || !strings.Contains(out, "Decision: allow — counted") || !strings.Contains(out, "Post id: "+id) {
					t.Fatalf("post record %d: %d %s %s", i, code, out, errs)
				}
			}
			// A record needs a link or an id; a hostile link is refused before sending.
			if code, _, errs := post("record", "--outlet", "xa-dakpek", "--text", "x"); code == 0 || !strings.Contains(errs, "liên kết") {
				t.Fatalf("record without link: %d %s", code, errs)
			}
			if code, _, errs := post("record", "--outlet", "xa-dakpek", "--text", "x", "--link", "javascript:alert(1)", "--lang", "en"); code == 0 || !strings.Contains(errs, "http://") {
				t.Fatalf("record with a hostile link: %d %s", code, errs)
			}
			// Negative posts past the limit (1/2 > 15%, no minimum sample) are held, not counted.
			var last string
			for i := 1; i <= 2; i++ {
				code, last, errs = post("record", "--outlet", "xa-dakpek", "--id", fmt.Sprintf("neg-%d", i),
					"--text", "Tai nạn giao thông nghiêm trọng trên quốc lộ 14 làm một người tử vong")
				if code != 0 {
					t.Fatalf("record neg-%d: %d %s", i, code, errs)
				}
			}
			if !strings.Contains(last, "giữ lại chờ duyệt") || !strings.Contains(last, "/console/outlets/xa-dakpek/holds/h_") {
				t.Fatalf("a negative post past the limit: %s", last)
			}

			// Import: a bad row refuses the file whole; a good one is applied.
			loc := time.FixedZone("ICT", 7*3600)
			now := testsupport.Now(t, cliNow).In(loc)
			day := func(n int) string { return now.AddDate(0, 0, -n).Format("02/01/2006") + " 08:00" }
			good := "Ngày,Nội dung,Liên kết,Sắc thái\n" +
				day(3) + ",Khánh thành trường học mới,https://facebook.com/ubndxadakpek/posts/90,tích cực\n" +
				day(2) + ",Lịch tiếp công dân,https://facebook.com/ubndxadakpek/posts/91,\n"
			dir := t.TempDir()
			goodFile, badFile := filepath.Join(dir, "good.csv"), filepath.Join(dir, "bad.csv")
			os.WriteFile(goodFile, []byte(good), 0o600)
			os.WriteFile(badFile, []byte(good+"hôm qua,x,javascript:alert(1),\n"), 0o600)
			code, out, errs = post("import", badFile, "--outlet", "xa-dakpek", "--apply")
			if code == 0 || !strings.Contains(errs, "dòng 4 (date)") || !strings.Contains(errs, "dòng 4 (link)") || !strings.Contains(out, "2 bài") {
				t.Fatalf("import of a bad file: %d %s %s", code, out, errs)
			}
			code, out, errs = post("import", goodFile, "--outlet", "xa-dakpek")
			if code != 0 || !strings.Contains(out, "1 tích cực") || !strings.Contains(out, "--apply") {
				t.Fatalf("import preview: %d %s %s", code, out, errs)
			}
			code, out, errs = post("import", goodFile, "--outlet", "xa-dakpek", "--apply", "--lang", "en")
			if code != 0 || !strings.Contains(out, "Imported: 2 added, 0 withdrawn") {
				t.Fatalf("import --apply: %d %s %s", code, out, errs)
			}
			// The post recorded by link and the 2 imported; the held ones are not counted.
			code, out, _ = run(t, "", env, "sign", "--send", base+"/v1/outlets/xa-dakpek/share")
			var share map[string]any
			if code != 0 || json.Unmarshal([]byte(out), &share) != nil || share["published"].(float64) != 3 || share["negative"].(float64) != 0 {
				t.Fatalf("share: %s", out)
			}
		})
	}
}

// A phrase found in both the title and the text is named once in the
// printed verdict (the console's chips do the same).
func TestPrintedEvidenceNamesAPhraseOnce(t *testing.T) {
	var a checkAnswer
	body := `{"decision":"hold","post_id":"p1","tone":{"label":"negative","evidence":[
		{"text":"tai nạn giao thông"},{"text":"tử vong"},{"text":"Tai nạn giao thông"},{"text":"tử vong"}]}}`
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	a.print(&out, messages.VI, true)
	got := out.String()
	if n := strings.Count(strings.ToLower(got), "«tai nạn giao thông»"); n != 1 {
		t.Errorf("«tai nạn giao thông» named %d times, want once:\n%s", n, got)
	}
	if n := strings.Count(got, "«tử vong»"); n != 1 {
		t.Errorf("«tử vong» named %d times, want once:\n%s", n, got)
	}
}

// A file larger than the importer takes is refused before it is sent: the
// service (here an address nothing listens on) is never asked.
func TestPostImportRefusesATooLargeFileBeforeSending(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(importer.DefaultLimits().Bytes + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	e := &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard}
	c := &postClient{server: "http://127.0.0.1:1", outlet: "o", lang: "vi", key: []byte("k"), e: e}
	err = postImport(context.Background(), e, c, path, false, false, false)
	if err == nil || !strings.Contains(err.Error(), "32 MiB") {
		t.Fatalf("error %v, want the file refused as larger than 32 MiB", err)
	}
}
