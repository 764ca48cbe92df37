package console

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"gatekeeper/internal/store"
	"gatekeeper/internal/webhook"
)

// chromiumPath is Debian's Chromium (never a downloaded browser).
const chromiumPath = "/usr/bin/chromium"

// newBrowser starts headless Chromium for one test. Without Chromium the
// test is skipped, or fails when GATEKEEPER_REQUIRE_ALL=1 (as in CI).
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath
	if p := os.Getenv("GATEKEEPER_CHROMIUM"); p != "" {
		path = p
	}
	if _, err := exec.LookPath(path); err != nil {
		msg := fmt.Sprintf("chromium not found at %s (Debian: apt-get install -y chromium)", path)
		if os.Getenv("GATEKEEPER_REQUIRE_ALL") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "vi-VN"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		cancelT()
		cancelC()
		cancelA()
	})
	// Record Content-Security-Policy violations and script errors on every page.
	if _, err := chromedp.Call(ctx, cdppage.AddScriptToEvaluateOnNewDocument, cdppage.AddScriptToEvaluateOnNewDocumentParams{
		Source: `window.__gkProblems = [];
document.addEventListener("securitypolicyviolation", function (e) { window.__gkProblems.push("csp: " + e.violatedDirective + " " + e.blockedURI); });
window.addEventListener("error", function (e) { window.__gkProblems.push("error: " + e.message); });`,
	}); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// do runs browser steps, failing the test on error.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func bodyText(t *testing.T, ctx context.Context) string {
	t.Helper()
	return run(t, ctx, "body text", chromedp.Text(chromedp.CSS("body")))
}

// noProblems fails on CSP violations or script errors seen by the page.
func noProblems(t *testing.T, ctx context.Context, where string) {
	t.Helper()
	probs := run(t, ctx, "problems", chromedp.Evaluate[[]string](`window.__gkProblems || []`))
	if len(probs) > 0 {
		t.Errorf("%s: %v", where, probs)
	}
}

func login(t *testing.T, ctx context.Context, base, user, password string) {
	t.Helper()
	do(t, ctx, "sign in as "+user,
		chromedp.Navigate(base+"/console/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="username"]`), user),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password),
	)
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`button[type="submit"].primary`))); err != nil {
		t.Fatalf("sign in as %s: %v", user, err)
	}
}

func logout(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, "sign out",
		chromedp.Click(chromedp.CSS(`header form button`)),
		chromedp.WaitVisible(chromedp.CSS(`input[name="username"]`)),
	)
}

// TestBrowserReview drives the console in headless Chromium: a manager signs
// in, sees and approves a held item with a note, sees the audit entry and
// the callback delivered to the CMS with a valid signature; cannot see the
// other outlet; a script in a post title shows as text; a cross-origin form
// post is refused; an auditor cannot approve; wrong passwords are throttled.
func TestBrowserReview(t *testing.T) {
	e := newEnv(t, openRedis(t)) // the production store; TestBrowserPages uses SQLite
	ctx := newBrowser(t)
	base := e.srv.URL
	now := e.now
	holdA := e.hold(e.a, "4217", "Tai nạn giao thông nghiêm trọng trên quốc lộ 14", "<p>Vụ <b>tai nạn</b> xảy ra lúc 6 giờ sáng.</p>",
		now.Add(-5*time.Hour), "tai nạn")
	holdB := e.hold(e.b, "900", "Cháy rừng ở Kon Plông", "<p>Nội dung</p>", now.Add(-2*time.Hour), "cháy rừng")
	xss := `<script>document.title="pwned"</script><img src=x onerror="document.title='pwned2'">`
	holdX := e.hold(e.a, "4218", xss+" Lừa đảo qua mạng", "<p>Nội dung <script>alert(1)</script></p>", now.Add(-time.Hour), "lừa đảo")

	// The manager of A signs in and sees A's held items, not B's.
	login(t, ctx, base, "mai", testPassword)
	do(t, ctx, "holds", chromedp.Navigate(base+"/console/holds"), chromedp.WaitVisible(chromedp.CSS(`table.holds`)))
	txt := bodyText(t, ctx)
	if !strings.Contains(txt, "Tai nạn giao thông nghiêm trọng") || strings.Contains(txt, "Cháy rừng") {
		t.Fatalf("holds page for mai: %s", txt)
	}
	marks := run(t, ctx, "marks", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("td.title mark")).map(function (m) { return m.textContent; })`))
	if !containsStr(marks, "Tai nạn") {
		t.Errorf("evidence not highlighted in titles: %v", marks)
	}
	// The script-laden title is text: no script ran, no element was made.
	if title := run(t, ctx, "title", chromedp.Title()); strings.Contains(title, "pwned") {
		t.Fatalf("a post title ran script: title %q", title)
	}
	if !strings.Contains(txt, `<script>document.title="pwned"</script>`) {
		t.Fatalf("the script title is not shown as text: %s", txt)
	}
	if n := run(t, ctx, "injected", chromedp.Evaluate[int](`document.querySelectorAll("main script, main img").length`)); n != 0 {
		t.Fatalf("%d script/img elements injected into the page", n)
	}
	noProblems(t, ctx, "holds page")

	// Open the item, approve it with a note.
	do(t, ctx, "open hold",
		chromedp.Click(chromedp.CSS(`a[href="/console/outlets/`+e.a.ID+`/holds/`+holdA+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#approve`)),
	)
	txt = bodyText(t, ctx)
	for _, want := range []string{"Vụ tai nạn xảy ra lúc 6 giờ sáng.", "0,00% → 100,00%", "tiêu cực"} {
		if !strings.Contains(txt, want) {
			t.Errorf("hold page lacks %q: %s", want, txt)
		}
	}
	noProblems(t, ctx, "hold page")
	do(t, ctx, "approve",
		chromedp.SendKeys(chromedp.CSS(`textarea[name="note"]`), "Tin phục vụ an toàn giao thông, cần đăng"),
		chromedp.Click(chromedp.CSS(`#approve`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	if txt := bodyText(t, ctx); !strings.Contains(txt, "Đã duyệt tin") || !strings.Contains(txt, "Tin phục vụ an toàn giao thông") {
		t.Fatalf("after approve: %s", txt)
	}
	if h, _ := e.st.GetHold(e.ctx, e.a.ID, holdA); h.Status != store.HoldApproved || h.Reviewer != "mai" {
		t.Fatalf("hold after approve in the browser: %+v", h)
	}
	// The audit log shows it.
	do(t, ctx, "audit", chromedp.Navigate(base+"/console/audit?outlet="+e.a.ID+"&type=approve"), chromedp.WaitVisible(chromedp.CSS(`table.audit`)))
	if txt := bodyText(t, ctx); !strings.Contains(txt, "Duyệt đăng") || !strings.Contains(txt, "mai") ||
		!strings.Contains(txt, "Tai nạn giao thông nghiêm trọng trên quốc lộ 14") || !strings.Contains(txt, "Ghi chú: Tin phục vụ an toàn giao thông") {
		t.Fatalf("audit page: %s", txt)
	}
	// The callback reaches the CMS, signed; the dashboard says delivered.
	if n, err := e.worker.RunOnce(e.ctx); err != nil || n != 1 {
		t.Fatalf("callback worker: %d %v", n, err)
	}
	got := e.callbacks()
	key, _ := webhook.DecodeSecret(e.secretA)
	if len(got) != 1 {
		t.Fatalf("CMS received %d callbacks", len(got))
	}
	if _, err := webhook.Verify(got[0].Header, got[0].Body, e.now, webhook.DeriveKey(key, webhook.PurposeCallback)); err != nil {
		t.Fatalf("callback signature: %v", err)
	}
	if !strings.Contains(string(got[0].Body), `"type":"hold.approved"`) || !strings.Contains(string(got[0].Body), `"post_id":"4217"`) {
		t.Fatalf("callback body: %s", got[0].Body)
	}
	do(t, ctx, "dashboard", chromedp.Navigate(base+"/console/outlets/"+e.a.ID), chromedp.WaitVisible(chromedp.CSS(`svg.chart`)))
	if txt := bodyText(t, ctx); !strings.Contains(txt, "hold.approved") || !strings.Contains(txt, "đã gửi") {
		t.Fatalf("dashboard callbacks: %s", txt)
	}
	noProblems(t, ctx, "dashboard")

	// Outlet B is not for mai.
	do(t, ctx, "other outlet", chromedp.Navigate(base+"/console/outlets/"+e.b.ID+"/holds/"+holdB), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if txt := bodyText(t, ctx); !strings.Contains(txt, "Bạn không có quyền") || strings.Contains(txt, "Cháy rừng") {
		t.Fatalf("mai on outlet B: %s", txt)
	}

	// A form on another origin posting to the console is refused, even with
	// mai's cookie (127.0.0.1 on another port is same-site: the cookie goes).
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><form method="post" action="%s/console/outlets/%s/holds/%s/approve">
<input name="note" value="duyệt hộ"><input name="when" value="now"><button id="go" type="submit">Xem ảnh</button></form>`,
			base, e.a.ID, holdX)
	}))
	defer attacker.Close()
	do(t, ctx, "cross-origin post",
		chromedp.Navigate(attacker.URL),
		chromedp.Click(chromedp.CSS(`#go`)),
		chromedp.WaitVisible(chromedp.CSS(`main`)),
	)
	if txt := bodyText(t, ctx); !strings.Contains(txt, "Yêu cầu từ trang khác bị từ chối") {
		t.Fatalf("cross-origin post answered: %s", txt)
	}
	if h, _ := e.st.GetHold(e.ctx, e.a.ID, holdX); h.Status != store.HoldPending {
		t.Fatalf("a cross-origin post changed the hold: %s", h.Status)
	}

	// An auditor sees the item read-only, with no way to approve.
	do(t, ctx, "back", chromedp.Navigate(base+"/console/holds"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	logout(t, ctx)
	login(t, ctx, base, "kiemtra", testPassword)
	do(t, ctx, "auditor hold", chromedp.Navigate(base+"/console/outlets/"+e.a.ID+"/holds/"+holdX), chromedp.WaitVisible(chromedp.CSS(`section.decide`)))
	if txt := bodyText(t, ctx); !strings.Contains(txt, "Bạn chỉ có quyền xem") {
		t.Fatalf("auditor hold page: %s", txt)
	}
	if n := run(t, ctx, "buttons", chromedp.Evaluate[int](`document.querySelectorAll("#approve, #reject, form.relabel").length`)); n != 0 {
		t.Fatalf("auditor sees %d decision controls", n)
	}
	do(t, ctx, "overview", chromedp.Navigate(base+"/console/overview"), chromedp.WaitVisible(chromedp.CSS(`table.overview`)))
	if txt := bodyText(t, ctx); !strings.Contains(txt, e.a.Name) || !strings.Contains(txt, e.b.Name) {
		t.Fatalf("auditor overview: %s", txt)
	}
	noProblems(t, ctx, "overview")
	logout(t, ctx)

	// Wrong passwords slow the username down: the sixth try, even when
	// right, is asked to wait (ten minutes here, so a slow browser cannot
	// outwait it).
	e.con.cfg.UserDelay, e.con.cfg.UserDelayMax = 10*time.Minute, 10*time.Minute
	for i := 0; i < 5; i++ {
		login(t, ctx, base, "lan", "sai-mat-khau-"+fmt.Sprint(i))
		if txt := bodyText(t, ctx); !strings.Contains(txt, "Sai tên đăng nhập hoặc mật khẩu") {
			t.Fatalf("wrong password %d: %s", i, txt)
		}
	}
	login(t, ctx, base, "lan", testPassword)
	if txt := bodyText(t, ctx); !strings.Contains(txt, "Vui lòng thử lại sau 10 phút") {
		t.Fatalf("sixth try: %s", txt)
	}
}

func containsStr(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// screenshotDir is where TestBrowserScreenshots writes when
// GATEKEEPER_SCREENSHOTS=1.
var screenshotDir = filepath.Join("..", "..", "docs", "console")

// TestBrowserRefusesUnreachableCallback: an admin types a loopback callback
// address without allowing private addresses; the page refuses it under the
// field, names the fix, and the outlet is unchanged.
func TestBrowserRefusesUnreachableCallback(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	ctx := newBrowser(t)
	base := e.srv.URL
	login(t, ctx, base, "admin", testPassword)
	do(t, ctx, "outlet page",
		chromedp.Navigate(base+"/console/admin/outlets/"+e.a.ID),
		chromedp.WaitVisible(chromedp.CSS(`input[name="callback_url"]`)),
		chromedp.SetValue(chromedp.CSS(`input[name="callback_url"]`), "http://localhost:8081/wp-json/gatekeeper/v1/callback"),
		chromedp.Click(chromedp.CSS(`input[name="allow_private"]`)), // the test outlets allow private addresses: untick
	)
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`form button[type="submit"].primary`))); err != nil {
		t.Fatalf("save: %v", err)
	}
	msg := run(t, ctx, "field error", chromedp.Text(chromedp.CSS(`#err-callback_url`)))
	if !strings.Contains(msg, "địa chỉ nội bộ hoặc loopback") || !strings.Contains(msg, "Cho phép địa chỉ nội bộ") {
		t.Fatalf("the refusal under the callback field: %q", msg)
	}
	noProblems(t, ctx, "refused outlet form")
	if o, _ := e.st.GetOutlet(e.ctx, e.a.ID); o.CallbackURL != e.a.CallbackURL {
		t.Fatalf("a refused form changed the callback to %q", o.CallbackURL)
	}
}
