package policy

import (
	"slices"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Tone is a post's tone label.
type Tone string

const (
	Negative Tone = "negative"
	Neutral  Tone = "neutral"
	Positive Tone = "positive"
)

// ParseTone accepts "negative", "neutral", "positive" (any case, surrounding
// space ignored). ok is false for anything else.
func ParseTone(s string) (Tone, bool) {
	switch Tone(strings.ToLower(strings.TrimSpace(s))) {
	case Negative:
		return Negative, true
	case Neutral:
		return Neutral, true
	case Positive:
		return Positive, true
	}
	return "", false
}

// Text is what a classifier reads of a post.
type Text struct {
	Title      string
	Excerpt    string
	Content    string // may be HTML
	Categories []string
	// Language is the language the client declared, a hint: text that is
	// clearly Vietnamese or clearly English is read as such whatever it says
	// (see classify's language detection). Any tag ("vi", "EN-us", "fr").
	Language string
	// LocaleHint is the weakest hint, such as the CMS's site locale
	// ("en_US"): used only when the text is ambiguous and no language is
	// declared.
	LocaleHint string
}

// LanguageTag reduces a language tag or locale ("EN-us", "vi_VN", " en ")
// to its primary subtag in lower case ("en", "vi"); "" for none.
func LanguageTag(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_.@"); i >= 0 {
		tag = tag[:i]
	}
	return tag
}

// LanguageOverridden says whether a classifier read a post in another
// language than the one declared: a declared language that is not the one
// used (reason "language_detected"). Nothing declared is never overridden.
func LanguageOverridden(declared, used string) bool {
	d := LanguageTag(declared)
	return d != "" && d != LanguageTag(used)
}

// Evidence is one phrase that moved a score.
type Evidence struct {
	Text   string  `json:"text"`
	Field  string  `json:"field"` // title, excerpt, content, category, declared_tone
	Weight float64 `json:"weight"`
	// Folded is true when the phrase matched only after diacritics were
	// removed (text typed without tone marks), which is less certain.
	Folded bool `json:"folded,omitempty"`
	// Cue is set when the evidence is a feature of the headline's form
	// rather than a phrase: a stable code ("question", "leading_number", …)
	// that a UI can label (see classify.CueLabel); Text is then the part of
	// the title (or lead) that shows it, such as "?" or "5 điều".
	Cue string `json:"cue,omitempty"`
	// Theme is set on a tone phrase that speaks of harm: the lexicon theme it
	// belongs to ("crime", "accident", "disaster", …; see classify.ThemeLabel).
	Theme string `json:"theme,omitempty"`
}

// NegativeThemes lists, in order of first appearance and without repeats,
// the themes of the evidence lines that pushed a post toward negative: the
// harms a negative post speaks of.
func NegativeThemes(ev []Evidence) []string {
	var out []string
	for i := range ev {
		t := ev[i].Theme
		if t == "" || ev[i].Weight <= 0 || slices.Contains(out, t) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// ToneResult is a classifier's view of a post's tone.
type ToneResult struct {
	Label Tone    `json:"label"`
	Score float64 `json:"score"` // confidence in Label, 0..1
	// Borderline is true when the classifier is unsure whether the post is
	// negative. A label that is negative and not borderline is confident.
	Borderline bool       `json:"borderline"`
	Evidence   []Evidence `json:"evidence"`
}

// SensationalResult is a classifier's view of the headline.
type SensationalResult struct {
	Flagged  bool       `json:"flagged"`
	Score    float64    `json:"score"`
	Evidence []Evidence `json:"evidence"`
}

// Classification is everything a classifier says about a post.
type Classification struct {
	Language    string            `json:"language"`
	Tone        ToneResult        `json:"tone"`
	Sensational SensationalResult `json:"sensational"`
}

// Classifier reads a post and says what its tone is and whether its headline
// is sensational. Implementations are pure and safe for concurrent use.
type Classifier interface {
	Classify(Text) Classification
}

// Assessment is the tone a decision uses, after the editor's declared tone
// and the outlet's category map are combined with the classifier.
type Assessment struct {
	Tone ToneResult
	// Notes are extra reason codes: "declared_negative",
	// "declared_tone_conflict", "category_negative", "category_tone_conflict".
	Notes []string
}

// Notes codes added by Assess.
const (
	NoteDeclaredNegative     = "declared_negative"
	NoteDeclaredToneConflict = "declared_tone_conflict"
	NoteCategoryNegative     = "category_negative"
	NoteCategoryToneConflict = "category_tone_conflict"
)

// CategoryKey folds a category name for lookups in an outlet's category map:
// Unicode NFC, lower case, inner spaces folded.
func CategoryKey(s string) string {
	return strings.Join(strings.Fields(strings.ToLower(norm.NFC.String(s))), " ")
}

// Assess combines the classifier's result with the editor's declared tone
// ("" when none) and the tones the outlet maps the post's categories to.
//
//   - A declared or mapped "negative" is always honoured: the post is
//     negative and not borderline.
//   - A declared or mapped milder tone is taken when the classifier is not
//     confidently negative; against a confident negative it makes the post
//     borderline (best label negative), so mislabelling cannot bypass the rule.
func Assess(c ToneResult, declared Tone, categoryTones []Tone) Assessment {
	a := Assessment{Tone: c}
	if a.Tone.Evidence == nil {
		a.Tone.Evidence = []Evidence{}
	}
	confidentNegative := c.Label == Negative && !c.Borderline

	mapped := Tone("")
	for _, t := range categoryTones {
		if t == Negative {
			mapped = Negative
			break
		}
		if mapped == "" {
			mapped = t
		}
	}
	switch {
	case declared == Negative:
		a.Tone.Label, a.Tone.Borderline = Negative, false
		a.Tone.Score = 1
		a.Tone.Evidence = append(a.Tone.Evidence, Evidence{Text: string(Negative), Field: "declared_tone", Weight: 1})
		a.Notes = append(a.Notes, NoteDeclaredNegative)
		return a
	case mapped == Negative:
		a.Tone.Label, a.Tone.Borderline = Negative, false
		a.Tone.Score = 1
		a.Tone.Evidence = append(a.Tone.Evidence, Evidence{Text: string(Negative), Field: "category", Weight: 1})
		a.Notes = append(a.Notes, NoteCategoryNegative)
		return a
	}
	milder, note := declared, NoteDeclaredToneConflict
	if milder == "" {
		milder, note = mapped, NoteCategoryToneConflict
	}
	if milder == "" {
		return a
	}
	if confidentNegative {
		a.Tone.Borderline = true
		a.Notes = append(a.Notes, note)
		return a
	}
	if a.Tone.Label != Negative {
		// Positive and neutral are the editor's (or the outlet's) call.
		a.Tone.Label = milder
	}
	return a
}
