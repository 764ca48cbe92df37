package console

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"gatekeeper/internal/gate"
	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport"
	"gatekeeper/policy"
)

// seedHistory backfills an outlet's last days before e.now: perDay posts a
// day, a share negShare (in 1/1000) of them negative, one sync per day.
func (e *env) seedHistory(o store.Outlet, days, perDay int, negShare int, rng *rand.Rand) {
	e.t.Helper()
	now := e.now
	loc := o.Location()
	y, m, d := now.In(loc).Date()
	for i := days; i >= 1; i-- {
		day := time.Date(y, m, d-i, 7, 0, 0, 0, loc)
		n := perDay/2 + rng.IntN(perDay+1)
		var posts []store.SyncPost
		for j := 0; j < n; j++ {
			at := day.Add(time.Duration(j*50+rng.IntN(40)) * time.Minute)
			neg := rng.IntN(1000) < negShare
			// About half the others positive, so the positive share shows (no draw from rng).
			pos := !neg && (i+j)%2 == 0
			posts = append(posts, store.SyncPost{ID: fmt.Sprintf("s%d-%d", i, j), Negative: neg, Positive: pos, PublishedAt: at, Day: store.DayKey(at, loc)})
		}
		if _, err := e.st.Sync(e.ctx, store.SyncInput{Outlet: o.ID, Now: day.Add(20 * time.Hour), Window: o.Window(), Posts: posts, Actor: "cms"}); err != nil {
			e.t.Fatalf("sync: %v", err)
		}
	}
}

// pushOver syncs negative posts published an hour before now until one more
// negative post checked at now would take the outlet past its limit. The
// window of an earlier instant holds other posts than the window of a later
// one, so a fixture that holds posts at several instants pushes over at each.
func (e *env) pushOver(o store.Outlet, now time.Time) {
	e.t.Helper()
	for i := 0; ; i++ {
		c, err := e.st.Window(e.ctx, o.ID, now, o.Window())
		if err != nil {
			e.t.Fatal(err)
		}
		if policy.SituationAt(o.Rules, policy.NotCounted, c).OverLimit {
			return
		}
		at := now.Add(-time.Hour - time.Duration(i)*time.Minute)
		if _, err := e.st.Sync(e.ctx, store.SyncInput{Outlet: o.ID, Now: now, Window: o.Window(), Actor: "cms",
			Posts: []store.SyncPost{{ID: fmt.Sprintf("push%d-%d", now.UnixMilli(), i), Negative: true, PublishedAt: at, Day: store.DayKey(at, o.Location())}}}); err != nil {
			e.t.Fatal(err)
		}
	}
}

// TestBrowserPages renders every main page in Chromium with realistic data
// and checks none breaks the Content-Security-Policy or throws. With
// GATEKEEPER_SCREENSHOTS=1 it also writes PNG screenshots to docs/console/.
func TestBrowserPages(t *testing.T) {
	now := testsupport.Now(t, time.Date(2026, 12, 5, 16, 37, 0, 0, time.FixedZone("ICT", 7*3600)))
	e := newEnvAt(t, openSQLite(t), now)
	ctx := newBrowser(t)
	base := e.srv.URL
	rng := rand.New(rand.NewPCG(4, 2))
	c3 := store.Outlet{ID: "ngochoi", Name: "Trang tin huyện Ngọc Hồi", Rules: policy.DefaultRules(), WindowDays: 30,
		Timezone: "Asia/Ho_Chi_Minh", Secrets: e.a.Secrets, CreatedAt: now, UpdatedAt: now}
	if err := e.st.CreateOutlet(e.ctx, c3); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	defer func() { t.Logf("TestBrowserPages: %v", time.Since(start)) }()
	e.seedHistory(e.a, 100, 8, 135, rng)
	e.seedHistory(e.b, 100, 12, 70, rng)
	e.seedHistory(c3, 100, 5, 190, rng)
	e.pushOver(e.a, now)
	e.pushOver(c3, now)
	t.Logf("seeded in %v", time.Since(start))
	// heldAt holds a negative post checked at at: the outlet is pushed
	// over its limit as seen from that instant first.
	heldAt := func(o store.Outlet, postID, title, content string, at time.Time, evidence ...string) string {
		t.Helper()
		e.pushOver(o, at)
		return e.hold(o, postID, title, content, at, evidence...)
	}
	holds := []struct {
		id, title, content string
		ev                 []string
		ago                time.Duration
	}{
		{"4217", "Tai nạn giao thông nghiêm trọng trên quốc lộ 14 qua xã Đắk Pék",
			"<p>Khoảng 6 giờ sáng nay, trên quốc lộ 14 đoạn qua xã Đắk Pék đã xảy ra vụ <b>tai nạn giao thông</b> giữa xe tải và xe máy.</p><p>Lực lượng chức năng đang điều tra nguyên nhân; người bị thương đã được đưa đi cấp cứu.</p>",
			[]string{"tai nạn giao thông", "bị thương"}, 26 * time.Hour},
		{"4219", "Cảnh báo lừa đảo qua mạng mạo danh cơ quan thuế",
			"<p>Nhiều người dân nhận được tin nhắn <i>mạo danh</i> cơ quan thuế yêu cầu chuyển tiền.</p>",
			[]string{"lừa đảo", "mạo danh"}, 3 * time.Hour},
		{"4220", "Sạt lở đất sau mưa lớn, một số tuyến đường bị chia cắt",
			"<p>Mưa lớn kéo dài gây <b>sạt lở</b> tại nhiều điểm.</p>", []string{"sạt lở", "chia cắt"}, 40 * time.Minute},
	}
	var first string
	for _, h := range holds {
		id := heldAt(e.a, h.id, h.title, h.content, now.Add(-h.ago), h.ev...)
		if first == "" {
			first = id
		}
	}
	// A question headline: sensational words in the title, a cue label.
	qsnap, _ := json.Marshal(gate.Snapshot{
		Post: gate.Post{ID: "4221", Title: "Vì sao tai nạn liên tiếp xảy ra trên đèo Lò Xo?", Author: "phongvien.binh",
			Content:    "<p>Chỉ trong tháng này, đèo Lò Xo đã xảy ra ba vụ <b>tai nạn</b> khiến hai người bị thương.</p><p>Cơ quan chức năng đang khảo sát để bổ sung biển báo.</p>",
			Categories: []string{"Giao thông"}, URL: "https://dakglei.example.vn/?p=4221"},
		Classification: policy.Classification{Language: "vi",
			Tone: policy.ToneResult{Label: policy.Negative, Score: 0.88, Evidence: []policy.Evidence{
				{Text: "tai nạn", Field: "title", Weight: 2}, {Text: "bị thương", Field: "content", Weight: 1}}},
			Sensational: policy.SensationalResult{Flagged: true, Score: 0.71, Evidence: []policy.Evidence{
				{Text: "vì sao", Field: "title", Weight: 0.6}, {Text: "#question", Field: "title", Weight: 0.4}}}},
		Rules: policy.DefaultRules(), Subject: policy.Subject{Negative: true}, WindowDays: 30,
	})
	e.pushOver(e.a, now.Add(-2*time.Hour))
	question := e.check(e.a, "4221", true, now.Add(-2*time.Hour), qsnap).HoldID
	if question == "" {
		t.Fatal("question headline not held")
	}
	heldAt(c3, "77", "Xử lý nghiêm vi phạm khai thác cát trái phép", "<p>…</p>", now.Add(-50*time.Hour), "vi phạm", "trái phép")
	// One decided item with a delivered callback, one failed callback.
	dec := heldAt(e.a, "4100", "Khởi tố vụ án tham nhũng tại ban quản lý dự án", "<p>…</p>", now.Add(-30*time.Hour), "khởi tố", "tham nhũng")
	if _, err := e.con.review.Resolve(e.ctx, e.a, dec, true, "mai", "Thông tin chính thức từ cơ quan điều tra, cần đăng"); err != nil {
		t.Fatal(err)
	}
	e.worker.RunOnce(e.ctx)

	shots := os.Getenv("GATEKEEPER_SCREENSHOTS") == "1"
	shoot := func(name string) {
		t.Helper()
		noProblems(t, ctx, name)
		if !shots {
			return
		}
		shot := chromedp.FullScreenshot(100)
		if name == "audit" || name == "import" {
			shot = chromedp.CaptureScreenshot() // the viewport only: the log and the preview are long
		}
		png := run(t, ctx, "screenshot "+name, shot)
		if err := os.MkdirAll(screenshotDir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(screenshotDir, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	do(t, ctx, "login page", chromedp.Navigate(base+"/console/login"), chromedp.WaitVisible(chromedp.CSS(`form`)))
	shoot("login")
	login(t, ctx, base, "mai", testPassword)
	pages := []struct{ name, path, wait, want string }{
		{"holds", "/console/holds", "table.holds", "Tai nạn giao thông nghiêm trọng"},
		{"hold", "/console/outlets/" + e.a.ID + "/holds/" + question, "#approve", "Tiêu đề dạng câu hỏi"},
		{"hold-content", "/console/outlets/" + e.a.ID + "/holds/" + first, "#approve", "Khoảng 6 giờ sáng nay"},
		{"dashboard", "/console/outlets/" + e.a.ID, "svg.chart", "hold.approved"},
		{"audit", "/console/audit?outlet=" + e.a.ID, "table.audit", "Duyệt đăng"},
		{"export", "/console/export", "form", "CSV"},
	}
	for _, p := range pages {
		do(t, ctx, p.name, chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
		if txt := bodyText(t, ctx); !strings.Contains(txt, p.want) {
			t.Errorf("%s lacks %q", p.name, p.want)
		}
		if p.name == "hold" {
			marks := run(t, ctx, "marks", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("h1.post-title mark")).map(function (m) { return m.className + ":" + m.textContent; })`))
			if strings.Join(marks, "|") != "m-sens:Vì sao|m-tone:tai nạn" {
				t.Errorf("title marks %v", marks)
			}
		}
		if p.name == "export" {
			from := run(t, ctx, "from", chromedp.Evaluate[string](`document.querySelector("input[name=from]").value`))
			if _, err := time.Parse("02/01/2006", from); err != nil {
				t.Errorf("export's from field shows %q, want dd/mm/yyyy", from)
			}
		}
		if p.name == "dashboard" {
			// A bar per day for 90 days, the limit line, the window share line.
			if n := run(t, ctx, "bars", chromedp.Evaluate[int](`document.querySelectorAll("svg.chart rect.bar-pub").length`)); n != chartDays {
				t.Errorf("chart has %d days, want %d", n, chartDays)
			}
			if n := run(t, ctx, "lines", chromedp.Evaluate[int](`document.querySelectorAll("svg.chart line.limit-line, svg.chart polyline.share-line").length`)); n != 2 {
				t.Errorf("chart has %d of the limit and share lines, want 2", n)
			}
		}
		if p.name != "hold-content" {
			shoot(p.name)
		} else {
			noProblems(t, ctx, p.name)
		}
	}
	logout(t, ctx)
	login(t, ctx, base, "kiemtra", testPassword)
	do(t, ctx, "overview", chromedp.Navigate(base+"/console/overview"), chromedp.WaitVisible(chromedp.CSS(`table.overview`)))
	rows := run(t, ctx, "rows", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("table.overview tbody tr td:first-child")).map(function (x) { return x.textContent.trim(); })`))
	if len(rows) != 3 {
		t.Fatalf("overview rows %v", rows)
	}
	shoot("overview")
	// English, by the switch in the header; it stays on other pages.
	do(t, ctx, "english", chromedp.Click(chromedp.CSS(`a.lang`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] table.overview`)))
	if txt := bodyText(t, ctx); !strings.Contains(txt, "All outlets") || !strings.Contains(txt, "Current share") {
		t.Errorf("English overview: %s", txt)
	}
	do(t, ctx, "english audit", chromedp.Navigate(base+"/console/audit"), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] form.filters`)))
	if txt := bodyText(t, ctx); !strings.Contains(txt, "Dates as day/month/year") {
		t.Errorf("English audit page: %s", txt)
	}
	do(t, ctx, "vietnamese", chromedp.Click(chromedp.CSS(`a.lang`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="vi"] form.filters`)))
	logout(t, ctx)
	login(t, ctx, base, "admin", testPassword)
	do(t, ctx, "users", chromedp.Navigate(base+"/console/admin/users"), chromedp.WaitVisible(chromedp.CSS(`table.users`)))
	shoot("users")
	do(t, ctx, "outlets", chromedp.Navigate(base+"/console/admin/outlets"), chromedp.WaitVisible(chromedp.CSS(`form.grid-form`)))
	shoot("outlets")
	// The policy form: a category line added, a bad limit refused under
	// its field, then saved.
	do(t, ctx, "outlet", chromedp.Navigate(base+"/console/admin/outlets/"+e.a.ID), chromedp.WaitVisible(chromedp.CSS(`form.outlet-form`)),
		chromedp.SetValue(chromedp.CSS(`input[name="limit"]`), "abc"),
		chromedp.SendKeys(chromedp.CSS(`table.cats tbody tr:first-child input[name="cat_name"]`), "Pháp luật"),
		chromedp.SetValue(chromedp.CSS(`table.cats tbody tr:first-child select`), "negative"),
		chromedp.SendKeys(chromedp.CSS(`table.cats tbody tr:nth-child(2) input[name="cat_name"]`), "Gương người tốt"),
		chromedp.SetValue(chromedp.CSS(`table.cats tbody tr:nth-child(2) select`), "positive"),
		chromedp.Click(chromedp.CSS(`form.outlet-form button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`#err-limit`)),
	)
	if msg := run(t, ctx, "limit error", chromedp.Text(chromedp.CSS(`#err-limit`))); !strings.Contains(msg, "Nhập phần trăm") {
		t.Errorf("limit error %q", msg)
	}
	do(t, ctx, "outlet save",
		chromedp.SetValue(chromedp.CSS(`input[name="limit"]`), "15"),
		chromedp.Click(chromedp.CSS(`form.outlet-form button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	)
	if o, _ := e.st.GetOutlet(e.ctx, e.a.ID); o.CategoryTones["pháp luật"] != policy.Negative || o.CategoryTones["gương người tốt"] != policy.Positive {
		t.Errorf("categories after the browser saved them: %v", o.CategoryTones)
	}
	shoot("outlet")
	logout(t, ctx)

	// The editor's pages: a post recorded and counted, one held after its
	// check, and a negative post checked (nothing recorded).
	login(t, ctx, base, "bientap", testPassword)
	post := func(title, text, link, button string) {
		t.Helper()
		do(t, ctx, "check "+title, chromedp.Navigate(base+"/console/check"), chromedp.WaitVisible(chromedp.CSS(`#check-form`)),
			chromedp.SendKeys(chromedp.CSS(`input[name="title"]`), title),
			chromedp.SendKeys(chromedp.CSS(`textarea[name="text"]`), text),
			chromedp.SendKeys(chromedp.CSS(`input[name="link"]`), link),
			chromedp.Click(chromedp.CSS(button)),
			chromedp.WaitVisible(chromedp.CSS(`#result`)))
	}
	post("Khánh thành cầu treo Đắk Pék, người dân đi lại thuận tiện", "Sáng nay, UBND huyện đã khánh thành cầu treo.", "https://www.facebook.com/dakglei/posts/9001", "#record")
	post("Cháy rừng ở xã Đắk Man, lực lượng chức năng đang khống chế", "Đám cháy bùng phát lúc 14 giờ.", "https://www.facebook.com/dakglei/posts/9002", "#record")
	do(t, ctx, "mine", chromedp.Navigate(base+"/console/mine"), chromedp.WaitVisible(chromedp.CSS(`table.mine`)))
	if txt := bodyText(t, ctx); !strings.Contains(txt, "đã tính") || !strings.Contains(txt, "chờ duyệt") {
		t.Errorf("my posts: %s", txt)
	}
	shoot("mine")
	post("Tai nạn giao thông trên quốc lộ 14, hai người bị thương", "Vụ tai nạn xảy ra lúc 6 giờ sáng giữa xe tải và xe máy.", "https://zalo.me/dakglei/p/77", "#check")
	if txt := bodyText(t, ctx); !strings.Contains(txt, "giữ lại") || !strings.Contains(txt, "Tỉ lệ tin tích cực trước → sau") {
		t.Errorf("check result: %s", txt)
	}
	shoot("check")
	history := filepath.Join(t.TempDir(), "lich-su-trang.csv")
	csv := string(historyCSV(now, 120)) + now.In(e.a.Location()).Format("02/01/2006") + " 25:00,Bài giờ sai,,https://www.facebook.com/xa.dakpek/posts/1,\n"
	if err := os.WriteFile(history, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "import", chromedp.Navigate(base+"/console/import"), chromedp.WaitVisible(chromedp.CSS(`form.import-form`)),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name="file"]`), []string{history}),
		chromedp.Click(chromedp.CSS(`#preview`)), chromedp.WaitVisible(chromedp.CSS(`#preview-result`)))
	if txt := bodyText(t, ctx); !strings.Contains(txt, "dòng 122") {
		t.Errorf("import preview: %.500s", txt)
	}
	shoot("import")

	// Another site cannot frame the console (clickjacking): Chromium
	// refuses to render it in the frame.
	framer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><iframe id="f" src="%s/console/admin/outlets"></iframe>`, base)
	}))
	defer framer.Close()
	do(t, ctx, "framing page", chromedp.Navigate(framer.URL), chromedp.WaitReady(chromedp.CSS(`#f`)))
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := chromedp.Call(ctx, cdppage.GetFrameTree, cdp.Empty{})
		if err != nil {
			t.Fatalf("frame tree: %v", err)
		}
		tree := res.FrameTree
		if len(tree.ChildFrames) == 1 {
			f := tree.ChildFrames[0].Frame
			if strings.HasPrefix(f.URL, "chrome-error:") || f.UnreachableURL != "" {
				break
			}
			if strings.HasPrefix(f.URL, base) && time.Now().After(deadline) {
				t.Fatalf("the console rendered inside another site's frame: %+v", f)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("frame never settled: %+v", tree)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
