package gate

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"gatekeeper/internal/jsonappend/appendtest"
	"gatekeeper/policy"
)

// TestEncodeSnapshotsAsMarshal: the two encodings built from one encoding of
// the shared part are byte for byte what json.Marshal makes of the snapshot
// (so a field added to Snapshot and not to snapshotRest fails here).
func TestEncodeSnapshotsAsMarshal(t *testing.T) {
	at := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	for _, snap := range []Snapshot{
		{Post: Post{ID: "p1", Title: "T"}, Rules: policy.DefaultRules(), WindowDays: 30},
		{
			Post: Post{ID: "p2", Title: "Tai nạn <b>", Language: "vi", Content: "x & y", Categories: []string{"Thời sự"}, PublishedAt: &at},
			Classification: policy.Classification{Tone: policy.ToneResult{Label: policy.Negative, Score: 1,
				Evidence: []policy.Evidence{{Text: "tai nạn", Field: "title", Weight: 1}}}},
			Notes: []string{"declared_negative"}, Rules: policy.DefaultRules(),
			Subject: policy.Subject{Negative: true, Sensational: true}, WindowDays: 7, DryRun: true, Submitter: "bientap.an",
		},
	} {
		compact, full, err := encodeSnapshots(&snap, true)
		if err != nil {
			t.Fatal(err)
		}
		wantFull, _ := json.Marshal(snap)
		c := snap
		c.Post = Post{ID: snap.Post.ID, Language: snap.Post.Language}
		wantCompact, _ := json.Marshal(c)
		if !bytes.Equal(full, wantFull) {
			t.Errorf("full:\n got %s\nwant %s", full, wantFull)
		}
		if !bytes.Equal(compact, wantCompact) {
			t.Errorf("compact:\n got %s\nwant %s", compact, wantCompact)
		}
		if _, none, _ := encodeSnapshots(&snap, false); none != nil {
			t.Errorf("full snapshot made when the plan cannot hold: %s", none)
		}
	}
}

// TestAppendJSONAsMarshal: the answer and both snapshots are written as
// json.Marshal writes them, for values filled at random field by field (a
// field added to Answer or Snapshot, or to a type they hold, and not to its
// AppendJSON fails here).
func TestAppendJSONAsMarshal(t *testing.T) {
	const n = 3000
	appendtest.AsMarshal(t, n, func(dst []byte, a *Answer) []byte { return a.AppendJSON(dst) })
	appendtest.AsMarshal(t, n, func(dst []byte, s *Snapshot) []byte {
		_, full, err := encodeSnapshots(s, true)
		if err != nil {
			t.Fatal(err)
		}
		return append(dst, full...)
	})
	appendtest.AsMarshal(t, n, func(dst []byte, s *Snapshot) []byte {
		compact, _, err := encodeSnapshots(s, false)
		if err != nil {
			t.Fatal(err)
		}
		s.Post = Post{ID: s.Post.ID, Language: s.Post.Language} // what Marshal is then given
		return append(dst, compact...)
	})
}
