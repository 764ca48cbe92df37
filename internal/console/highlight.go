package console

import (
	"html"
	"sort"
	"strings"
	"unicode"

	"gatekeeper/policy"
	"gatekeeper/policy/classify"

	"golang.org/x/text/unicode/norm"
)

// Marks a segment can carry.
const (
	markNone = ""
	markTone = "tone" // words that made the post negative
	markSens = "sens" // words that made the headline sensational
)

// segment is a run of text, marked when it matched evidence.
type segment struct {
	Text string
	Mark string
}

// cueOf returns the structural headline cue (a question, an exclamation…)
// an item of evidence names, "" for words of the post. Older snapshots write
// such a cue as Text starting with "#".
func cueOf(e policy.Evidence) string {
	if e.Cue != "" {
		return strings.TrimPrefix(e.Cue, "#")
	}
	if t := strings.TrimSpace(e.Text); strings.HasPrefix(t, "#") {
		return strings.TrimPrefix(t, "#")
	}
	return ""
}

// evidenceView is one evidence chip on a page.
type evidenceView struct {
	Text  string // the words, or the cue's label
	Cue   bool   // a structural headline cue (shown as a label, not highlighted)
	Field string // title, excerpt, content, category, declared_tone
}

// cueLabel names a structural headline cue for people.
func cueLabel(code, lang string) string {
	if _, ok := messages["cue."+code]; ok {
		return tr(lang, "cue."+code)
	}
	if l := classify.CueLabel(code, lang); l != "" && l != code {
		return l
	}
	return tr(lang, "cue.generic", code)
}

// evidenceViews turns evidence into chips: distinct phrases of the post,
// the category or declared tone that decided it, and cues by their label.
func evidenceViews(lang string, ev []policy.Evidence) []evidenceView {
	var out []evidenceView
	seen := map[string]bool{}
	for _, e := range ev {
		var v evidenceView
		switch {
		case cueOf(e) != "":
			v = evidenceView{Text: cueLabel(cueOf(e), lang), Cue: true, Field: e.Field}
		case e.Field == "category":
			v = evidenceView{Text: tr(lang, "ev.category"), Cue: true, Field: e.Field}
		case e.Field == "declared_tone":
			v = evidenceView{Text: tr(lang, "ev.declared"), Cue: true, Field: e.Field}
		default:
			t := strings.Join(strings.Fields(html.UnescapeString(e.Text)), " ")
			if t == "" {
				continue
			}
			v = evidenceView{Text: t, Field: e.Field}
		}
		k := foldString(v.Text)
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, v)
	}
	return out
}

// evidencePhrases returns the distinct phrases of the post (title, excerpt,
// content) to highlight, longest first. A negated phrase ("không … tai
// nạn") gives its parts; cues, categories and declared tones give none.
func evidencePhrases(ev []policy.Evidence) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range ev {
		switch e.Field {
		case "title", "excerpt", "content", "":
		default:
			continue
		}
		if cueOf(e) != "" {
			continue
		}
		// "không … tai nạn": the words the negation softened are marked,
		// not every "không" of the post.
		parts := strings.Split(html.UnescapeString(e.Text), "…")
		part := strings.TrimSpace(parts[len(parts)-1])
		k := foldString(part)
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, part)
	}
	sort.SliceStable(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// foldRune appends r folded to out: lower case, diacritics stripped (đ → d),
// so "Tai Nạn", "tai nạn" and "tai nan" fold alike. Combining marks and
// invisible format characters (soft hyphen, zero-width space) fold to
// nothing; every kind of space folds to ' '.
func foldRune(out []rune, r rune) []rune {
	switch {
	case r == 'đ' || r == 'Đ':
		return append(out, 'd')
	case unicode.IsSpace(r):
		return append(out, ' ')
	case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Cf, r):
		return out
	case r < 0x80:
		return append(out, unicode.ToLower(r))
	}
	for _, x := range norm.NFD.String(string(unicode.ToLower(r))) {
		if !unicode.Is(unicode.Mn, x) {
			out = append(out, x)
		}
	}
	return out
}

// foldString folds s for comparisons, runs of spaces as one.
func foldString(s string) string {
	var out []rune
	for _, r := range norm.NFC.String(s) {
		n := len(out)
		out = foldRune(out, r)
		if len(out) == n+1 && out[n] == ' ' && (n == 0 || out[n-1] == ' ') {
			out = out[:n]
		}
	}
	return strings.TrimSpace(string(out))
}

// highlight splits text into segments, marking every occurrence of the
// tone phrases (and of the sensational phrases, where no tone phrase is):
// whole words only, ignoring case, diacritics, NFC/NFD, the placement of
// tone marks and runs of spaces. Phrases that do not occur mark nothing;
// overlapping phrases mark their union.
func highlight(text string, phrases []string, sens ...string) []segment {
	text = norm.NFC.String(text)
	orig := []rune(text)
	// folded text, with the index in orig of each folded rune; a run of
	// spaces folds to one.
	folded := make([]rune, 0, len(orig))
	at := make([]int, 0, len(orig))
	for i, r := range orig {
		n := len(folded)
		folded = foldRune(folded, r)
		if len(folded) == n+1 && folded[n] == ' ' && n > 0 && folded[n-1] == ' ' {
			folded = folded[:n]
			continue
		}
		for range len(folded) - n {
			at = append(at, i)
		}
	}
	marks := make([]string, len(orig))
	apply := func(list []string, kind string) {
		for _, p := range list {
			fp := []rune(foldString(html.UnescapeString(p)))
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
				last := at[end-1]
				// Marks that belong to the last letter go with it.
				for last+1 < len(orig) && unicode.Is(unicode.Mn, orig[last+1]) {
					last++
				}
				for k := at[i]; k <= last; k++ {
					if marks[k] == markNone {
						marks[k] = kind
					}
				}
			}
		}
	}
	apply(phrases, markTone)
	apply(sens, markSens)
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
