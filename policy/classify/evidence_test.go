package classify

import (
	"cmp"
	"encoding/json"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gatekeeper/policy"
)

func cueEv(ev []policy.Evidence, cue string) (policy.Evidence, bool) {
	for _, e := range ev {
		if e.Cue == cue {
			return e, true
		}
	}
	return policy.Evidence{}, false
}

// Structural cues come with the words of the headline that show them.
func TestCueSnippets(t *testing.T) {
	c := Default()
	cases := []struct {
		text      policy.Text
		cue, want string
		field     string
	}{
		{policy.Text{Title: "5 điều bạn chưa biết về giấc ngủ"}, "leading_number", "5 điều", "title"},
		{policy.Text{Title: "Vì sao nhiều người bỏ bữa sáng?"}, "question", "?", "title"},
		{policy.Text{Title: "Cả khu phố 'đứng hình' vì chiếc xe lạ"}, "quotes", "'đứng hình'", "title"},
		{policy.Text{Title: "SỐC: cả xóm bàng hoàng vì chuyện này"}, "colon", "SỐC:", "title"},
		{policy.Text{Title: "Ngả mũ trước thủ môn", Excerpt: "Thủ môn đội khách cản phá ba quả phạt đền trong trận đấu tối qua trên sân nhà."},
			"teaser", "Ngả mũ trước", "title"},
		{policy.Text{Title: "Chị em cần biết điều này", Excerpt: "Bạn có biết vì sao da khô vào mùa đông? Câu trả lời nằm ở thói quen."},
			"lead_question", "Bạn có biết vì sao da khô vào mùa đông?", "excerpt"},
	}
	for _, tc := range cases {
		r := c.Classify(tc.text)
		e, ok := cueEv(r.Sensational.Evidence, tc.cue)
		if !ok {
			t.Errorf("%q: no %s cue in %+v", tc.text.Title, tc.cue, r.Sensational.Evidence)
			continue
		}
		if e.Text != tc.want || e.Field != tc.field {
			t.Errorf("%q: %s cue text %q field %s, want %q %s", tc.text.Title, tc.cue, e.Text, e.Field, tc.want, tc.field)
		}
		if strings.HasPrefix(e.Text, "#") {
			t.Errorf("%q: code as text: %+v", tc.text.Title, e)
		}
	}
}

// Phrases keep their text and carry no cue; the cue field is left out of
// their JSON.
func TestPhraseEvidenceHasNoCue(t *testing.T) {
	r := Default().Classify(policy.Text{Title: "Sự thật gây sốc phía sau bức ảnh gây bão mạng xã hội"})
	e, ok := hasEv(r.Sensational.Evidence, "gây sốc")
	if !ok || e.Cue != "" {
		t.Fatalf("want phrase evidence without cue, got %+v", r.Sensational.Evidence)
	}
	b, _ := json.Marshal(e)
	if strings.Contains(string(b), "cue") {
		t.Errorf("phrase JSON carries a cue: %s", b)
	}
}

func TestCueLabel(t *testing.T) {
	for _, code := range cueCodes() {
		vi, en := CueLabel(code, "vi"), CueLabel(code, "en-US")
		if vi == code || en == code || vi == en {
			t.Errorf("%s: labels %q / %q", code, vi, en)
		}
	}
	if got := CueLabel("question", ""); got != "Tiêu đề dạng câu hỏi" {
		t.Errorf("default language: %q", got)
	}
	if got := CueLabel("no_such_cue", "en"); got != "no_such_cue" {
		t.Errorf("unknown code: %q", got)
	}
}

// wordSpans finds the tokenizer's tokens, so snippets line up with them.
func TestWordSpansMatchTokens(t *testing.T) {
	c := Default()
	titles := []string{}
	for _, tx := range genTexts(300) {
		titles = append(titles, tx.Title, tx.Excerpt)
	}
	for _, f := range []string{"clickbait/vi_clickbait_dev.jsonl", "clickbait/en_clickbait_dev.jsonl"} {
		if texts, err := readJSONL(filepath.Join(devData(), f)); err == nil {
			for _, tx := range texts {
				titles = append(titles, tx.Title)
			}
		}
	}
	tz := tokenizer{d: c.d}
	bad := 0
	for _, s := range titles {
		tz.toks = tz.toks[:0]
		var st fieldStats
		tz.run(s, &st)
		if sp := wordSpans(s, nil); len(sp) != len(tz.toks) {
			if bad++; bad <= 5 {
				t.Errorf("%q: %d spans, %d tokens", s, len(sp), len(tz.toks))
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d texts differ", bad, len(titles))
	}
}

// cueCodes lists the structural cue codes, in the models' feature order.
func cueCodes() []string {
	out := make([]string, len(structural))
	for i, s := range structural {
		out[i] = strings.TrimPrefix(s, "#")
	}
	return out
}

// A numbered list of vague things is shown as an editor reads it: "N
// things", not the lexicon's placeholder.
func TestListicleEvidence(t *testing.T) {
	r := Default().Classify(policy.Text{Title: "17 Things Only People Who Grew Up With Sisters Will Understand", Language: "en"})
	if !r.Sensational.Flagged {
		t.Fatalf("not flagged (%.2f): %+v", r.Sensational.Score, r.Sensational.Evidence)
	}
	var texts []string
	for _, e := range r.Sensational.Evidence {
		if strings.Contains(e.Text, "<d>") {
			t.Errorf("evidence shows the placeholder: %+v", e)
		}
		texts = append(texts, e.Text)
	}
	if !slices.Contains(texts, "N things") || !slices.Contains(texts, "will understand") {
		t.Errorf("evidence %q lacks the listicle and the in-group promise", texts)
	}
}

// English headlines in the click-bait forms an editor names (the curiosity
// gap, a numbered list of vague things, a quiz, "This Is Why You…") are
// flagged at an outlet's default sensitivity; plain news is not flagged at
// all.
func TestEnglishHeadlineForms(t *testing.T) {
	normal := policy.Rules{SensationalSensitivity: policy.SensitivityNormal}
	for _, title := range []string{
		"You Won't Believe What This Grandma Did At Her Granddaughter's Wedding",
		"21 Things Only People Who Grew Up In The 90s Will Understand",
		"Which Disney Princess Are You Based On Your Zodiac Sign",
		"This Is Why You Should Never Charge Your Phone Overnight",
	} {
		r := Default().Classify(policy.Text{Title: title, Language: "en"})
		if !normal.Sensational(r.Sensational.Score) || len(r.Sensational.Evidence) == 0 {
			t.Errorf("%q: score %.2f, evidence %+v; want flagged at normal", title, r.Sensational.Score, r.Sensational.Evidence)
		}
	}
	for _, title := range []string{
		"Senate Passes Infrastructure Bill After Months Of Negotiations",
		"3 People Killed In Highway Pileup During Snowstorm",
		"City Council Approves New Budget For Public Schools",
		"Police Arrest Suspect In Downtown Bank Robbery",
	} {
		if r := Default().Classify(policy.Text{Title: title, Language: "en"}); r.Sensational.Flagged {
			t.Errorf("%q: flagged (%.2f): %+v", title, r.Sensational.Score, r.Sensational.Evidence)
		}
	}
}

// sortEv gives the lines a stable sort by |w| followed by taking the first
// max kept ones gives, ties and all, and keeps every line.
func TestSortEvMatchesStableSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	weights := []float64{0, 0.01, -0.01, 0.05, -0.05, 0.3, -0.3, 0.3, 1.2, -1.2, 2, 0.049}
	for round := 0; round < 2000; round++ {
		ev := make([]evAcc, rng.IntN(40))
		for i := range ev {
			ev[i] = evAcc{entry: int32(i), w: weights[rng.IntN(len(weights))]}
		}
		for _, max := range []int{0, 1, maxSensEvidence, maxToneEvidence} {
			for _, pos := range []bool{false, true} {
				want := slices.Clone(ev)
				slices.SortStableFunc(want, func(a, b evAcc) int {
					return cmp.Compare(math.Abs(b.w), math.Abs(a.w))
				})
				var kept []evAcc
				for i := range want {
					if len(kept) < max && keep(&want[i], pos) {
						kept = append(kept, want[i])
					}
				}
				got := slices.Clone(ev)
				n := sortEv(got, max, pos)
				if !slices.Equal(got[:n], kept) {
					t.Fatalf("max %d positive %v: %v, want %v (from %v)", max, pos, got[:n], kept, ev)
				}
				sortByEntry := func(x []evAcc) []evAcc {
					x = slices.Clone(x)
					slices.SortFunc(x, func(a, b evAcc) int { return cmp.Compare(a.entry, b.entry) })
					return x
				}
				if !slices.Equal(sortByEntry(got), sortByEntry(ev)) {
					t.Fatalf("lines lost or repeated: %v from %v", got, ev)
				}
			}
		}
	}
}
