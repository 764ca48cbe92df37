package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"gatekeeper/internal/admin"
	"gatekeeper/internal/clock"
	"gatekeeper/internal/gate"
	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport"
	"gatekeeper/internal/testsupport/teststore"
	"gatekeeper/policy"
	"gatekeeper/policy/classify"
)

func service(t *testing.T, st store.Store, now time.Time) (*gate.Service, *store.Outlet) {
	t.Helper()
	o := admin.NewOutlet("xa-dakpek", "Trang UBND xã Đắk Pék")
	o.CreatedAt, o.UpdatedAt = now, now
	if err := st.CreateOutlet(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return &gate.Service{Store: st, Classifier: classify.New(), Clock: clock.Fixed(now), Log: testsupport.Discard()}, &o
}

// TestApply, on both stores: the preview labels rows as a check would; a
// file with a bad row changes nothing; applying counts every post once (a
// link listed twice once), again changes nothing; a complete import
// withdraws only the counted posts of the file's own days.
func TestApply(t *testing.T) {
	teststore.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		now := testNow(t)
		svc, o := service(t, st, now)
		// Posts the outlet recorded before: two within the days the file
		// covers, one after them (today).
		before := []gate.Post{
			{ID: "old-in-range", Title: "Tin cũ", PublishedAt: ptr(day(now, 3, 20, 0))},
			{ID: "old-earlier", Title: "Tin cũ hơn", PublishedAt: ptr(day(now, 9, 20, 0))},
			{ID: "today", Title: "Tin hôm nay", PublishedAt: ptr(day(now, 0, 0, 0))}, // the first instant after the file's days
		}
		if _, err := svc.Sync(ctx, o, before, false, "cms"); err != nil {
			t.Fatal(err)
		}
		csv := "Ngày,Nội dung,Liên kết,Sắc thái\n" +
			day(now, 4, 8, 0).Format("02/01/2006 15:04") + ",Tai nạn giao thông nghiêm trọng trên quốc lộ 14 làm một người tử vong và hai người bị thương,https://facebook.com/xa/posts/1,\n" +
			day(now, 2, 8, 0).Format("02/01/2006 15:04") + ",Xã tổ chức ngày hội đại đoàn kết toàn dân tộc,https://facebook.com/xa/posts/2,tích cực\n" +
			day(now, 1, 8, 0).Format("02/01/2006 15:04") + ",Lịch tiếp công dân tháng này,https://m.facebook.com/xa/posts/2/?mibextid=a,\n" +
			day(now, 45, 8, 0).Format("02/01/2006 15:04") + ",Tin trước cửa sổ,https://facebook.com/xa/posts/0,trung tính\n"
		f, err := Parse(strings.NewReader(csv), "lich-su.csv", o.Location(), Limits{Now: now})
		if err != nil || len(f.Errors) > 0 {
			t.Fatalf("Parse: %v %+v", err, f.Errors)
		}
		pv := Preview(svc, o, f, nil)
		if pv[0].Label != policy.Negative || len(pv[0].Evidence) == 0 || pv[1].Label != policy.Positive || pv[2].DuplicateOf != pv[1].Line || !pv[3].OutsideWindow || pv[0].OutsideWindow {
			t.Fatalf("preview: %+v", pv)
		}

		// A file with an error is refused whole.
		bad := parseOrFail(t, csv+"hôm qua,x,https://facebook.com/xa/posts/9,\n", o, now)
		if _, err := Apply(ctx, svc, o, bad, true, "import", nil); !errors.Is(err, ErrHasErrors) {
			t.Fatalf("Apply with a bad row: %v", err)
		}
		wantWindow(t, st, o, now, policy.Counts{Published: 3})

		var calls [][2]int
		ans, err := Apply(ctx, svc, o, f, true, "import:editor1", func(d, n int) { calls = append(calls, [2]int{d, n}) })
		if err != nil {
			t.Fatal(err)
		}
		// The 4 rows are 3 posts; the one before the window is recorded
		// only. The file covers 45 days ago to yesterday: today's post stays.
		if len(ans.Added) != 2 || len(ans.Outside) != 1 || strings.Join(ans.Withdrawn, " ") != "old-earlier old-in-range" {
			t.Fatalf("answer %+v", ans.SyncResult)
		}
		if len(calls) == 0 || calls[len(calls)-1][0] != calls[len(calls)-1][1] {
			t.Fatalf("progress %v", calls)
		}
		wantWindow(t, st, o, now, policy.Counts{Published: 3, Negative: 1, Positive: 1})

		// Again: nothing changes.
		ans, err = Apply(ctx, svc, o, f, true, "import:editor1", nil)
		if err != nil || len(ans.Added)+len(ans.Withdrawn) != 0 || len(ans.Unchanged) != 2 {
			t.Fatalf("again: %+v, %v", ans, err)
		}
		wantWindow(t, st, o, now, policy.Counts{Published: 3, Negative: 1, Positive: 1})
	})
}

func parseOrFail(t *testing.T, csv string, o *store.Outlet, now time.Time) *File {
	t.Helper()
	f, err := Parse(strings.NewReader(csv), "f.csv", o.Location(), Limits{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func wantWindow(t *testing.T, st store.Store, o *store.Outlet, now time.Time, want policy.Counts) {
	t.Helper()
	c, err := st.Window(context.Background(), o.ID, now, o.Window())
	if err != nil || c != want {
		t.Fatalf("window %+v, %v; want %+v", c, err, want)
	}
}

func ptr[T any](v T) *T { return &v }

// TestTenThousandRows: a 10,000-row history parses, previews and applies on
// both stores, with progress to the end; the times are logged (no timing
// is asserted).
func TestTenThousandRows(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 rows: not in -short")
	}
	teststore.Each(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		now := testNow(t)
		svc, o := service(t, st, now)
		data := history(now, 10000)
		t0 := time.Now()
		f, err := Parse(bytes.NewReader(data), "10k.csv", o.Location(), Limits{Now: now})
		if err != nil || len(f.Errors) > 0 || len(f.Rows) != 10000 {
			t.Fatalf("Parse: %v, %d rows, %d errors %v", err, len(f.Rows), len(f.Errors), f.Errors[:min(3, len(f.Errors))])
		}
		t1 := time.Now()
		last := 0
		pv := Preview(svc, o, f, func(d, n int) {
			if d < last || n != 10000 {
				t.Errorf("preview progress %d/%d after %d", d, n, last)
			}
			last = d
		})
		if len(pv) != 10000 || last != 10000 {
			t.Fatalf("preview: %d rows, progress %d", len(pv), last)
		}
		t2 := time.Now()
		last = 0
		ans, err := Apply(ctx, svc, o, f, true, "import", func(d, n int) { last = d })
		if err != nil {
			t.Fatal(err)
		}
		t3 := time.Now()
		if len(ans.Added)+len(ans.Outside) != 10000 || last != 10001 {
			t.Fatalf("added %d outside %d, progress %d", len(ans.Added), len(ans.Outside), last)
		}
		c, _ := st.Window(ctx, o.ID, now, o.Window())
		if c.Published != int64(len(ans.Added)) {
			t.Fatalf("window %+v, added %d", c, len(ans.Added))
		}
		t.Logf("10,000 rows, %d KiB: parse %v, preview %v, apply %v (window %+v)", len(data)>>10,
			t1.Sub(t0).Round(time.Millisecond), t2.Sub(t1).Round(time.Millisecond), t3.Sub(t2).Round(time.Millisecond), c)
	})
}

// history is a CSV of n posts spread over the last 40 days (some before a
// 30-day window), a tenth negative.
func history(now time.Time, n int) []byte {
	var b bytes.Buffer
	b.WriteString("\ufeffNgày;Tiêu đề;Nội dung;Liên kết;Sắc thái\n")
	for i := range n {
		at := now.Add(-time.Duration(i) * (40 * 24 * time.Hour / time.Duration(n))).Add(-time.Minute)
		text := "Xã tổ chức hội nghị triển khai kế hoạch phát triển kinh tế - xã hội, chăm lo đời sống nhân dân"
		if i%10 == 0 {
			text = "Tai nạn giao thông nghiêm trọng trên quốc lộ, một người tử vong"
		}
		fmt.Fprintf(&b, "%s;Bài %d;\"%s\";https://www.facebook.com/xa.dakpek/posts/%d?fbclid=IwAR%d;\n",
			at.In(store.DefaultLocation()).Format("02/01/2006 15:04"), i, text, 100000+i, i)
	}
	return b.Bytes()
}

// BenchmarkParse10k: reading a 10,000-row history (go test -bench Parse
// -benchmem ./internal/importer/ reports time and allocations per file).
func BenchmarkParse10k(b *testing.B) {
	now := time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
	data := history(now, 10000)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := Parse(bytes.NewReader(data), "10k.csv", loc, Limits{Now: now})
		if err != nil || len(f.Rows) != 10000 {
			b.Fatal(err)
		}
	}
}

// BenchmarkPreview10k: the classifier's reading of 10,000 rows.
func BenchmarkPreview10k(b *testing.B) {
	now := time.Date(2026, 11, 20, 3, 0, 0, 0, time.UTC)
	f, err := Parse(bytes.NewReader(history(now, 10000)), "10k.csv", loc, Limits{Now: now})
	if err != nil {
		b.Fatal(err)
	}
	o := admin.NewOutlet("xa", "Xã")
	svc := &gate.Service{Classifier: classify.New(), Clock: clock.Fixed(now)}
	b.ReportAllocs()
	for b.Loop() {
		if pv := Preview(svc, &o, f, nil); len(pv) != 10000 {
			b.Fatal(len(pv))
		}
	}
}
