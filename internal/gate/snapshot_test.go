package gate

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"gatekeeper/internal/jsonappend/appendtest"
	"gatekeeper/policy"
)

// TestEncodeSnapshots: the full snapshot is byte for byte what json.Marshal
// makes of the snapshot; the compact one has the post's id and language
// only, its evidence in the short form, and reads back as the snapshot with
// that post.
func TestEncodeSnapshots(t *testing.T) {
	at := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	for _, snap := range []Snapshot{
		{Post: Post{ID: "p1", Title: "T"}, Rules: policy.DefaultRules(), WindowDays: 30},
		{
			Post: Post{ID: "p2", Title: "Tai nạn <b>", Language: "vi", Content: "x & y", Categories: []string{"Thời sự"}, PublishedAt: &at},
			Classification: policy.Classification{Tone: policy.ToneResult{Label: policy.Negative, Score: 1,
				Evidence: []policy.Evidence{{Text: "tai nạn", Field: "title", Weight: 1, Theme: "accident"}}}},
			Notes: []string{"declared_negative"}, Rules: policy.DefaultRules(),
			Subject: policy.Subject{Negative: true, Sensational: true}, WindowDays: 7, DryRun: true, Submitter: "bientap.an",
		},
	} {
		compact, full, err := encodeSnapshots(&snap, true)
		if err != nil {
			t.Fatal(err)
		}
		if wantFull, _ := json.Marshal(snap); !bytes.Equal(full, wantFull) {
			t.Errorf("full:\n got %s\nwant %s", full, wantFull)
		}
		want := snap
		want.Post = Post{ID: snap.Post.ID, Language: snap.Post.Language}
		var back Snapshot
		if err := json.Unmarshal(compact, &back); err != nil || !reflect.DeepEqual(back, want) {
			t.Errorf("compact %s reads back as %+v, %v; want %+v", compact, back, err, want)
		}
		if len(snap.Classification.Tone.Evidence) > 0 && !bytes.Contains(compact, []byte(`"evidence":[["tai nạn","title",1,"accident"]]`)) {
			t.Errorf("compact %s: evidence not in the short form", compact)
		}
		if _, none, _ := encodeSnapshots(&snap, false); none != nil {
			t.Errorf("full snapshot made when the plan cannot hold: %s", none)
		}
	}
}

// TestSnapshotOfAnEarlierVersionReadsBack: a replay record written before
// the short form (evidence as objects, kept 24 hours) reads as the same
// snapshot as one written now.
func TestSnapshotOfAnEarlierVersionReadsBack(t *testing.T) {
	earlier := `{"post":{"id":"p9","title":"","language":"vi"},"classification":{"language":"vi","tone":{"label":"negative","score":0.9917,"borderline":false,"evidence":[{"text":"tử vong","field":"title","weight":3.2005,"theme":"violence"}]},"sensational":{"flagged":true,"score":0.8595,"evidence":[{"text":"?","field":"title","weight":1.5082,"cue":"question"}]}},"rules":{"Limit":1500,"WarnAt":1200,"MinSample":0,"SensationalAction":"warn","SensationalSensitivity":"normal","Mode":"enforce"},"subject":{"Negative":true,"Borderline":false,"Sensational":true},"window_days":30}`
	var old Snapshot
	if err := json.Unmarshal([]byte(earlier), &old); err != nil {
		t.Fatal(err)
	}
	now, _, err := encodeSnapshots(&old, false)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(now, []byte(earlier)) || len(now) >= len(earlier) {
		t.Fatalf("the compact snapshot is not the short form: %s", now)
	}
	var back Snapshot
	if err := json.Unmarshal(now, &back); err != nil || !reflect.DeepEqual(back, old) {
		t.Fatalf("%s reads back as %+v, %v; want %+v", now, back, err, old)
	}
}

// TestAppendJSONAsMarshal: the answer and the full snapshot are written as
// json.Marshal writes them, and the compact snapshot reads back as the
// snapshot, for values filled at random field by field (a field added to
// Answer or Snapshot, or to a type they hold, and not to its encoding fails
// here).
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
	appendtest.ReadsBack(t, n, func(dst []byte, s *Snapshot) []byte {
		compact, _, err := encodeSnapshots(s, false)
		if err != nil {
			t.Fatal(err)
		}
		s.Post = Post{ID: s.Post.ID, Language: s.Post.Language} // what it is to read back as
		return append(dst, compact...)
	})
}
