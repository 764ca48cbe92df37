package gate

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

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

// TestSnapshotRestHasEverySnapshotField: snapshotRest is Snapshot but its post.
func TestSnapshotRestHasEverySnapshotField(t *testing.T) {
	st, rt := reflect.TypeFor[Snapshot](), reflect.TypeFor[snapshotRest]()
	if st.NumField()-1 != rt.NumField() {
		t.Fatalf("Snapshot has %d fields, snapshotRest %d: keep snapshotRest = Snapshot without Post", st.NumField(), rt.NumField())
	}
	for i := 1; i < st.NumField(); i++ {
		f, ok := rt.FieldByName(st.Field(i).Name)
		if !ok || f.Type != st.Field(i).Type || f.Tag != st.Field(i).Tag || f.Index[0] != i-1 {
			t.Errorf("snapshotRest.%s differs from Snapshot's", st.Field(i).Name)
		}
	}
}
