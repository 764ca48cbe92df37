package store_test

import (
	"testing"

	"gatekeeper/internal/jsonappend/appendtest"
	"gatekeeper/internal/store"
)

// TestReadingAppendJSONAsMarshal: a check's reading is written as
// json.Marshal writes it (a field added to Reading and not to its
// AppendJSON fails here).
func TestReadingAppendJSONAsMarshal(t *testing.T) {
	appendtest.AsMarshal(t, 3000, func(dst []byte, r *store.Reading) []byte { return r.AppendJSON(dst) })
}
