package console

import (
	"strings"
	"testing"
	"time"

	"gatekeeper/policy"
	"gatekeeper/store"
)

func TestDecodeSnapshot(t *testing.T) {
	for _, tc := range []struct {
		name, in   string
		title      string
		content    string
		author     string
		categories string
		evidence   int
		reasons    string
	}{
		{"full", `{"post":{"id":"1","title":"Tai nạn","content":"<p>A &amp; B</p><p>C</p>","author":"an","categories":["Thời sự","Pháp luật"]},
			"classification":{"tone":{"label":"negative","score":0.9,"evidence":[{"text":"tai nạn","field":"title","weight":2}]}},
			"reasons":[{"code":"share_over_limit","message":"Vượt"}]}`, "Tai nạn", "A & B\n\nC", "an", "Thời sự|Pháp luật", 1, "share_over_limit"},
		{"not json", `<<<`, "", "", "", "", 0, ""},
		{"empty", ``, "", "", "", "", 0, ""},
		{"wrong types", `{"post":{"id":4217,"title":["x"],"author":true,"categories":"Thời sự"},"classification":"x","reasons":"y"}`,
			"", "", "true", "Thời sự", 0, ""},
		{"reasons as strings", `{"post":{"title":"T"},"reasons":["borderline","min_sample"]}`, "T", "", "", "", 0, "borderline|min_sample"},
		{"bad classification part", `{"post":{"title":"T"},"classification":{"tone":{"label":"negative","evidence":[{"text":"x"}]},"sensational":7}}`,
			"T", "", "", "", 1, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := decodeSnapshot([]byte(tc.in))
			var rs []string
			for _, r := range s.Reasons {
				rs = append(rs, r.Code)
			}
			if s.Post.Title != tc.title || s.Post.Content != tc.content || s.Post.Author != tc.author ||
				strings.Join(s.Post.Categories, "|") != tc.categories || len(s.Classification.Tone.Evidence) != tc.evidence ||
				strings.Join(rs, "|") != tc.reasons {
				t.Errorf("decoded %+v", s)
			}
		})
	}
}

func TestHTMLToText(t *testing.T) {
	for in, want := range map[string]string{
		`plain text`:                     `plain text`,
		`<p>Một</p><p>Hai <b>ba</b></p>`: "Một\n\nHai ba",
		`<script>alert(1)</script><p>x</p><style>p{}</style>`: "x",
		`Tai n&#7841;n &lt;b&gt;`:                             "Tai nạn <b>",
		`<p onclick="x()">a<br>b</p>`:                         "a\n\nb",
		`<img src=x onerror=alert(1)>Chữ`:                     "Chữ",
	} {
		if got := htmlToText(in); got != want {
			t.Errorf("htmlToText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHighlight(t *testing.T) {
	marked := func(segs []segment) string {
		var b strings.Builder
		for _, s := range segs {
			if s.Mark {
				b.WriteString("[" + s.Text + "]")
			} else {
				b.WriteString(s.Text)
			}
		}
		return b.String()
	}
	nfd := "Tai na\u0323n giao tho\u0302ng" // decomposed marks
	for _, tc := range []struct {
		text    string
		phrases []string
		want    string
	}{
		{"Tai nạn giao thông ở Đắk Glei", []string{"tai nạn"}, "[Tai nạn] giao thông ở Đắk Glei"},
		{"Tai nan giao thong", []string{"tai nạn"}, "[Tai nan] giao thong"},
		{nfd, []string{"tai nạn giao thông"}, "[Tai nạn giao thông]"},
		{"Đánh bạc, đánh nhau", []string{"danh bac"}, "[Đánh bạc], đánh nhau"},
		{"cháy rừng, cháyrừng", []string{"cháy rừng"}, "[cháy rừng], cháyrừng"},
		{"tainạn", []string{"nạn"}, "tainạn"},
		{"<b>Tai nạn</b>", []string{"tai nạn"}, "<b>[Tai nạn]</b>"},
		{"không có gì", []string{"tai nạn", ""}, "không có gì"},
	} {
		if got := marked(highlight(tc.text, tc.phrases)); got != tc.want {
			t.Errorf("highlight(%q, %q) = %q, want %q", tc.text, tc.phrases, got, tc.want)
		}
	}
	ev := evidencePhrases([]policy.Evidence{{Text: "tai nạn", Field: "title"}, {Text: "Tai nạn", Field: "content"},
		{Text: "negative", Field: "declared_tone"}, {Text: "tai nạn giao thông", Field: "content"}})
	if strings.Join(ev, "|") != "tai nạn giao thông|tai nạn" {
		t.Errorf("evidencePhrases = %v", ev)
	}
}

func TestFormats(t *testing.T) {
	at := time.Date(2026, 11, 27, 7, 5, 0, 0, time.UTC)
	if got := fmtTime(langVI, at, defaultLoc); got != "27/11/2026 14:05" {
		t.Errorf("vi time %q", got)
	}
	if got := fmtTime(langEN, at, defaultLoc); got != "27 Nov 2026 14:05" {
		t.Errorf("en time %q", got)
	}
	if got := fmtPercent(langVI, 1417); got != "14,17%" {
		t.Errorf("vi percent %q", got)
	}
	if got := fmtPercent(langEN, 1500); got != "15.00%" {
		t.Errorf("en percent %q", got)
	}
	if got := fmtDuration(langVI, 26*time.Hour+3*time.Minute); got != "1 ngày 2 giờ" {
		t.Errorf("vi duration %q", got)
	}
	if got := fmtDuration(langEN, 65*time.Minute); got != "1 h 5 min" {
		t.Errorf("en duration %q", got)
	}
	for in, want := range map[string]int64{"15": 1500, "15.5": 1550, "15,25": 1525, "0": 0, "100": 10000, "12.05%": 1205} {
		if got, err := parsePercent(in); err != nil || int64(got) != want {
			t.Errorf("parsePercent(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "abc", "101", "-1", "15.555", "1e2"} {
		if _, err := parsePercent(bad); err == nil {
			t.Errorf("parsePercent(%q) accepted", bad)
		}
	}
	if csvSafe("=1+1") != "'=1+1" || csvSafe("-x") != "'-x" || csvSafe("an") != "an" {
		t.Error("csvSafe")
	}
}

func TestChartHistory(t *testing.T) {
	loc := defaultLoc
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, loc)
	keys, days := dayKeys(now, loc, 5)
	if keys[4] != "20261127" || keys[0] != "20261123" || !days[0].Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, loc)) {
		t.Fatalf("keys %v", keys)
	}
	series := []struct{ p, n int64 }{{10, 1}, {10, 2}, {10, 0}, {10, 3}, {10, 1}}
	var dc []store.DayCount
	for i, s := range series {
		dc = append(dc, store.DayCount{Day: keys[i], Published: s.p, Negative: s.n})
	}
	pts := history(dc, days, 3, 2)
	// Last 3 days with a 2-day window: (2+0)/20, (0+3)/20, (3+1)/20.
	want := []int64{2, 3, 4}
	for i, p := range pts {
		if p.Rolling.Published != 20 || p.Rolling.Negative != want[i] {
			t.Errorf("day %d rolling %+v, want 20/%d", i, p.Rolling, want[i])
		}
	}
	c := buildChart(langVI, pts, policy.DefaultRules())
	if len(c.Bars) != 3 || c.LimitY <= c.Top || c.LimitY >= c.H-c.Bottom || strings.Count(c.Share, ",") != 3 {
		t.Errorf("chart %+v", c)
	}
}
