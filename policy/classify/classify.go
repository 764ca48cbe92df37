// Package classify is Gatekeeper's tone and headline classifier.
//
// It reads a post's title, excerpt and content (HTML allowed), tokenises them
// into syllables (see tokenize.go: NFC/NFD, both tone-mark placements, HTML
// entities, zero-width characters, upper case and text typed without
// diacritics all meet the same keys), and matches hand-written themed
// lexicons (lexicon/*.txt) with a compiled leftmost-longest phrase matcher.
// Theme sums per field feed two small logistic models whose weights
// (model.txt) are learned from the dev data by internal/train. Everything the
// classifier knows is in those embedded text files.
//
// Tone: the tone lexicons group phrases by theme (crime, accident, disaster,
// … and the themes that speak against a negative reading: positive, sport,
// topic, reassurance); the harm themes share one weight (see toneGroups).
// Negation before a harm phrase ("không có … bị thương") reassures.
//
// Headline (click-bait, "sensational"): the title is read without the
// publication names that aggregators append to it ("… - Báo X", see
// headline), and scored on
//   - the headline lexicon's themes (shock, curiosity, forward reference,
//     addressing the reader, buzz, hyperbole, emotion, gossip, advice, the
//     unnamed protagonist, teasers; news wording and dates count against;
//     in English also quizzes played with the reader, promises to an
//     in-group, numbered lists of vague things and the curiosity gap, with
//     service headlines counting against).
//     Phrases may be tied to the start or the end of the title ("này" closing
//     it hides its subject);
//   - the same lexicon read in the lead (excerpt), at a quarter of the weight:
//     a lead that goes on teasing;
//   - structural cues (structural): a question, an exclamation, scare quotes,
//     an ellipsis, a leading number, names, lurid harm (never the title's
//     length: an editor cannot act on it),
//     a question in the lead, and title words the lead does not repeat
//     ("teaser": a news title restates its lead, a teaser holds it back).
//
// Each model has a few dozen weights, L2-regularised, the penalty and the
// decision threshold chosen by 5-fold cross-validation; internal/train also
// reports a leave-one-outlet-out figure for Vietnamese click-bait, the one
// to watch for a publication the model has never seen. Retrain after any
// lexicon change:
//
//	go run ./policy/classify/internal/train -data ../shared/data -out policy/classify/model.txt
//	go run ./cmd/gatekeeper eval --worst 20 [--sensitivity high] FILE.jsonl...
//	go test ./policy/classify -run TestGolden -update   # results changed on purpose
//
// Evidence: every result lists what moved its score, strongest first. A
// phrase is given as written in the lexicon; a structural cue as the words
// of the headline that show it ("?", "5 điều", "'đứng hình'", the words the
// lead does not repeat) with a stable code in policy.Evidence.Cue, which
// CueLabel names in Vietnamese or English for a UI.
//
// Speed: the hot loop (analyze) does not allocate. Each tokenizer keeps a
// cache of the tokens of words it has seen, keyed by their raw bytes
// (tokcache.go), so most words skip the per-character work; a Classifier
// keeps its working memory, and so the warm caches, between calls.
// TestTokenizerMatchesReference holds the fast paths to a per-character
// reference and TestGolden holds every result to a recorded digest.
// testdata/bench/run.sh times Classify against npm's sentiment on the same
// bytes.
package classify

import (
	"bufio"
	"embed"
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"gatekeeper/policy"
)

//go:embed lexicon/*.txt model.txt
var files embed.FS

// Field classes for tone: the headline weighs more than the body.
const (
	classHead = iota
	classBody
)

// Field indexes.
const (
	fTitle = iota
	fExcerpt
	fContent
	nFields
)

var fieldNames = [nFields]string{"title", "excerpt", "content"}

// headTokens is how much of a title counts as a headline. Some feeds glue
// the article to its title; past this many syllables the title counts as body.
const headTokens = 30

// shortBody: a post whose excerpt and content hold fewer syllables than
// this is mostly its headline (a title and a one-line lead, as district
// portals and news feeds send them), so the title also counts as body, in
// proportion to how short the body is: fully with no body at all, not at all
// from shortBody syllables up. The model learned from full articles, whose
// bodies repeat what the title says.
const shortBody = 60

// foldFactor scales phrases matched only after diacritics were removed.
const foldFactor = 0.8

// negWindow is how many syllables may sit between a negation and the phrase it negates.
const negWindow = 2

// borderBand: |logit| below it is borderline (p between about 0.35 and 0.65).
const borderBand = 0.6

// positiveMin is how far the positive themes must pull the logit down to
// make a non-negative post "positive" rather than "neutral".
const positiveMin = 1.0

// toneGroups are the tone model's inputs. Every theme of harm (crime,
// violence, accident, disaster, epidemic, corruption, scandal, social ills,
// fear) feeds the one group "harm", so the model weighs them alike: the dev
// labels only mark law and crime as negative, and a per-theme weight would
// learn that floods and epidemics do not count, which the outlets' rule says
// they do. Legal procedure ("justice") and the themes that speak against a
// negative reading have their own weights. Reassurance ("không có thương
// vong", "đã được khống chế") and negated harm count as harm taken away.
var toneGroups = []string{"harm", "justice", "positive", "sport", "topic"}

const (
	groupHarm     = 0
	groupJustice  = 1
	groupPositive = 2
	groupReassure = -2 // not a model input: subtracted from harm
	groupPrevent  = -3 // not a model input: frames the harm of its field
)

// preventFactor is how much of its weight harm keeps in a field framed by
// prevention, repair or relief ("tập huấn sơ cấp cứu đuối nước", "hỗ trợ bà
// con vùng lũ"): a post that names a harm to prevent or relieve it is not
// negative. A title so framed frames the whole post; a lead, itself.
const preventFactor = 0.15

func toneGroup(theme string) int {
	switch theme {
	case "neutral", "negation":
		return -1
	case "justice":
		return groupJustice
	case "positive":
		return groupPositive
	case "reassure":
		return groupReassure
	case "prevent":
		return groupPrevent
	case "sport":
		return 3
	case "topic":
		return 4
	}
	return groupHarm
}

// reassureFactor scales reassurance, and negated harm, as harm taken away:
// "cháy … đã được khống chế" is still a fire, a milder one.
const reassureFactor = 0.5

// Structural headline cues, in feature order after the lexicon themes.
// "#harm" is the title's harm (tone lexicon): lurid crime and accident
// headlines are sensational too.
// "#names" is the share of capitalised words after the first: headlines
// that name who and where are specific; click-bait holds the name back.
// "#teaser" is 1 − the share of title words found in the lead: a news
// title restates its lead, a teaser holds back what the lead tells (0 when
// there is no lead to compare with).
// "#lead_question" is a question in the lead (excerpt). "#quotes" are scare quotes around a few words ("'đứng
// hình'"), not a quoted statement.
// A title's length is not a cue: short plain titles ("Lễ hội cồng chiêng")
// and long factual ones are news, and an editor could not act on it.
var structural = []string{"#question", "#exclamation", "#quotes", "#ellipsis", "#leading_number", "#number", "#colon", "#harm", "#names", "#teaser", "#lead_question"}

// cueLeadQuestion is the index in structural of the one cue read in the lead.
const cueLeadQuestion = 10

// leadTokens is how much of the excerpt the headline lexicon reads.
const leadTokens = 80

// leadFactor scales headline phrases found in the lead: a lead that goes on
// teasing ("khiến ai cũng không khỏi xúc động") adds to the same themes as
// the title, at a quarter of the weight; one in the plain register of news
// ("sáng 24/6", "UBND tỉnh") takes away.
const leadFactor = 0.25

// viHintWords are frequent Vietnamese words as typed without diacritics
// ("khong", "nguoi", "tai nan"): none of them is an English word, so two of
// them make ASCII text Vietnamese. enHintWords are English function words
// that are not Vietnamese syllables typed without diacritics.
var (
	viHintWords = []string{"va", "cua", "la", "cac", "nhung", "duoc", "nguoi", "khong", "trong", "mot", "voi",
		"nay", "cho", "da", "se", "thi", "tai", "ve", "nhieu", "sau", "khi", "nan", "giao", "thong", "xay", "ra",
		"huyen", "tinh", "xa", "dan", "cong", "truong", "hoc", "sinh", "nguoi", "bi", "chet", "vong", "khien",
		"nhu", "tren", "duoi", "truoc", "ngay", "thang", "nam", "tu", "cung", "theo", "giua", "viec",
		"lam", "nha", "nuoc", "tien", "benh", "vien", "phong", "chong", "tre", "xe", "chay",
		"hien", "truong", "thanh", "pho", "quan", "phuong", "uy", "dieu", "tra", "vu", "gia", "dinh"}
	enHintWords = []string{"the", "of", "and", "is", "for", "with", "that", "you", "this", "are", "was", "it", "from",
		"what", "how", "why", "your", "will", "be", "to", "in", "on", "at", "by", "an", "has", "have", "were", "after",
		"over", "into", "who", "says", "said", "about", "their", "they", "his", "her", "its", "would", "could"}
)

// Classifier implements policy.Classifier. It is read-only after New and
// safe for concurrent use.
type Classifier struct {
	d     *dict
	tone  [2]*lexicon // by language: 0 vi, 1 en
	head  [2]*lexicon
	toneW [2]toneModel
	sensW [2]sensModel
	// free holds idle working memory, at most GOMAXPROCS scratches of about
	// 1 MiB each (most of it the token cache). Not a sync.Pool: a scratch
	// carries a warm token cache, which a pool would drop at every collection.
	free chan *scratch
}

const (
	langVI = 0
	langEN = 1
)

var langNames = [2]string{"vi", "en"}

type toneModel struct {
	bias   float64
	offset float64      // added to bias for this language (see setWeight)
	w      [2][]float64 // [class][group]
	group  []int        // by theme of the language's tone lexicon: group, -1 for special themes
}

type sensModel struct {
	bias  float64
	w     []float64 // lexicon themes, then structural
	index []int     // feature index of each lexicon theme
}

var (
	defaultOnce sync.Once
	defaultC    *Classifier
)

// Default returns a shared Classifier built from the embedded data.
func Default() *Classifier {
	defaultOnce.Do(func() { defaultC = New() })
	return defaultC
}

// New builds a Classifier from the embedded lexicons and model. It panics if
// the embedded data is malformed (the package's tests catch that).
func New() *Classifier {
	src, err := fsRead("model.txt")
	if err == nil {
		var c *Classifier
		if c, err = WithModel(src); err == nil {
			return c
		}
	}
	panic("classify: " + err.Error())
}

// WithModel builds a Classifier from the embedded lexicons and the given
// model text (the format of model.txt; "" leaves every weight at 0, which is
// what internal/train starts from).
func WithModel(model string) (*Classifier, error) {
	c := &Classifier{d: newDict()}
	for _, w := range viHintWords {
		c.d.hint[c.d.add([]byte(w))] |= hintVI
	}
	for _, w := range enHintWords {
		c.d.hint[c.d.add([]byte(w))] |= hintEN
	}
	load := func(name string, files ...string) (*lexicon, error) {
		l := &lexicon{name: name}
		for _, f := range files {
			theme := ""
			if i := strings.Index(f, ":"); i >= 0 {
				f, theme = f[:i], f[i+1:]
			}
			b, err := fsRead(f)
			if err != nil {
				return nil, err
			}
			l.name = f
			if err := parseLexicon(l, b, theme); err != nil {
				return nil, err
			}
		}
		l.name = name
		return l, l.compile(c.d)
	}
	var err error
	if c.tone[langVI], err = load("tone.vi", "lexicon/vi_tone.txt"); err != nil {
		return nil, err
	}
	if c.tone[langEN], err = load("tone.en", "lexicon/en_tone.txt"); err != nil {
		return nil, err
	}
	if c.head[langVI], err = load("sens.vi", "lexicon/vi_headline.txt"); err != nil {
		return nil, err
	}
	// The seed lists first: a phrase also in en_headline.txt counts as the
	// hand-written lexicon weighs it (the later line wins).
	if c.head[langEN], err = load("sens.en", "lexicon/en_hyperbolic.txt:hyperbolic",
		"lexicon/en_common_phrases.txt:phrases", "lexicon/en_headline.txt"); err != nil {
		return nil, err
	}
	for _, l := range append(c.tone[:], c.head[:]...) {
		l.build(len(c.d.keys))
	}
	if err := c.loadModel(model); err != nil {
		return nil, err
	}
	c.free = make(chan *scratch, runtime.GOMAXPROCS(0))

	return c, nil
}

func fsRead(name string) (string, error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", name, err)
	}
	return string(b), nil
}

// FeatureNames lists the inputs of a model: "tone" or "sens.vi" / "sens.en".
func (c *Classifier) FeatureNames(model string) []string {
	switch model {
	case "tone":
		var out []string
		for _, cl := range []string{"head.", "body."} {
			for _, g := range toneGroups {
				out = append(out, cl+g)
			}
		}
		return out
	case "sens.vi", "sens.en":
		l := c.head[langVI]
		if model == "sens.en" {
			l = c.head[langEN]
		}
		var out []string
		for _, t := range l.themes {
			if !special(t) {
				out = append(out, t)
			}
		}
		return append(out, structural...)
	}
	return nil
}

func special(theme string) bool { return theme == "neutral" || theme == "negation" }

// loadModel reads "model feature weight" lines. The tone model is shared by
// both languages: its features are themes, and both tone lexicons use the
// same theme names.
func (c *Classifier) loadModel(src string) error {
	for li := 0; li < 2; li++ {
		tm := &c.toneW[li]
		tm.w[0] = make([]float64, len(toneGroups))
		tm.w[1] = make([]float64, len(toneGroups))
		for _, t := range c.tone[li].themes {
			tm.group = append(tm.group, toneGroup(t))
		}
		n := 0
		for _, t := range c.head[li].themes {
			c.sensW[li].index = append(c.sensW[li].index, n)
			if !special(t) {
				n++
			}
		}
		c.sensW[li].w = make([]float64, n+len(structural))
	}
	sc := bufio.NewScanner(strings.NewReader(src))
	for n := 1; sc.Scan(); n++ {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) != 3 {
			return fmt.Errorf("model.txt:%d: want \"model feature weight\"", n)
		}
		w, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			return fmt.Errorf("model.txt:%d: %w", n, err)
		}
		if !c.setWeight(f[0], f[1], w) {
			return fmt.Errorf("model.txt:%d: unknown feature %s %s", n, f[0], f[1])
		}
	}
	return sc.Err()
}

func (c *Classifier) setWeight(model, feat string, w float64) bool {
	switch model {
	case "tone":
		if feat == "bias" {
			c.toneW[0].bias, c.toneW[1].bias = w, w
			return true
		}
		if feat == "offset.en" {
			// The English lexicon's weights are written on their own
			// scale: one offset calibrates them to the shared model.
			c.toneW[1].offset = w
			return true
		}
		cl := classHead
		name, ok := strings.CutPrefix(feat, "head.")
		if !ok {
			name, ok = strings.CutPrefix(feat, "body.")
			cl = classBody
		}
		if !ok {
			return false
		}
		for g, gn := range toneGroups {
			if gn == name {
				c.toneW[0].w[cl][g], c.toneW[1].w[cl][g] = w, w
				return true
			}
		}
		return false
	case "sens.vi", "sens.en":
		li := langVI
		if model == "sens.en" {
			li = langEN
		}
		if feat == "bias" {
			c.sensW[li].bias = w
			return true
		}
		for i, name := range c.FeatureNames(model) {
			if name == feat {
				c.sensW[li].w[i] = w
				return true
			}
		}
	}
	return false
}

func (c *Classifier) newScratch() *scratch {
	return &scratch{tz: tokenizer{d: c.d, cache: new(tokenCache)}}
}

func (c *Classifier) getScratch() *scratch {
	select {
	case s := <-c.free:
		return s
	default:
		return c.newScratch()
	}
}

func (c *Classifier) putScratch(s *scratch) {
	select {
	case c.free <- s:
	default: // enough idle ones already
	}
}

// scratch holds one call's working memory, reused (Classifier.free) so the hot
// path does not allocate.
type scratch struct {
	head     string // the title without publication names (headline)
	tz       tokenizer
	st       [nFields]fieldStats
	tmpStats fieldStats  // refold's counts, not used
	set      [512]uint64 // teaser's word set
	setUsed  [256]uint16 // the entries of set in use (at most half of them)
	setLen   int
	matches  []match
	sums     [2][]float64 // [class][theme] tone sums
	hsums    []float64    // headline theme sums
	ev       []evAcc
	sev      []evAcc
	feat     []float64
	sfeat    []float64
}

// evAcc accumulates one evidence line: an entry (or structural cue) in a field.
type evAcc struct {
	lex    *lexicon
	entry  int32 // -1: structural cue cue
	neg    int32 // negation entry before it, -1 if none
	cue    int8
	field  uint8
	folded bool
	w      float64
}

// Result is the allocation-free form of a classification; Classify turns it
// into a policy.Classification.
type result struct {
	lang     int
	toneZ    float64
	sensZ    float64
	positive float64
	folded   [nFields]bool
}

// Classify implements policy.Classifier.
func (c *Classifier) Classify(t policy.Text) policy.Classification {
	s := c.getScratch()
	r := c.analyze(s, t)
	out := policy.Classification{Language: langNames[r.lang]}
	p := sigmoid(r.toneZ)
	tr := &out.Tone
	switch {
	case p >= 0.5:
		tr.Label, tr.Score = policy.Negative, p
	case -r.positive >= positiveMin:
		tr.Label, tr.Score = policy.Positive, 1-p
	default:
		tr.Label, tr.Score = policy.Neutral, 1-p
	}
	tr.Score = round4(tr.Score)
	tr.Borderline = math.Abs(r.toneZ) < borderBand
	ps := sigmoid(r.sensZ)
	out.Sensational.Score = round4(ps)
	out.Sensational.Flagged = ps >= 0.5
	tr.Evidence, out.Sensational.Evidence = s.evidence(t)
	c.putScratch(s)
	return out
}

func round4(x float64) float64 { return math.Round(x*10000) / 10000 }

func sigmoid(z float64) float64 { return 1 / (1 + math.Exp(-z)) }

// Features returns a text's model inputs (for internal/train): the language,
// the tone features (FeatureNames("tone")) and the headline features
// (FeatureNames("sens."+lang)).
func (c *Classifier) Features(t policy.Text) (lang string, tone, sens []float64) {
	s := c.getScratch()
	r := c.analyze(s, t)
	lang = langNames[r.lang]
	tone = append([]float64(nil), s.feat...)
	sens = append([]float64(nil), s.sfeat...)
	c.putScratch(s)
	return lang, tone, sens
}

// analyze tokenises, matches and scores t into s. It does not allocate once
// s's buffers have grown.
func (c *Classifier) analyze(s *scratch, t policy.Text) result {
	var r result
	s.tz.toks = s.tz.toks[:0]
	s.head = headline(t.Title)
	fields := [nFields]string{s.head, t.Excerpt, t.Content}
	s.tz.keys = s.tz.keys[:0]
	for f := range fields {
		s.st[f] = fieldStats{}
		s.tz.record = f != fContent
		s.tz.run(fields[f], &s.st[f])
	}
	s.tz.record = false
	r.lang = c.language(t.Language, t.LocaleHint, &s.st)
	toks := s.tz.toks

	// Tone.
	tl, tm := c.tone[r.lang], &c.toneW[r.lang]
	ng := len(toneGroups)
	for cl := range s.sums {
		s.sums[cl] = resize(s.sums[cl], ng)
	}
	s.ev = s.ev[:0]
	titlePrevent := int32(-1)
	for f := 0; f < nFields; f++ {
		st := &s.st[f]
		folded := r.lang == langVI && foldedField(st)
		r.folded[f] = folded
		if folded && st.diacritic > 0 {
			// Typed (mostly) without diacritics: tokenise again, folding
			// the few syllables that have some.
			c.refold(s, fields[f], st)
			toks = s.tz.toks
		}
		tr := tl.exact
		if folded {
			tr = tl.folded
		}
		s.matches = tr.scan(s.matches[:0], toks[st.start:st.end], folded)
		// Prevention framing: the title's first prevention phrase frames the
		// whole post, the lead's frames the lead; a long body mentions
		// support or guidance in passing, so its own phrases frame nothing.
		prevent := titlePrevent
		for _, m := range s.matches {
			if f == fContent {
				break
			}
			if e := &tl.entries[m.entry]; e.kind == kindScore && tm.group[e.theme] == groupPrevent {
				prevent = m.entry
				if f == fTitle {
					titlePrevent = m.entry
				}
				break
			}
		}
		removed := 0.0
		negEnd := int32(-1)
		negEntry := int32(-1)
		for _, m := range s.matches {
			e := &tl.entries[m.entry]
			switch e.kind {
			case kindNegation:
				negEnd, negEntry = m.end, m.entry
				continue
			case kindBlock:
				continue
			}
			cl := classBody
			if f == fTitle && m.start < headTokens {
				cl = classHead
			}
			w := e.weight
			if folded {
				w *= foldFactor
			}
			g := tm.group[e.theme]
			if g == groupPrevent {
				continue
			}
			neg := int32(-1)
			if negEnd >= 0 && (g == groupHarm || g == groupJustice) && m.start-negEnd <= negWindow &&
				m.start >= negEnd && !stopBetween(toks[st.start:st.end], negEnd-1, m.start) {
				// "không có người bị thương": the harm did not happen, which reassures.
				neg = negEntry
				g = groupReassure
			}
			negEnd = -1
			if g == groupReassure {
				g, w = groupHarm, -reassureFactor*w
			}
			if prevent >= 0 && (g == groupHarm || g == groupJustice) && w > 0 {
				removed += (1 - preventFactor) * w * tm.w[cl][g]
				w *= preventFactor
			}
			s.sums[cl][g] += w
			contrib := w * tm.w[cl][g]
			s.ev = addEv(s.ev, evAcc{lex: tl, entry: m.entry, neg: neg, field: uint8(f), folded: folded, w: contrib})
		}
		if removed > 0 {
			// The framing phrase is evidence too, with the weight it took away.
			pf := uint8(f)
			if prevent == titlePrevent && f != fTitle {
				pf = fTitle
			}
			s.ev = addEv(s.ev, evAcc{lex: tl, entry: prevent, neg: -1, field: pf, folded: folded, w: -removed})
		}
	}
	if n := s.st[fExcerpt].end - s.st[fExcerpt].start + s.st[fContent].end - s.st[fContent].start; n < shortBody {
		share := 1 - float64(n)/shortBody
		for g := 0; g < ng; g++ {
			s.sums[classBody][g] += share * s.sums[classHead][g]
		}
	}
	s.feat = s.feat[:0]
	z := tm.bias + tm.offset
	for cl := 0; cl < 2; cl++ {
		for g := 0; g < ng; g++ {
			x := math.Log1p(math.Max(s.sums[cl][g], 0))
			s.feat = append(s.feat, x)
			z += x * tm.w[cl][g]
			if g == groupPositive {
				r.positive += x * tm.w[cl][g]
			}
		}
	}
	r.toneZ = z

	// Headline.
	hl, sm := c.head[r.lang], &c.sensW[r.lang]
	s.hsums = resize(s.hsums, len(hl.themes))
	s.sev = s.sev[:0]
	st := &s.st[fTitle]
	title := toks[st.start:st.end]
	if len(title) > headTokens {
		title = title[:headTokens]
	}
	tr := hl.exact
	if r.folded[fTitle] {
		tr = hl.folded
	}
	s.matches = tr.scan(s.matches[:0], title, r.folded[fTitle])
	n := int32(len(title))
	if st.end-st.start > headTokens {
		n = -1 // the title runs on: "end" phrases do not fit anywhere
	}
	for _, m := range s.matches {
		ei := hl.at(m.entry, m.start, m.end, n)
		if ei < 0 {
			continue
		}
		e := &hl.entries[ei]
		if e.kind != kindScore {
			continue
		}
		w := e.weight
		if r.folded[fTitle] {
			w *= foldFactor
		}
		s.hsums[e.theme] += w
		s.sev = addEv(s.sev, evAcc{lex: hl, entry: ei, neg: -1, field: fTitle, folded: r.folded[fTitle], w: w * sm.w[sm.index[e.theme]]})
	}
	// The lead: the headline lexicon read in the excerpt.
	est := &s.st[fExcerpt]
	lead := toks[est.start:est.end]
	if len(lead) > leadTokens {
		lead = lead[:leadTokens]
	}
	tr = hl.exact
	if r.folded[fExcerpt] {
		tr = hl.folded
	}
	s.matches = tr.scan(s.matches[:0], lead, r.folded[fExcerpt])
	for _, m := range s.matches {
		e := &hl.entries[m.entry]
		if e.kind != kindScore || e.positional() {
			continue
		}
		w := e.weight
		if r.folded[fExcerpt] {
			w *= foldFactor
		}
		w *= leadFactor
		s.hsums[e.theme] += w
		s.sev = addEv(s.sev, evAcc{lex: hl, entry: m.entry, neg: -1, field: fExcerpt, folded: r.folded[fExcerpt], w: w * sm.w[sm.index[e.theme]]})
	}
	s.sfeat = s.sfeat[:0]
	for th, name := range hl.themes {
		if special(name) {
			continue
		}
		s.sfeat = append(s.sfeat, math.Log1p(s.hsums[th]))
	}
	fi := len(s.sfeat)
	s.sfeat = appendCues(s.sfeat, st, title)
	s.sfeat = append(s.sfeat, math.Log1p(math.Max(s.sums[classHead][groupHarm], 0)), nameShare(title), s.teaser())
	b2f := 0.0
	if est.question > 0 {
		b2f = 1
	}
	s.sfeat = append(s.sfeat, b2f)
	z = sm.bias
	for i, x := range s.sfeat {
		z += x * sm.w[i]
		if i >= fi && x != 0 {
			f := uint8(fTitle)
			if i-fi == cueLeadQuestion {
				f = fExcerpt
			}
			s.sev = addEv(s.sev, evAcc{entry: -1, neg: -1, cue: int8(i - fi), field: f, w: x * sm.w[i]})
		}
	}
	r.sensZ = z
	return r
}

// refold tokenises field again with folded lookups, in place of its
// first-pass tokens. The new tokens are the same in number.
func (c *Classifier) refold(s *scratch, text string, st *fieldStats) {
	old := *st
	tail := len(s.tz.toks)
	s.tz.needFold = true
	s.tmpStats = fieldStats{}
	s.tz.run(text, &s.tmpStats)
	s.tz.needFold = false
	copy(s.tz.toks[old.start:old.end], s.tz.toks[tail:])
	s.tz.toks = s.tz.toks[:tail]
}

// maxScare is the most words a quotation may have to count as scare quotes
// ("'đứng hình'", "'siêu khủng'"); a longer one is someone's words.
const maxScare = 4

// scareQuotes reports whether the title quotes a few words (scare quotes,
// at most maxScare): a quoted statement only reports what was said.
func scareQuotes(st *fieldStats, title []token) bool {
	open := -1
	if st.lead&pQuote != 0 {
		open = 0
	}
	for k := range title {
		if title[k].punct&pQuote == 0 {
			continue
		}
		if open < 0 {
			open = k + 1
			continue
		}
		if n := k - open + 1; n > 0 && n <= maxScare {
			return true
		}
		open = -1
	}
	return false
}

func appendCues(dst []float64, st *fieldStats, title []token) []float64 {
	var cues [7]float64
	b := func(v bool) float64 {
		if v {
			return 1
		}
		return 0
	}
	cues[0] = b(st.question > 0)
	cues[1] = b(st.exclaim > 0)
	scare := scareQuotes(st, title)
	cues[2] = b(scare)
	cues[3] = b(st.ellipsis > 0)
	nums := 0
	for _, t := range title {
		if t.flags&tNumber != 0 {
			nums++
		}
	}
	lead := len(title) > 0 && title[0].flags&tNumber != 0 && st.lead&pQuote == 0
	cues[4] = b(lead)
	if lead {
		nums--
	}
	cues[5] = b(nums > 0)
	cues[6] = b(st.colon > 0)
	return append(dst, cues[:]...)
}

// teaser is 1 − the share of the title's words (first headTokens) that
// also occur in the excerpt, or 0 without an excerpt of a few words.
func (s *scratch) teaser() float64 {
	tl := s.st[fTitle].end - s.st[fTitle].start
	el := s.st[fExcerpt].end - s.st[fExcerpt].start
	if tl < 3 || el < 5 {
		return 0
	}
	tl = min(tl, headTokens)
	title := s.tz.keys[:tl]
	lead := s.tz.keys[s.st[fTitle].end-s.st[fTitle].start:][:el]
	// A small open-addressing set of the lead's words, in scratch; only
	// the entries the last text used are cleared.
	for _, i := range s.setUsed[:s.setLen] {
		s.set[i] = 0
	}
	s.setLen = 0
	mask := uint64(len(s.set) - 1)
	n := 0
	for _, k := range lead {
		if k == 0 || n >= len(s.set)/2 {
			continue
		}
		for i := (k * 0x9E3779B97F4A7C15) >> 55 & mask; ; i = (i + 1) & mask {
			if s.set[i] == k {
				break
			}
			if s.set[i] == 0 {
				s.set[i] = k
				s.setUsed[s.setLen] = uint16(i)
				s.setLen++
				n++
				break
			}
		}
	}
	words, found := 0, 0
	for _, k := range title {
		if k == 0 {
			continue
		}
		words++
		if s.inLead(k) {
			found++
		}
	}
	if words == 0 {
		return 0
	}
	return 1 - float64(found)/float64(words)
}

// inLead says whether the word key k is in the lead's set that teaser built.
func (s *scratch) inLead(k uint64) bool {
	mask := uint64(len(s.set) - 1)
	for i := (k * 0x9E3779B97F4A7C15) >> 55 & mask; ; i = (i + 1) & mask {
		switch s.set[i] {
		case k:
			return true
		case 0:
			return false
		}
	}
}

// nameShare is the share of title words after the first that start with a
// capital letter (all-capital words, mostly acronyms, count too).
func nameShare(title []token) float64 {
	if len(title) < 2 {
		return 0
	}
	n, caps := 0, 0
	for _, t := range title[1:] {
		if t.flags&tNumber != 0 {
			continue
		}
		n++
		if t.flags&tUpperFirst != 0 {
			caps++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(caps) / float64(n)
}

func resize(x []float64, n int) []float64 {
	if cap(x) < n {
		return make([]float64, n)
	}
	x = x[:n]
	for i := range x {
		x[i] = 0
	}
	return x
}

// foldedField says whether a Vietnamese field was typed without diacritics:
// real Vietnamese text carries a tone or a modified vowel on most syllables.
func foldedField(st *fieldStats) bool {
	return st.letters >= 3 && st.diacritic*6 < st.letters
}

func stopBetween(toks []token, from, to int32) bool {
	if from < 0 {
		from = 0
	}
	for i := from; i < to && int(i) < len(toks); i++ {
		if toks[i].punct&pStop != 0 {
			return true
		}
	}
	return false
}

// language picks vi or en. The text decides (langStats.clear); only text that
// is genuinely ambiguous follows the declared language, then the locale
// hint, then the weak signs in the text, then Vietnamese.
func (c *Classifier) language(declared, hint string, st *[nFields]fieldStats) int {
	var ls langStats
	for i := range st {
		ls.letters += st[i].letters
		ls.dia += st[i].diacritic
		ls.vi += st[i].viHint
		ls.en += st[i].enHint
		ls.foreign += st[i].foreign
	}
	if l, ok := ls.clear(); ok {
		return l
	}
	for _, h := range [...]string{declared, hint} {
		switch policy.LanguageTag(h) {
		case "vi":
			return langVI
		case "en":
			return langEN
		}
	}
	return ls.lean()
}

// langStats are the signs of a text's language: words with letters, words
// with Vietnamese diacritics, Vietnamese and English function words typed
// without diacritics, and words no Vietnamese syllable could be.
type langStats struct{ letters, dia, vi, en, foreign int }

// clear says whether the text is clearly Vietnamese or clearly English.
// Vietnamese: a fifth of the words carry Vietnamese diacritics (at least
// two, or the only word), or, typed without them, at least two Vietnamese
// function words, more than the English ones, and few words no Vietnamese
// syllable could be. English: no diacritics to speak of, and at least two
// English function words or three un-Vietnamese words outnumbering the
// Vietnamese signs.
func (ls langStats) clear() (int, bool) {
	switch {
	case ls.letters == 0:
		return 0, false
	case ls.dia*5 >= ls.letters && (ls.dia >= 2 || ls.letters == 1):
		return langVI, true
	case ls.vi >= 2 && ls.vi > 2*ls.en && ls.foreign*3 < ls.letters:
		return langVI, true
	case ls.dia*5 < ls.letters && (ls.en >= 2 || ls.foreign >= 3) && ls.en+ls.foreign > 2*(ls.vi+ls.dia):
		return langEN, true
	}
	return 0, false
}

// lean is the guess for ambiguous text without a usable hint.
func (ls langStats) lean() int {
	switch {
	case ls.letters == 0, ls.dia > 0:
		return langVI
	case ls.en > ls.vi:
		return langEN
	case ls.vi == 0 && ls.foreign*3 >= ls.letters:
		return langEN
	}
	return langVI
}

func addEv(ev []evAcc, a evAcc) []evAcc {
	for i := range ev {
		e := &ev[i]
		if e.lex == a.lex && e.entry == a.entry && e.neg == a.neg && e.cue == a.cue && e.field == a.field {
			e.w += a.w
			e.folded = e.folded || a.folded
			return ev
		}
	}
	return append(ev, a)
}
