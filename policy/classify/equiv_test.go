package classify

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"gatekeeper/policy"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.txt")

// genPool: syllables and pieces that exercise every path of the tokenizer.
var genPool = strings.Fields("người Người NGƯỜI nguời hoà hòa Hoà thuỷ thủy khoẻ khỏe bắt bất " +
	"giữ án cháy nổ tai nạn giao thông không có thương vong đường Đường ĐƯỜNG nghiêng trường " +
	"the police arrest gunman you won't believe this 2025 24/6 1.000 3,5 " +
	"t&#7841;i n&#7841;n &aacute;n &amp; &nbsp; &#xE1; &bogus; <b>kh</b>ởi <p> </p> <br/> <script>x</script> " +
	"don't l'eau ‘quote’ “dấu” «x» … ... ? ! : ; , – — | ( ) [ ] " +
	"Antidisestablishmentarianismxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx Москва 東京 ﬁ")

// genText builds a pseudo-random text: pool words, some in NFD, with
// zero-width characters, non-breaking spaces and stray bytes.
func genText(r *rand.Rand, words int) string {
	var b strings.Builder
	for i := 0; i < words; i++ {
		w := genPool[r.IntN(len(genPool))]
		switch r.IntN(12) {
		case 0:
			w = norm.NFD.String(w)
		case 1:
			w = strings.ToUpper(w)
		case 2:
			w += "\u200b"
		case 3:
			w = stripMarks(w)
		}
		b.WriteString(w)
		switch r.IntN(20) {
		case 0:
			b.WriteString("\u00a0")
		case 1:
			b.WriteString("\n")
		case 2:
			b.WriteString("\xff")
		case 3:
			b.WriteString("")
		default:
			b.WriteString(" ")
		}
	}
	return b.String()
}

func genTexts(n int) []policy.Text {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([]policy.Text, n)
	for i := range out {
		out[i] = policy.Text{Title: genText(r, 3+r.IntN(20)), Excerpt: genText(r, r.IntN(40)), Content: genText(r, r.IntN(300))}
		if i%5 == 0 {
			out[i].Language = "vi"
		}
	}
	return out
}

// runRef is the reference tokenizer: every character decoded with the
// standard library and handed to feed, none of run's fast paths.
func (t *tokenizer) runRef(s string, st *fieldStats) {
	t.reset()
	t.st = st
	st.start = len(t.toks)
	t.dots = 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		info := lookupInfo(r)
		i += size
		switch info.kind {
		case kLT:
			if n, stop := skipTag(s[i-1:]); n > 0 {
				t.end()
				if stop {
					t.punct(pStop | pBreak)
				}
				i += n - 1
			} else {
				t.end()
				t.dots = 0
			}
		case kAmp:
			if er, n := entity(s[i-1:]); n > 0 {
				i += n - 1
				t.feed(er, lookupInfo(er), s, i)
			} else {
				t.feed(r, info, s, i)
			}
		default:
			t.feed(r, info, s, i)
		}
	}
	t.end()
	st.end = len(t.toks)
}

// The optimised tokenizer gives the same tokens, keys and counts as the
// reference, on the dev texts (when present) and on generated text.
func TestTokenizerMatchesReference(t *testing.T) {
	c := Default()
	texts := genTexts(300)
	if dev, err := readJSONL(filepath.Join(devData(), "tone", "vi_news_dev.jsonl")); err == nil {
		texts = append(texts, dev...)
	} else {
		t.Logf("dev data not found (%v): generated text only", err)
	}
	fast := tokenizer{d: c.d, record: true, cache: new(tokenCache)}
	ref := tokenizer{d: c.d, record: true}
	n := 0
	for _, tx := range texts {
		for _, s := range []string{tx.Title, tx.Excerpt, tx.Content} {
			for _, fold := range []bool{false, true} {
				fast.toks, fast.keys, fast.needFold = fast.toks[:0], fast.keys[:0], fold
				ref.toks, ref.keys, ref.needFold = ref.toks[:0], ref.keys[:0], fold
				var a, b fieldStats
				fast.run(s, &a)
				ref.runRef(s, &b)
				if !reflect.DeepEqual(fast.toks, ref.toks) || !reflect.DeepEqual(fast.keys, ref.keys) || a != b {
					t.Fatalf("fold %v, %.80q:\nfast %v %v %+v\nref  %v %v %+v", fold, s, fast.toks, fast.keys, a, ref.toks, ref.keys, b)
				}
				n++
			}
		}
	}
	t.Logf("%d fields compared", n)
}

func readJSONL(path string) ([]policy.Text, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []policy.Text
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 8<<20)
	for sc.Scan() {
		var r struct{ Title, Excerpt, Content, Language string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, err
		}
		out = append(out, policy.Text{Title: r.Title, Excerpt: r.Excerpt, Content: r.Content, Language: r.Language})
	}
	return out, sc.Err()
}

// digest hashes every result and model input the classifier gives for texts.
func digest(c *Classifier, texts []policy.Text) string {
	h := fnv.New64a()
	enc := json.NewEncoder(h)
	for _, tx := range texts {
		lang, tone, sens := c.Features(tx)
		fmt.Fprintf(h, "%s %v %v\n", lang, tone, sens)
		enc.Encode(c.Classify(tx))
	}
	return fmt.Sprintf("%016x", h.Sum64())
}

// The classifier's results, evidence and model inputs are exactly what they
// were when testdata/golden.txt was written: a speed-up must not change
// them. After a deliberate change (lexicon, model, cues), rewrite it with
//
//	go test ./policy/classify -run TestGolden -update
func TestGolden(t *testing.T) {
	c := Default()
	sets := map[string][]policy.Text{"generated": genTexts(500)}
	for _, f := range []string{"tone/vi_news_dev.jsonl", "clickbait/vi_clickbait_dev.jsonl", "clickbait/en_clickbait_dev.jsonl"} {
		if texts, err := readJSONL(filepath.Join(devData(), f)); err == nil {
			sets[f] = texts
		} else {
			t.Logf("%s: %v (not compared)", f, err)
		}
	}
	path := filepath.Join("testdata", "golden.txt")
	want := map[string]string{}
	if b, err := os.ReadFile(path); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) == 2 && !strings.HasPrefix(line, "#") {
				want[f[0]] = f[1]
			}
		}
	}
	got := map[string]string{}
	for name, texts := range sets {
		got[name] = digest(c, texts)
	}
	if *update {
		for k, v := range got {
			want[k] = v
		}
		var b strings.Builder
		b.WriteString("# Digests of the classifier's output (see TestGolden). Rewrite with -update.\n")
		for _, k := range []string{"generated", "tone/vi_news_dev.jsonl", "clickbait/vi_clickbait_dev.jsonl", "clickbait/en_clickbait_dev.jsonl"} {
			if v, ok := want[k]; ok {
				fmt.Fprintf(&b, "%s %s\n", k, v)
			}
		}
		if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	for name, g := range got {
		w, ok := want[name]
		if !ok {
			t.Errorf("%s: no digest in %s (run with -update)", name, path)
			continue
		}
		if g != w {
			t.Errorf("%s: results changed (digest %s, want %s)", name, g, w)
		}
	}
}

// compareTokenizers runs the optimised tokenizer (cache warm from earlier
// calls) and the reference on s, with and without folding.
func compareTokenizers(t *testing.T, fast, ref *tokenizer, s string) {
	t.Helper()
	for _, fold := range []bool{false, true} {
		for _, record := range []bool{false, true} {
			fast.toks, fast.keys, fast.needFold, fast.record = fast.toks[:0], fast.keys[:0], fold, record
			ref.toks, ref.keys, ref.needFold, ref.record = ref.toks[:0], ref.keys[:0], fold, record
			var a, b fieldStats
			fast.run(s, &a)
			ref.runRef(s, &b)
			if !slices.Equal(fast.toks, ref.toks) || !slices.Equal(fast.keys, ref.keys) || a != b {
				t.Fatalf("fold %v record %v, %.80q:\nfast %.200v %.200v %+v\nref  %.200v %.200v %+v", fold, record, s, fast.toks, fast.keys, a, ref.toks, ref.keys, b)
			}
		}
	}
}

// A field long enough that the packed counts of cached words are added to
// the field's stats many times over (statsFull) still counts like the reference.
func TestTokenizerLongFieldCounts(t *testing.T) {
	c := Default()
	fast := &tokenizer{d: c.d, cache: new(tokenCache)}
	ref := &tokenizer{d: c.d}
	s := strings.Repeat("Người dân xã Đắk Pék phấn khởi, the gold seek fix đón mùa cà phê bội thu. ", 1200)
	compareTokenizers(t, fast, ref, s)
	var st fieldStats
	fast.toks, fast.record, fast.needFold = fast.toks[:0], false, false
	fast.run(s, &st)
	if st.letters < 3*(1<<statBits) {
		t.Fatalf("only %d letters: the packed counts were not flushed more than twice", st.letters)
	}
}

// The loop over cached words (cachedRun) hands over to the general path
// exactly where it must: after every byte below '0' that may follow a word
// ('&' and the apostrophe, which do not end a simple word, among them), at
// words of one to nine bytes, inside ellipses, and when the token buffer has
// no room left, which it never grows.
func TestCachedRunSeparators(t *testing.T) {
	c := Default()
	var b strings.Builder
	for sep := 0; sep < '0'; sep++ {
		for _, w := range []string{"a", "xã", "ngày", "nghiêng", "trường", "abcdefgh", "abcdefghi", "Người"} {
			b.WriteString(w)
			b.WriteByte(byte(sep))
			b.WriteString(w)
			b.WriteString(" ")
		}
	}
	s := b.String() + "đi... về.. rồi .x. y.z, “dấu” 3,5 24/6 (hỏi)? hết. xã \x00 xã \x00\x00xã "
	fast := &tokenizer{d: c.d, cache: new(tokenCache)}
	ref := &tokenizer{d: c.d}
	start := "người học và bệnh viện, xã "
	var st fieldStats
	fast.run(start+s, &st) // every simple word is in the cache now
	fast.toks = fast.toks[:0]
	if i := fast.cachedRun(start, 0); i != len("người học và bệnh viện, ") {
		t.Fatalf("cachedRun stopped at %d of %q", i, start)
	}
	for _, room := range []int{0, 1, 2, 5, 1000} {
		fast.toks = make([]token, 0, room)
		compareTokenizers(t, fast, ref, s)
	}
}

// The optimised tokenizer matches the reference on any text, in particular
// near the end of a string where the eight-byte scan cannot read ahead.
func FuzzTokenizerMatchesReference(f *testing.F) {
	for _, s := range []string{"Hòa bình", "trường học.", "a b", "người dân", "xã Đắk Pék phấn khởi, ", "abcdefgh", "abcdefghi",
		"đường", "ĐƯỜNG!", "a\xffb\xc3", "o\u031b\u0302\u0300", "ph\u00e2\u0301n", "x&amp;y", "<p>a</p>b", "12ab 3.5"} {
		f.Add(s)
	}
	c := Default()
	fast := &tokenizer{d: c.d, cache: new(tokenCache)}
	ref := &tokenizer{d: c.d}
	f.Fuzz(func(t *testing.T, s string) {
		compareTokenizers(t, fast, ref, s)
	})
}
