package console

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"gatekeeper/internal/report"
	"gatekeeper/internal/report/reporttest"
	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport"
)

// reportFixture publishes a few posts in both outlets in the month before
// the pinned instant and returns that month ("2026-11").
func reportFixture(t *testing.T, e *env) string {
	t.Helper()
	now := testsupport.Now(t, time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC))
	first := time.Date(now.In(defaultLoc).Year(), now.In(defaultLoc).Month()-1, 3, 9, 0, 0, 0, defaultLoc)
	for i := range 10 {
		at := first.Add(time.Duration(i) * 20 * time.Hour)
		e.check(e.a, "a"+itoa(i), i%4 == 0, at, nil)
		e.check(e.b, "b"+itoa(i), i%3 == 0, at.Add(time.Minute), nil)
	}
	return first.Format("2006-01")
}

// Auditors and admins report on every outlet, managers on theirs only; an
// outlet a manager does not manage is refused on the page and the downloads.
func TestReportsAuthorization(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	month := reportFixture(t, e)
	for _, tc := range []struct {
		user    string
		outlets []string
	}{
		{"admin", []string{e.a.ID, e.b.ID}},
		{"kiemtra", []string{e.a.ID, e.b.ID}},
		{"mai", []string{e.a.ID}},
		{"lan", []string{e.b.ID}},
	} {
		c, _ := e.session(tc.user)
		status, _, body := e.get(c, "/console/reports?period="+month)
		if status != http.StatusOK {
			t.Fatalf("%s: reports page %d", tc.user, status)
		}
		for _, o := range []store.Outlet{e.a, e.b} {
			want := strings.Contains(strings.Join(tc.outlets, " "), o.ID)
			if got := strings.Contains(body, `data-outlet="`+o.ID+`"`); got != want {
				t.Errorf("%s: row of %s shown %v, want %v", tc.user, o.ID, got, want)
			}
		}
		status, _, body = e.get(c, "/console/reports/download/json?period="+month)
		var r report.Report
		if status != http.StatusOK || json.Unmarshal([]byte(body), &r) != nil {
			t.Fatalf("%s: json download %d %.200s", tc.user, status, body)
		}
		var got []string
		for _, o := range r.Outlets {
			got = append(got, o.Outlet)
		}
		if strings.Join(got, " ") != strings.Join(tc.outlets, " ") {
			t.Errorf("%s: the download reports on %v, want %v", tc.user, got, tc.outlets)
		}
		status, _, body = e.get(c, "/console/reports/download/csv?table=summary&period="+month)
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
		if status != http.StatusOK || err != nil || recs[0][0] != "Mã đơn vị" || len(recs) != 1+len(tc.outlets)+boolInt(len(tc.outlets) > 1) {
			t.Errorf("%s: csv download %d %v %q", tc.user, status, err, recs)
		}
	}
	// The other outlet, asked for by name.
	mai, _ := e.session("mai")
	for _, path := range []string{
		"/console/reports?outlet=" + e.b.ID,
		"/console/reports/download/json?outlet=" + e.b.ID + "&period=" + month,
		"/console/reports/download/csv?outlet=" + e.b.ID + "&period=" + month,
	} {
		if status, _, body := e.get(mai, path); status != http.StatusForbidden || strings.Contains(body, e.b.Name) && !strings.Contains(body, "<option") {
			t.Errorf("mai: %s answered %d", path, status)
		}
	}
	if status, loc, _ := e.get(anonymous(), "/console/reports"); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/console/login") {
		t.Errorf("anonymous: %d %s", status, loc)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The page's figures are the report's; a wrong period is explained in the
// user's language.
func TestReportsPage(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	month := reportFixture(t, e)
	c, _ := e.session("kiemtra")
	status, _, body := e.get(c, "/console/reports?outlet="+e.a.ID+"&period="+month)
	if status != http.StatusOK {
		t.Fatalf("page %d", status)
	}
	text := textOf(body)
	_, _, js := e.get(c, "/console/reports/download/json?outlet="+e.a.ID+"&period="+month)
	var r report.Report
	if err := json.Unmarshal([]byte(js), &r); err != nil || len(r.Outlets) != 1 || r.Outlets[0].Published == 0 {
		t.Fatalf("json: %v %.300s", err, js)
	}
	o := r.Outlets[0]
	for _, want := range []string{"Báo cáo tình hình đăng tin", "Tải về", "PDF", "XLSX", "Theo ngày: số tin đăng"} {
		if !strings.Contains(text, want) {
			t.Errorf("page does not say %q", want)
		}
	}
	row := `<td class="num">` + itoa(int(o.Published)) + `</td><td class="num">` + itoa(int(o.Negative)) + `</td>`
	if !strings.Contains(body, row) {
		t.Errorf("dakglei's row does not show %d published, %d negative:\n%s", o.Published, o.Negative, text)
	}
	if o.Holds.Pending == 0 || !strings.Contains(text, "0 / 0 / "+itoa(int(o.Holds.Pending))) {
		t.Errorf("the holds waiting (%d) are not shown", o.Holds.Pending)
	}
	if !strings.Contains(body, `/console/reports/download/pdf?outlet=dakglei&amp;period=`+month) {
		t.Errorf("no PDF download link for the chosen period")
	}
	for _, tc := range []struct {
		query, lang, want string
	}{
		{"period=2026-13", "vi", "Kỳ báo cáo không hợp lệ"},
		{"period=2026-13", "en", "Invalid period"},
		{"from=30/11/2026&to=01/11/2026", "vi", "Ngày kết thúc ở trước ngày bắt đầu"},
		{"from=01/01/2025&to=31/12/2026", "en", "longer than 400 days"},
		{"from=hôm qua&to=01/11/2026", "vi", "Ngày không hợp lệ (Từ ngày)"},
	} {
		status, _, body := e.get(e.withLang(c, tc.lang), "/console/reports?"+strings.ReplaceAll(tc.query, " ", "%20"))
		if status != http.StatusBadRequest || !strings.Contains(textOf(body), tc.want) {
			t.Errorf("%s (%s): %d, want 400 saying %q", tc.query, tc.lang, status, tc.want)
		}
	}
	resp, err := c.Get(e.srv.URL + "/console/reports/download/xlsx?outlet=" + e.a.ID + "&period=" + month)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil || resp.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), ".xlsx") {
		t.Fatalf("xlsx download: %v %v", err, resp.Header)
	}
	if sheets := f.GetSheetList(); strings.Join(sheets, "|") != "Tổng hợp|"+e.a.ID+"|Quyết định" {
		t.Errorf("xlsx sheets %q", sheets)
	}
	f.Close()
	status, _, pdf := e.get(c, "/console/reports/download/pdf?outlet="+e.a.ID+"&period="+month)
	if status != http.StatusOK || !strings.HasPrefix(pdf, "%PDF-") {
		t.Errorf("pdf download: %d %.20q", status, pdf)
	}
	if status, _, _ := e.get(c, "/console/reports/download/doc?period="+month); status != http.StatusNotFound {
		t.Errorf("unknown format: %d", status)
	}
}

// TestBrowserReports renders the Reports page in Chromium: an auditor picks
// an outlet and a period, sees the figures, the daily chart with its limit
// line, and the downloads, in Vietnamese and in English. With
// GATEKEEPER_SCREENSHOTS=1 it writes docs/console/reports.png.
func TestBrowserReports(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	ctx := newBrowser(t)
	rng := rand.New(rand.NewPCG(13, 5))
	e.seedHistory(e.b, 75, 10, 80, rng)
	// Real traffic through the classifier, with holds, relabels and
	// withdrawals, for the third outlet; the console runs on the wall clock,
	// so the history ends now.
	start := time.Now().Add(-75 * 24 * time.Hour)
	sc := reporttest.New(t, e.st, store.Outlet{ID: "ngochoi", Name: "Trang tin huyện Ngọc Hồi"}, start, 11)
	sc.Run(74)
	o := sc.Outlet
	login(t, ctx, e.srv.URL, "kiemtra", testPassword)

	// The whole of last month, chosen in the picker.
	do(t, ctx, "reports page", chromedp.Navigate(e.srv.URL+"/console/reports"), chromedp.WaitVisible(chromedp.CSS(`#report-form`)))
	noProblems(t, ctx, "reports (all outlets)")
	last := run(t, ctx, "second option", chromedp.Evaluate[string](`document.querySelectorAll("select[name=period] option")[1].value`))
	do(t, ctx, "pick outlet and month",
		chromedp.SetValue(chromedp.CSS(`select[name=outlet]`), o.ID),
		chromedp.SetValue(chromedp.CSS(`select[name=period]`), last),
	)
	if _, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(`#report-form button[type=submit]`))); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, "report shown", chromedp.WaitVisible(chromedp.CSS(`svg.chart`)))
	noProblems(t, ctx, "reports (one outlet)")
	p, err := report.ParsePeriod(last, "")
	if err != nil {
		t.Fatal(err)
	}
	if n := run(t, ctx, "bars", chromedp.Evaluate[int](`document.querySelectorAll("svg.chart rect.bar-pub").length`)); n != p.Days() {
		t.Errorf("chart has %d days, want %d", n, p.Days())
	}
	if n := run(t, ctx, "limit line", chromedp.Evaluate[int](`document.querySelectorAll("svg.chart line.limit-line").length`)); n != 1 {
		t.Errorf("chart has %d limit lines", n)
	}
	links := run(t, ctx, "downloads", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".downloads a")).map(function (a) { return a.getAttribute("href"); })`))
	if len(links) != 4 || !strings.Contains(links[0], "/download/pdf?outlet="+o.ID+"&period="+last) {
		t.Errorf("download links %v", links)
	}
	// The figures the page shows are the report's.
	c, _ := e.session("kiemtra")
	_, _, js := e.get(c, "/console/reports/download/json?outlet="+o.ID+"&period="+last)
	var r report.Report
	if err := json.Unmarshal([]byte(js), &r); err != nil || len(r.Outlets) != 1 {
		t.Fatalf("json: %v", err)
	}
	if len(r.Outlets[0].Themes) == 0 {
		t.Errorf("no themes in the report of real traffic")
	}
	themes := run(t, ctx, "themes", chromedp.Evaluate[int](`document.querySelectorAll("ul.themes li").length`))
	if themes != len(r.Outlets[0].Themes) {
		t.Errorf("page lists %d themes, report %d", themes, len(r.Outlets[0].Themes))
	}
	cells := run(t, ctx, "row", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#report-outlets tbody tr td")).map(function (x) { return x.textContent.trim(); })`))
	if len(cells) < 3 || cells[1] != itoa(int(r.Outlets[0].Published)) || cells[2] != itoa(int(r.Outlets[0].Negative)) {
		t.Errorf("row %v, report %d/%d", cells, r.Outlets[0].Negative, r.Outlets[0].Published)
	}
	if txt := bodyText(t, ctx); !strings.Contains(txt, "Báo cáo tình hình đăng tin") || !strings.Contains(txt, "Tải về") {
		t.Errorf("page not in Vietnamese: %.300s", txt)
	}
	if os.Getenv("GATEKEEPER_SCREENSHOTS") == "1" {
		png := run(t, ctx, "screenshot", chromedp.FullScreenshot(100))
		if err := os.WriteFile(filepath.Join(screenshotDir, "reports.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// In English.
	do(t, ctx, "english", chromedp.Click(chromedp.CSS(`a.lang`)), chromedp.WaitVisible(chromedp.CSS(`svg.chart`)))
	if txt := bodyText(t, ctx); !strings.Contains(txt, "Compliance reports") || !strings.Contains(txt, "Download") {
		t.Errorf("page not in English: %.300s", txt)
	}
	noProblems(t, ctx, "reports (English)")
}
