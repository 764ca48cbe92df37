package console

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport"
	"gatekeeper/internal/webhook"
	"gatekeeper/policy"
)

func TestLoginAndThrottle(t *testing.T) { eachStore(t, testLoginAndThrottle) }

func testLoginAndThrottle(t *testing.T, db store.Store) {
	e := newEnv(t, db)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// Right password: a session cookie with the right attributes.
	resp, err := c.PostForm(e.srv.URL+"/console/login", url.Values{"username": {"Mai"}, "password": {testPassword}, "next": {"/console/holds"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/console/holds" {
		t.Fatalf("login: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	sc := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"gk_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %s", sc, want)
		}
	}
	if strings.Contains(sc, "Secure") {
		t.Errorf("Set-Cookie %q is Secure over plain HTTP", sc)
	}
	if st, _, body := e.get(c, "/console/holds"); st != 200 || !strings.Contains(body, "mai") {
		t.Fatalf("holds after login: %d", st)
	}
	// An open redirect is not followed.
	_, loc, _ := e.post(anonymous(), "/console/login", url.Values{"username": {"mai"}, "password": {testPassword}, "next": {"//evil.example/"}})
	if loc != "/console/" {
		t.Errorf("next=//evil.example/ redirected to %q", loc)
	}

	// Wrong passwords: 401 five times, then the username is slowed down:
	// 429 even with the right password (the first wait is a second; ten
	// minutes here, so a slow machine cannot outwait it).
	e.con.cfg.UserDelay, e.con.cfg.UserDelayMax = 10*time.Minute, 10*time.Minute
	for i := 1; i <= 5; i++ {
		st, _, body := e.post(anonymous(), "/console/login", url.Values{"username": {"lan"}, "password": {"sai-mat-khau"}})
		if st != http.StatusUnauthorized || !strings.Contains(body, "Sai tên đăng nhập hoặc mật khẩu") {
			t.Fatalf("wrong password #%d: %d", i, st)
		}
	}
	resp, err = anonymous().PostForm(e.srv.URL+"/console/login", url.Values{"username": {"lan"}, "password": {testPassword}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if body := string(b); resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "Vui lòng thử lại sau 10 phút") ||
		resp.Header.Get("Retry-After") != "600" {
		t.Fatalf("after 5 failures: %d Retry-After %q %.200s", resp.StatusCode, resp.Header.Get("Retry-After"), textOf(body))
	}
	// Another user from the same address is not locked (per-user limit)...
	if st, _, _ := e.post(anonymous(), "/console/login", url.Values{"username": {"kiemtra"}, "password": {testPassword}}); st != http.StatusSeeOther {
		t.Fatalf("other user: %d", st)
	}
	// ...until the address limit (8 here) is reached, with unknown usernames too.
	for i := 0; i < 3; i++ {
		e.post(anonymous(), "/console/login", url.Values{"username": {"khong-co-" + string(rune('a'+i))}, "password": {"x"}})
	}
	if st, _, _ := e.post(anonymous(), "/console/login", url.Values{"username": {"admin"}, "password": {testPassword}}); st != http.StatusTooManyRequests {
		t.Fatalf("after 8 failures from one address: %d, want 429", st)
	}
	// The window passes: sign-in works again.
	e.con.cfg.Clock = clock.Fixed(e.now.Add(16 * time.Minute))
	if st, _, _ := e.post(anonymous(), "/console/login", url.Values{"username": {"lan"}, "password": {testPassword}}); st != http.StatusSeeOther {
		t.Fatalf("after the window: %d", st)
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	resp, err := http.Get(e.srv.URL + "/console/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %s", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline: %q", csp)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Cache-Control": "no-store"} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
}

// TestNoInlineScript: no template has an inline script or event handler
// attribute (the CSP would block them anyway).
func TestNoInlineScript(t *testing.T) {
	for name, p := range parsePagesMust(t) {
		_ = p
		b, err := templateFS.ReadFile("templates/" + name + ".html")
		if err != nil {
			continue
		}
		s := strings.ToLower(string(b))
		if strings.Contains(s, "<script>") || strings.Contains(s, " onclick=") || strings.Contains(s, " onload=") || strings.Contains(s, "style=\"") {
			t.Errorf("%s has inline script or style", name)
		}
	}
}

func parsePagesMust(t *testing.T) map[string]*pageTemplate {
	p, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCSRF(t *testing.T) { eachStore(t, testCSRF) }

func testCSRF(t *testing.T, db store.Store) {
	e := newEnv(t, db)
	id := e.hold(e.a, "7", "Tai nạn", "", e.now.Add(-time.Hour), "tai nạn")
	c, csrf := e.session("mai")
	path := "/console/outlets/" + e.a.ID + "/holds/" + id + "/approve"
	// Without the form token.
	if st, _, _ := e.post(c, path, url.Values{"note": {"x"}}); st != http.StatusForbidden {
		t.Errorf("no token: %d", st)
	}
	// Cross-origin (as a browser marks it), even with the token.
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site"},
		{"Origin": "https://evil.example"},
	} {
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(url.Values{"note": {"x"}, "csrf": {csrf}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%v: %d, want 403", h, resp.StatusCode)
		}
	}
	if h, _ := e.st.GetHold(e.ctx, e.a.ID, id); h.Status != store.HoldPending {
		t.Fatalf("a refused request changed the hold: %s", h.Status)
	}
	// Same origin with the token works.
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(url.Values{"note": {"đủ điều kiện"}, "csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("same-origin approve: %d", resp.StatusCode)
	}
}

// TestApproveDeliversCallback: a manager approves over HTTP; the hold is
// approved, audited, and the CMS receives a signed callback.
func TestApproveDeliversCallback(t *testing.T) { eachStore(t, testApproveDeliversCallback) }

func testApproveDeliversCallback(t *testing.T, db store.Store) {
	e := newEnv(t, db)
	id := e.hold(e.a, "42", "Lũ quét ở xã Đắk Nhoong", "<p>Mưa lớn gây lũ quét.</p>", e.now.Add(-3*time.Hour), "lũ quét")
	c, csrf := e.session("mai")
	base := "/console/outlets/" + e.a.ID + "/holds/" + id
	// A note is required.
	if st, _, body := e.post(c, base+"/approve", url.Values{"csrf": {csrf}, "note": {"  "}}); st != http.StatusBadRequest || !strings.Contains(body, "Cần ghi chú") {
		t.Fatalf("approve without note: %d", st)
	}
	st, loc, _ := e.post(c, base+"/approve", url.Values{"csrf": {csrf}, "note": {"Tin cần thiết cho bà con"}, "when": {"now"}})
	if st != http.StatusSeeOther || !strings.HasSuffix(loc, "?ok=approved") {
		t.Fatalf("approve: %d %s", st, loc)
	}
	h, err := e.st.GetHold(e.ctx, e.a.ID, id)
	if err != nil || h.Status != store.HoldApproved || h.Reviewer != "mai" || h.Note != "Tin cần thiết cho bà con" {
		t.Fatalf("hold after approve: %+v %v", h, err)
	}
	// Twice: a conflict, not a second approval.
	if st, _, _ := e.post(c, base+"/reject", url.Values{"csrf": {csrf}, "note": {"không"}}); st != http.StatusConflict {
		t.Fatalf("reject after approve: %d", st)
	}
	es, _ := e.st.ListAudit(e.ctx, e.a.ID, store.AuditFilter{Type: "approve"})
	if len(es) != 1 || es[0].Actor != "mai" {
		t.Fatalf("audit: %+v", es)
	}
	if _, _, body := e.get(c, "/console/audit?outlet="+e.a.ID); !strings.Contains(body, "approve") {
		t.Fatal("audit page lacks the approval")
	}
	n, err := e.worker.RunOnce(e.ctx)
	if err != nil || n != 1 {
		t.Fatalf("worker: %d %v", n, err)
	}
	got := e.callbacks()
	if len(got) != 1 {
		t.Fatalf("CMS got %d callbacks", len(got))
	}
	key, _ := webhook.DecodeSecret(e.secretA)
	if _, err := webhook.Verify(got[0].Header, got[0].Body, e.now, webhook.DeriveKey(key, webhook.PurposeCallback)); err != nil {
		t.Fatalf("callback signature: %v", err)
	}
	var p struct {
		Type     string `json:"type"`
		PostID   string `json:"post_id"`
		Reviewer string `json:"reviewer"`
		Note     string `json:"note"`
		Hold     struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"hold"`
	}
	if err := json.Unmarshal(got[0].Body, &p); err != nil {
		t.Fatal(err)
	}
	if p.Type != "hold.approved" || p.PostID != "42" || p.Reviewer != "mai" || p.Hold.ID != id || p.Hold.Status != "approved" {
		t.Fatalf("payload: %+v", p)
	}
	// The dashboard shows it delivered.
	if _, _, body := e.get(c, "/console/outlets/"+e.a.ID); !strings.Contains(body, "đã gửi") {
		t.Fatalf("dashboard does not show the callback delivered: %.500s", textOf(body))
	}
}

func TestPostContentIsText(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	title := `<script>document.title="pwned"</script><img src=x onerror=alert(1)> Tai nạn`
	id := e.hold(e.a, "66", title, `<p>Đoạn một <b>đậm</b></p><script>alert(2)</script><p onclick="x()">Đoạn hai &amp; ba</p>`,
		e.now.Add(-time.Hour), "tai nạn")
	c, _ := e.session("mai")
	for _, path := range []string{"/console/holds", "/console/outlets/" + e.a.ID + "/holds/" + id} {
		_, _, body := e.get(c, path)
		if strings.Contains(body, "<script>document") || strings.Contains(body, "<img src=x") || strings.Contains(body, "alert(2)") || strings.Contains(body, "onclick") {
			t.Errorf("%s renders post HTML: %s", path, body)
		}
		if !strings.Contains(body, "&lt;script&gt;document.title=") {
			t.Errorf("%s does not show the title as text", path)
		}
	}
	_, _, body := e.get(c, "/console/outlets/"+e.a.ID+"/holds/"+id)
	if !strings.Contains(body, "vượt giới hạn 15,00%") {
		t.Errorf("the hold's reason is not shown: %s", textOf(body))
	}
	if !strings.Contains(body, "<p>Đoạn một đậm</p>") || !strings.Contains(body, "Đoạn hai &amp; ba") || !strings.Contains(body, `<mark class="m-tone">Tai nạn</mark>`) {
		t.Errorf("content/evidence not rendered as expected: %s", textOf(body))
	}
}

func TestExportCSV(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	now := e.now
	id := e.hold(e.a, "9", "Tai nạn", "", now.Add(-time.Hour))
	c, csrf := e.session("mai")
	e.post(c, "/console/outlets/"+e.a.ID+"/holds/"+id+"/reject", url.Values{"csrf": {csrf}, "note": {"=HYPERLINK(\"x\")"}})
	// From the hold's day to the rejection's (they differ just after midnight).
	from, day := now.Add(-time.Hour).In(defaultLoc).Format("2006-01-02"), now.In(defaultLoc).Format("2006-01-02")
	st, _, body := e.get(c, "/console/export.csv?outlet="+e.a.ID+"&from="+from+"&to="+day)
	if st != 200 {
		t.Fatalf("export: %d %s", st, body)
	}
	if !strings.HasPrefix(body, "\ufeff") {
		t.Fatal("no UTF-8 BOM")
	}
	rows, err := csv.NewReader(bytes.NewReader([]byte(strings.TrimPrefix(body, "\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Thời gian", "Thời gian (UTC)", "Đơn vị", "Sự kiện", "Mã bài", "Tiêu đề", "Sắc thái", "Đường dẫn",
		"Mã tin giữ", "Quyết định", "Người thực hiện", "Ghi chú", "Chi tiết"}
	if strings.Join(rows[0], "|") != strings.Join(want, "|") {
		t.Fatalf("header %v, want %v", rows[0], want)
	}
	// Newest first, in words: the rejection (by mai), then the hold (the author, through the CMS).
	var got []string
	for _, r := range rows[1:] {
		got = append(got, strings.Join([]string{r[3], r[5], r[6], r[9], r[10]}, "/"))
		if r[3] == "Từ chối" && r[11] != "'=HYPERLINK(\"x\")" {
			t.Errorf("formula not neutralised: %q", r[11])
		}
		if !regexp.MustCompile(`^\d{2}/\d{2}/\d{4} \d{2}:\d{2}$`).MatchString(r[0]) || strings.ContainsAny(r[12], "{}") {
			t.Errorf("row %v: want a dd/mm/yyyy HH:mm time and a sentence for the detail", r)
		}
	}
	if w := "Từ chối/Tai nạn/tiêu cực/đã từ chối/mai,Giữ lại chờ duyệt/Tai nạn/tiêu cực/giữ lại/editor1 (qua CMS)"; strings.Join(got, ",") != w {
		t.Fatalf("rows %v, want %s", got, w)
	}
	// English on request.
	_, _, body = e.get(c, "/console/export.csv?lang=en&outlet="+e.a.ID+"&from="+day+"&to="+day)
	rows, err = csv.NewReader(bytes.NewReader([]byte(strings.TrimPrefix(body, "\ufeff")))).ReadAll()
	if err != nil || rows[0][0] != "Time" || rows[1][3] != "Rejected" || rows[1][9] != "rejected" || rows[1][6] != "negative" {
		t.Fatalf("English export: %v %v", rows, err)
	}
	// A manager cannot export another outlet.
	if st, _, _ := e.get(c, "/console/export.csv?outlet="+e.b.ID+"&from="+day+"&to="+day); st != http.StatusForbidden {
		t.Fatalf("export of B by A's manager: %d", st)
	}
}

func TestScheduledApproval(t *testing.T) { eachStore(t, testScheduledApproval) }

func testScheduledApproval(t *testing.T, db store.Store) {
	e := newEnv(t, db)
	now := e.now
	// Fill A's window: 10 posts, 2 negative, 25 days ago; then a negative
	// post is held until the negatives leave the window.
	var posts []store.SyncPost
	for i := 0; i < 10; i++ {
		at := now.Add(-25*24*time.Hour + time.Duration(i)*time.Minute)
		posts = append(posts, store.SyncPost{ID: "old" + string(rune('0'+i)), Negative: i < 2, PublishedAt: at, Day: store.DayKey(at, e.a.Location())})
	}
	if _, err := e.st.Sync(e.ctx, store.SyncInput{Outlet: e.a.ID, Now: now, Window: e.a.Window(), Posts: posts, Actor: "cms"}); err != nil {
		t.Fatal(err)
	}
	id := e.hold(e.a, "new", "Tai nạn", "", now)
	h, _ := e.st.GetHold(e.ctx, e.a.ID, id)
	if h.EarliestSafe == nil {
		t.Fatalf("no earliest safe time: %+v", h)
	}
	c, csrf := e.session("mai")
	st, loc, _ := e.post(c, "/console/outlets/"+e.a.ID+"/holds/"+id+"/approve", url.Values{"csrf": {csrf}, "note": {"chờ"}, "when": {"safe"}})
	if st != http.StatusSeeOther || !strings.HasSuffix(loc, "ok=scheduled") {
		t.Fatalf("schedule: %d %s", st, loc)
	}
	if n, err := e.con.RunScheduledOnce(e.ctx); err != nil || n != 0 {
		t.Fatalf("scheduler before the time: %d %v", n, err)
	}
	e.con.cfg.Clock = clock.Fixed(h.EarliestSafe.Add(time.Second))
	e.con.review.Clock = e.con.cfg.Clock
	if n, err := e.con.RunScheduledOnce(e.ctx); err != nil || n != 1 {
		t.Fatalf("scheduler at the time: %d %v", n, err)
	}
	h, _ = e.st.GetHold(e.ctx, e.a.ID, id)
	if h.Status != store.HoldApproved || h.Reviewer != "mai" {
		t.Fatalf("after scheduled approval: %+v", h)
	}
	if sa, _ := e.st.ListScheduledApprovals(e.ctx, e.a.ID); len(sa) != 0 {
		t.Fatalf("schedule left: %+v", sa)
	}
}

// A held post edited in the CMS is checked again; the hold then shows the
// new text, and says that it changed since the post was held.
func TestHeldPostEditedShowsTheChange(t *testing.T) { eachStore(t, testHeldPostEditedShowsTheChange) }

func testHeldPostEditedShowsTheChange(t *testing.T, db store.Store) {
	e := newEnv(t, db)
	at := e.now.Add(-time.Hour)
	id := e.hold(e.a, "77", "Tai nạn giao thông", "<p>Bản đầu</p>", at, "tai nạn")
	c, csrf := e.session("mai")
	path := "/console/outlets/" + e.a.ID + "/holds/" + id
	_, _, page := e.get(c, path)
	if strings.Contains(page, "đã được sửa trong CMS") {
		t.Fatal("an unedited hold says it was edited")
	}
	seen := regexp.MustCompile(`name="digest" value="([0-9a-f]{64})"`).FindStringSubmatch(page)
	if seen == nil {
		t.Fatalf("no digest in the approve form: %s", textOf(page))
	}
	if again := e.hold(e.a, "77", "Cướp tiệm vàng", "<p>Bản sửa</p>", at.Add(10*time.Minute), "cướp"); again != id {
		t.Fatalf("the re-check made hold %s, want the pending %s", again, id)
	}
	_, _, page = e.get(c, path)
	if !strings.Contains(page, "đã được sửa trong CMS") || !strings.Contains(page, "Bản sửa") || strings.Contains(page, "Bản đầu") {
		t.Fatalf("edited hold page: %s", textOf(page))
	}
	// An approval of the text the manager saw before the edit is refused; the
	// page shows the new text to approve.
	st, _, _ := e.post(c, path+"/approve", url.Values{"csrf": {csrf}, "note": {"Đồng ý"}, "digest": {seen[1]}})
	if st != http.StatusConflict {
		t.Fatalf("approval of the old text: %d", st)
	}
	if h, err := e.st.GetHold(e.ctx, e.a.ID, id); err != nil || h.Status != store.HoldPending {
		t.Fatalf("hold after the refused approval: %+v %v", h, err)
	}
	fresh := regexp.MustCompile(`name="digest" value="([0-9a-f]{64})"`).FindStringSubmatch(page)
	if st, _, _ := e.post(c, path+"/approve", url.Values{"csrf": {csrf}, "note": {"Đồng ý"}, "digest": {fresh[1]}}); st != http.StatusSeeOther {
		t.Fatalf("approval of the new text: %d", st)
	}
}

// TestScheduledApprovalsDoNotOvershoot: two holds scheduled for the same
// safe instant, where the window has room for one more negative post then.
// The scheduler approves one; the other is not counted past the limit but
// moved to its new earliest safe time, and the audit log says so.
func TestScheduledApprovalsDoNotOvershoot(t *testing.T) {
	eachStore(t, testScheduledApprovalsDoNotOvershoot)
}

func testScheduledApprovalsDoNotOvershoot(t *testing.T, db store.Store) {
	now := testsupport.Now(t, time.Date(2026, 11, 30, 16, 59, 0, 0, time.UTC))
	e := newEnvAt(t, db, now)
	// 100 posts, 15 negative (15.00%): 98 recent ones (13 negative) and two
	// negative ones 25 days ago, an hour apart. When the first old one
	// leaves, 14/99 have room for exactly one more negative (15/100); a
	// second would make 16/101.
	old := now.Add(-25 * 24 * time.Hour).Truncate(time.Millisecond)
	var posts []store.SyncPost
	add := func(id string, neg bool, at time.Time) {
		posts = append(posts, store.SyncPost{ID: id, Negative: neg, PublishedAt: at, Day: store.DayKey(at, e.a.Location())})
	}
	add("old0", true, old)
	add("old1", true, old.Add(time.Hour))
	for i := 0; i < 98; i++ {
		add(fmt.Sprintf("r%d", i), i < 13, now.Add(-time.Hour-time.Duration(i)*time.Minute))
	}
	if _, err := e.st.Sync(e.ctx, store.SyncInput{Outlet: e.a.ID, Now: now, Window: e.a.Window(), Posts: posts, Actor: "cms"}); err != nil {
		t.Fatal(err)
	}
	first := e.hold(e.a, "x1", "Tai nạn", "", now)
	second := e.hold(e.a, "x2", "Cháy rừng", "", now.Add(time.Second))
	h1, _ := e.st.GetHold(e.ctx, e.a.ID, first)
	h2, _ := e.st.GetHold(e.ctx, e.a.ID, second)
	safe := old.Add(e.a.Window())
	if h1.EarliestSafe == nil || h2.EarliestSafe == nil || !h1.EarliestSafe.Equal(safe) || !h2.EarliestSafe.Equal(safe) {
		t.Fatalf("earliest safe times %v, %v, want both %v", h1.EarliestSafe, h2.EarliestSafe, safe)
	}
	c, csrf := e.session("mai")
	for _, id := range []string{first, second} {
		st, loc, _ := e.post(c, "/console/outlets/"+e.a.ID+"/holds/"+id+"/approve", url.Values{"csrf": {csrf}, "note": {"khi an toàn"}, "when": {"safe"}})
		if st != http.StatusSeeOther || !strings.HasSuffix(loc, "ok=scheduled") {
			t.Fatalf("schedule %s: %d %s", id, st, loc)
		}
	}
	fire := safe.Add(time.Second)
	e.con.cfg.Clock = clock.Fixed(fire)
	e.con.review.Clock = e.con.cfg.Clock
	if n, err := e.con.RunScheduledOnce(e.ctx); err != nil || n != 1 {
		t.Fatalf("scheduler at the safe time approved %d (%v), want 1", n, err)
	}
	w, err := e.st.Window(e.ctx, e.a.ID, fire, e.a.Window())
	if err != nil {
		t.Fatal(err)
	}
	if w != (policy.Counts{Published: 100, Negative: 15}) {
		t.Fatalf("window after the scheduled approvals %+v, want 15/100 (at the limit, not past it)", w)
	}
	h1, _ = e.st.GetHold(e.ctx, e.a.ID, first)
	h2, _ = e.st.GetHold(e.ctx, e.a.ID, second)
	if h1.Status != store.HoldApproved || h2.Status != store.HoldPending {
		t.Fatalf("statuses %s, %s; want the first approved, the second pending", h1.Status, h2.Status)
	}
	// The second is rescheduled to when old1 leaves the window.
	sa, err := e.st.ListScheduledApprovals(e.ctx, e.a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := old.Add(time.Hour).Add(e.a.Window()); len(sa) != 1 || sa[0].HoldID != second || !sa[0].At.Equal(want) || sa[0].Reviewer != "mai" {
		t.Fatalf("schedule left %+v, want %s at %v by mai", sa, second, want)
	}
	entries, err := e.st.ListAudit(e.ctx, e.a.ID, store.AuditFilter{Type: "approve_rescheduled"})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].HoldID != second {
		t.Fatalf("audit of the rescheduling %+v", entries)
	}
	// The manager sees it on the hold's page.
	c, csrf2 := e.session("mai")
	if _, _, body := e.get(c, "/console/outlets/"+e.a.ID+"/holds/"+second); !strings.Contains(textOf(body), "dời") {
		t.Errorf("the hold page does not say the approval was moved: %s", textOf(body))
	}
	// Approving it "at the earliest safe time" by hand now, past the hold's
	// recorded safe time, is not counted either: it is scheduled for the
	// new time.
	st, loc, _ := e.post(c, "/console/outlets/"+e.a.ID+"/holds/"+second+"/approve", url.Values{"csrf": {csrf2}, "note": {"khi an toàn"}, "when": {"safe"}})
	if st != http.StatusSeeOther || !strings.HasSuffix(loc, "ok=scheduled") {
		t.Fatalf("approve when safe, past the recorded safe time: %d %s", st, loc)
	}
	if w, _ := e.st.Window(e.ctx, e.a.ID, fire, e.a.Window()); w != (policy.Counts{Published: 100, Negative: 15}) {
		t.Fatalf("window after approving when safe by hand: %+v", w)
	}
	if sa, _ = e.st.ListScheduledApprovals(e.ctx, e.a.ID); len(sa) != 1 || !sa[0].At.Equal(old.Add(time.Hour).Add(e.a.Window())) {
		t.Fatalf("schedule after approving when safe by hand: %+v", sa)
	}
	// At the new time the second fits and is approved.
	e.con.cfg.Clock = clock.Fixed(sa[0].At.Add(time.Second))
	e.con.review.Clock = e.con.cfg.Clock
	if n, err := e.con.RunScheduledOnce(e.ctx); err != nil || n != 1 {
		t.Fatalf("scheduler at the new time approved %d (%v), want 1", n, err)
	}
	if h2, _ = e.st.GetHold(e.ctx, e.a.ID, second); h2.Status != store.HoldApproved {
		t.Fatalf("second after its new time: %s", h2.Status)
	}
}
