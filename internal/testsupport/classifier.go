package testsupport

import "gatekeeper/policy"

// NeutralClassifier says every post is neutral and no headline sensational.
// With it, tone comes only from the editor's declared tone and the outlet's
// category map.
type NeutralClassifier struct{}

// Classify implements policy.Classifier.
func (NeutralClassifier) Classify(t policy.Text) policy.Classification {
	lang := policy.LanguageTag(t.Language)
	if lang != "en" {
		lang = "vi"
	}
	return policy.Classification{
		Language: lang,
		Tone:     policy.ToneResult{Label: policy.Neutral, Score: 0, Evidence: []policy.Evidence{}},
		Sensational: policy.SensationalResult{
			Evidence: []policy.Evidence{},
		},
	}
}
