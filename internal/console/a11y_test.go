package console

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"gatekeeper/internal/store"
)

// a11yProblems lists what makes a page hard to use with a screen reader or
// in the wrong language: no or the wrong lang, form controls without a
// label, buttons without text, not exactly one h1, no main landmark.
func a11yProblems(body, lang string) []string {
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		return []string{"parse: " + err.Error()}
	}
	var probs []string
	labelFor := map[string]bool{}
	var h1, mains int
	var walk func(n *html.Node, inLabel bool)
	attr := func(n *html.Node, k string) (string, bool) {
		for _, a := range n.Attr {
			if a.Key == k {
				return a.Val, true
			}
		}
		return "", false
	}
	var text func(n *html.Node) string
	text = func(n *html.Node) string {
		if n.Type == html.TextNode {
			return n.Data
		}
		var b strings.Builder
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			b.WriteString(text(c))
		}
		return b.String()
	}
	// Labels with for= first.
	var collect func(n *html.Node)
	collect = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "label" {
			if f, ok := attr(n, "for"); ok {
				labelFor[f] = true
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			collect(c)
		}
	}
	collect(doc)
	walk = func(n *html.Node, inLabel bool) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "html":
				if l, _ := attr(n, "lang"); l != lang {
					probs = append(probs, "html lang="+l)
				}
			case "label":
				inLabel = true
			case "h1":
				h1++
			case "main":
				mains++
			case "input", "select", "textarea":
				typ, _ := attr(n, "type")
				if typ == "hidden" || typ == "submit" || typ == "button" {
					break
				}
				id, _ := attr(n, "id")
				_, aria := attr(n, "aria-label")
				_, ariaBy := attr(n, "aria-labelledby")
				if !inLabel && !aria && !ariaBy && !(id != "" && labelFor[id]) {
					name, _ := attr(n, "name")
					probs = append(probs, n.Data+" "+name+" has no label")
				}
			case "button":
				_, aria := attr(n, "aria-label")
				if strings.TrimSpace(text(n)) == "" && !aria {
					probs = append(probs, "button without text")
				}
			case "img":
				if _, ok := attr(n, "alt"); !ok {
					probs = append(probs, "img without alt")
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLabel)
		}
	}
	walk(doc, false)
	if h1 != 1 {
		probs = append(probs, "h1 count "+itoa(h1))
	}
	if mains != 1 {
		probs = append(probs, "main count "+itoa(mains))
	}
	return probs
}

// withLang returns a copy of c that also sends the language cookie.
func (e *env) withLang(c *http.Client, lang string) *http.Client {
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(e.srv.URL)
	if c.Jar != nil {
		jar.SetCookies(u, c.Jar.Cookies(u))
	}
	jar.SetCookies(u, []*http.Cookie{{Name: "gk_lang", Value: lang, Path: "/console"}})
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// TestPagesAccessible renders every page, in both languages, for the role
// that sees most of it, and checks lang, labels, buttons and headings.
func TestPagesAccessible(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	now := e.now
	id := e.hold(e.a, "31", "Tai nạn giao thông", "<p>Nội dung</p>", now.Add(-time.Hour), "tai nạn")
	decided := e.hold(e.a, "32", "Cháy nhà", "<p>Nội dung</p>", now.Add(-time.Hour), "cháy")
	if _, err := e.con.review.Resolve(e.ctx, e.a, decided, false, "mai", "không đăng"); err != nil {
		t.Fatal(err)
	}
	admin, csrf := e.session("admin")
	mgr, _ := e.session("lan")
	editor, ecsrf := e.session("bientap")
	recorded := url.Values{"csrf": {ecsrf}, "outlet": {e.a.ID}, "title": {"Cháy rừng ở Kon Plông"}, "text": {"Đám cháy bùng phát."},
		"link": {"https://facebook.com/dakglei/posts/31"}}
	if st, _, _ := e.post(editor, "/console/check/record", recorded); st != http.StatusOK {
		t.Fatalf("record: %d", st)
	}
	for _, lang := range []string{langVI, langEN} {
		ac, mc, anon := e.withLang(admin, lang), e.withLang(mgr, lang), e.withLang(anonymous(), lang)
		ec := e.withLang(editor, lang)
		pages := []struct {
			name   string
			c      *http.Client
			method string
			path   string
		}{
			{"login", anon, "GET", "/console/login"},
			{"holds", ac, "GET", "/console/holds"},
			{"hold", ac, "GET", "/console/outlets/" + e.a.ID + "/holds/" + id},
			{"hold decided", ac, "GET", "/console/outlets/" + e.a.ID + "/holds/" + decided},
			{"dashboard", ac, "GET", "/console/outlets/" + e.a.ID},
			{"overview", ac, "GET", "/console/overview"},
			{"audit", ac, "GET", "/console/audit"},
			{"export", ac, "GET", "/console/export"},
			{"account", ac, "GET", "/console/account"},
			{"outlets", ac, "GET", "/console/admin/outlets"},
			{"outlet", ac, "GET", "/console/admin/outlets/" + e.a.ID},
			{"users", ac, "GET", "/console/admin/users"},
			{"forbidden", mc, "GET", "/console/outlets/" + e.a.ID},
			{"not found", ac, "GET", "/console/outlets/" + e.a.ID + "/holds/khongco"},
			{"bad date", ac, "GET", "/console/audit?from=31/02/2026"},
			{"secret", ac, "POST", "/console/admin/outlets/" + e.b.ID + "/rotate"},
			{"password", ac, "POST", "/console/admin/users/victim/password"},
			{"refused outlet form", ac, "POST", "/console/admin/outlets/" + e.a.ID},
			{"check", ec, "GET", "/console/check"},
			{"check result", ec, "POST", "/console/check"},
			{"check refused", ec, "POST", "/console/check/record"},
			{"mine", ec, "GET", "/console/mine"},
			{"import", ec, "GET", "/console/import"},
			{"import refused", ec, "POST", "/console/import"},
		}
		for _, p := range pages {
			var body string
			if p.method == "GET" {
				_, _, body = e.get(p.c, p.path)
			} else {
				f := url.Values{"csrf": {csrf}, "limit": {"x"}}
				if p.c == ec {
					f = url.Values{"csrf": {ecsrf}, "outlet": {e.a.ID}, "title": {"Tai nạn giao thông"}, "text": {"Nội dung"}}
				}
				_, _, body = e.post(p.c, p.path, f)
			}
			if probs := a11yProblems(body, lang); len(probs) > 0 {
				t.Errorf("%s (%s): %v", p.name, lang, probs)
			}
			// The switch to the other language comes back here.
			other := map[string]string{langVI: "en", langEN: "vi"}[lang]
			if p.method == "GET" {
				next, err := url.QueryUnescape(html.UnescapeString(regexpFind(body, `href="/console/lang/`+other+`\?next=([^"]*)"`)))
				if err != nil || next != p.path {
					t.Errorf("%s (%s): the switch to %s comes back to %q", p.name, lang, other, next)
				}
			}
		}
	}
}

// TestLanguageSwitchPersists: Vietnamese by default; English once chosen,
// on every page, across signing out and in, until switched back.
func TestLanguageSwitchPersists(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	expect := func(path, lang, want string) {
		t.Helper()
		_, _, body := e.get(c, path)
		if !strings.Contains(body, `<html lang="`+lang+`">`) || !strings.Contains(body, want) {
			t.Fatalf("%s: want lang %s and %q: %.300s", path, lang, want, textOf(body))
		}
	}
	expect("/console/login", "vi", "Đăng nhập")
	st, loc, _ := e.get(c, "/console/lang/en?next="+url.QueryEscape("/console/login"))
	if st != http.StatusSeeOther || loc != "/console/login" {
		t.Fatalf("switch: %d %s", st, loc)
	}
	expect("/console/login", "en", "Sign in")
	if st, _, _ := e.post(c, "/console/login", url.Values{"username": {"mai"}, "password": {testPassword}}); st != http.StatusSeeOther {
		t.Fatalf("sign in: %d", st)
	}
	expect("/console/holds", "en", "Held items")
	expect("/console/overview", "en", "All outlets")
	expect("/console/audit", "en", "Audit log")
	_, _, body := e.get(c, "/console/holds")
	csrf := regexpFind(body, `name="csrf" value="([^"]+)"`)
	if st, _, _ := e.post(c, "/console/logout", url.Values{"csrf": {csrf}}); st != http.StatusSeeOther {
		t.Fatalf("sign out: %d", st)
	}
	expect("/console/login", "en", "Sign in")
	if _, loc, _ := e.get(c, "/console/lang/vi?next=/console/login"); loc != "/console/login" {
		t.Fatalf("switch back: %s", loc)
	}
	expect("/console/login", "vi", "Đăng nhập")
	// Anything but "en" is Vietnamese.
	if _, _, _ = e.get(c, "/console/lang/fr"); true {
		expect("/console/login", "vi", "Đăng nhập")
	}
}

// TestTimesInOutletZone: times are shown in the outlet's own time zone, as
// dd/mm/yyyy HH:MM in Vietnamese.
func TestTimesInOutletZone(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	at := e.now.UTC().Add(-48 * time.Hour).Truncate(time.Minute)
	utc := store.Outlet{ID: "utc", Name: "Outlet UTC", Rules: e.a.Rules, WindowDays: 30, Timezone: "UTC",
		Secrets: e.a.Secrets, CreatedAt: at, UpdatedAt: at}
	if err := e.st.CreateOutlet(e.ctx, utc); err != nil {
		t.Fatal(err)
	}
	hu := e.hold(utc, "1", "Tai nạn", "", at, "tai nạn")
	ha := e.hold(e.a, "1", "Tai nạn", "", at, "tai nạn")
	c, _ := e.session("admin")
	for _, tc := range []struct {
		path, want string
	}{
		{"/console/outlets/utc/holds/" + hu, at.Format("02/01/2006 15:04")},
		{"/console/outlets/" + e.a.ID + "/holds/" + ha, at.In(defaultLoc).Format("02/01/2006 15:04")},
	} {
		if _, _, body := e.get(c, tc.path); !strings.Contains(body, "Bị giữ lúc "+tc.want) {
			t.Errorf("%s does not show %s: %s", tc.path, tc.want, textOf(body))
		}
	}
	_, _, body := e.get(e.withLang(c, langEN), "/console/outlets/utc/holds/"+hu)
	if !strings.Contains(body, "Held at "+at.Format("02/01/2006 15:04")) {
		t.Errorf("English hold page: %s", textOf(body))
	}
	// Typed days are read as dd/mm/yyyy in the outlet's zone.
	day := at.In(defaultLoc).Format("02/01/2006")
	if _, _, body := e.get(c, "/console/audit?outlet="+e.a.ID+"&from="+url.QueryEscape(day)+"&to="+url.QueryEscape(day)); !strings.Contains(textOf(body), "Giữ lại chờ duyệt Tai nạn") {
		t.Errorf("audit filtered by %s lacks the hold: %s", day, textOf(body))
	}
	if st, _, body := e.get(c, "/console/audit?from=2026-13-45"); st != http.StatusBadRequest || !strings.Contains(body, "ngày/tháng/năm") {
		t.Errorf("bad date: %d %s", st, textOf(body))
	}
}

func regexpFind(s, re string) string {
	m := regexp.MustCompile(re).FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}

// The checker itself finds what it looks for.
func TestA11yChecker(t *testing.T) {
	for in, want := range map[string]string{
		`<html lang="vi"><main><h1>x</h1><input name=a></main></html>`:                            "input a has no label",
		`<html lang="en"><main><h1>x</h1></main></html>`:                                          "html lang=en",
		`<html lang="vi"><main><h1>x</h1><select name=s></select><button></button></main></html>`: "select s has no label",
		`<html lang="vi"><main><h1>x</h1><h1>y</h1></main></html>`:                                "h1 count 2",
	} {
		if got := strings.Join(a11yProblems(in, "vi"), "; "); !strings.Contains(got, want) {
			t.Errorf("a11yProblems(%s) = %q, want %q", in, got, want)
		}
	}
	ok := `<html lang="vi"><main><h1>x</h1><label>A<input name=a></label><label for=b>B</label><input id=b name=b>` +
		`<select aria-label="s" name=s></select><input type=hidden name=h><button>Lưu</button></main></html>`
	if got := a11yProblems(ok, "vi"); len(got) != 0 {
		t.Errorf("a11yProblems(ok) = %v", got)
	}
}
