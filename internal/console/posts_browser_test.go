package console

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"golang.org/x/text/unicode/norm"

	"gatekeeper/internal/notify"
	"gatekeeper/internal/store"
	"gatekeeper/internal/webhook"
)

// TestBrowserEditor drives the editor's pages in headless Chromium, on both
// stores: an editor signs in, checks a post (a script and NFD Vietnamese in
// its fields show as text), records it after the share moved, is held; the
// manager approves; the editor sees "đã duyệt" on "Bài của tôi" with a
// notice, and the mail telling them is queued once in the outbox.
func TestBrowserEditor(t *testing.T) { eachStore(t, testBrowserEditor) }

func testBrowserEditor(t *testing.T, db store.Store) {
	e := newEnv(t, db)
	secret, _ := webhook.NewSecret()
	e.con.review.Notices = notify.New(e.st, notify.Config{
		SMTP:       notify.SMTP{Host: "127.0.0.1", Port: 1, From: "Gatekeeper <gatekeeper@example.vn>"},
		WebhookURL: "https://hooks.example.vn/zalo-bot", WebhookSecret: secret, Clock: e.con.cfg.Clock, Logger: e.con.log,
	})
	u, _ := e.st.GetUser(e.ctx, "bientap")
	u.Email = "bientap@dakglei.example.vn"
	if err := e.st.UpdateUser(e.ctx, u); err != nil {
		t.Fatal(err)
	}
	e.seedNeutral(e.a, 100)
	ctx := newBrowser(t)
	base := e.srv.URL

	login(t, ctx, base, "bientap", testPassword)
	do(t, ctx, "check page", chromedp.WaitVisible(chromedp.CSS(`#check-form`)))
	if txt := bodyText(t, ctx); !strings.Contains(txt, "Kiểm tra trước khi đăng") || strings.Contains(txt, "Tin chờ duyệt") {
		t.Fatalf("editor's first page: %s", txt)
	}
	xss := `<script>document.title="pwned"</script><img src=x onerror="document.title='pwned2'">`
	title := norm.NFD.String("Tai nạn giao thông trên quốc lộ 14, hai người bị thương ") + xss
	do(t, ctx, "fill and check",
		chromedp.SendKeys(chromedp.CSS(`input[name="title"]`), title),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="text"]`), "Vụ tai nạn xảy ra lúc 6 giờ sáng. "+xss),
		chromedp.SendKeys(chromedp.CSS(`textarea[name="caption"]`), "Hiện trường "+xss),
		chromedp.SendKeys(chromedp.CSS(`input[name="link"]`), "https://www.facebook.com/dakglei/posts/4217"),
		chromedp.Click(chromedp.CSS(`#check`)),
		chromedp.WaitVisible(chromedp.CSS(`#result`)),
	)
	txt := bodyText(t, ctx)
	for _, want := range []string{"Kết quả kiểm tra (chưa ghi nhận)", "tiêu cực", "→", `<script>document.title="pwned"</script>`, "Hiện trường"} {
		if !strings.Contains(norm.NFC.String(txt), want) {
			t.Errorf("dry run result lacks %q: %s", want, txt)
		}
	}
	marks := run(t, ctx, "marks", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#result mark")).map(function (m) { return m.textContent; })`))
	if len(marks) == 0 {
		t.Errorf("no evidence highlighted in the result")
	}
	if n := run(t, ctx, "injected", chromedp.Evaluate[int](`document.querySelectorAll("main script, main img").length`)); n != 0 {
		t.Fatalf("%d script/img elements injected into the page", n)
	}
	if tt := run(t, ctx, "title", chromedp.Title()); strings.Contains(tt, "pwned") {
		t.Fatalf("a field ran script: title %q", tt)
	}
	noProblems(t, ctx, "check result")

	// The share moves before the editor presses "Đã đăng".
	e.pushOver(e.a, e.now)
	do(t, ctx, "record", chromedp.Click(chromedp.CSS(`#record`)), chromedp.WaitVisible(chromedp.CSS(`#result .held`)))
	if txt := bodyText(t, ctx); !strings.Contains(txt, "Tỉ lệ đã thay đổi kể từ lúc kiểm tra") || !strings.Contains(txt, "Bài bị giữ lại chờ duyệt") {
		t.Fatalf("record after the share moved: %s", txt)
	}
	noProblems(t, ctx, "record result")
	holds, err := e.st.ListHolds(e.ctx, e.a.ID, store.HoldFilter{Status: store.HoldPending})
	if err != nil || len(holds) != 1 {
		t.Fatalf("pending holds: %d %v", len(holds), err)
	}
	hold := holds[0]

	do(t, ctx, "my posts", chromedp.Navigate(base+"/console/mine"), chromedp.WaitVisible(chromedp.CSS(`table.mine`)))
	if txt := bodyText(t, ctx); !strings.Contains(txt, "chờ duyệt") {
		t.Fatalf("my posts before the review: %s", txt)
	}
	noProblems(t, ctx, "my posts")
	logout(t, ctx)

	// The manager sees it submitted by the editor and approves.
	login(t, ctx, base, "mai", testPassword)
	do(t, ctx, "hold", chromedp.Navigate(base+holdURL(e.a.ID, hold.ID)), chromedp.WaitVisible(chromedp.CSS(`#approve`)))
	if txt := bodyText(t, ctx); !strings.Contains(txt, "bientap") || !strings.Contains(txt, `<script>document.title="pwned"</script>`) {
		t.Fatalf("the manager's hold page: %s", txt)
	}
	noProblems(t, ctx, "hold page")
	do(t, ctx, "approve",
		chromedp.SendKeys(chromedp.CSS(`textarea[name="note"]`), "Tin an toàn giao thông, cần đăng"),
		chromedp.Click(chromedp.CSS(`#approve`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	logout(t, ctx)

	login(t, ctx, base, "bientap", testPassword)
	do(t, ctx, "notice on the first page", chromedp.WaitVisible(chromedp.CSS(`.notices .notice-approved`)))
	do(t, ctx, "my posts again", chromedp.Navigate(base+"/console/mine"), chromedp.WaitVisible(chromedp.CSS(`table.mine`)))
	state := run(t, ctx, "state", chromedp.Text(chromedp.CSS(`tr.post-approved .badge`)))
	if state != "đã duyệt" {
		t.Fatalf("the post's state on my posts: %q", state)
	}
	if txt := bodyText(t, ctx); !strings.Contains(txt, "đã được duyệt bởi mai") || !strings.Contains(txt, "Tin an toàn giao thông, cần đăng") {
		t.Fatalf("my posts after the approval: %s", txt)
	}
	noProblems(t, ctx, "my posts after the approval")

	// The mail to the editor and the webhook event are queued, once each.
	cbs, err := e.st.ListCallbacks(context.Background(), e.a.ID, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, c := range cbs {
		n[c.ID]++
		if c.ID == "n-resolved-"+hold.ID+"-bientap" {
			var m notify.Mail
			if json.Unmarshal(c.Payload, &m) != nil || len(m.To) != 1 || m.To[0] != u.Email || !strings.Contains(m.Subject, "Bài đã được duyệt") {
				t.Errorf("the editor's mail: %s", c.Payload)
			}
		}
	}
	if n["n-resolved-"+hold.ID+"-bientap"] != 1 || n["n-resolved-"+hold.ID+"-webhook"] != 1 {
		t.Fatalf("queued notices: %v", n)
	}
}

// TestBrowserImport: an editor uploads a 10,000-row history in Chromium,
// sees the preview (progress to 100%, labels), applies it, and the page
// ends with the result; only the last progress step shows; no script ran
// and the page kept to its Content-Security-Policy.
func TestBrowserImport(t *testing.T) { eachStore(t, testBrowserImport) }

func testBrowserImport(t *testing.T, db store.Store) {
	e := newEnv(t, db)
	path := filepath.Join(t.TempDir(), "lich-su-trang.csv")
	if err := os.WriteFile(path, historyCSV(e.now, 10000), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t)
	base := e.srv.URL
	login(t, ctx, base, "bientap", testPassword)
	do(t, ctx, "import page",
		chromedp.Navigate(base+"/console/import"),
		chromedp.WaitVisible(chromedp.CSS(`form.import-form`)),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{path}),
		chromedp.Click(chromedp.CSS(`#preview`)),
		chromedp.WaitVisible(chromedp.CSS(`#apply`)),
	)
	if txt := bodyText(t, ctx); !strings.Contains(txt, "10.000/10.000 dòng (100%)") || !strings.Contains(txt, "1000 tiêu cực") {
		t.Fatalf("preview: %.600s", txt)
	}
	if n := run(t, ctx, "visible steps", chromedp.Evaluate[int](`Array.from(document.querySelectorAll(".stream .step")).filter(function (p) { return p.offsetParent !== null; }).length`)); n != 1 {
		t.Errorf("%d progress steps visible, want the last one", n)
	}
	noProblems(t, ctx, "import preview")
	do(t, ctx, "apply", chromedp.Click(chromedp.CSS(`#apply`)), chromedp.WaitVisible(chromedp.CSS(`#import-result`)))
	if txt := bodyText(t, ctx); !strings.Contains(txt, "Đã nhập tệp lich-su-trang.csv") || !strings.Contains(txt, "bài được tính thêm") {
		t.Fatalf("import result: %.600s", txt)
	}
	noProblems(t, ctx, "import result")
	if p, _ := e.window(e.a); p < 7000 {
		t.Fatalf("after the import the window has %d posts", p)
	}
}
