package console

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/store"
)

// seedNeutral syncs n neutral posts that went live an hour before now, so a
// negative post fits under the limit.
func (e *env) seedNeutral(o store.Outlet, n int) {
	e.t.Helper()
	var posts []store.SyncPost
	at := e.now.Add(-time.Hour)
	for i := range n {
		posts = append(posts, store.SyncPost{ID: fmt.Sprintf("old-%d", i), PublishedAt: at, Day: store.DayKey(at, o.Location())})
	}
	if _, err := e.st.Sync(e.ctx, store.SyncInput{Outlet: o.ID, Now: e.now, Window: o.Window(), Posts: posts, Actor: "cms"}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) window(o store.Outlet) (p, n int64) {
	e.t.Helper()
	c, err := e.st.Window(e.ctx, o.ID, e.now, o.Window())
	if err != nil {
		e.t.Fatal(err)
	}
	return c.Published, c.Negative
}

// hidden reads a hidden input's value from a page.
func hidden(body, name string) string {
	m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// TestEditorChecksAndRecords: an editor checks a post (nothing recorded),
// records it under its link (counted once however often the same link is
// recorded), records a negative post after the share moved (held, and the
// page says why), sees both on "Bài của tôi", and sees the manager's
// approval there; they cannot post to another outlet nor see review pages.
func TestEditorChecksAndRecords(t *testing.T) { eachStore(t, testEditorChecksAndRecords) }

func testEditorChecksAndRecords(t *testing.T, db store.Store) {
	e := newEnv(t, db)
	e.seedNeutral(e.a, 100)
	ed, csrf := e.session("bientap")
	if st, loc, _ := e.get(ed, "/console/"); st != http.StatusSeeOther || loc != "/console/check" {
		t.Fatalf("editor's home: %d %s", st, loc)
	}
	if st, _, body := e.get(ed, "/console/check"); st != http.StatusOK || !strings.Contains(textOf(body), "Kiểm tra trước khi đăng") ||
		strings.Contains(body, `value="`+e.b.ID+`"`) {
		t.Fatalf("check page: %d %.300s", st, textOf(body))
	}
	form := func(title, text, link string) url.Values {
		return url.Values{"csrf": {csrf}, "outlet": {e.a.ID}, "title": {title}, "text": {text}, "link": {link}}
	}

	// A dry run records nothing.
	st, _, body := e.post(ed, "/console/check", form("Khánh thành cầu mới ở xã Đắk Pék", "Người dân phấn khởi.", ""))
	if st != http.StatusOK || !strings.Contains(textOf(body), "Kết quả kiểm tra (chưa ghi nhận)") || !strings.Contains(textOf(body), "cho đăng") {
		t.Fatalf("dry run: %d %.500s", st, textOf(body))
	}
	if p, _ := e.window(e.a); p != 100 {
		t.Fatalf("a dry run counted: %d posts", p)
	}

	// Posted: counted under its link; the same link (another form of it) again counts once.
	link := "https://www.facebook.com/dakglei/posts/123?fbclid=abc"
	st, _, body = e.post(ed, "/console/check/record", form("Khánh thành cầu mới ở xã Đắk Pék", "Người dân phấn khởi.", link))
	if st != http.StatusOK || !strings.Contains(textOf(body), "Đã ghi nhận bài đăng") || !strings.Contains(textOf(body), "Bài đã được tính vào số liệu") {
		t.Fatalf("record: %d %.500s", st, textOf(body))
	}
	if p, _ := e.window(e.a); p != 101 {
		t.Fatalf("after recording: %d posts, want 101", p)
	}
	st, _, body = e.post(ed, "/console/check/record", form("Khánh thành cầu mới ở xã Đắk Pék", "Người dân phấn khởi.", "facebook.com/dakglei/posts/123/"))
	if st != http.StatusOK || !strings.Contains(textOf(body), "đã được ghi nhận trước đó") {
		t.Fatalf("record again: %d %.500s", st, textOf(body))
	}
	if p, _ := e.window(e.a); p != 101 {
		t.Fatalf("the same link recorded twice: %d posts, want 101", p)
	}
	es, _ := e.st.ListAudit(e.ctx, e.a.ID, store.AuditFilter{Type: "check", Actor: "console:bientap"})
	if len(es) != 2 {
		t.Fatalf("audit checks under console:bientap: %d, want 2", len(es))
	}

	// A negative post fits at the dry run; the share moves; "Đã đăng" holds it and says why.
	neg := form("Tai nạn giao thông trên quốc lộ 14, hai người bị thương", "Vụ tai nạn xảy ra lúc 6 giờ sáng.", "https://zalo.me/dakglei/p/9")
	st, _, body = e.post(ed, "/console/check", neg)
	if st != http.StatusOK || hidden(body, "seen_decision") == "hold" || hidden(body, "seen_decision") == "" {
		t.Fatalf("negative dry run: %d seen %q %.400s", st, hidden(body, "seen_decision"), textOf(body))
	}
	if !strings.Contains(body, `<mark class="m-neg">`) && !strings.Contains(body, "<mark") {
		t.Errorf("the evidence is not highlighted: %.600s", body)
	}
	for _, k := range []string{"seen_decision", "seen_after", "seen_digest"} {
		neg.Set(k, hidden(body, k))
	}
	e.pushOver(e.a, e.now)
	st, _, body = e.post(ed, "/console/check/record", neg)
	if st != http.StatusOK || !strings.Contains(textOf(body), "Tỉ lệ đã thay đổi kể từ lúc kiểm tra") || !strings.Contains(textOf(body), "giữ lại") {
		t.Fatalf("record after the share moved: %d %.600s", st, textOf(body))
	}
	holdURL := regexp.MustCompile(`href="(/console/outlets/[^"]+/holds/[^"]+)"`).FindStringSubmatch(body)
	if holdURL == nil {
		t.Fatalf("no link to the hold: %.600s", textOf(body))
	}
	if st, _, _ := e.get(ed, holdURL[1]); st != http.StatusOK {
		t.Fatalf("the editor's own hold: %d", st)
	}
	holdID := holdURL[1][strings.LastIndex(holdURL[1], "/")+1:]
	if h, err := e.st.GetHold(e.ctx, e.a.ID, holdID); err != nil || h.Status != store.HoldPending {
		t.Fatalf("hold %s: %+v %v", holdID, h, err)
	}

	// Bài của tôi: both posts and their state.
	_, _, body = e.get(ed, "/console/mine")
	txt := textOf(body)
	for _, want := range []string{"Khánh thành cầu mới ở xã Đắk Pék", "đã tính", "Tai nạn giao thông trên quốc lộ 14", "chờ duyệt"} {
		if !strings.Contains(txt, want) {
			t.Errorf("my posts lack %q: %s", want, txt)
		}
	}
	if strings.Count(txt, "Khánh thành cầu mới") != 1 {
		t.Errorf("the post recorded twice is listed %d times", strings.Count(txt, "Khánh thành cầu mới"))
	}

	// The manager approves; the editor sees "đã duyệt" and a notice.
	mgr, mcsrf := e.session("mai")
	if st, _, body := e.post(mgr, holdURL[1]+"/approve", url.Values{"csrf": {mcsrf}, "note": {"Tin an toàn giao thông, cần đăng"}, "when": {"now"}}); st != http.StatusSeeOther {
		t.Fatalf("approve: %d %.300s", st, textOf(body))
	}
	_, _, body = e.get(ed, "/console/mine")
	if txt := textOf(body); !strings.Contains(txt, "đã duyệt") || !strings.Contains(txt, "đã được duyệt bởi mai") ||
		!strings.Contains(txt, "Tin an toàn giao thông, cần đăng") {
		t.Fatalf("my posts after the approval: %s", txt)
	}
	if _, _, body := e.get(ed, "/console/check"); !strings.Contains(textOf(body), "đã được duyệt bởi mai") {
		t.Errorf("the check page shows no notice of the approval")
	}
	// Everything is in the audit under the editor's name.
	if _, _, body := e.get(mgr, "/console/audit?outlet="+e.a.ID); !strings.Contains(textOf(body), "Ghi nhận bài đã đăng") ||
		!strings.Contains(textOf(body), "bientap (bảng điều khiển)") || !strings.Contains(textOf(body), "Bài “Khánh thành cầu mới ở xã Đắk Pék”.") {
		t.Errorf("the audit log: %.1500s", textOf(body))
	}
	if _, _, body := e.get(mgr, "/console/check"); strings.Contains(textOf(body), "đã được duyệt bởi") {
		t.Errorf("the manager is shown the editor's notice")
	}

	// Not another outlet, not the review pages, not another's hold.
	p0, n0 := e.window(e.b)
	other := form("Khánh thành trường học", "", "https://facebook.com/kontum/posts/1")
	other.Set("outlet", e.b.ID)
	for _, path := range []string{"/console/check", "/console/check/record"} {
		if st, _, _ := e.post(ed, path, other); st != http.StatusForbidden {
			t.Errorf("editor of A posts to B via %s: %d", path, st)
		}
	}
	if p, n := e.window(e.b); p != p0 || n != n0 {
		t.Errorf("a refused record changed B: %d/%d → %d/%d", n0, p0, n, p)
	}
	cmsHold := e.hold(e.a, "cms-1", "Cháy rừng", "", e.now.Add(-time.Minute), "cháy rừng")
	for _, path := range []string{"/console/holds", "/console/overview", "/console/audit", "/console/outlets/" + e.a.ID,
		"/console/outlets/" + e.a.ID + "/holds/" + cmsHold} {
		if st, _, _ := e.get(ed, path); st != http.StatusForbidden {
			t.Errorf("editor GET %s: %d, want 403", path, st)
		}
	}

	// A week later the notice is gone; the state stays.
	e.con.cfg.Clock = clock.Fixed(e.now.Add(noticePeriod + time.Minute))
	later, _ := e.session("bientap")
	_, _, body = e.get(later, "/console/mine")
	if txt := textOf(body); strings.Contains(txt, "đã được duyệt bởi mai") || !strings.Contains(txt, "đã duyệt") {
		t.Errorf("my posts a week after the approval: %s", txt)
	}
	e.con.cfg.Clock = clock.Fixed(e.now)
}

// TestCheckFormHostileInput: every field of the check form takes scripts,
// control characters, NFD Vietnamese and oversize text; the page shows them
// as text, refuses what is too long in words, and never fails.
func TestCheckFormHostileInput(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	ed, csrf := e.session("bientap")
	script := `<script>document.title="pwned"</script><img src=x onerror=alert(1)>`
	nfd := norm.NFD.String("Tai nạn giao thông nghiêm trọng")
	ctl := "Bài\x00có\x07ký\x1btự\u2028điều khiển"
	for _, tc := range []struct {
		name, field, value string
		status             int
		want               string
	}{
		{"script title", "title", script, 200, "&lt;script&gt;"},
		{"script text", "text", script, 200, "&lt;script&gt;"},
		{"script caption", "caption", script, 200, "&lt;script&gt;"},
		{"script id", "id", script, 400, "mã bài chỉ gồm"},
		{"script link", "link", "javascript:alert(1)", 400, "http://"},
		{"nfd title", "title", nfd, 200, "tiêu cực"},
		{"control title", "title", ctl, 200, "Bàicókýtựđiều khiển"},
		{"control link", "link", "https://facebook.com/a\x00b", 400, "ký tự điều khiển"},
		{"huge title", "title", strings.Repeat("Tai nạn ", 100), 400, "Tiêu đề dài quá 500 ký tự"},
		{"huge text", "text", strings.Repeat("ă", maxTextLen+1), 400, "Nội dung dài quá 50000 ký tự"},
		{"huge link", "link", "https://facebook.com/" + strings.Repeat("a", 3000), 400, "2048"},
	} {
		for _, path := range []string{"/console/check", "/console/check/record"} {
			f := url.Values{"csrf": {csrf}, "outlet": {e.a.ID}, "title": {"Tin thường"}, "link": {"https://facebook.com/p/1"}}
			f.Set(tc.field, tc.value)
			st, _, body := e.post(ed, path, f)
			if st != tc.status || !strings.Contains(body, tc.want) {
				t.Errorf("%s → %s: %d, want %d with %q: %.400s", tc.name, path, st, tc.status, tc.want, textOf(body))
			}
			main := body[strings.Index(body, "<main>"):]
			if strings.Contains(main, "<script") || strings.Contains(main, "<img") || strings.ContainsAny(main, "\x00\x07\x1b") {
				t.Errorf("%s → %s: raw markup or control characters in the page", tc.name, path)
			}
		}
	}
	en := e.withLang(ed, langEN)
	if st, _, body := e.post(en, "/console/check", url.Values{"csrf": {csrf}, "outlet": {e.a.ID}, "title": {""}}); st != 400 ||
		!strings.Contains(html.UnescapeString(textOf(body)), "The post's title or text is required.") {
		t.Errorf("empty form in English: %d %.300s", st, textOf(body))
	}
}

// TestFormTooLarge: a form over the limit is refused with the limit in
// words, in both languages, and records nothing.
func TestFormTooLarge(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	ed, csrf := e.session("bientap")
	big := url.Values{"csrf": {csrf}, "outlet": {e.a.ID}, "title": {"Tin"}, "link": {"https://facebook.com/p/1"},
		"text": {strings.Repeat("tai nạn ", maxFormBytes/8)}}
	st, _, body := e.post(ed, "/console/check/record", big)
	if st != http.StatusRequestEntityTooLarge || !strings.Contains(textOf(body), "Dữ liệu gửi lên quá lớn (tối đa 2 MB)") {
		t.Fatalf("a 2 MB form: %d %.300s", st, textOf(body))
	}
	st, _, body = e.post(e.withLang(ed, langEN), "/console/check", big)
	if st != http.StatusRequestEntityTooLarge || !strings.Contains(textOf(body), "too large (at most 2 MB)") {
		t.Fatalf("a 2 MB form in English: %d %.300s", st, textOf(body))
	}
	if p, _ := e.window(e.a); p != 0 {
		t.Fatalf("a refused form counted %d posts", p)
	}
}

// TestTextOnlyPost: a social post has no title; its text's first line is
// read as one (posting.Headline) on the result, the hold and "Bài của tôi".
func TestTextOnlyPost(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	ed, csrf := e.session("bientap")
	f := url.Values{"csrf": {csrf}, "outlet": {e.a.ID}, "text": {"Cháy rừng ở xã Đắk Man\n\nLực lượng chức năng đang khống chế đám cháy."},
		"link": {"https://facebook.com/dakglei/posts/55"}}
	st, _, body := e.post(ed, "/console/check/record", f)
	if st != http.StatusOK || !strings.Contains(body, `<h3 class="post-title">`) || !strings.Contains(textOf(body), "giữ lại") {
		t.Fatalf("record a text-only post: %d %.500s", st, textOf(body))
	}
	holds, _ := e.st.ListHolds(e.ctx, e.a.ID, store.HoldFilter{})
	if len(holds) != 1 || decodeSnapshot(holds[0].Snapshot).Post.Title != "Cháy rừng ở xã Đắk Man" {
		t.Fatalf("the hold's title: %+v", holds)
	}
	if _, _, body := e.get(ed, "/console/mine"); !strings.Contains(textOf(body), "Cháy rừng ở xã Đắk Man") {
		t.Fatalf("my posts: %.500s", textOf(body))
	}
}

// TestEditorSeesRejection: a held post the manager rejects shows as
// rejected on "Bài của tôi", with the reviewer's note in the notice, in
// both languages.
func TestEditorSeesRejection(t *testing.T) {
	e := newEnv(t, openRedis(t))
	ed, csrf := e.session("bientap")
	st, _, body := e.post(ed, "/console/check/record", url.Values{"csrf": {csrf}, "outlet": {e.a.ID},
		"title": {"Cháy nhà ở thị trấn, thiệt hại lớn"}, "link": {"https://zalo.me/dakglei/p/5"}})
	m := regexp.MustCompile(`href="(/console/outlets/[^"]+/holds/[^"]+)"`).FindStringSubmatch(body)
	if st != http.StatusOK || m == nil {
		t.Fatalf("record: %d %.400s", st, textOf(body))
	}
	mgr, mcsrf := e.session("mai")
	if st, _, _ := e.post(mgr, m[1]+"/reject", url.Values{"csrf": {mcsrf}, "note": {"Chờ số liệu thiệt hại chính thức"}}); st != http.StatusSeeOther {
		t.Fatalf("reject: %d", st)
	}
	_, _, body = e.get(ed, "/console/mine")
	if txt := textOf(body); !strings.Contains(txt, "bị từ chối") || !strings.Contains(txt, "đã bị mai từ chối") ||
		!strings.Contains(txt, "Chờ số liệu thiệt hại chính thức") {
		t.Fatalf("my posts after the rejection: %s", txt)
	}
	_, _, body = e.get(e.withLang(ed, langEN), "/console/mine")
	if txt := textOf(body); !strings.Contains(txt, "rejected") || !strings.Contains(txt, "was rejected by mai") {
		t.Fatalf("my posts in English: %s", txt)
	}
}

// TestLinkWithoutScheme: a link typed without "https://" is recorded as
// typed, and every page points to it as an address (posting.Href), never
// as a path of the console.
func TestLinkWithoutScheme(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	ed, csrf := e.session("bientap")
	st, _, body := e.post(ed, "/console/check/record", url.Values{"csrf": {csrf}, "outlet": {e.a.ID},
		"title": {"Cháy nhà ở thị trấn, thiệt hại lớn"}, "link": {"facebook.com/dakglei/posts/56"}})
	m := regexp.MustCompile(`href="(/console/outlets/[^"]+/holds/[^"]+)"`).FindStringSubmatch(body)
	if st != http.StatusOK || m == nil {
		t.Fatalf("record: %d %.400s", st, textOf(body))
	}
	for _, page := range []string{"/console/mine", m[1]} {
		_, _, body := e.get(ed, page)
		if !strings.Contains(body, `href="https://facebook.com/dakglei/posts/56"`) || strings.Contains(body, `href="facebook.com`) {
			t.Errorf("%s: the link is not an address: %.2000s", page, body)
		}
	}
}

// TestDryRunIsANewPost: a dry run without a link or id is read as a new
// post whatever ids the outlet has counted (an editor may record a post
// under any valid id): its share before is the window's share now.
func TestDryRunIsANewPost(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	e.seedNeutral(e.a, 20)
	ed, csrf := e.session("bientap")
	neg := func(id string) url.Values {
		return url.Values{"csrf": {csrf}, "outlet": {e.a.ID}, "title": {"Tai nạn giao thông trên quốc lộ 14, hai người bị thương"}, "id": {id}}
	}
	// Ids a fixed dry-run id could have been.
	for _, id := range []string{"console-dry-run", "dry-run", "draft"} {
		if st, _, body := e.post(ed, "/console/check/record", neg(id)); st != http.StatusOK {
			t.Fatalf("record %s: %d %.300s", id, st, textOf(body))
		}
	}
	p, n := e.window(e.a)
	now := strings.ReplaceAll(fmt.Sprintf("%.2f%%", 100*float64(n)/float64(p)), ".", ",")
	st, _, body := e.post(ed, "/console/check", neg(""))
	m := regexp.MustCompile(`([0-9,]+%) → <strong>([0-9,]+%)</strong>`).FindStringSubmatch(body)
	if st != http.StatusOK || m == nil || m[1] != now || m[1] == m[2] {
		t.Fatalf("dry run: %d share %v, want %s before: %.600s", st, m, now, textOf(body))
	}
}
