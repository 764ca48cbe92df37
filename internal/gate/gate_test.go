package gate

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/messages"
	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport"
	"gatekeeper/internal/testsupport/teststore"
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

// seededOutlet is an embedded store with outlet dakglei whose window holds
// published posts, the first negative of them negative, at now.
func seededOutlet(t *testing.T, published, negative int) (store.Store, store.Outlet, time.Time) {
	t.Helper()
	ctx := context.Background()
	st := teststore.SQLite(t)
	now := testsupport.Now(t, time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC))
	o := store.Outlet{ID: "dakglei", Name: "Đắk Glei", Rules: policy.DefaultRules(), WindowDays: 30, Timezone: "Asia/Ho_Chi_Minh"}
	if err := st.CreateOutlet(ctx, o); err != nil {
		t.Fatal(err)
	}
	var posts []store.SyncPost
	for i := range published {
		at := now.Add(-time.Duration(i+1) * time.Hour)
		posts = append(posts, store.SyncPost{ID: fmt.Sprintf("w%d", i), Negative: i < negative, PublishedAt: at, Day: store.DayKey(at, o.Location())})
	}
	if _, err := st.Sync(ctx, store.SyncInput{Outlet: o.ID, Now: now, Window: o.Window(), Posts: posts}); err != nil {
		t.Fatal(err)
	}
	return st, o, now
}

func newService(t *testing.T) (*Service, *recorder, *store.Outlet, time.Time) {
	t.Helper()
	// 20 posts, 3 negative: one more negative post (4/21 > 15%) is held.
	st, o, now := seededOutlet(t, 20, 3)
	rec := &recorder{Store: st}
	s := &Service{Store: rec, Classifier: testsupport.NeutralClassifier{}, Clock: clock.Fixed(now)}
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

// borderlineClassifier calls every post neutral but uncertain.
type borderlineClassifier struct{}

func (borderlineClassifier) Classify(policy.Text) policy.Classification {
	return policy.Classification{Language: "vi", Tone: policy.ToneResult{Label: policy.Neutral, Score: 0.5, Borderline: true}}
}

// TestBorderlineShowsTheFigureTheDecisionUsed: at 24 published / 3 negative a
// borderline post is weighed as negative, (3+1)/(24+1) = 16,00%, past the
// 15% limit: the answer's share.after and its message say 16,00%, not the
// 12,00% it would be as a non-negative post, and say why.
func TestBorderlineShowsTheFigureTheDecisionUsed(t *testing.T) {
	ctx := context.Background()
	st, o, now := seededOutlet(t, 24, 3)
	s := &Service{Store: st, Classifier: borderlineClassifier{}, Clock: clock.Fixed(now)}
	for _, tc := range []struct {
		lang      messages.Lang
		want, not string
	}{
		{messages.VI, "16,00%", "12,00%"},
		{messages.EN, "16.00%", "12.00%"},
	} {
		a, err := s.Check(ctx, &o, Post{ID: "p-" + string(tc.lang), Title: "Công an huyện ra quân tuyên truyền an toàn giao thông tại trường học"}, true, "")
		if err != nil {
			t.Fatal(err)
		}
		a.Localize(tc.lang)
		if a.Decision != policy.Hold || a.Share.After != 0.16 || a.Share.Before != 0.125 {
			t.Fatalf("%s: decision %s, share %+v; want hold at 12,50%% → 16,00%%", tc.lang, a.Decision, a.Share)
		}
		msg := a.Reasons[0].Message
		if a.Reasons[0].Code != policy.ReasonBorderlineOverLimit || !strings.Contains(msg, tc.want) || strings.Contains(msg, tc.not) {
			t.Errorf("%s: reason %s %q; want the decision's figure %s", tc.lang, a.Reasons[0].Code, msg, tc.want)
		}
		if !strings.Contains(msg, "tính như tin tiêu cực") && !strings.Contains(msg, "counted as negative") {
			t.Errorf("%s: %q does not say the post is counted as negative", tc.lang, msg)
		}
	}
}

// TestRecheckOfAHeldPostKeepsOneHold: pressing Publish again on a held post
// (a new check, a new webhook id) answers with the same hold; there is never
// a second pending hold for one post.
func TestRecheckOfAHeldPostKeepsOneHold(t *testing.T) {
	s, rec, o, _ := newService(t)
	ctx := context.Background()
	p := Post{ID: "4217", Title: "Tai nạn giao thông trên quốc lộ 14", DeclaredTone: "negative"}
	var ids []string
	for i, wh := range []string{"msg_a", "msg_b", "msg_c"} {
		a, err := s.Check(ctx, o, p, false, wh)
		if err != nil {
			t.Fatal(err)
		}
		if a.Decision != policy.Hold || a.Hold == nil {
			t.Fatalf("check %d: %s, want hold", i, a.Decision)
		}
		ids = append(ids, a.Hold.ID)
	}
	if ids[0] != ids[1] || ids[1] != ids[2] {
		t.Fatalf("hold ids %v: a re-check made another hold", ids)
	}
	pending, err := rec.Store.ListHolds(ctx, o.ID, store.HoldFilter{Status: store.HoldPending})
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending holds %d (%v), want 1", len(pending), err)
	}
}

// TestCheckForNamesTheSubmitter: a check a console user makes is audited
// under "console:NAME", its hold keeps them as submitter (what tells them of
// the review), and the same post recorded again counts once and says so.
func TestCheckForNamesTheSubmitter(t *testing.T) {
	s, rec, o, _ := newService(t)
	ctx := context.Background()
	ok := Post{ID: "link-1", Title: "Khánh thành cầu mới", Author: "bientap.an"}
	a, err := s.CheckFor(ctx, o, ok, false, "bientap.an")
	if err != nil || a.Decision != policy.Allow || !a.Counted || a.Ledger != policy.NotCounted {
		t.Fatalf("first record: %+v, %v", a, err)
	}
	if in := rec.inputs[len(rec.inputs)-1]; in.Actor != "console:bientap.an" || in.WebhookID != "" {
		t.Fatalf("actor %q webhook id %q", in.Actor, in.WebhookID)
	}
	before, _ := rec.Store.Window(ctx, o.ID, s.now(), o.Window())
	again, err := s.CheckFor(ctx, o, ok, false, "bientap.an")
	if err != nil || again.Ledger != policy.CountedNonNegative {
		t.Fatalf("second record: ledger %v, %v", again.Ledger, err)
	}
	if after, _ := rec.Store.Window(ctx, o.ID, s.now(), o.Window()); after != before {
		t.Fatalf("the same post recorded twice moved the counts: %+v → %+v", before, after)
	}
	neg := Post{ID: "link-2", Title: "Tai nạn giao thông", DeclaredTone: "negative"}
	h, err := s.CheckFor(ctx, o, neg, false, "bientap.an")
	if err != nil || h.Decision != policy.Hold || h.Hold == nil {
		t.Fatalf("negative record: %+v, %v", h, err)
	}
	hold, err := rec.Store.GetHold(ctx, o.ID, h.Hold.ID)
	if err != nil || SubmitterOf(hold.Snapshot) != "bientap.an" {
		t.Fatalf("hold submitter %q (%v)", SubmitterOf(hold.Snapshot), err)
	}
	es, _ := rec.Store.ListAudit(ctx, o.ID, store.AuditFilter{Type: "hold"})
	if len(es) != 1 || es[0].Actor != "console:bientap.an" {
		t.Fatalf("hold audit: %+v", es)
	}
	// A CMS's check names no submitter, whatever its author says.
	cms, err := s.Check(ctx, o, Post{ID: "p9", Title: "Tai nạn", Author: "console:bientap.an", DeclaredTone: "negative"}, false, "msg_9")
	if err != nil || cms.Hold == nil {
		t.Fatalf("cms check: %+v, %v", cms, err)
	}
	if hold, _ := rec.Store.GetHold(ctx, o.ID, cms.Hold.ID); SubmitterOf(hold.Snapshot) != "" {
		t.Fatalf("a CMS's check has submitter %q", SubmitterOf(hold.Snapshot))
	}
	if in := rec.inputs[len(rec.inputs)-1]; in.Actor == "console:bientap.an" {
		t.Fatalf("a CMS's author passes for a console user in the audit: %q", in.Actor)
	}
}

// TestHoldIDMatchesSprintf holds the hold id written by hand to the format
// it stands for, at the edges of the 40 bits of milliseconds and at random.
func TestHoldIDMatchesSprintf(t *testing.T) {
	ms := []int64{0, 1, 0xf, 0x10, 0xffffffffff, 0x10000000000, 0x1ffffffffff, -1, math.MaxInt64, math.MinInt64}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1000 {
		ms = append(ms, r.Int64())
	}
	for i, m := range ms {
		var b [6]byte
		for k := range b {
			b[k] = byte(r.Uint32())
		}
		if i == 0 {
			b = [6]byte{}
		}
		want := fmt.Sprintf("h_%010x%x", m&0xffffffffff, b)
		if got := holdID(m, b); got != want {
			t.Fatalf("holdID(%d, %x) = %q, want %q", m, b, got, want)
		}
	}
	if id := NewHoldID(); len(id) != 24 || id[:2] != "h_" {
		t.Fatalf("NewHoldID() = %q", id)
	}
}

// replayer answers every check as a replay of a stored answer it cannot
// read, as a version of Gatekeeper that kept it in a form this one does not
// know would.
type replayer struct{ store.Store }

func (replayer) Check(context.Context, store.CheckInput) (store.CheckResult, error) {
	return store.CheckResult{Replayed: true, Snapshot: []byte(`{"classification":{"tone":{"evidence":[[1,2,3]]}}}`)}, nil
}

// TestUnreadableStoredAnswerIsRetried: a repeated webhook id whose stored
// answer this version cannot read is refused as unavailable (503, try
// again), not as an internal error.
func TestUnreadableStoredAnswerIsRetried(t *testing.T) {
	s, rec, o, _ := newService(t)
	s.Store = replayer{rec}
	_, err := s.CheckClaiming(context.Background(), o, Post{ID: "p1", Title: "Tin"}, false, "msg_1", []byte(`{}`))
	if err == nil || !store.KindOf(err).Unavailable() {
		t.Fatalf("err %v (kind %v), want unavailable", err, store.KindOf(err))
	}
}
