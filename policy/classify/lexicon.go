package classify

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"
)

// Entry kinds.
const (
	kindScore    uint8 = iota // adds its weight to its theme
	kindBlock                 // [neutral]: matched only to hide shorter phrases inside it
	kindNegation              // [negation]: negates the scoring phrase right after it
)

// Entry is one lexicon phrase.
type entry struct {
	text   string // as written in the lexicon
	shown  string // as evidence shows it (see shown)
	theme  int    // index in the lexicon's themes
	weight float64
	kind   uint8
	fold   int8  // -1: never match folded, +1: match folded even if one syllable
	start  bool  // only at the very start of the title
	end    bool  // only as the last words of the title
	alt    int32 // the same phrase without start/end, used where the position does not fit; -1 if none
	nsyl   int
}

// positional says whether the entry counts only at one end of the title.
func (e *entry) positional() bool { return e.start || e.end }

// at returns the entry that counts for a match of tokens [start, end) in a
// title of n tokens: e itself, its alternative when e's position does not
// fit, or -1.
func (l *lexicon) at(i int32, start, end, n int32) int32 {
	e := &l.entries[i]
	if (e.start && start != 0) || (e.end && end != n) {
		return e.alt
	}
	return i
}

// lexicon is a set of phrases grouped by theme, compiled into two tries:
// one over exact syllables, one over folded syllables (text without diacritics).
type lexicon struct {
	name    string
	themes  []string
	harm    []string // by theme: harmTheme of it, for evidence
	entries []entry
	ids     [][]uint32 // exact ids of each entry (for tests)
	fids    [][]uint32
	exact   *trie
	folded  *trie
}

// parseLexicon reads the lexicon format:
//
//	# comment
//	[theme]                 following entries belong to this theme
//	phrase = weight flags   weight defaults to 1; flags: nofold, fold, start, end
//
// "start" marks a phrase that counts only as the first words of the title,
// "end" one that counts only as its last words (before any closing
// punctuation). The same phrase may also appear without the flag, with its
// own weight and theme, for everywhere else.
//
// Themes named "neutral" and "negation" are special (see kindBlock, kindNegation).
// A plain list (one phrase a line, no "=") is read with defTheme and weight 1.
// Phrases holding a "<quote>" placeholder are skipped; "<d>" stands for any number.
func parseLexicon(l *lexicon, src, defTheme string) error {
	theme := -1
	if defTheme != "" {
		theme = l.theme(defTheme)
	}
	sc := bufio.NewScanner(strings.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if defTheme == "" {
			if i := strings.Index(line, "#"); i >= 0 {
				line = strings.TrimSpace(line[:i])
			}
		}
		if line == "" {
			continue
		}
		if defTheme == "" && strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			theme = l.theme(strings.TrimSpace(line[1 : len(line)-1]))
			continue
		}
		if theme < 0 {
			return fmt.Errorf("%s:%d: entry before any [theme]", l.name, n)
		}
		e := entry{theme: theme, weight: 1, alt: -1}
		phrase := line
		if defTheme == "" {
			if i := strings.LastIndex(line, "="); i >= 0 {
				phrase = strings.TrimSpace(line[:i])
				f := strings.Fields(line[i+1:])
				if len(f) == 0 {
					return fmt.Errorf("%s:%d: missing weight after =", l.name, n)
				}
				w, err := strconv.ParseFloat(f[0], 64)
				if err != nil {
					return fmt.Errorf("%s:%d: weight %q: %w", l.name, n, f[0], err)
				}
				e.weight = w
				for _, flag := range f[1:] {
					switch flag {
					case "nofold":
						e.fold = -1
					case "fold":
						e.fold = 1
					case "start":
						e.start = true
					case "end":
						e.end = true
					default:
						return fmt.Errorf("%s:%d: unknown flag %q", l.name, n, flag)
					}
				}
			}
		}
		if strings.Contains(phrase, "<quote>") {
			continue
		}
		switch l.themes[theme] {
		case "neutral":
			e.kind, e.weight = kindBlock, 0
		case "negation":
			e.kind = kindNegation
		}
		e.text, e.shown = phrase, shown(phrase)
		l.entries = append(l.entries, e)
	}
	return sc.Err()
}

func (l *lexicon) theme(name string) int {
	for i, t := range l.themes {
		if t == name {
			return i
		}
	}
	l.themes = append(l.themes, name)
	return len(l.themes) - 1
}

// numKey is the dict key every all-digit token maps to ("<d>" in lexicons).
const numKey = "\x08"

// compile turns entries into syllable ids (adding them to d). Call build
// once every lexicon sharing d has been compiled.
func (l *lexicon) compile(d *dict) error {
	var tz tokenizer
	tz.d = d
	tz.adding = true
	tz.needFold = true
	var st fieldStats
	for i := range l.entries {
		e := &l.entries[i]
		tz.toks = tz.toks[:0]
		tz.run(strings.ReplaceAll(e.text, "<d>", " 0 "), &st)
		if len(tz.toks) == 0 {
			return fmt.Errorf("%s: entry %q has no words", l.name, e.text)
		}
		ids := make([]uint32, len(tz.toks))
		fids := make([]uint32, len(tz.toks))
		for j, t := range tz.toks {
			ids[j], fids[j] = t.id, t.fid
		}
		e.nsyl = len(ids)
		l.ids = append(l.ids, ids)
		l.fids = append(l.fids, fids)
	}
	return nil
}

// foldable says whether an entry may match text typed without diacritics.
// One syllable folded is too ambiguous (bắt, bất, bật all fold to "bat"),
// so single syllables match folded only when marked "fold".
func (e *entry) foldable() bool {
	switch e.fold {
	case -1:
		return false
	case 1:
		return true
	}
	return e.nsyl > 1
}

func (l *lexicon) build(dictSize int) {
	l.harm = l.harm[:0]
	for _, th := range l.themes {
		l.harm = append(l.harm, harmTheme(th))
	}
	l.pairPositional()
	ex, fo := newTrieBuilder(), newTrieBuilder()
	// Same phrase twice: the later line wins in the exact trie, except that a
	// blocker ([neutral]) beats any line, wherever it is (a lexicon can so
	// silence a phrase of a seed list read after it), and that a positional
	// entry (start, end) stays and keeps the plain one as its alternative
	// (see pairPositional). In the folded trie, phrases that fold alike keep
	// the weakest (a blocker beats all), with the same exception.
	pair := func(old, new int32) (keepNew, done bool) {
		switch {
		case l.entries[new].alt == old:
			return true, true
		case l.entries[old].alt == new:
			return false, true
		}
		return false, false
	}
	later := func(old, new int32) bool {
		if keep, done := pair(old, new); done {
			return keep
		}
		return l.entries[old].kind != kindBlock
	}
	weaker := func(old, new int32) bool {
		if keep, done := pair(old, new); done {
			return keep
		}
		a, b := &l.entries[old], &l.entries[new]
		if a.kind == kindBlock {
			return false
		}
		if b.kind == kindBlock {
			return true
		}
		return b.weight < a.weight
	}
	for i := range l.entries {
		ex.insert(l.ids[i], int32(i), later)
	}
	for i := range l.entries {
		if l.entries[i].foldable() {
			fo.insert(l.fids[i], int32(i), weaker)
		}
	}
	l.exact = ex.build(dictSize)
	l.folded = fo.build(dictSize)
}

// pairPositional gives each positional entry (start, end) the plain entry
// of the same phrase, if any, as its alternative.
func (l *lexicon) pairPositional() {
	for i := range l.entries {
		e := &l.entries[i]
		if !e.positional() {
			continue
		}
		e.alt = -1
		for j := range l.entries {
			if o := &l.entries[j]; !o.positional() && o.text == e.text {
				e.alt = int32(j)
			}
		}
	}
}
