package classify

import (
	"math"
	"strings"
	"unicode/utf8"

	"gatekeeper/policy"
)

// Evidence limits: at most this many lines for tone and for the headline,
// and lines that moved the score by less than minEvidence are left out.
const (
	maxToneEvidence = 12
	maxSensEvidence = 8
	minEvidence     = 0.05
)

// cueLabels names the structural headline cues for people, Vietnamese
// first, English second. The keys are the codes in policy.Evidence.Cue.
var cueLabels = map[string][2]string{
	"question":       {"Tiêu đề dạng câu hỏi", "Question headline"},
	"exclamation":    {"Tiêu đề có dấu chấm than", "Exclamation mark"},
	"quotes":         {"Vài chữ đặt trong ngoặc kép", "Scare quotes"},
	"ellipsis":       {"Dấu ba chấm bỏ lửng", "Trailing ellipsis"},
	"leading_number": {"Mở đầu bằng con số (bài dạng danh sách)", "Opens with a number (listicle)"},
	"number":         {"Có con số cụ thể", "Gives a number"},
	"colon":          {"Tiêu đề có dấu hai chấm", "Colon in the headline"},
	"harm":           {"Chi tiết giật gân về tội phạm, tai nạn", "Lurid crime or accident detail"},
	"names":          {"Nêu rõ tên người, nơi chốn", "Names people and places"},
	"teaser":         {"Tiêu đề giấu điều đoạn mở đầu mới kể", "Title holds back what the lead tells"},
	"lead_question":  {"Đoạn mở đầu đặt câu hỏi", "Question in the lead"},
}

// themeLabels names the themes of harm for people, Vietnamese first,
// English second. The keys are the tone lexicons' theme names (the same in
// both languages) and the codes in policy.Evidence.Theme.
var themeLabels = map[string][2]string{
	"crime":      {"Tội phạm", "Crime"},
	"violence":   {"Bạo lực", "Violence"},
	"accident":   {"Tai nạn", "Accidents"},
	"disaster":   {"Thiên tai, thảm họa", "Disasters"},
	"epidemic":   {"Dịch bệnh", "Epidemics"},
	"corruption": {"Tham nhũng, tiêu cực", "Corruption"},
	"justice":    {"Pháp luật, xét xử", "Courts and law"},
	"scandal":    {"Bê bối", "Scandals"},
	"socialills": {"Tệ nạn xã hội", "Social ills"},
	"fear":       {"Tin gây hoang mang", "Alarming news"},
}

// harmTheme returns the theme when it is one of harm (one a negative post
// speaks of), "" otherwise. Legal procedure counts: its phrases push toward
// negative on their own weight (see toneGroups).
func harmTheme(theme string) string {
	g := toneGroup(theme)
	if g == groupHarm || g == groupJustice {
		return theme
	}
	return ""
}

// ThemeLabel names a theme code (policy.Evidence.Theme) for people: in
// Vietnamese unless lang starts with "en". An unknown code is returned as it is.
func ThemeLabel(code, lang string) string {
	l, ok := themeLabels[code]
	if !ok {
		return code
	}
	if strings.HasPrefix(strings.ToLower(lang), "en") {
		return l[1]
	}
	return l[0]
}

// ThemeCodes lists the themes of harm, in the lexicon's order.
func ThemeCodes() []string {
	return []string{"crime", "violence", "accident", "disaster", "epidemic", "corruption", "justice", "scandal", "socialills", "fear"}
}

// CueLabel names a structural cue code (policy.Evidence.Cue) for people:
// in Vietnamese unless lang starts with "en". An unknown code is returned
// as it is.
func CueLabel(code, lang string) string {
	l, ok := cueLabels[code]
	if !ok {
		return code
	}
	if strings.HasPrefix(strings.ToLower(lang), "en") {
		return l[1]
	}
	return l[0]
}

// keep says whether an evidence line goes into the result.
func keep(e *evAcc, onlyPositive bool) bool {
	return math.Abs(e.w) >= minEvidence && !(onlyPositive && e.w <= 0)
}

// sortEv moves the lines that will be kept, at most max (≤ maxToneEvidence),
// to the front of ev, strongest (|w|) first, ties in their order, and returns
// how many they are: what a stable sort by |w| followed by taking the first
// max kept lines gives, without sorting the lines left out, which keep their
// order behind them. One pass keeps the strongest lines so far in a short
// sorted list. No allocation.
func sortEv(ev []evAcc, max int, onlyPositive bool) int {
	var top [maxToneEvidence]int // indexes into ev, strongest first
	max = min(max, len(top))
	k := 0
	for i := range ev {
		if !keep(&ev[i], onlyPositive) {
			continue
		}
		a := math.Abs(ev[i].w)
		if k == max && (max == 0 || a <= math.Abs(ev[top[k-1]].w)) {
			continue // no stronger than the weakest kept: a later line loses a tie
		}
		if k < max {
			k++
		} // else the weakest is dropped
		p := k - 1
		for p > 0 && math.Abs(ev[top[p-1]].w) < a {
			top[p] = top[p-1]
			p--
		}
		top[p] = i
	}
	// The chosen lines to the front in that order, the others behind them in theirs.
	var chosen [maxToneEvidence]evAcc
	var at [maxToneEvidence]int
	for j := 0; j < k; j++ {
		chosen[j], at[j] = ev[top[j]], top[j]
	}
	for j := 1; j < k; j++ { // at most maxToneEvidence: a call to a sort costs more
		for p := j; p > 0 && at[p-1] > at[p]; p-- {
			at[p-1], at[p] = at[p], at[p-1]
		}
	}
	w, c := len(ev)-1, k-1
	for i := len(ev) - 1; i >= 0 && w >= k; i-- {
		if c >= 0 && at[c] == i {
			c--
			continue
		}
		ev[w] = ev[i]
		w--
	}
	copy(ev, chosen[:k])
	return k
}

// evidence turns the accumulated evidence into the result's two lists, in
// one allocation: strongest first, the tone's and the headline's (only
// what pushed toward "sensational"). t is the text analyze read.
func (s *scratch) evidence(t policy.Text) (tone, sens []policy.Evidence) {
	nt := sortEv(s.ev, maxToneEvidence, false)
	ns := sortEv(s.sev, maxSensEvidence, true)
	buf := make([]policy.Evidence, 0, nt+ns)
	tone = s.appendEv(buf, s.ev, nt, false, t)
	sens = s.appendEv(tone[len(tone):len(tone):cap(buf)], s.sev, ns, true, t)
	return tone, sens
}

func (s *scratch) appendEv(out []policy.Evidence, ev []evAcc, n int, onlyPositive bool, t policy.Text) []policy.Evidence {
	for i := range ev {
		if len(out) == n {
			break
		}
		e := &ev[i]
		if !keep(e, onlyPositive) {
			continue
		}
		x := policy.Evidence{Field: fieldNames[e.field], Weight: round4(e.w), Folded: e.folded}
		switch {
		case e.entry < 0:
			x.Cue = strings.TrimPrefix(structural[e.cue], "#")
			x.Text = s.snippet(int(e.cue), t)
		case e.neg >= 0:
			x.Text = e.lex.entries[e.neg].text + " … " + e.lex.entries[e.entry].shown
		default:
			x.Text = e.lex.entries[e.entry].shown
			if !onlyPositive {
				x.Theme = e.lex.harm[e.lex.entries[e.entry].theme]
			}
		}
		out = append(out, x)
	}
	return out
}

// Indexes of the structural cues, as in structural.
const (
	cueQuestion = iota
	cueExclamation
	cueQuotes
	cueEllipsis
	cueLeadingNumber
	cueNumber
	cueColon
	cueHarm
	cueNames
	cueTeaser
)

// snippet is the part of the headline (or, for the lead's question, of the
// lead) that shows a structural cue: "?", the quoted words, "5 điều", the
// words the lead does not repeat. The whole headline when nothing shorter
// shows it (a cue that could not be placed).
func (s *scratch) snippet(cue int, t policy.Text) string {
	head := strings.TrimSpace(s.head)
	switch cue {
	case cueQuestion:
		return firstOf(head, "?", "？")
	case cueExclamation:
		return firstOf(head, "!", "！")
	case cueEllipsis:
		return firstOf(head, "...", "…")
	case cueColon:
		if i := strings.IndexByte(head, ':'); i > 0 && words(head[:i]) <= 8 {
			return strings.TrimSpace(head[:i+1])
		}
		return firstOf(head, ":")
	case cueQuotes:
		if q := scareQuote(head); q != "" {
			return q
		}
	case cueLeadingNumber, cueNumber:
		sp := wordSpans(head, nil)
		for k, w := range sp {
			if !isDigit(head[w[0]]) || (cue == cueNumber && k == 0) {
				continue
			}
			end := w[1]
			if k+1 < len(sp) {
				end = sp[k+1][1]
			}
			return head[w[0]:end]
		}
	case cueHarm:
		best := -1
		for i := range s.ev {
			if e := &s.ev[i]; e.field == fTitle && e.w > 0 && e.neg < 0 && (best < 0 || e.w > s.ev[best].w) {
				best = i
			}
		}
		if best >= 0 {
			return s.ev[best].lex.entries[s.ev[best].entry].text
		}
	case cueTeaser:
		if w := s.unrepeated(head); w != "" {
			return w
		}
	case cueLeadQuestion:
		if q := question(t.Excerpt); q != "" {
			return q
		}
		return "?"
	}
	return head
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// firstOf returns the first of the marks that head contains, or the first mark.
func firstOf(head string, marks ...string) string {
	for _, m := range marks {
		if strings.Contains(head, m) {
			return m
		}
	}
	return marks[0]
}

// quoteRunes open or close a quotation.
const quoteRunes = "'\"“”‘’«»„‟`"

// scareQuote returns the first quotation of at most maxScare words in head,
// quote marks included.
func scareQuote(head string) string {
	open := -1
	for i, r := range head {
		if !strings.ContainsRune(quoteRunes, r) {
			continue
		}
		if (r == '\'' || r == '’') && i > 0 && i+1 < len(head) {
			// An apostrophe inside a word (don't) quotes nothing.
			prev, _ := utf8.DecodeLastRuneInString(head[:i])
			next, _ := utf8.DecodeRuneInString(head[i+utf8.RuneLen(r):])
			if isWordRune(prev) && isWordRune(next) {
				continue
			}
		}
		if open < 0 {
			open = i
			continue
		}
		end := i + utf8.RuneLen(r)
		if n := words(head[open+1 : i]); n > 0 && n <= maxScare {
			return head[open:end]
		}
		open = -1
	}
	return ""
}

func isWordRune(r rune) bool {
	switch lookupInfo(r).kind {
	case kLetter, kDigit, kOther:
		return true
	}
	return false
}

// question returns the lead's first question, from the start of its
// sentence to the question mark, or "" if it is long or there is none.
func question(lead string) string {
	q := strings.IndexAny(lead, "?？")
	if q < 0 {
		return ""
	}
	start := strings.LastIndexAny(lead[:q], ".!\n") + 1
	sent := strings.TrimSpace(lead[start:q]) + "?"
	if len(sent) > 160 {
		return ""
	}
	return sent
}

// unrepeated returns the longest run of title words (as written) that the
// lead does not repeat, as the teaser cue found them; "" if the title's
// words cannot be lined up with its tokens.
func (s *scratch) unrepeated(head string) string {
	st := &s.st[fTitle]
	n := st.end - st.start
	if n > headTokens {
		return ""
	}
	var buf [headTokens + 1][2]int
	sp := wordSpans(head, buf[:0])
	if len(sp) != n {
		return ""
	}
	keys := s.tz.keys[:n]
	bestA, bestB, a := -1, -1, -1
	for k := 0; k <= n; k++ {
		missing := k < n && keys[k] != 0 && !s.inLead(keys[k])
		switch {
		case missing && a < 0:
			a = k
		case !missing && a >= 0:
			if k-a > bestB-bestA {
				bestA, bestB = a, k
			}
			a = -1
		}
	}
	if bestA < 0 {
		return ""
	}
	return head[sp[bestA][0]:sp[bestB-1][1]]
}

// wordSpans appends to dst the byte range of each token of s, found as the
// tokenizer finds them (letters, digits and the marks that join them;
// tags and entities as the tokenizer reads them).
func wordSpans(s string, dst [][2]int) [][2]int {
	start := -1
	end := func(i int) {
		if start >= 0 {
			dst = append(dst, [2]int{start, i})
			start = -1
		}
	}
	for i := 0; i < len(s); {
		var info *runeInfo
		size := 1
		if c := s[i]; c < utf8.RuneSelf {
			info = &asciiTable[c] // what lookupInfo gives, without decoding
		} else {
			var r rune
			r, size = utf8.DecodeRuneInString(s[i:])
			li := lookupInfo(r)
			info = &li
		}
		switch info.kind {
		case kLetter, kDigit, kOther:
			if start < 0 {
				start = i
			}
		case kTone, kMod, kDrop, kIgnore:
		case kLT:
			end(i)
			if n, _ := skipTag(s[i:]); n > 0 {
				i += n
				continue
			}
		case kAmp:
			if er, n := entity(s[i:]); n > 0 {
				switch lookupInfo(er).kind {
				case kLetter, kDigit, kOther:
					if start < 0 {
						start = i
					}
				case kTone, kMod, kDrop, kIgnore:
				default:
					end(i)
				}
				i += n
				continue
			}
			end(i)
		default:
			end(i)
		}
		i += size
	}
	end(len(s))
	return dst
}

// shown is a lexicon phrase as evidence shows it: the number placeholder
// "<d>" reads "N" ("N things": a headline starting with a number, then
// "things").
func shown(phrase string) string {
	if !strings.Contains(phrase, "<d>") {
		return phrase
	}
	return strings.ReplaceAll(phrase, "<d>", "N")
}
