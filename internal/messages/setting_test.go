package messages_test

import (
	"errors"
	"strings"
	"testing"

	"gatekeeper/internal/admin"
	"gatekeeper/internal/messages"
	"gatekeeper/policy"
)

// TestEverySettingErrorIsWorded: each setting the domain packages refuse
// comes back as a policy.InvalidSetting in plain English with its package
// prefix, and messages words it in Vietnamese (a code without Vietnamese,
// or arguments that do not fit the sentence, fail here).
func TestEverySettingErrorIsWorded(t *testing.T) {
	bad := admin.NewOutlet("Sai ID", " ")
	bad.WindowDays, bad.Timezone, bad.CallbackURL = 0, "Sao/Hoa", "ftp://x"
	bad.Rules = policy.Rules{Limit: 20000, WarnAt: -1, MinSample: -1, SensationalAction: "block", SensationalSensitivity: "extreme", Mode: "off"}
	_, _, catErr := admin.ParseCategoryTone("Thể thao=vui")
	_, pctErr := admin.ParsePercent("abc")
	_, maxErr := admin.ParsePercent("101")
	errs := []error{admin.Validate(&bad), catErr, pctErr, maxErr}
	codes := map[string]bool{}
	for _, err := range errs {
		for _, line := range strings.Split(messages.Settings(err), "\n") {
			vi, en, ok := strings.Cut(line, " / ")
			if !ok || vi == en || strings.Contains(line, "%!") {
				t.Errorf("not worded in both languages: %q", line)
			}
		}
		for _, leaf := range flatten(err) {
			var s *policy.InvalidSetting
			if !errors.As(leaf, &s) {
				t.Errorf("%v is not an InvalidSetting", leaf)
				continue
			}
			codes[s.Code] = true
			if !strings.HasPrefix(leaf.Error(), s.Pkg+": ") || strings.ContainsAny(s.Format, "ạảãáàấầẩẫậăắằẳẵặđêếềểễệ") {
				t.Errorf("%q: want plain English after %q", leaf.Error(), s.Pkg+": ")
			}
		}
	}
	for _, c := range []string{"id", "name", "window_days", "timezone", "callback_url", "limit", "warn_at", "min_sample", "sensational", "sensitivity", "mode", "category", "percent", "percent_max"} {
		if !codes[c] {
			t.Errorf("no refusal produced code %q", c)
		}
	}
	if got := messages.Setting(messages.VI, errors.New("other")); got != "other" {
		t.Errorf("another error is worded %q", got)
	}
}

func flatten(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	return []error{err}
}
