package gate

import (
	"encoding/json"
	"testing"

	"gatekeeper/internal/messages"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
	"gatekeeper/policy/classify"
)

// benchPost is a Vietnamese post the classifier finds evidence in, for
// headline and tone both.
var benchPost = Post{
	ID: "p-2026-1204-0815", Language: "vi", Author: "bientap.an",
	Title:   "SỐC: Tai nạn giao thông nghiêm trọng trên quốc lộ 14, 3 người tử vong?",
	Excerpt: "Vụ va chạm giữa xe khách và xe tải xảy ra rạng sáng nay tại huyện Đắk Glei.",
	Content: "Rạng sáng 4/12, trên quốc lộ 14 đoạn qua xã Đắk Pék đã xảy ra vụ tai nạn giao thông nghiêm trọng giữa " +
		"xe khách và xe tải chở gỗ. Hậu quả làm 3 người tử vong tại chỗ, 5 người bị thương nặng được đưa đi cấp cứu. " +
		"Lực lượng công an đã phong tỏa hiện trường, điều tra nguyên nhân vụ việc. Chính quyền địa phương đã thăm hỏi, " +
		"hỗ trợ gia đình các nạn nhân và kêu gọi người dân chấp hành nghiêm luật giao thông, không lái xe khi mệt mỏi.",
	Categories: []string{"Thời sự", "Giao thông"},
}

// BenchmarkEncodeCheck: what a check spends writing its answer and its
// snapshot, by hand (AppendJSON) and by json.Marshal, for benchPost held
// (so the answer has its hold and both snapshots are made).
func BenchmarkEncodeCheck(b *testing.B) {
	s := &Service{Classifier: classify.Default(), PublicURL: "https://gatekeeper.example"}
	o := &store.Outlet{ID: "dakglei", Rules: policy.DefaultRules(), WindowDays: 30, Timezone: "Asia/Ho_Chi_Minh"}
	cls, notes, subj := s.Subject(o, &benchPost)
	snap := Snapshot{Post: benchPost, Classification: cls, Notes: notes, Rules: o.Rules, Subject: subj, WindowDays: 30}
	plan := policy.MakePlan(o.Rules, subj)
	before := policy.Counts{Published: 200, Negative: 35, Positive: 90}
	ans := s.answer(o, snap, &plan, store.CheckResult{Situation: policy.SituationAt(o.Rules, policy.NotCounted, before), Before: before, After: before, HoldID: "h_0123456789abcdef012345"})
	ans.Localize(messages.VI)
	if ans.Decision != policy.Hold || len(cls.Tone.Evidence) == 0 || len(cls.Sensational.Evidence) == 0 {
		b.Fatalf("benchPost: decision %s, %d tone and %d headline evidence; want a hold with both", ans.Decision, len(cls.Tone.Evidence), len(cls.Sensational.Evidence))
	}
	b.Run("answer/AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			ans.AppendJSON(make([]byte, 0, 4096))
		}
	})
	b.Run("answer/json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(ans)
		}
	})
	b.Run("snapshots/AppendJSON", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _, _ = encodeSnapshots(&snap, true)
		}
	})
	b.Run("snapshots/json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = json.Marshal(Snapshot{Post: Post{ID: snap.Post.ID, Language: snap.Post.Language}, Classification: snap.Classification,
				Notes: snap.Notes, Rules: snap.Rules, Subject: snap.Subject, WindowDays: snap.WindowDays})
			_, _ = json.Marshal(snap)
		}
	})
}
