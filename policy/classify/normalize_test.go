package classify

import (
	"sync"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestNormalize(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"NFC", "Hòa bình", "hoà bình"},
		{"NFD", norm.NFD.String("Hòa bình"), "hoà bình"},
		{"NFD with modifier and tone", "Ngu\u031b\u0300o\u031b\u0300i", "người"},
		{"old and new tone placement", "hòa hoà thủy thuỷ khỏe khoẻ", "hoà hoà thuỷ thuỷ khoẻ khoẻ"},
		{"upper case Đ Ư", "ĐƯỜNG PHỐ", "đường phố"},
		{"named entities", "T&agrave;i n&#7841;n &amp; ch&aacute;y", "tài nạn cháy"},
		{"hex entity", "Ph&#xE1;p lu&#x1EAD;t", "pháp luật"},
		{"tags and script", `<p class="x">Tin <b>mới</b></p><script>var a="giết";</script>`, "tin mới"},
		{"comment", "a<!-- giết -->b", "a b"},
		{"nbsp and zero width", "an\u00a0to\u200bàn", "an toàn"},
		{"soft hyphen", "thương\u00advong", "thươngvong"},
		{"punctuation dropped", "“Sốc”: 5 điều…!?", "sốc 5 điều"},
		{"not a tag", "giá < 5 triệu", "giá 5 triệu"},
		{"unknown entity kept out", "a &foo; b", "a foo b"},
		{"qu and gi", "QUẢ GIỮ gì quốc", "quả giữ gì quốc"},
		{"invalid UTF-8", "a\xffb", "a b"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := string(normalize(nil, c.in)); got != c.want {
				t.Errorf("normalize(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// Every spelling of the same words reaches the same syllable ids.
func TestSpellingsMeet(t *testing.T) {
	c := Default()
	ids := func(s string) []uint32 {
		tz := tokenizer{d: c.d}
		var st fieldStats
		tz.run(s, &st)
		var out []uint32
		for _, tk := range tz.toks {
			out = append(out, tk.id)
		}
		return out
	}
	base := ids("hỏa hoạn")
	if base[0] == 0 {
		t.Fatal("hỏa not in the dictionary")
	}
	for _, v := range []string{"hoả hoạn", norm.NFD.String("hỏa hoạn"), norm.NFD.String("hoả hoạn"),
		"HỎA HOẠN", "h&#7887;a ho&#7841;n", "hỏa\u00a0hoạn", "h\u200bỏa hoạn", "<i>hỏa</i> hoạn"} {
		got := ids(v)
		if len(got) != len(base) || got[0] != base[0] || got[1] != base[1] {
			t.Errorf("%q: ids %v, want %v", v, got, base)
		}
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Hòa bình", norm.NFD.String("Thủy điện Hoà Bình"), "&aacute;&#7841;&#xE1;&amp;aacute;",
		"<p>a</p><script>x</script>", "an\u00a0to\u200bàn", "ĐƯỜNG", "a\xffb\xc3", "o\u031b\u0302\u0300", "qu\u0309", "gi\u0303"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := normalize(nil, s)
		if !utf8.Valid(once) {
			t.Fatalf("normalize(%q) = %q: not valid UTF-8", s, once)
		}
		if twice := normalize(nil, string(once)); string(twice) != string(once) {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, once, twice)
		}
	})
}

var (
	plainDictOnce sync.Once
	plainDict     *dict
)

// normalize appends to dst the text as the classifier reads it: HTML tags
// (and script/style contents) removed, entities decoded, zero-width
// characters dropped, lower case, Unicode NFC with the tone mark on the
// vowel the modern rule picks (hòa and hoà both give "hoà"), words joined by
// single spaces, punctuation and symbols dropped. Words longer than 38 bytes
// are dropped. The result is valid UTF-8 and normalize(normalize(s)) ==
// normalize(s).
func normalize(dst []byte, s string) []byte {
	plainDictOnce.Do(func() { plainDict = newDict() })
	t := tokenizer{d: plainDict, rendering: true, out: dst, needFold: true}
	var st fieldStats
	t.run(s, &st)
	return t.out
}
