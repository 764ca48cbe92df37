package policy_test

import (
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
}
