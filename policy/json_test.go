package policy_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"gatekeeper/internal/jsonappend/appendtest"
	"gatekeeper/policy"
)

// TestAppendJSONAsMarshal: every AppendJSON writes what json.Marshal writes,
// for values filled at random field by field (a field added to a type and not
// to its AppendJSON fails here).
func TestAppendJSONAsMarshal(t *testing.T) {
	const n = 3000
	appendtest.AsMarshal(t, n, func(dst []byte, v *policy.Evidence) []byte { return v.AppendJSON(dst) })
	appendtest.AsMarshal(t, n, func(dst []byte, v *policy.ToneResult) []byte { return v.AppendJSON(dst) })
	appendtest.AsMarshal(t, n, func(dst []byte, v *policy.SensationalResult) []byte { return v.AppendJSON(dst) })
	appendtest.AsMarshal(t, n, func(dst []byte, v *policy.Classification) []byte { return v.AppendJSON(dst) })
	appendtest.AsMarshal(t, n, func(dst []byte, v *policy.Rules) []byte { return v.AppendJSON(dst) })
	appendtest.AsMarshal(t, n, func(dst []byte, v *policy.Subject) []byte { return v.AppendJSON(dst) })
	appendtest.AsMarshal(t, n, func(dst []byte, v *policy.Headroom) []byte { return v.AppendJSON(dst) })
	appendtest.AsMarshal(t, n, func(dst []byte, v *policy.Counts) []byte { return v.AppendJSON(dst) })
}

// TestEvidenceCompactForm: the short form reads back as the evidence it was
// written from, alone and in a classification (a field added to Evidence and
// not to the short form fails here).
func TestEvidenceCompactForm(t *testing.T) {
	const n = 3000
	appendtest.ReadsBack(t, n, func(dst []byte, v *policy.Evidence) []byte { return v.AppendCompactJSON(dst) })
	appendtest.ReadsBack(t, n, func(dst []byte, v *policy.Classification) []byte { return v.AppendCompactJSON(dst) })
}

// TestEvidenceReadsBothForms: the object json.Marshal writes (kept by earlier
// versions, and with every hold) and the short array read as the same
// evidence.
func TestEvidenceReadsBothForms(t *testing.T) {
	for _, c := range []struct {
		object, array string
		want          policy.Evidence
	}{
		{`{"text":"tử vong","field":"content","weight":1.8253,"theme":"violence"}`, `["tử vong","content",1.8253,"violence"]`,
			policy.Evidence{Text: "tử vong", Field: "content", Weight: 1.8253, Theme: "violence"}},
		{`{"text":"?","field":"title","weight":1.5082,"cue":"question"}`, `["?","title",1.5082,"","question"]`,
			policy.Evidence{Text: "?", Field: "title", Weight: 1.5082, Cue: "question"}},
		{`{"text":"sốc","field":"title","weight":3.9403}`, `["sốc","title",3.9403]`,
			policy.Evidence{Text: "sốc", Field: "title", Weight: 3.9403}},
		{`{"text":"tai nan","field":"title","weight":-0.5,"folded":true}`, ` ["tai nan","title",-0.5,"","",true]`,
			policy.Evidence{Text: "tai nan", Field: "title", Weight: -0.5, Folded: true}},
	} {
		for _, form := range []string{c.object, c.array} {
			var got policy.Evidence
			if err := json.Unmarshal([]byte(form), &got); err != nil || got != c.want {
				t.Errorf("%s: %+v, %v; want %+v", form, got, err, c.want)
			}
		}
		if got := string(c.want.AppendCompactJSON(nil)); " "+got != c.array && got != c.array {
			t.Errorf("AppendCompactJSON(%+v) = %s, want %s", c.want, got, c.array)
		}
	}
	var cls policy.Classification
	err := json.Unmarshal([]byte(`{"tone":{"evidence":[["a","title",1,"crime"],{"text":"b","field":"content","weight":2}]}}`), &cls)
	if want := []policy.Evidence{{Text: "a", Field: "title", Weight: 1, Theme: "crime"}, {Text: "b", Field: "content", Weight: 2}}; err != nil || !reflect.DeepEqual(cls.Tone.Evidence, want) {
		t.Errorf("mixed list: %+v, %v", cls.Tone.Evidence, err)
	}
	for _, bad := range []string{`["a","title","x"]`, `[1]`, `["a"`, `{"text":1}`} {
		var e policy.Evidence
		if json.Unmarshal([]byte(bad), &e) == nil {
			t.Errorf("%s read as %+v, want an error", bad, e)
		}
	}
}
