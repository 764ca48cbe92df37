package classify

import (
	"slices"
	"testing"

	"gatekeeper/policy"
)

// ThemeCodes and the labels follow the tone lexicons: every theme of harm in
// either language's lexicon is listed and labelled, and nothing else is.
func TestThemeCodesFollowTheLexicons(t *testing.T) {
	c := Default()
	for li, l := range c.tone {
		var harm []string
		for _, th := range l.themes {
			if harmTheme(th) != "" {
				harm = append(harm, th)
			}
		}
		if !slices.Equal(harm, ThemeCodes()) {
			t.Errorf("tone lexicon %d: harm themes %v, ThemeCodes %v", li, harm, ThemeCodes())
		}
	}
	for _, code := range ThemeCodes() {
		vi, en := ThemeLabel(code, "vi"), ThemeLabel(code, "en")
		if vi == code || en == code || vi == en {
			t.Errorf("%s: labels %q / %q", code, vi, en)
		}
	}
	if got := ThemeLabel("positive", "vi"); got != "positive" {
		t.Errorf("a theme that is not one of harm: %q", got)
	}
}

// The evidence of a negative post names the harms it speaks of; reassurance
// and positive phrases carry no theme.
func TestNegativeThemesFromEvidence(t *testing.T) {
	cases := []struct {
		title string
		want  string
	}{
		{"Tai nạn giao thông trên quốc lộ 14, 2 người bị thương", "accident"},
		{"Bắt giữ đối tượng cướp giật tài sản tại chợ huyện", "crime"},
		{"Lũ quét cuốn trôi nhiều nhà dân ở xã vùng cao", "disaster"},
		{"Two killed in highway crash near the bridge", "accident"},
	}
	for _, tc := range cases {
		r := Default().Classify(policy.Text{Title: tc.title})
		got := policy.NegativeThemes(r.Tone.Evidence)
		if !slices.Contains(got, tc.want) {
			t.Errorf("%q: themes %v (evidence %+v), want %s among them", tc.title, got, r.Tone.Evidence, tc.want)
		}
	}
	r := Default().Classify(policy.Text{Title: "Huyện tổ chức lễ khen thưởng học sinh giỏi năm học mới"})
	if got := policy.NegativeThemes(r.Tone.Evidence); len(got) != 0 {
		t.Errorf("positive post: themes %v (evidence %+v)", got, r.Tone.Evidence)
	}
}
