package classify

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"golang.org/x/text/unicode/norm"

	"gatekeeper/policy"
)

var _ policy.Classifier = (*Classifier)(nil)

func evTexts(ev []policy.Evidence) []string {
	var out []string
	for _, e := range ev {
		out = append(out, e.Text)
	}
	return out
}

func hasEv(ev []policy.Evidence, text string) (policy.Evidence, bool) {
	for _, e := range ev {
		if e.Text == text {
			return e, true
		}
	}
	return policy.Evidence{}, false
}

func TestTone(t *testing.T) {
	c := Default()
	cases := []struct {
		name     string
		text     policy.Text
		negative bool
		ev       string // evidence that must be there ("" none required)
		notEv    string // evidence that must not be there
	}{
		{name: "crime headline", text: policy.Text{Title: "Bắt giữ nghi phạm sát hại tài xế taxi"}, negative: true, ev: "bắt giữ"},
		{name: "NFD input", text: policy.Text{Title: norm.NFD.String("Bắt giữ nghi phạm sát hại tài xế taxi")}, negative: true, ev: "sát hại"},
		{name: "old tone placement", text: policy.Text{Title: "Hoả hoạn thiêu rụi xưởng gỗ, hai người tử vong"}, negative: true, ev: "hỏa hoạn"},
		{name: "entities", text: policy.Text{Title: "Tai n&#7841;n giao th&ocirc;ng nghi&ecirc;m tr&#7885;ng tr&ecirc;n qu&#7889;c l&#7897; 1"}, negative: true, ev: "tai nạn giao thông"},
		{name: "upper case", text: policy.Text{Title: "ĐÂM CHẾT NGƯỜI VÌ MÂU THUẪN NHỎ"}, negative: true, ev: "đâm chết"},
		{name: "HTML body", text: policy.Text{Title: "Tin buổi sáng", Content: "<p>Cơ quan công an đã <b>khởi tố</b> vụ án, bắt tạm giam hai bị can về tội lừa đảo chiếm đoạt tài sản.</p>"}, negative: true, ev: "khởi tố"},
		{name: "dự án is not án", text: policy.Text{Title: "Khởi công dự án cầu vượt sông mới"}, negative: false, notEv: "án"},
		{name: "bắt đầu is not bắt", text: policy.Text{Title: "Lễ hội hoa bắt đầu từ hôm nay"}, negative: false, notEv: "bắt"},
		{name: "festival", text: policy.Text{Title: "Khai mạc lễ hội văn hóa các dân tộc, trao giải cho các nghệ nhân xuất sắc"}, negative: false},
		{name: "sport is not violence", text: policy.Text{Title: "Tiền đạo ghi bàn, đội tuyển thắng trận tứ kết", Content: "Hàng tấn công chơi hay, thủ môn cản phá xuất sắc."}, negative: false},
		{name: "English crime", text: policy.Text{Title: "Police arrest gunman after deadly shooting at mall"}, negative: true, ev: "deadly"},
		{name: "English neutral", text: policy.Text{Title: "City council approves new library opening hours"}, negative: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Classify(tc.text)
			if got := r.Tone.Label == policy.Negative; got != tc.negative {
				t.Errorf("label %s (score %.2f), want negative=%v; evidence %v", r.Tone.Label, r.Tone.Score, tc.negative, r.Tone.Evidence)
			}
			if tc.ev != "" {
				if _, ok := hasEv(r.Tone.Evidence, tc.ev); !ok {
					t.Errorf("evidence %q missing: %v", tc.ev, evTexts(r.Tone.Evidence))
				}
			}
			if tc.notEv != "" {
				if _, ok := hasEv(r.Tone.Evidence, tc.notEv); ok {
					t.Errorf("evidence %q should not be there: %v", tc.notEv, evTexts(r.Tone.Evidence))
				}
			}
			if r.Tone.Score < 0 || r.Tone.Score > 1 || r.Sensational.Score < 0 || r.Sensational.Score > 1 {
				t.Errorf("scores out of range: %+v", r)
			}
		})
	}
}

// The same words spelled every way give the same result.
func TestSpellingsGiveSameResult(t *testing.T) {
	c := Default()
	base := c.Classify(policy.Text{Title: "Hỏa hoạn thiêu rụi kho hàng, khởi tố vụ án"})
	for _, v := range []string{
		norm.NFD.String("Hỏa hoạn thiêu rụi kho hàng, khởi tố vụ án"),
		"Hoả hoạn thiêu rụi kho hàng, khởi tố vụ án",
		"HỎA HOẠN THIÊU RỤI KHO HÀNG, KHỞI TỐ VỤ ÁN",
		"H&#7887;a ho&#7841;n thi&ecirc;u r&#7909;i kho h&agrave;ng, kh&#7903;i t&#7889; v&#7909; &aacute;n",
		"Hỏa\u00a0hoạn thiêu\u200b rụi kho hàng, khởi tố vụ án",
	} {
		r := c.Classify(policy.Text{Title: v})
		if r.Tone.Score != base.Tone.Score || !reflect.DeepEqual(evTexts(r.Tone.Evidence), evTexts(base.Tone.Evidence)) {
			t.Errorf("%q: %v %.4f %v, want %v %.4f %v", v, r.Tone.Label, r.Tone.Score, evTexts(r.Tone.Evidence),
				base.Tone.Label, base.Tone.Score, evTexts(base.Tone.Evidence))
		}
	}
}

func TestNoDiacritics(t *testing.T) {
	c := Default()
	r := c.Classify(policy.Text{Title: "Bat giu nghi pham giet nguoi cuop tai san o Ha Noi"})
	if r.Language != "vi" || r.Tone.Label != policy.Negative {
		t.Fatalf("got %s %s, want vi negative: %v", r.Language, r.Tone.Label, r.Tone.Evidence)
	}
	e, ok := hasEv(r.Tone.Evidence, "bắt giữ")
	if !ok || !e.Folded {
		t.Errorf("want folded evidence bắt giữ, got %+v", r.Tone.Evidence)
	}
	// Single folded syllables do not fire: "bat" may be bắt, bất or bật.
	r = c.Classify(policy.Text{Title: "Bat ngo voi ve dep cua mua thu Ha Noi", Language: "vi"})
	for _, e := range r.Tone.Evidence {
		if e.Text == "bắt" {
			t.Errorf("single folded syllable matched: %+v", e)
		}
	}
}

func TestNegation(t *testing.T) {
	c := Default()
	hurt := c.Classify(policy.Text{Title: "Cháy nhà kho trong đêm, nhiều người bị thương"})
	safe := c.Classify(policy.Text{Title: "Cháy nhà kho trong đêm, không có người bị thương"})
	none := c.Classify(policy.Text{Title: "Cháy nhà kho trong đêm, không có thương vong"})
	calm := c.Classify(policy.Text{Title: "Cháy nhà kho trong đêm, đám cháy đã được khống chế"})
	p := func(r policy.Classification) float64 {
		if r.Tone.Label == policy.Negative {
			return r.Tone.Score
		}
		return 1 - r.Tone.Score
	}
	if !(p(safe) < p(hurt) && p(none) < p(hurt) && p(calm) < p(hurt)) {
		t.Errorf("negation or reassurance did not lower the score: hurt %.3f, safe %.3f, none %.3f, calm %.3f", p(hurt), p(safe), p(none), p(calm))
	}
	e, ok := hasEv(safe.Tone.Evidence, "không có … bị thương")
	if !ok || e.Weight > 0 {
		t.Errorf("want negated evidence with weight ≤ 0, got %+v", safe.Tone.Evidence)
	}
	if _, ok := hasEv(none.Tone.Evidence, "không có thương vong"); !ok {
		t.Errorf("want reassurance evidence, got %+v", none.Tone.Evidence)
	}
	// A negation does not reach across a sentence.
	far := c.Classify(policy.Text{Title: "Không. Bị thương nặng"})
	if _, ok := hasEv(far.Tone.Evidence, "bị thương"); !ok {
		t.Errorf("negation crossed a full stop: %+v", far.Tone.Evidence)
	}
}

func TestSensational(t *testing.T) {
	c := Default()
	cases := []struct {
		title   string
		flagged bool
	}{
		{"Bạn sẽ không thể tin điều này: cô gái làm điều bất ngờ khiến dân mạng choáng váng!", true},
		{"Sự thật gây sốc phía sau bức ảnh gây bão mạng xã hội", true},
		{"UBND tỉnh phê duyệt quy hoạch khu công nghiệp phía bắc", false},
		{"Quốc hội thông qua nghị định về thuế thu nhập doanh nghiệp", false},
		{"17 Things You Won't Believe Happened This Week", true},
		{"This Dog's Reaction Will Make Your Day", true},
		{"Senate passes budget bill after long debate", false},
	}
	for _, tc := range cases {
		r := c.Classify(policy.Text{Title: tc.title})
		if r.Sensational.Flagged != tc.flagged {
			t.Errorf("%q: flagged %v (score %.2f), want %v; evidence %v", tc.title, r.Sensational.Flagged,
				r.Sensational.Score, tc.flagged, r.Sensational.Evidence)
		}
		if r.Sensational.Flagged && len(r.Sensational.Evidence) == 0 {
			t.Errorf("%q: flagged without evidence", tc.title)
		}
	}
}

func TestLanguage(t *testing.T) {
	c := Default()
	const (
		viCrash   = "Tai nạn giao thông nghiêm trọng khiến 3 người tử vong, hai xe bốc cháy"
		viFolded  = "Tai nan giao thong nghiem trong khien 3 nguoi tu vong, hai xe boc chay"
		viFolded2 = "Nguoi dan khong the mua vang"
		enTitle   = "Gold prices rise sharply as investors seek safety"
	)
	cases := []struct {
		name string
		text policy.Text
		want string
	}{
		{"diacritics", policy.Text{Title: "Giá vàng hôm nay tăng mạnh"}, "vi"},
		{"no diacritics", policy.Text{Title: "Gia vang hom nay tang manh, nguoi dan khong the mua"}, "vi"},
		{"english", policy.Text{Title: enTitle}, "en"},
		// The text decides, whatever is declared.
		{"vi declared en", policy.Text{Title: viCrash, Language: "en"}, "vi"},
		{"vi declared EN-us", policy.Text{Title: viCrash, Language: "EN-us"}, "vi"},
		{"vi declared fr", policy.Text{Title: viCrash, Language: "fr"}, "vi"},
		{"vi locale en_US", policy.Text{Title: viCrash, LocaleHint: "en_US"}, "vi"},
		{"folded vi declared en", policy.Text{Title: viFolded, Language: "en"}, "vi"},
		{"folded function words declared en", policy.Text{Title: viFolded2, Language: "en-GB"}, "vi"},
		{"two words declared en", policy.Text{Title: "Giá vàng", Language: "en-US"}, "vi"},
		{"en declared vi", policy.Text{Title: enTitle, Language: "vi"}, "en"},
		{"en declared vi_VN", policy.Text{Title: enTitle, Language: "vi_VN"}, "en"},
		{"en with a Vietnamese place", policy.Text{Title: "Floods hit Quảng Nam as the storm makes landfall", Language: "vi"}, "en"},
		// Ambiguous text follows the declared language, then the locale hint.
		{"ambiguous declared vi", policy.Text{Title: "Gold", Language: "vi_VN"}, "vi"},
		{"ambiguous declared en", policy.Text{Title: "Festival 2026", Language: "en"}, "en"},
		{"ambiguous locale en", policy.Text{Title: "Festival 2026", LocaleHint: "en_US"}, "en"},
		{"ambiguous declared beats locale", policy.Text{Title: "Festival 2026", Language: "vi", LocaleHint: "en_US"}, "vi"},
		{"ambiguous declared fr, locale vi", policy.Text{Title: "Festival 2026", Language: "fr", LocaleHint: "vi"}, "vi"},
		{"one Vietnamese word declared en", policy.Text{Title: "Huế", Language: "en"}, "vi"},
		{"empty", policy.Text{}, "vi"},
		{"empty declared en", policy.Text{Language: "en"}, "en"},
	}
	for _, tc := range cases {
		if got := c.Classify(tc.text).Language; got != tc.want {
			t.Errorf("%s: %+v: language %s, want %s", tc.name, tc.text, got, tc.want)
		}
	}
}

// TestDeclaredLanguageDoesNotChangeVerdict: a Vietnamese post reads the same
// whatever language a client declares.
func TestDeclaredLanguageDoesNotChangeVerdict(t *testing.T) {
	c := Default()
	posts := []policy.Text{
		{Title: "Tai nạn giao thông nghiêm trọng khiến 3 người tử vong, hai xe bốc cháy",
			Excerpt: "Chiều qua, trên quốc lộ 14 đoạn qua huyện, xe tải va chạm xe khách khiến 3 người chết tại chỗ."},
		{Title: "Tai nan giao thong nghiem trong khien 3 nguoi tu vong"},
		{Title: "Lễ hội cồng chiêng thu hút đông đảo du khách"},
	}
	for _, p := range posts {
		want := c.Classify(p)
		for _, lang := range []string{"vi", "en", "fr", "EN-us", "en_US", "ja"} {
			q := p
			q.Language = lang
			got := c.Classify(q)
			if got.Language != want.Language || got.Tone.Label != want.Tone.Label || got.Tone.Score != want.Tone.Score ||
				got.Sensational.Flagged != want.Sensational.Flagged {
				t.Errorf("%q declared %s: %s %s %.4f, without: %s %s %.4f", p.Title, lang, got.Language, got.Tone.Label,
					got.Tone.Score, want.Language, want.Tone.Label, want.Tone.Score)
			}
		}
	}
}

func TestLanguageTag(t *testing.T) {
	for in, want := range map[string]string{"": "", "vi": "vi", "EN-us": "en", " en_US ": "en", "vi_VN.UTF-8": "vi", "fr": "fr"} {
		if got := policy.LanguageTag(in); got != want {
			t.Errorf("LanguageTag(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEmptyAndHostileInput(t *testing.T) {
	c := Default()
	for _, tx := range []policy.Text{
		{},
		{Title: strings.Repeat("<", 10000)},
		{Title: strings.Repeat("&#", 5000)},
		{Content: strings.Repeat("a", 1<<20)},
		{Title: "\xff\xfe\xfd", Excerpt: "<script>", Content: "<!--"},
	} {
		r := c.Classify(tx)
		if r.Tone.Evidence == nil || r.Sensational.Evidence == nil {
			t.Errorf("nil evidence for %.20q", tx.Title)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	c := New()
	texts := []policy.Text{
		{Title: "Bắt giữ nghi phạm sát hại tài xế taxi"},
		{Title: "Khai mạc lễ hội hoa"},
		{Title: "Bat giu nghi pham"},
		{Title: "You Won't Believe This"},
	}
	want := make([]policy.Classification, len(texts))
	for i, tx := range texts {
		want[i] = c.Classify(tx)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 200; n++ {
				i := n % len(texts)
				if got := c.Classify(texts[i]); !reflect.DeepEqual(got, want[i]) {
					errs <- fmt.Sprintf("%q: %+v, want %+v", texts[i].Title, got, want[i])
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// The hot path (normalise, match, score) does not allocate once warm.
func TestAnalyzeDoesNotAllocate(t *testing.T) {
	c := Default()
	s := c.newScratch()
	tx := policy.Text{Title: "Hoả hoạn thiêu rụi kho hàng, không có thương vong",
		Excerpt: "Bat giu nghi pham giet nguoi, cướp tài sản", Content: "<p>Khởi tố vụ án &aacute;n mạng.</p>"}
	c.analyze(s, tx)
	if n := testing.AllocsPerRun(200, func() { c.analyze(s, tx) }); n != 0 {
		t.Errorf("analyze allocates %.1f times per call", n)
	}
}

func TestEmbeddedModel(t *testing.T) {
	c := New()
	if c.toneW[langVI].w[classHead][groupHarm] <= 0 || c.toneW[langVI].w[classBody][groupHarm] <= 0 {
		t.Error("tone model: harm weights are not positive")
	}
	for _, l := range append(c.tone[:], c.head[:]...) {
		if len(l.entries) < 50 {
			t.Errorf("%s: only %d entries", l.name, len(l.entries))
		}
	}
	if _, err := WithModel("tone bias x"); err == nil {
		t.Error("bad weight accepted")
	}
	if _, err := WithModel("tone head.nosuchtheme 1"); err == nil {
		t.Error("unknown feature accepted")
	}
}

// FuzzLanguage: any text with any declared language or locale is read as
// vi or en without panicking, and text the classifier finds clearly
// Vietnamese or English is read the same whatever is declared.
func FuzzLanguage(f *testing.F) {
	for _, s := range []string{"Tai nạn giao thông nghiêm trọng", "Tai nan giao thong khien 3 nguoi tu vong",
		"Gold prices rise as investors seek safety", "Festival 2026", "", "Huế", "a\xffb", "Cristóbal and Víctor win"} {
		for _, l := range []string{"", "vi", "en", "EN-us", "fr", "x-\xff"} {
			f.Add(s, l, "en_US")
		}
	}
	c := Default()
	f.Fuzz(func(t *testing.T, title, declared, locale string) {
		r := c.Classify(policy.Text{Title: title, Language: declared, LocaleHint: locale})
		if r.Language != "vi" && r.Language != "en" {
			t.Fatalf("%q: language %q", title, r.Language)
		}
		s := c.getScratch()
		c.analyze(s, policy.Text{Title: title})
		var ls langStats
		for i := range s.st {
			ls.letters += s.st[i].letters
			ls.dia += s.st[i].diacritic
			ls.vi += s.st[i].viHint
			ls.en += s.st[i].enHint
			ls.foreign += s.st[i].foreign
		}
		c.putScratch(s)
		if l, ok := ls.clear(); ok && langNames[l] != r.Language {
			t.Fatalf("%q is clearly %s but declared %q made it %s", title, langNames[l], declared, r.Language)
		}
	})
}
