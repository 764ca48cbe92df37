package console

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/report"
	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport"
	"gatekeeper/policy"
)

// xss is what a hostile CMS (or a hostile editor behind it) puts in every
// field it controls.
const xss = `<x-gk onmouseover=alert(1)>"'&amp;</x-gk><script>alert(2)</script>`

// TestCMSFieldsAreText: every field that comes from a CMS or a person
// (title, excerpt, content, author, categories, URL, evidence, reviewer
// notes, outlet names, the CMS's answer to a callback) is shown as text on
// every page that shows it: no element or script is made from it, and a
// javascript: URL is never a link.
func TestCMSFieldsAreText(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	now := e.now
	// The CMS answers callbacks with markup.
	hostile := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, xss)
	}))
	defer hostile.Close()
	o := store.Outlet{ID: "hostile", Name: "Báo " + xss, Rules: policy.DefaultRules(), WindowDays: 30, Timezone: "Asia/Ho_Chi_Minh",
		CallbackURL: hostile.URL, AllowPrivateCallback: true, Secrets: e.a.Secrets, CreatedAt: now, UpdatedAt: now,
		CategoryTones: map[string]policy.Tone{policy.CategoryKey(xss): policy.Negative}}
	if err := e.st.CreateOutlet(e.ctx, o); err != nil {
		t.Fatal(err)
	}
	ev := []map[string]any{{"text": xss, "field": "title", "weight": 1}, {"text": "#" + xss, "field": "title", "weight": 1},
		{"text": "x", "cue": xss, "field": "title", "weight": 1}, {"text": "negative", "field": "category", "weight": 1}}
	snap, _ := json.Marshal(map[string]any{
		"post": map[string]any{"id": "1", "title": "Tai nạn " + xss, "excerpt": "Tóm tắt &lt;x-gk&gt; " + xss,
			"content": "<p>Nội dung &lt;x-gk onmouseover=alert(3)&gt;</p>" + xss, "author": xss, "categories": []string{xss, "Thời sự"},
			"url": "javascript:alert(4)"},
		"classification": map[string]any{"tone": map[string]any{"label": "negative", "score": 0.9, "evidence": ev},
			"sensational": map[string]any{"flagged": true, "score": 0.9, "evidence": ev}},
		"reasons": []map[string]any{{"code": xss, "message": xss}},
	})
	held := e.check(o, "1", true, now.Add(-time.Hour), snap)
	decided := e.check(o, "2", true, now.Add(-time.Hour), snap)
	c, csrf := e.session("admin")
	if st, _, body := e.post(c, "/console/outlets/hostile/holds/"+decided.HoldID+"/reject", url.Values{"csrf": {csrf}, "note": {"Ghi chú " + xss}}); st != http.StatusSeeOther {
		t.Fatalf("reject: %d %s", st, textOf(body))
	}
	if _, err := e.worker.RunOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
	if cbs, _ := e.st.ListCallbacks(e.ctx, "hostile", "", 10); len(cbs) != 1 || !strings.Contains(cbs[0].LastError, "<x-gk") {
		t.Fatalf("the CMS's answer was not kept as the callback's error: %+v", cbs)
	}
	// A user whose outlets include the hostile one.
	if err := e.st.CreateUser(e.ctx, store.User{Username: "hoa", Role: store.RoleManager, Outlets: []string{"hostile"},
		PasswordHash: testHash(t), CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	day := now.In(defaultLoc).Format("2006-01-02")
	pages := []string{
		"/console/holds", "/console/holds?status=all", "/console/outlets/hostile/holds/" + held.HoldID,
		"/console/outlets/hostile/holds/" + decided.HoldID, "/console/outlets/hostile", "/console/overview",
		"/console/audit", "/console/audit?outlet=hostile", "/console/export", "/console/admin/outlets",
		"/console/admin/outlets/hostile", "/console/admin/users",
		"/console/audit?post=" + url.QueryEscape(xss) + "&from=" + day,
		"/console/holds?outlet=" + url.QueryEscape(xss),
		"/console/login?next=" + url.QueryEscape("/console/\"><x-gk>"),
	}
	check := func(where, body string) {
		t.Helper()
		low := strings.ToLower(body)
		if strings.Contains(low, "<x-gk") || strings.Contains(low, "<script>alert") || strings.Contains(low, "href=\"javascript:") {
			i := max(strings.Index(low, "<x-gk"), strings.Index(low, "<script>alert"), strings.Index(low, "href=\"javascript:"))
			t.Errorf("%s renders hostile markup: …%s…", where, body[max(i-200, 0):min(i+100, len(body))])
		}
	}
	for _, p := range pages {
		st, _, body := e.get(c, p)
		if st >= 500 {
			t.Errorf("%s: %d", p, st)
		}
		check(p, body)
	}
	// The failed delivery reads as what it means and what to do, in the reader's language.
	for _, lang := range []string{langVI, langEN} {
		if _, _, body := e.get(e.withLang(c, lang), "/console/outlets/hostile"); !strings.Contains(body, html.EscapeString(tr(lang, "cb.server"))) {
			t.Errorf("%s: the dashboard does not explain the failed delivery: %s", lang, textOf(body))
		}
	}
	// The hostile text is there, as text.
	_, _, body := e.get(c, "/console/outlets/hostile/holds/"+held.HoldID)
	for _, want := range []string{"&lt;x-gk onmouseover=alert(1)&gt;", "Nội dung &lt;x-gk onmouseover=alert(3)&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("hold page does not show %q as text", want)
		}
	}
	// The secret page names the outlet, too.
	_, _, body = e.post(c, "/console/admin/outlets/hostile/rotate", url.Values{"csrf": {csrf}})
	check("secret page", body)
	// And the policy form refused with the hostile name typed back.
	f := policyForm(csrf)
	f.Set("name", xss)
	f.Set("limit", xss)
	f["cat_name"] = []string{xss, xss}
	f["cat_tone"] = []string{"negative", "negative"}
	_, _, body = e.post(c, "/console/admin/outlets/hostile", f)
	check("refused policy form", body)
	// A manager's view.
	hc, _ := e.session("hoa")
	for _, p := range []string{"/console/holds", "/console/outlets/hostile/holds/" + held.HoldID, "/console/overview"} {
		_, _, body := e.get(hc, p)
		check("manager "+p, body)
	}
}

// TestSessionFixation: a session id planted in the browser before sign-in
// (made up, or the attacker's own) is never the one the user gets, and
// the planted one is ended.
func TestSessionFixation(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	u, _ := url.Parse(e.srv.URL)
	// The attacker's own valid session, planted in the victim's browser.
	attacker, _ := e.session("lan")
	planted := ""
	for _, ck := range attacker.Jar.Cookies(u) {
		if ck.Name == "gk_session" {
			planted = ck.Value
		}
	}
	for _, fixed := range []string{"chosen-by-the-attacker-0123456789", planted} {
		jar, _ := cookiejar.New(nil)
		jar.SetCookies(u, []*http.Cookie{{Name: "gk_session", Value: fixed, Path: "/"}})
		victim := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		// The sign-in form of a planted session is still answered (no 403).
		if st, _, _ := e.get(victim, "/console/login"); st != http.StatusOK && st != http.StatusSeeOther {
			t.Fatalf("login page with a planted cookie: %d", st)
		}
		st, _, _ := e.post(victim, "/console/login", url.Values{"username": {"mai"}, "password": {testPassword}})
		if st != http.StatusSeeOther {
			t.Fatalf("sign in: %d", st)
		}
		var got string
		for _, ck := range jar.Cookies(u) {
			if ck.Name == "gk_session" {
				got = ck.Value
			}
		}
		if got == "" || got == fixed {
			t.Fatalf("session after sign-in is %q, planted %q", got, fixed)
		}
		if _, err := e.st.GetSession(e.ctx, sessionID(fixed), e.now); err == nil {
			t.Fatalf("the planted session %q still works after sign-in", fixed)
		}
		// The planted value, replayed, is nobody.
		jar2, _ := cookiejar.New(nil)
		jar2.SetCookies(u, []*http.Cookie{{Name: "gk_session", Value: fixed, Path: "/"}})
		replay := &http.Client{Jar: jar2, CheckRedirect: victim.CheckRedirect}
		if st, loc, _ := e.get(replay, "/console/holds"); st != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/login") {
			t.Fatalf("planted cookie after the victim signed in: %d %s", st, loc)
		}
	}
}

// TestLogoutNeedsToken: signing someone out takes the form token and the
// same origin; a GET or a forged form does nothing. A real sign-out ends
// the session in the store, so a copied cookie is worthless.
func TestLogoutNeedsToken(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	c, csrf := e.session("mai")
	if st, _, _ := e.post(c, "/console/logout", url.Values{}); st != http.StatusForbidden {
		t.Errorf("logout without the token: %d", st)
	}
	if st, _, _ := e.post(c, "/console/logout", url.Values{"csrf": {"sai"}}); st != http.StatusForbidden {
		t.Errorf("logout with a wrong token: %d", st)
	}
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/console/logout", strings.NewReader("csrf="+csrf))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, err := c.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site logout: %v %v", resp.StatusCode, err)
	}
	if st, _, _ := e.get(c, "/console/logout"); st == http.StatusSeeOther {
		t.Errorf("GET /console/logout answered a redirect")
	}
	if st, _, _ := e.get(c, "/console/holds"); st != 200 {
		t.Fatalf("session ended by a forged logout: %d", st)
	}
	u, _ := url.Parse(e.srv.URL)
	cookies := c.Jar.Cookies(u)
	if st, loc, _ := e.post(c, "/console/logout", url.Values{"csrf": {csrf}}); st != http.StatusSeeOther || loc != "/console/login" {
		t.Fatalf("logout: %d %s", st, loc)
	}
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(u, cookies)
	copied := &http.Client{Jar: jar, CheckRedirect: c.CheckRedirect}
	if st, _, _ := e.get(copied, "/console/holds"); st != http.StatusSeeOther {
		t.Fatalf("a copy of the cookie works after sign-out: %d", st)
	}
}

// TestOpenRedirects: no next= (sign-in, language switch) or return=
// (retry) sends a browser off the console.
func TestOpenRedirects(t *testing.T) {
	evil := []string{
		"//evil.example/", "///evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example/console/",
		"http:evil.example", "javascript:alert(1)", "/console/../../evil.example", "/console/%2e%2e/%2e%2e//evil.example",
		"/console/..//evil.example", "/console\\..\\evil", "/console\t//evil.example", "/console\r\nLocation: https://evil.example",
		"/console.evil.example", "/consolexyz", " //evil.example", "/console@evil.example", "//console", "data:text/html,x",
		"/console/login", "/console/lang/en?next=//evil.example",
	}
	for _, n := range evil {
		if safeNext(n) {
			t.Errorf("safeNext(%q) = true", n)
		}
	}
	for _, n := range []string{"/console", "/console/", "/console/holds?outlet=dakglei&age=1h", "/console/outlets/a/holds/h1"} {
		if !safeNext(n) {
			t.Errorf("safeNext(%q) = false", n)
		}
	}
	e := newEnv(t, openSQLite(t))
	c, csrf := e.session("mai")
	offsite := func(loc string) bool {
		u, err := url.Parse(loc)
		return err != nil || u.Host != "" || u.Scheme != "" || strings.HasPrefix(loc, "//") || strings.Contains(loc, "\\") ||
			!strings.HasPrefix(loc, "/console")
	}
	for _, n := range evil {
		_, loc, _ := e.post(anonymous(), "/console/login", url.Values{"username": {"kiemtra"}, "password": {testPassword}, "next": {n}})
		if offsite(loc) || loc != "/console/" {
			t.Errorf("sign in with next=%q went to %q", n, loc)
		}
		_, loc, _ = e.get(anonymous(), "/console/lang/en?next="+url.QueryEscape(n))
		if offsite(loc) {
			t.Errorf("language switch with next=%q went to %q", n, loc)
		}
		_, loc, _ = e.post(c, "/console/outlets/"+e.a.ID+"/callbacks/none/retry", url.Values{"csrf": {csrf}, "return": {n}})
		if loc != "" && offsite(loc) {
			t.Errorf("retry with return=%q went to %q", n, loc)
		}
		// The sign-in page does not carry a bad next into its form.
		if _, _, body := e.get(anonymous(), "/console/login?next="+url.QueryEscape(n)); !strings.Contains(body, `<input type="hidden" name="next" value="">`) {
			t.Errorf("login form keeps next=%q", n)
		}
	}
	// Good ones are kept; the language switch may go back to the sign-in page.
	if _, loc, _ := e.post(anonymous(), "/console/login", url.Values{"username": {"kiemtra"}, "password": {testPassword},
		"next": {"/console/audit?outlet=dakglei"}}); loc != "/console/audit?outlet=dakglei" {
		t.Errorf("good next lost: %q", loc)
	}
	if _, loc, _ := e.get(anonymous(), "/console/lang/en?next="+url.QueryEscape("/console/login?next=/console/audit")); loc != "/console/login?next=/console/audit" {
		t.Errorf("language switch on the sign-in page went to %q", loc)
	}
}

// TestLoginDoesNotRevealUsernames: an unknown username and a wrong
// password get the same answer, run the same password derivation (so they
// take as long), and are throttled alike.
func TestLoginDoesNotRevealUsernames(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	e.con.cfg.AddrFailures = 100 // the per-username limit is what is compared
	e.con.cfg.Clock = clock.Fixed(testsupport.Now(t, loginT0))
	// The dummy hash costs what a real one does.
	if a, b := strings.Split(dummyHash(), "$")[3], strings.Split(testHash(t), "$")[3]; a != b {
		t.Fatalf("dummy hash parameters %s, real ones %s", a, b)
	}
	type answer struct {
		status      int
		body        string
		cookies     int
		derivations int64
	}
	try := func(user string) answer {
		before := derivations.Load()
		resp, err := anonymous().PostForm(e.srv.URL+"/console/login", url.Values{"username": {user}, "password": {"sai-mat-khau-1"}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return answer{resp.StatusCode, strings.ReplaceAll(string(b), user, "USER"), len(resp.Cookies()), derivations.Load() - before}
	}
	for i := 0; i < 6; i++ {
		known, unknown := try("victim"), try("khongco")
		if known != unknown {
			t.Fatalf("try %d: known user %+v, unknown user %+v", i, known, unknown)
		}
		want := int64(1)
		if i == 5 {
			want = 0 // throttled alike, before any password is checked
		}
		if known.derivations != want {
			t.Fatalf("try %d: %d password derivations, want %d", i, known.derivations, want)
		}
	}
}

// BenchmarkLogin reports how long a refused sign-in takes for a known user
// with a wrong password and for an unknown user (they should match).
//
//	go test ./console -run '^$' -bench BenchmarkLogin -benchtime 20x
func BenchmarkLogin(b *testing.B) {
	for _, user := range []string{"victim", "khongco"} {
		b.Run(user, func(b *testing.B) {
			e := newEnv(b, openSQLite(b))
			e.con.cfg.UserFailures, e.con.cfg.AddrFailures = 1<<40, 1<<40
			form := url.Values{"username": {user}, "password": {"sai-mat-khau-1"}}
			b.ResetTimer()
			for range b.N {
				resp, err := anonymous().PostForm(e.srv.URL+"/console/login", form)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}

// TestCSVInjection: cells a spreadsheet would read as a formula are
// neutralised, in every column that can carry someone's text.
func TestCSVInjection(t *testing.T) {
	for in, want := range map[string]string{
		"=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)", "\t=1": "'\t=1", "\r=1": "'\r=1", "\n=1": "'\n=1",
		"  =1": "'  =1", "\u00a0@x": "'\u00a0@x", "＝1+1": "'＝1+1", "tai nạn": "tai nạn", "": "", "a=b": "a=b", "'=1": "'=1",
		"4217": "4217", "   ": "   ",
	} {
		if got := report.CSVSafe(in); got != want {
			t.Errorf("report.CSVSafe(%q) = %q, want %q", in, got, want)
		}
	}
	e := newEnv(t, openSQLite(t))
	now := e.now
	c, csrf := e.session("mai")
	notes := []string{"=HYPERLINK(\"https://evil.example\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)*cmd|' /C calc'!A0"}
	for i, n := range notes {
		id := e.hold(e.a, fmt.Sprintf("=%d+%d", i, i), "Tai nạn", "", now.Add(-time.Hour))
		if st, _, body := e.post(c, "/console/outlets/"+e.a.ID+"/holds/"+id+"/reject", url.Values{"csrf": {csrf}, "note": {n}}); st != http.StatusSeeOther {
			t.Fatalf("reject: %d %s", st, textOf(body))
		}
	}
	day := now.In(defaultLoc).Format("2006-01-02")
	_, _, body := e.get(c, "/console/export.csv?outlet="+e.a.ID+"&from="+day+"&to="+day)
	rows, err := csv.NewReader(bytes.NewReader([]byte(strings.TrimPrefix(body, "\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, r := range rows[1:] {
		for j, cell := range r {
			if cell == "" || j < 2 {
				continue
			}
			if strings.ContainsRune("=+-@", rune(strings.TrimLeft(cell, " ")[0])) {
				t.Errorf("column %s: cell %q would be a formula", rows[0][j], cell)
			}
		}
		if r[3] == "Từ chối" {
			seen++
		}
	}
	if seen != len(notes) {
		t.Fatalf("%d rejections exported, want %d", seen, len(notes))
	}
}

// TestStaticFilesOnly: the static route serves the static folder and
// nothing else of the binary.
func TestStaticFilesOnly(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	for _, p := range []string{"/console/static/../templates/base.html", "/console/static/..%2ftemplates%2fbase.html",
		"/console/static/%2e%2e/templates/base.html", "/console/static/templates/base.html"} {
		st, _, body := e.get(anonymous(), p)
		if st == http.StatusOK && strings.Contains(body, "{{") {
			t.Errorf("%s serves a template", p)
		}
	}
	if st, _, _ := e.get(anonymous(), "/console/static/app.css"); st != 200 {
		t.Fatalf("app.css: %d", st)
	}
}
