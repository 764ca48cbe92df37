package messages

import (
	"strings"
	"testing"
)

func TestFromAcceptLanguage(t *testing.T) {
	tests := map[string]Lang{
		"":                       VI,
		"en":                     EN,
		"en-US,en;q=0.9":         EN,
		"vi-VN,vi;q=0.9,en;q=.8": VI,
		"fr":                     VI,
		"fr, en;q=0.5":           EN,
		"garbage;;;":             VI,
	}
	for h, want := range tests {
		if got := FromAcceptLanguage(h); got != want {
			t.Errorf("FromAcceptLanguage(%q) = %s, want %s", h, got, want)
		}
	}
}

func TestEveryCodeHasBothLanguages(t *testing.T) {
	errs, reasons := codes()
	for _, c := range errs {
		vi, en := Error(VI, c), Error(EN, c)
		if vi == "" || en == "" || vi == en {
			t.Errorf("error %s: vi %q en %q", c, vi, en)
		}
	}
	args := ReasonArgs{After: 1488, WarnAt: 1200, Limit: 1500, Published: 3, MinSample: 20, Language: "vi", Declared: "en"}
	for _, c := range reasons {
		vi, en := Reason(VI, c, args), Reason(EN, c, args)
		if vi == "" || en == "" || vi == en || strings.Contains(vi+en, "%!") {
			t.Errorf("reason %s: vi %q en %q", c, vi, en)
		}
	}
}

func TestReasonNumbers(t *testing.T) {
	args := ReasonArgs{After: 1488, WarnAt: 1200, Limit: 1500}
	if got := Reason(VI, "share_near_limit", args); !strings.Contains(got, "14,88%") || !strings.Contains(got, "15,00%") {
		t.Errorf("vi: %q", got)
	}
	if got := Reason(EN, "share_near_limit", args); !strings.Contains(got, "14.88%") || !strings.Contains(got, "12.00%") {
		t.Errorf("en: %q", got)
	}
}

// codes lists every error and reason code (for tests of the catalogue).
func codes() (errs, reasons []string) {
	for k := range errorText {
		errs = append(errs, k)
	}
	for k := range reasonText {
		reasons = append(reasons, k)
	}
	return errs, reasons
}

func TestLanguageDetectedNamesBothLanguages(t *testing.T) {
	args := ReasonArgs{Language: "vi", Declared: "EN-us"}
	if got := Reason(VI, "language_detected", args); !strings.Contains(got, "tiếng Việt") || !strings.Contains(got, "EN-us") {
		t.Errorf("vi: %q", got)
	}
	if got := Reason(EN, "language_detected", args); !strings.Contains(got, "Vietnamese") || !strings.Contains(got, "EN-us") {
		t.Errorf("en: %q", got)
	}
}
