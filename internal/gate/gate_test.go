package gate

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/internal/store/sqlitestore"
	"gatekeeper/internal/testsupport"
	"gatekeeper/policy"
)

// recorder is a real store that remembers what each check was given.
type recorder struct {
	store.Store
	inputs []store.CheckInput
}

func (r *recorder) Check(ctx context.Context, in store.CheckInput) (store.CheckResult, error) {
	r.inputs = append(r.inputs, in)
	return r.Store.Check(ctx, in)
}

func newService(t *testing.T) (*Service, *recorder, *store.Outlet, time.Time) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlitestore.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	o := store.Outlet{ID: "dakglei", Name: "Đắk Glei", Rules: policy.DefaultRules(), WindowDays: 30, Timezone: "Asia/Ho_Chi_Minh"}
	if err := st.CreateOutlet(ctx, o); err != nil {
		t.Fatal(err)
	}
	// 20 posts, 3 negative: one more negative post (4/21 > 15%) is held.
	var posts []store.SyncPost
	for i := range 20 {
		at := now.Add(-time.Duration(i+1) * time.Hour)
		posts = append(posts, store.SyncPost{ID: fmt.Sprintf("w%d", i), Negative: i < 3, PublishedAt: at, Day: store.DayKey(at, o.Location())})
	}
	if _, err := st.Sync(ctx, store.SyncInput{Outlet: o.ID, Now: now, Window: o.Window(), Posts: posts}); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{Store: st}
	s := &Service{Store: rec, Classifier: testsupport.NeutralClassifier{}, Now: func() time.Time { return now }}
	return s, rec, &o, now
}

// TestSnapshots: the snapshot kept for replays carries no post text; the
// post's full text is sent only when the plan can hold, and a hold keeps it.
func TestSnapshots(t *testing.T) {
	s, rec, o, _ := newService(t)
	ctx := context.Background()
	content := strings.Repeat("<p>Người dân xã Đắk Pék phấn khởi đón mùa cà phê bội thu.</p>", 50)

	ok := Post{ID: "ok", Title: "Khánh thành cầu mới", Content: content, Author: "editor1"}
	a1, err := s.Check(ctx, o, ok, false, "msg_ok")
	if err != nil {
		t.Fatal(err)
	}
	in := rec.inputs[len(rec.inputs)-1]
	if a1.Decision != policy.Allow || in.HoldSnapshot != nil || strings.Contains(string(in.Snapshot), "Đắk Pék") {
		t.Fatalf("neutral post: %s, hold snapshot %d bytes, snapshot %s", a1.Decision, len(in.HoldSnapshot), in.Snapshot)
	}
	var compact Snapshot
	if err := json.Unmarshal(in.Snapshot, &compact); err != nil || !reflect.DeepEqual(compact.Post, Post{ID: "ok"}) {
		t.Fatalf("compact snapshot %s: %v", in.Snapshot, err)
	}

	neg := Post{ID: "neg", Title: "Tai nạn giao thông", Content: content, Author: "editor1", DeclaredTone: "negative"}
	a2, err := s.Check(ctx, o, neg, false, "msg_neg")
	if err != nil {
		t.Fatal(err)
	}
	in = rec.inputs[len(rec.inputs)-1]
	if a2.Decision != policy.Hold || a2.Hold == nil || strings.Contains(string(in.Snapshot), "Đắk Pék") || !strings.Contains(string(in.HoldSnapshot), "Đắk Pék") {
		t.Fatalf("negative post: %s, snapshot %s, hold snapshot %d bytes", a2.Decision, in.Snapshot, len(in.HoldSnapshot))
	}
	h, err := s.Hold(ctx, o, a2.Hold.ID)
	if err != nil {
		t.Fatal(err)
	}
	if h.Post == nil || h.Post.Title != neg.Title || h.Post.Content != content {
		t.Fatalf("the hold does not show the post: %+v", h.Post)
	}

	// Replays render the same answers from the compact snapshot.
	for _, c := range []struct {
		p     Post
		wid   string
		first *Answer
	}{{ok, "msg_ok", a1}, {neg, "msg_neg", a2}} {
		again, err := s.Check(ctx, o, c.p, false, c.wid)
		if err != nil {
			t.Fatal(err)
		}
		if !again.Replayed {
			t.Fatalf("%s: not a replay", c.wid)
		}
		again.Replayed = false
		if !reflect.DeepEqual(again, c.first) {
			t.Fatalf("%s: replay %+v, want %+v", c.wid, again, c.first)
		}
	}
}
