package evaluate

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"unicode/utf8"

	"gatekeeper/policy"
)

// Gold labels of the dev data (see shared/data/README.md beside the repository).
const (
	goldNegative     = "negative"
	goldNonNegative  = "non_negative"
	goldMixed        = "mixed"
	goldClickbait    = "clickbait"
	goldNotClickbait = "not_clickbait"
)

// Counts is a binary confusion matrix.
type Counts struct{ TP, FP, FN, TN int }

// Add records one item.
func (c *Counts) Add(gold, predicted bool) {
	switch {
	case gold && predicted:
		c.TP++
	case predicted:
		c.FP++
	case gold:
		c.FN++
	default:
		c.TN++
	}
}

// N is the number of items counted.
func (c Counts) N() int { return c.TP + c.FP + c.FN + c.TN }

// PRF returns precision, recall and F1 (0 when undefined).
func (c Counts) PRF() (p, r, f float64) {
	if c.TP == 0 {
		return 0, 0, 0
	}
	p = float64(c.TP) / float64(c.TP+c.FP)
	r = float64(c.TP) / float64(c.TP+c.FN)
	return p, r, 2 * p * r / (p + r)
}

// Report is what RunEval measured.
type Report struct {
	Rows     int
	Skipped  int // unknown labels and bad lines
	Tone     Counts
	Mixed    int
	MixedNeg int            // mixed rows flagged negative
	ToneGrid map[string]int // "gold→predicted label" counts, borderline counted apart
	Border   map[string]int // gold label → borderline count
	Bait     Counts
	// Sensitivity is the setting the sensational flag was read at (Bait,
	// Flagged): a score at or above its threshold is flagged, as the gate
	// treats it for an outlet so set.
	Sensitivity policy.Sensitivity
	// BaitAt and FlaggedAt are Bait and Flagged at every sensitivity.
	BaitAt    map[policy.Sensitivity]*Counts
	FlaggedAt map[policy.Sensitivity]int
	// Flagged counts the tone rows whose headline was flagged sensational
	// (the flag rate on ordinary news); FlaggedByGold splits it by label.
	Flagged       int
	FlaggedByGold map[string]int
	GoldRows      map[string]int
	// Languages counts the language each row was read in.
	Languages map[string]int
	// Tones is the three-tone confusion ("gold→label") of rows that carry a
	// tone label (the regression set).
	Tones  map[string]int
	misses []miss
}

type miss struct {
	id, kind, gold, got, title string
	conf                       float64 // confidence in the wrong answer
	ev                         []policy.Evidence
}

// Options are how RunEval and Evaluate score.
type Options struct {
	// Worst is how many of the most confident wrong answers to list.
	Worst int
	// Sensitivity is the setting at which a headline counts as flagged
	// (policy.Rules.Sensational); "" is the default, normal.
	Sensitivity policy.Sensitivity
}

// RunEval scores c on the labelled JSON Lines at path (the dev data's
// format: tone rows labelled negative / non_negative / mixed, click-bait rows
// clickbait / not_clickbait) and writes a report to out: precision, recall
// and F1 of "negative" against the rest (mixed rows left out, the share
// flagged among them shown), of the click-bait flag at opt.Sensitivity, the
// flag rate on tone rows, the language each row was read in, the confusion
// matrices, and the worst misses with their evidence. Lines that cannot be
// read are counted and make it return an error after the report.
func RunEval(ctx context.Context, path string, out io.Writer, c policy.Classifier, opt Options) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("eval: %w", err)
	}
	defer f.Close()
	rep, bad, err := Evaluate(ctx, f, c, opt)
	if err != nil {
		return fmt.Errorf("eval %s: %w", path, err)
	}
	rep.Write(out, path, opt.Worst)
	if len(bad) > 0 {
		return fmt.Errorf("eval %s: %d bad lines (first: %s)", path, len(bad), bad[0])
	}
	return nil
}

// Evaluate scores c on labelled JSON Lines read from in; bad describes lines
// that could not be used.
func Evaluate(ctx context.Context, in io.Reader, c policy.Classifier, opt Options) (*Report, []string, error) {
	rep := &Report{ToneGrid: map[string]int{}, Border: map[string]int{}, FlaggedByGold: map[string]int{},
		GoldRows: map[string]int{}, Languages: map[string]int{}, Tones: map[string]int{},
		Sensitivity: opt.Sensitivity.OrDefault(), BaitAt: map[policy.Sensitivity]*Counts{}, FlaggedAt: map[policy.Sensitivity]int{}}
	for _, s := range policy.Sensitivities {
		rep.BaitAt[s] = &Counts{}
	}
	var bad []string
	lr := newLineReader(in)
	for {
		if lr.n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
		}
		line, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		if isBlank(line) {
			continue
		}
		p, err := parsePost(line)
		if lr.long {
			err = fmt.Errorf("line longer than %d bytes", MaxLine)
		}
		if err == nil && !knownLabel(p.Label) {
			err = fmt.Errorf("unknown label %q", p.Label)
		}
		if err != nil {
			rep.Skipped++
			bad = append(bad, fmt.Sprintf("line %d: %v", lr.n, err))
			continue
		}
		rep.Rows++
		r := c.Classify(policy.Text{Title: p.Title, Excerpt: p.Excerpt, Content: p.Content,
			Categories: p.Categories, Language: p.Language})
		rep.add(p, r)
	}
	sort.Slice(rep.misses, func(i, j int) bool { return rep.misses[i].conf > rep.misses[j].conf })
	return rep, bad, nil
}

func knownLabel(l string) bool {
	switch l {
	case goldNegative, goldNonNegative, goldMixed, goldClickbait, goldNotClickbait:
		return true
	}
	return false
}

// flagged says whether a sensational score is flagged at sensitivity s.
func flagged(s policy.Sensitivity, score float64) bool {
	return policy.Rules{SensationalSensitivity: s}.Sensational(score)
}

func (rep *Report) add(p post, r policy.Classification) {
	rep.Languages[r.Language]++
	if p.Tone != "" {
		rep.Tones[p.Tone+"→"+string(r.Tone.Label)]++
	}
	flag := flagged(rep.Sensitivity, r.Sensational.Score)
	bait := func(gold bool) {
		rep.Bait.Add(gold, flag)
		for _, s := range policy.Sensitivities {
			rep.BaitAt[s].Add(gold, flagged(s, r.Sensational.Score))
		}
	}
	if p.Sensational != nil {
		bait(*p.Sensational)
	}
	switch p.Label {
	case goldNegative, goldNonNegative, goldMixed:
		neg := r.Tone.Label == policy.Negative
		pNeg := r.Tone.Score
		if !neg {
			pNeg = 1 - pNeg
		}
		rep.ToneGrid[p.Label+"→"+string(r.Tone.Label)]++
		rep.GoldRows[p.Label]++
		if flag {
			rep.Flagged++
			rep.FlaggedByGold[p.Label]++
		}
		for _, s := range policy.Sensitivities {
			if flagged(s, r.Sensational.Score) {
				rep.FlaggedAt[s]++
			}
		}
		if r.Tone.Borderline {
			rep.Border[p.Label]++
		}
		if p.Label == goldMixed {
			rep.Mixed++
			if neg {
				rep.MixedNeg++
			}
			return
		}
		gold := p.Label == goldNegative
		rep.Tone.Add(gold, neg)
		if gold != neg {
			conf := pNeg
			if gold {
				conf = 1 - pNeg
			}
			rep.misses = append(rep.misses, miss{id: string(p.ID), kind: "tone", gold: p.Label,
				got: string(r.Tone.Label), title: p.Title, conf: conf, ev: r.Tone.Evidence})
		}
	default:
		gold := p.Label == goldClickbait
		got := flag
		bait(gold)
		if gold != got {
			conf := r.Sensational.Score
			label := goldClickbait
			if gold {
				conf, label = 1-conf, goldNotClickbait
			}
			rep.misses = append(rep.misses, miss{id: string(p.ID), kind: "clickbait", gold: p.Label,
				got: label, title: p.Title, conf: conf, ev: r.Sensational.Evidence})
		}
	}
}

// Write prints the report.
func (rep *Report) Write(w io.Writer, name string, worst int) {
	fmt.Fprintf(w, "%s: %d rows scored, %d skipped\n", name, rep.Rows, rep.Skipped)
	if len(rep.Languages) > 0 {
		var parts []string
		for _, l := range sortedKeys(rep.Languages) {
			parts = append(parts, fmt.Sprintf("%s %d", l, rep.Languages[l]))
		}
		fmt.Fprintf(w, "language used: %s\n", strings.Join(parts, ", "))
	}
	if n := rep.Tone.N() + rep.Mixed; n > 0 {
		p, r, f := rep.Tone.PRF()
		fmt.Fprintf(w, "\ntone, negative vs non_negative (%d rows): precision %.3f  recall %.3f  F1 %.3f  accuracy %.3f\n",
			rep.Tone.N(), p, r, f, acc(rep.Tone))
		if rep.Mixed > 0 {
			fmt.Fprintf(w, "mixed (not scored): %d rows, %.1f%% flagged negative\n", rep.Mixed, 100*float64(rep.MixedNeg)/float64(rep.Mixed))
		}
		fmt.Fprintf(w, "%-14s %10s %10s %10s %11s\n", "gold \\ label", "negative", "neutral", "positive", "borderline")
		for _, g := range []string{goldNegative, goldNonNegative, goldMixed} {
			row := rep.ToneGrid[g+"→negative"] + rep.ToneGrid[g+"→neutral"] + rep.ToneGrid[g+"→positive"]
			if row == 0 {
				continue
			}
			fmt.Fprintf(w, "%-14s %10d %10d %10d %11d\n", g, rep.ToneGrid[g+"→negative"], rep.ToneGrid[g+"→neutral"],
				rep.ToneGrid[g+"→positive"], rep.Border[g])
		}
	}
	if n := rep.Tone.N() + rep.Mixed; n > 0 {
		fmt.Fprintf(w, "sensational flag on tone rows at sensitivity %s: %d of %d (%.1f%%)", rep.Sensitivity, rep.Flagged, n, pct(rep.Flagged, n))
		for _, g := range []string{goldNegative, goldNonNegative, goldMixed} {
			if rep.GoldRows[g] > 0 {
				fmt.Fprintf(w, "; %s %.1f%%", g, pct(rep.FlaggedByGold[g], rep.GoldRows[g]))
			}
		}
		fmt.Fprintln(w)
		var parts []string
		for _, s := range policy.Sensitivities {
			parts = append(parts, fmt.Sprintf("%s (≥ %.2f) %.1f%%", s, float64(s.Threshold())/10000, pct(rep.FlaggedAt[s], n)))
		}
		fmt.Fprintf(w, "flag rate by sensitivity: %s\n", strings.Join(parts, ", "))
	}
	if len(rep.Tones) > 0 {
		tones := []string{"negative", "neutral", "positive"}
		fmt.Fprintf(w, "\nthree tones (%d rows):\n%-14s %10s %10s %10s %10s %8s %8s\n", rep.Rows, "gold \\ label", "negative", "neutral", "positive", "", "precision", "recall")
		for _, g := range tones {
			var row, col int
			for _, l := range tones {
				row += rep.Tones[g+"→"+l]
				col += rep.Tones[l+"→"+g]
			}
			tp := rep.Tones[g+"→"+g]
			fmt.Fprintf(w, "%-14s %10d %10d %10d %10s %8.3f %8.3f\n", g, rep.Tones[g+"→negative"], rep.Tones[g+"→neutral"],
				rep.Tones[g+"→positive"], "", ratio(tp, col), ratio(tp, row))
		}
	}
	if rep.Bait.N() > 0 {
		p, r, f := rep.Bait.PRF()
		fmt.Fprintf(w, "\nclick-bait at sensitivity %s (%d rows): precision %.3f  recall %.3f  F1 %.3f  accuracy %.3f\n",
			rep.Sensitivity, rep.Bait.N(), p, r, f, acc(rep.Bait))
		var parts []string
		for _, s := range policy.Sensitivities {
			p, r, f := rep.BaitAt[s].PRF()
			parts = append(parts, fmt.Sprintf("%s P %.3f R %.3f F1 %.3f", s, p, r, f))
		}
		fmt.Fprintf(w, "click-bait by sensitivity: %s\n", strings.Join(parts, "; "))
		fmt.Fprintf(w, "%-14s %10s %10s\n", "gold \\ flag", "flagged", "not")
		fmt.Fprintf(w, "%-14s %10d %10d\n", goldClickbait, rep.Bait.TP, rep.Bait.FN)
		fmt.Fprintf(w, "%-14s %10d %10d\n", goldNotClickbait, rep.Bait.FP, rep.Bait.TN)
	}
	if worst > 0 && len(rep.misses) > 0 {
		fmt.Fprintf(w, "\nworst misses (most confident wrong answers):\n")
		for i, m := range rep.misses {
			if i == worst {
				break
			}
			fmt.Fprintf(w, "%3d. %s [%s] gold %s, got %s (%.2f): %s\n", i+1, m.id, m.kind, m.gold, m.got, m.conf, cut(m.title, 110))
			var parts []string
			for j, e := range m.ev {
				if j == 6 {
					break
				}
				s := fmt.Sprintf("%s(%s %+.2f)", e.Text, e.Field, e.Weight)
				if e.Cue != "" {
					s = fmt.Sprintf("#%s «%s»(%s %+.2f)", e.Cue, e.Text, e.Field, e.Weight)
				}
				if e.Folded {
					s += "~"
				}
				parts = append(parts, s)
			}
			if len(parts) == 0 {
				parts = []string{"(no evidence)"}
			}
			fmt.Fprintf(w, "     %s\n", strings.Join(parts, ", "))
		}
	}
}

func acc(c Counts) float64 {
	if c.N() == 0 {
		return 0
	}
	return float64(c.TP+c.TN) / float64(c.N())
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func pct(a, b int) float64 { return 100 * ratio(a, b) }

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
