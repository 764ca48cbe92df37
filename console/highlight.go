package console

import (
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"gatekeeper/policy"
)

// segment is a run of text, marked when it matched evidence.
type segment struct {
	Text string
	Mark bool
}

// foldRune lower-cases r and strips its diacritics (đ → d), so "Tai Nạn",
// "tai nạn" and "tai nan" fold alike.
func foldRune(r rune) []rune {
	if r == 'đ' || r == 'Đ' {
		return []rune{'d'}
	}
	var out []rune
	for _, x := range norm.NFD.String(string(unicode.ToLower(r))) {
		if unicode.Is(unicode.Mn, x) {
			continue
		}
		out = append(out, x)
	}
	return out
}

// highlight splits text into segments, marking every occurrence of the
// phrases (whole words only, ignoring case and diacritics).
func highlight(text string, phrases []string) []segment {
	text = norm.NFC.String(text)
	orig := []rune(text)
	// folded text, with the index in orig of each folded rune.
	var folded []rune
	var at []int
	for i, r := range orig {
		for _, f := range foldRune(r) {
			folded = append(folded, f)
			at = append(at, i)
		}
	}
	marks := make([]bool, len(orig))
	for _, p := range phrases {
		var fp []rune
		for _, r := range norm.NFC.String(strings.TrimSpace(p)) {
			fp = append(fp, foldRune(r)...)
		}
		if len(fp) == 0 {
			continue
		}
		for i := 0; i+len(fp) <= len(folded); i++ {
			if !runesEqual(folded[i:i+len(fp)], fp) {
				continue
			}
			if i > 0 && isWordRune(folded[i-1]) && isWordRune(fp[0]) {
				continue
			}
			end := i + len(fp)
			if end < len(folded) && isWordRune(folded[end]) && isWordRune(fp[len(fp)-1]) {
				continue
			}
			for k := at[i]; k <= at[end-1]; k++ {
				marks[k] = true
			}
		}
	}
	var segs []segment
	start := 0
	for i := 1; i <= len(orig); i++ {
		if i == len(orig) || marks[i] != marks[start] {
			segs = append(segs, segment{Text: string(orig[start:i]), Mark: marks[start]})
			start = i
		}
	}
	return segs
}

func runesEqual(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// evidencePhrases returns the distinct evidence phrases found in the given
// fields (title, excerpt, content), longest first.
func evidencePhrases(ev []policy.Evidence) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range ev {
		switch e.Field {
		case "title", "excerpt", "content", "":
		default:
			continue
		}
		k := strings.ToLower(strings.TrimSpace(e.Text))
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, e.Text)
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// paragraphs splits text on blank lines and highlights each.
func paragraphs(text string, phrases []string) [][]segment {
	var out [][]segment
	for _, p := range strings.Split(text, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, highlight(p, phrases))
		}
	}
	return out
}
