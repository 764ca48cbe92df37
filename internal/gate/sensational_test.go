package gate

import (
	"context"
	"testing"

	"gatekeeper/internal/testsupport"
	"gatekeeper/policy"
)

// scored says every headline has the given sensational score (the
// classifier's own flag at 0.5), every post neutral.
type scored float64

func (s scored) Classify(t policy.Text) policy.Classification {
	c := testsupport.NeutralClassifier{}.Classify(t)
	c.Sensational = policy.SensationalResult{Flagged: s >= 0.5, Score: float64(s),
		Evidence: []policy.Evidence{{Text: "không ai ngờ", Field: "title", Weight: 1}}}
	return c
}

// TestOutletSensationalSetting: the outlet's sensitivity decides whether a
// headline's score is sensational there (the answer's flagged, threshold and
// sensitivity say so), and its action what the flag does to the verdict.
func TestOutletSensationalSetting(t *testing.T) {
	tests := []struct {
		sensitivity policy.Sensitivity
		action      policy.SensationalAction
		score       float64
		flagged     bool
		decision    policy.Verdict
		threshold   float64
	}{
		{policy.SensitivityNormal, policy.SensationalWarn, 0.6, false, policy.Allow, 0.7},
		{policy.SensitivityHigh, policy.SensationalWarn, 0.6, true, policy.Warn, 0.5},
		{policy.SensitivityNormal, policy.SensationalWarn, 0.8, true, policy.Warn, 0.7},
		{policy.SensitivityLow, policy.SensationalWarn, 0.8, false, policy.Allow, 0.85},
		{policy.SensitivityNormal, policy.SensationalNote, 0.95, true, policy.Allow, 0.7},
		{policy.SensitivityNormal, policy.SensationalHold, 0.95, true, policy.Hold, 0.7},
		{"", policy.SensationalWarn, 0.75, true, policy.Warn, 0.7}, // an outlet saved before the setting
	}
	for i, tc := range tests {
		s, _, o, _ := newService(t)
		s.Classifier = scored(tc.score)
		o.Rules.SensationalSensitivity, o.Rules.SensationalAction = tc.sensitivity, tc.action
		a, err := s.Check(context.Background(), o, Post{ID: "p", Title: "Không ai ngờ điều này"}, false, "")
		if err != nil {
			t.Fatal(err)
		}
		sens := a.Sensational
		hasReason := false
		for _, r := range a.Reasons {
			hasReason = hasReason || r.Code == policy.ReasonSensational
		}
		if a.Decision != tc.decision || sens.Flagged != tc.flagged || hasReason != tc.flagged || sens.Threshold != tc.threshold ||
			sens.Sensitivity != tc.sensitivity.OrDefault() || sens.Action != tc.action || len(sens.Evidence) != 1 {
			t.Errorf("%d %+v: decision %s, sensational %+v, reasons %+v", i, tc, a.Decision, sens, a.Reasons)
		}
	}
}
