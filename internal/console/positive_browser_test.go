package console

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"gatekeeper/internal/store"
)

// syncTones publishes posts into o an hour before the console's now: n
// negative, u neutral and g positive.
func (e *env) syncTones(o store.Outlet, n, u, g int) {
	e.t.Helper()
	now := e.con.now()
	at := now.Add(-time.Hour)
	var posts []store.SyncPost
	for i := 0; i < n+u+g; i++ {
		posts = append(posts, store.SyncPost{ID: fmt.Sprintf("t%d", i), Negative: i < n, Positive: i >= n+u,
			PublishedAt: at.Add(time.Duration(i) * time.Second), Day: store.DayKey(at, o.Location())})
	}
	if _, err := e.st.Sync(e.ctx, store.SyncInput{Outlet: o.ID, Now: now, Window: o.Window(), Posts: posts, Actor: "cms"}); err != nil {
		e.t.Fatalf("sync: %v", err)
	}
}

// TestBrowserPositiveShare: the dashboard and the overview show each
// outlet's positive share next to its negative share, with the expectation
// that positive news dominates and whether it does, in Vietnamese and English.
func TestBrowserPositiveShare(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	e.syncTones(e.a, 2, 3, 5) // 20% negative, 50% positive: dominant
	e.syncTones(e.b, 1, 6, 3) // 10% negative, 30% positive: neutral leads
	ctx := newBrowser(t)
	base := e.srv.URL
	login(t, ctx, base, "kiemtra", testPassword)

	do(t, ctx, "dashboard", chromedp.Navigate(base+"/console/outlets/"+e.a.ID), chromedp.WaitVisible(chromedp.CSS(`#positive-share`)))
	card := run(t, ctx, "positive card", chromedp.Text(chromedp.CSS(`#positive-share`)))
	for _, want := range []string{"Tỉ lệ tin tích cực trong 30 ngày", "50,00%", "5 / 10", "tích cực đang chủ đạo",
		"Kỳ vọng: tin tích cực là chủ đạo"} {
		if !strings.Contains(card, want) {
			t.Errorf("dashboard's positive card %q lacks %q", card, want)
		}
	}
	// Next to the negative share.
	facts := run(t, ctx, "facts", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".facts .fact")).map(function (f) { return f.textContent.replace(/\s+/g, " ").trim(); })`))
	if len(facts) < 2 || !strings.Contains(facts[0], "Tỉ lệ tin tiêu cực") || !strings.Contains(facts[0], "20,00%") || !strings.Contains(facts[1], "tích cực") {
		t.Errorf("dashboard facts %q: want the negative share, then the positive one", facts)
	}
	noProblems(t, ctx, "dashboard")

	do(t, ctx, "other dashboard", chromedp.Navigate(base+"/console/outlets/"+e.b.ID), chromedp.WaitVisible(chromedp.CSS(`#positive-share`)))
	if card := run(t, ctx, "positive card", chromedp.Text(chromedp.CSS(`#positive-share`))); !strings.Contains(card, "30,00%") || !strings.Contains(card, "tích cực chưa chủ đạo") {
		t.Errorf("second dashboard's positive card %q", card)
	}

	do(t, ctx, "overview", chromedp.Navigate(base+"/console/overview"), chromedp.WaitVisible(chromedp.CSS(`table.overview`)))
	if line := run(t, ctx, "expectation", chromedp.Text(chromedp.CSS(`#positive-expectation`))); !strings.Contains(line, "tin tích cực là chủ đạo") {
		t.Errorf("overview's expectation line %q", line)
	}
	rows := run(t, ctx, "rows", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("table.overview tbody tr")).map(function (r) { return r.textContent.replace(/\s+/g, " ").trim(); })`))
	want := map[string][]string{
		e.a.Name: {"20,00%", "50,00% tích cực đang chủ đạo"},
		e.b.Name: {"10,00%", "30,00% tích cực chưa chủ đạo"},
	}
	if len(rows) != 2 {
		t.Fatalf("overview rows %q", rows)
	}
	for _, r := range rows {
		for name, parts := range want {
			if !strings.HasPrefix(r, name) {
				continue
			}
			for _, p := range parts {
				if !strings.Contains(r, p) {
					t.Errorf("overview row %q lacks %q", r, p)
				}
			}
			delete(want, name)
		}
	}
	if len(want) > 0 {
		t.Errorf("overview lacks rows for %v: %q", want, rows)
	}
	head := run(t, ctx, "head", chromedp.Text(chromedp.CSS(`table.overview thead`)))
	if !strings.Contains(head, "Tỉ lệ hiện tại") || !strings.Contains(head, "Tin tích cực") {
		t.Errorf("overview header %q", head)
	}
	noProblems(t, ctx, "overview")

	do(t, ctx, "english", chromedp.Click(chromedp.CSS(`a.lang`)), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] table.overview`)))
	txt := bodyText(t, ctx)
	for _, w := range []string{"positive news dominant", "Positive", "50.00% positive dominates", "30.00% positive does not dominate yet"} {
		if !strings.Contains(strings.Join(strings.Fields(txt), " "), w) {
			t.Errorf("English overview lacks %q: %s", w, txt)
		}
	}
	do(t, ctx, "english dashboard", chromedp.Navigate(base+"/console/outlets/"+e.a.ID), chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #positive-share`)))
	if card := run(t, ctx, "positive card", chromedp.Text(chromedp.CSS(`#positive-share`))); !strings.Contains(card, "Positive share over 30 days") ||
		!strings.Contains(card, "Expected: positive news dominates") {
		t.Errorf("English positive card %q", card)
	}
}
