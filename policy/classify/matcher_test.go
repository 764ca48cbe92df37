package classify

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// pool is a set of Vietnamese syllables, several of which fold alike
// (bắt bất bật, án an ăn, tòa toa), to build random lexicons and texts from.
var pool = strings.Fields("bắt bất bật giữ giam án an ăn dự toàn tòa toa nhà sự kiện dịch vụ cháy nổ " +
	"tai nạn giao thông không có thương vong người chết đầu tư hoà hòa bình thủy thuỷ khỏe khoẻ " +
	"điều tra công ty cổ phần của và là các một những được cho với đã sẽ đi về")

// buildLexicon compiles src (lexicon format) into a lexicon on a fresh dict.
func buildLexicon(t testing.TB, src string) (*lexicon, *dict) {
	t.Helper()
	d := newDict()
	l := &lexicon{name: "test"}
	if err := parseLexicon(l, src, ""); err != nil {
		t.Fatal(err)
	}
	if err := l.compile(d); err != nil {
		t.Fatal(err)
	}
	l.build(len(d.keys))
	return l, d
}

// naiveScan is the reference: at each position try every entry, keep the
// longest that matches (no punctuation inside), skip past it. Equal
// sequences are resolved as the trie builder does.
func naiveScan(l *lexicon, toks []token, folded bool) []match {
	var out []match
	for i := 0; i < len(toks); {
		best, bestLen := int32(-1), 0
		for e := range l.entries {
			if folded && !l.entries[e].foldable() {
				continue
			}
			ids := l.ids[e]
			if folded {
				ids = l.fids[e]
			}
			if len(ids) < bestLen || i+len(ids) > len(toks) {
				continue
			}
			ok := true
			for k, id := range ids {
				got := toks[i+k].id
				if folded {
					got = toks[i+k].fid
				}
				if got != id || (k > 0 && toks[i+k-1].punct&pBreak != 0) {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			switch {
			case len(ids) > bestLen || best < 0:
				best, bestLen = int32(e), len(ids)
			case !folded: // same sequence: the later line wins, unless a blocker came first
				if l.entries[best].kind != kindBlock {
					best = int32(e)
				}
			default: // folded: the weakest wins, a blocker beats all
				a, b := &l.entries[best], &l.entries[e]
				if a.kind != kindBlock && (b.kind == kindBlock || b.weight < a.weight) {
					best = int32(e)
				}
			}
		}
		if best >= 0 {
			out = append(out, match{entry: best, start: int32(i), end: int32(i + bestLen)})
			i += bestLen
		} else {
			i++
		}
	}
	return out
}

func stripMarks(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case r >= 0x300 && r <= 0x36f:
		case r == 'đ':
			b.WriteRune('d')
		case r == 'Đ':
			b.WriteRune('D')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestMatcherAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 150; round++ {
		// A random lexicon of 1–4 syllable phrases, some blockers.
		var src strings.Builder
		src.WriteString("[t]\n")
		for i := 0; i < 30; i++ {
			n := 1 + rng.IntN(4)
			var words []string
			for k := 0; k < n; k++ {
				words = append(words, pool[rng.IntN(len(pool))])
			}
			flag := ""
			if n == 1 && rng.IntN(3) == 0 {
				flag = " fold"
			}
			fmt.Fprintf(&src, "%s = %d%s\n", strings.Join(words, " "), 1+rng.IntN(3), flag)
		}
		src.WriteString("[neutral]\n")
		for i := 0; i < 5; i++ {
			fmt.Fprintf(&src, "%s %s = 0\n", pool[rng.IntN(len(pool))], pool[rng.IntN(len(pool))])
		}
		l, d := buildLexicon(t, src.String())
		for text := 0; text < 20; text++ {
			var b strings.Builder
			// Some texts run over the scan's chunks of 64 syllables, with
			// phrases across a chunk's end.
			words := 60
			if text%4 >= 2 {
				words = 130 + rng.IntN(70)
			}
			for k := 0; k < words; k++ {
				w := pool[rng.IntN(len(pool))]
				switch rng.IntN(6) {
				case 0:
					w = norm.NFD.String(w)
				case 1:
					w = strings.ToUpper(w)
				case 2:
					w = "xyz"
				}
				b.WriteString(w)
				b.WriteString([]string{" ", " ", " ", ", ", ". ", "\u00a0"}[rng.IntN(6)])
			}
			s := b.String()
			if text%2 == 1 {
				s = stripMarks(s)
			}
			tz := tokenizer{d: d, needFold: true}
			var st fieldStats
			tz.run(s, &st)
			for _, folded := range []bool{false, true} {
				tr := l.exact
				if folded {
					tr = l.folded
				}
				got := tr.scan(nil, tz.toks, folded)
				want := naiveScan(l, tz.toks, folded)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("round %d folded=%v\nlexicon:\n%s\ntext: %q\ntrie:  %v\nnaive: %v", round, folded, src.String(), s, got, want)
				}
			}
		}
	}
}

func TestMatcherBoundaries(t *testing.T) {
	l, d := buildLexicon(t, "[t]\nán = 1\nan = 1 fold\nbắt = 1\n[neutral]\ndự án = 0\nan toàn = 0\nbắt đầu = 0\n")
	cases := []struct {
		text   string
		folded bool
		want   []string
	}{
		{"Khởi công dự án mới", false, []string{"dự án"}},
		{"Tòa tuyên án", false, []string{"án"}},
		{"Bảo đảm an toàn", false, []string{"an toàn"}},
		{"bao dam an toan", true, []string{"an toàn"}},
		{"Bắt đầu bắt", false, []string{"bắt đầu", "bắt"}},
		{"bat dau", true, []string{"bắt đầu"}},
		{"dự, án", false, []string{"án"}}, // no phrase across punctuation
		{"khánh", false, nil},             // syllable boundaries: án is not inside khánh
	}
	for _, c := range cases {
		tz := tokenizer{d: d, needFold: true}
		var st fieldStats
		tz.run(c.text, &st)
		tr := l.exact
		if c.folded {
			tr = l.folded
		}
		var got []string
		for _, m := range tr.scan(nil, tz.toks, c.folded) {
			got = append(got, l.entries[m.entry].text)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%q (folded %v): matched %q, want %q", c.text, c.folded, got, c.want)
		}
	}
}

// A [neutral] phrase silences the same phrase scored in a later file (a
// seed list read after the lexicon), exact and folded.
func TestBlockerBeatsLaterLine(t *testing.T) {
	d := newDict()
	l := &lexicon{name: "test"}
	for _, src := range []string{"[neutral]\nof the\n", "[phrases]\nof the = 1\nthe most = 1\n"} {
		if err := parseLexicon(l, src, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.compile(d); err != nil {
		t.Fatal(err)
	}
	l.build(len(d.keys))
	var tz tokenizer
	tz.d = d
	var st fieldStats
	tz.run("one of the most", &st)
	for _, folded := range []bool{false, true} {
		tr := l.exact
		if folded {
			tr = l.folded
		}
		for _, m := range tr.scan(nil, tz.toks, folded) {
			if e := l.entries[m.entry]; e.kind != kindBlock && e.text == "of the" {
				t.Errorf("folded %v: %q scored", folded, e.text)
			}
		}
	}
}
