package console

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"gatekeeper/internal/gate"
	"gatekeeper/internal/report"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// TestDecodeSnapshot: the console reads the gate's own Snapshot type, so
// every field the gate writes reaches the page (a renamed or retyped field
// cannot drift apart), with the post's HTML turned into text.
func TestDecodeSnapshot(t *testing.T) {
	in := gate.Snapshot{
		Post: gate.Post{ID: "4217", Title: "Tai n&#7841;n &amp; cháy", Excerpt: "<b>Tóm</b> tắt", Content: "<p>A &amp; B</p><p>C</p>",
			URL: "https://dakglei.example.vn/?p=4217", Categories: []string{"Thời sự", "Pháp &amp; luật"}, Author: "an &amp; bình"},
		Classification: policy.Classification{Language: "vi",
			Tone: policy.ToneResult{Label: policy.Negative, Score: 0.9, Borderline: true,
				Evidence: []policy.Evidence{{Text: "tai nạn", Field: "title", Weight: 2, Folded: true}}},
			Sensational: policy.SensationalResult{Flagged: true, Evidence: []policy.Evidence{{Text: "?", Field: "title", Cue: "question"}}}},
		Notes: []string{"declared_negative"}, Rules: policy.DefaultRules(), Subject: policy.Subject{Negative: true}, WindowDays: 30,
	}
	raw, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	s := decodeSnapshot(raw)
	want := in
	want.Post.Title, want.Post.Excerpt, want.Post.Content = "Tai nạn & cháy", "Tóm tắt", "A & B\n\nC"
	want.Post.Categories, want.Post.Author = []string{"Thời sự", "Pháp & luật"}, "an & bình"
	got, _ := json.Marshal(s.Snapshot)
	wantJSON, _ := json.Marshal(want)
	if string(got) != string(wantJSON) {
		t.Errorf("decoded\n%s\nwant\n%s", got, wantJSON)
	}
	if !s.HasPolicy {
		t.Errorf("rules and subject not read")
	}
	for _, bad := range []string{`<<<`, ``, `{"post":{"id":4217}}`, `{"classification":"x"}`} {
		if s := decodeSnapshot([]byte(bad)); s.Post.ID != "" || s.Post.Title != "" || s.HasPolicy {
			t.Errorf("%q decoded as %+v", bad, s)
		}
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
		`<p>Tai n<b>ạ</b>n<img src=x>giao thông</p>`:          "Tai nạn giao thông",
		`Tai&nbsp;n&#x1EA1;n`:                                 "Tai nạn",
	} {
		if got := htmlToText(in); got != want {
			t.Errorf("htmlToText(%q) = %q, want %q", in, got, want)
		}
	}
}

// marked shows segments as text with [tone] and {sensational} marks.
func marked(segs []segment) string {
	var b strings.Builder
	for _, s := range segs {
		switch s.Mark {
		case markTone:
			b.WriteString("[" + s.Text + "]")
		case markSens:
			b.WriteString("{" + s.Text + "}")
		default:
			b.WriteString(s.Text)
		}
	}
	return b.String()
}

func TestHighlight(t *testing.T) {
	nfd := "Tai na\u0323n giao tho\u0302ng" // decomposed marks
	for _, tc := range []struct {
		name    string
		text    string
		phrases []string
		sens    []string
		want    string
	}{
		{"plain", "Tai nạn giao thông ở Đắk Glei", []string{"tai nạn"}, nil, "[Tai nạn] giao thông ở Đắk Glei"},
		{"no diacritics in the post", "Tai nan giao thong", []string{"tai nạn"}, nil, "[Tai nan] giao thong"},
		{"NFD post, NFC phrase", nfd, []string{"tai nạn giao thông"}, nil, "[Tai nạn giao thông]"},
		{"NFC post, NFD phrase", "Tai nạn giao thông", []string{"tai na\u0323n"}, nil, "[Tai nạn] giao thông"},
		{"old and new tone-mark placement", "Hoà giải, hòa giải", []string{"hòa giải"}, nil, "[Hoà giải], [hòa giải]"},
		{"đ", "Đánh bạc, đánh nhau", []string{"danh bac"}, nil, "[Đánh bạc], đánh nhau"},
		{"whole words", "cháy rừng, cháyrừng", []string{"cháy rừng"}, nil, "[cháy rừng], cháyrừng"},
		{"inside a word", "tainạn", []string{"nạn"}, nil, "tainạn"},
		{"markup is text", "<b>Tai nạn</b>", []string{"tai nạn"}, nil, "<b>[Tai nạn]</b>"},
		{"not in the post", "không có gì", []string{"tai nạn", "", "   "}, nil, "không có gì"},
		{"nothing to mark", "", []string{"tai nạn"}, nil, ""},
		{"overlapping phrases", "vụ tai nạn giao thông nghiêm trọng", []string{"tai nạn giao", "giao thông nghiêm"}, nil,
			"vụ [tai nạn giao thông nghiêm] trọng"},
		{"nested phrases", "tai nạn giao thông", []string{"tai nạn giao thông", "giao"}, nil, "[tai nạn giao thông]"},
		{"phrase longer than the text", "tai", []string{"tai nạn giao thông"}, nil, "tai"},
		{"repeated", "nạn nạn nạn", []string{"nạn"}, nil, "[nạn] [nạn] [nạn]"},
		{"runs of spaces and nbsp", "tai \u00a0 nạn", []string{"tai nạn"}, nil, "[tai \u00a0 nạn]"},
		{"soft hyphen and zero-width space", "tai n\u00adạn, tai\u200b nạn", []string{"tai nạn"}, nil, "[tai n\u00adạn], [tai\u200b nạn]"},
		{"phrase with an entity", "Lừa đảo & chiếm đoạt", []string{"lừa đảo &amp; chiếm đoạt"}, nil, "[Lừa đảo & chiếm đoạt]"},
		{"a stray combining mark stays with its letter", "nạn\u0334 khác", []string{"nạn"}, nil, "[nạn\u0334] khác"},
		{"punctuation phrase", "Sốc!!! Tai nạn", []string{"tai nạn"}, []string{"sốc"}, "{Sốc}!!! [Tai nạn]"},
		{"tone wins over sensational", "Kinh hoàng tai nạn", []string{"tai nạn"}, []string{"kinh hoàng tai"}, "{Kinh hoàng }[tai nạn]"},
		{"emoji and astral runes", "😱 tai nạn 😱", []string{"tai nạn"}, nil, "😱 [tai nạn] 😱"},
		{"upper-case with marks", "TAI NẠN", []string{"tai nạn"}, nil, "[TAI NẠN]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			segs := highlight(tc.text, tc.phrases, tc.sens...)
			if got := marked(segs); got != tc.want {
				t.Errorf("highlight(%q, %q) = %q, want %q", tc.text, tc.phrases, got, tc.want)
			}
			// The segments always put the (NFC) text back together.
			var all strings.Builder
			for _, s := range segs {
				all.WriteString(s.Text)
			}
			if all.String() != norm.NFC.String(tc.text) {
				t.Errorf("segments %q do not rebuild the text", all.String())
			}
		})
	}
	ev := evidencePhrases([]policy.Evidence{{Text: "tai nạn", Field: "title"}, {Text: "Tai nạn", Field: "content"},
		{Text: "negative", Field: "declared_tone"}, {Text: "tai nạn giao thông", Field: "content"},
		{Text: "#question", Field: "title"}, {Text: "x", Field: "title", Cue: "exclamation"}, {Text: "không … cháy", Field: "content"}})
	if strings.Join(ev, "|") != "tai nạn giao thông|tai nạn|cháy" {
		t.Errorf("evidencePhrases = %v", ev)
	}
}

// TestEvidenceHighlightOnPost: evidence on a real post as the CMS sends it
// (entities, NFD, a phrase that is not there, overlapping phrases, a cue)
// is highlighted in the page, and cues are labelled, not searched for.
func TestEvidenceHighlightOnPost(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	snap := map[string]any{
		"post": map[string]any{"id": "88", "title": "Vì sao tai na\u0323n &#8220;thảm khốc&#8221; liên tiếp xảy ra?",
			"content": "<p>Vụ tai&nbsp;nạn giao thông &amp; cháy xe</p><p>Tai n&#7841;n lần hai.</p>", "author": "an"},
		"classification": map[string]any{
			"tone": map[string]any{"label": "negative", "score": 0.9, "evidence": []map[string]any{
				{"text": "tai nạn", "field": "title", "weight": 2}, {"text": "tai nạn giao thông", "field": "content", "weight": 1},
				{"text": "giao thông & cháy", "field": "content", "weight": 1}, {"text": "động đất", "field": "content", "weight": 1},
				{"text": "thảm khốc", "field": "title", "weight": 1}}},
			"sensational": map[string]any{"flagged": true, "score": 0.8, "evidence": []map[string]any{
				{"text": "#question", "field": "title", "weight": 0.5}, {"text": "vì sao", "field": "title", "weight": 0.4},
				{"text": "ignored", "cue": "exclamation", "field": "title", "weight": 0.3}}},
		},
	}
	raw, _ := json.Marshal(snap)
	res := e.check(e.a, "88", true, e.now.Add(-time.Hour), raw)
	c, _ := e.session("mai")
	_, _, body := e.get(c, "/console/outlets/"+e.a.ID+"/holds/"+res.HoldID)
	for _, want := range []string{
		`<h1 class="post-title"><mark class="m-sens">Vì sao</mark> <mark class="m-tone">tai nạn</mark> “<mark class="m-tone">thảm khốc</mark>” liên tiếp xảy ra?</h1>`,
		`<p>Vụ <mark class="m-tone">tai nạn giao thông &amp; cháy</mark> xe</p>`,
		`<p><mark class="m-tone">Tai nạn</mark> lần hai.</p>`,
		`<span class="cue">Tiêu đề dạng câu hỏi</span>`,
		`<span class="cue">Tiêu đề có dấu chấm than</span>`,
		`<mark>động đất</mark>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("hold page lacks %s\n%s", want, body)
		}
	}
	if strings.Contains(body, "#question") || strings.Contains(body, "ignored") {
		t.Error("a cue code is shown as words of the post")
	}
}

func TestFormats(t *testing.T) {
	at := time.Date(2026, 11, 27, 7, 5, 0, 0, time.UTC)
	if got := fmtTime(langVI, at, defaultLoc); got != "27/11/2026 14:05" {
		t.Errorf("vi time %q", got)
	}
	if got := fmtTime(langEN, at, defaultLoc); got != "27/11/2026 14:05" {
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
	if report.CSVSafe("=1+1") != "'=1+1" || report.CSVSafe("-x") != "'-x" || report.CSVSafe("an") != "an" {
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
	series := []struct{ p, n, g int64 }{{10, 1, 5}, {10, 2, 4}, {10, 0, 6}, {10, 3, 2}, {10, 1, 7}}
	var dc []store.DayCount
	for i, s := range series {
		dc = append(dc, store.DayCount{Day: keys[i], Published: s.p, Negative: s.n, Positive: s.g})
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
	// The positive bar sits on the negative one, as tall as its count.
	last := c.Bars[2]
	unit := last.PubH / 10
	if math.Abs(last.NegH-unit) > 1e-9 || math.Abs(last.PosH-7*unit) > 1e-9 || math.Abs(last.PosY+last.PosH-last.NegY) > 1e-9 ||
		!strings.Contains(last.Title, "7 tin tích cực") {
		t.Errorf("last day's bars %+v", last)
	}
}
