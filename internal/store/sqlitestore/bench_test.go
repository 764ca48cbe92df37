package sqlitestore

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport"
	"gatekeeper/policy"
)

// benchStore opens a store with one hot outlet: 30 days × 200 posts a day,
// negPer100 of every 100 negative, ending at t0.
func benchStore(b *testing.B, negPer100 int) *Store {
	b.Helper()
	s := openTest(b, b.TempDir())
	addOutlet(b, s, "o", policy.DefaultRules())
	const perDay = 200
	step := 24 * time.Hour / perDay
	var posts []store.SyncPost
	for i := 0; i < 30*perDay; i++ {
		at := t0.Add(-window + time.Duration(i+1)*step)
		posts = append(posts, store.SyncPost{ID: fmt.Sprint("seed-", i), Negative: i%100 < negPer100,
			PublishedAt: at, Day: store.DayKey(at, time.UTC)})
	}
	if _, err := s.Sync(context.Background(), store.SyncInput{Outlet: "o", Now: t0, Window: window, Posts: posts}); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkCheck measures one check on a hot outlet (6000 posts in the
// window). The clock moves 432 s (a day / 200) per check, so the window stays
// the same size.
func BenchmarkCheck(b *testing.B) {
	r := policy.DefaultRules()
	step := 24 * time.Hour / 200
	for _, bc := range []struct {
		name     string
		negPer   int
		subject  policy.Subject
		dryRun   bool
		want     policy.Verdict
		webhooks bool
	}{
		{name: "allow", negPer: 10, subject: neutral, want: policy.Allow, webhooks: true},
		{name: "warn-borderline", negPer: 10, subject: policy.Subject{Borderline: true}, want: policy.Warn, webhooks: true},
		{name: "hold", negPer: 16, subject: negative, want: policy.Hold, webhooks: true},
		{name: "dry-run", negPer: 10, subject: negative, dryRun: true, want: policy.Allow},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := benchStore(b, bc.negPer)
			ctx := context.Background()
			plan := policy.MakePlan(r, bc.subject)
			cpu0 := testsupport.CPUTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				now := t0.Add(time.Duration(i+1) * step)
				if bc.dryRun {
					// Dry runs (the editor's panel) come between recorded
					// checks, which move the running counts; here the
					// clock moves a second per dry run.
					now = t0.Add(time.Duration(i+1) * time.Second)
				}
				in := input("o", fmt.Sprint("p-", i), now, r, bc.subject)
				in.Plan, in.DryRun = plan, bc.dryRun
				if bc.webhooks {
					in.WebhookID = fmt.Sprint("wh-", i)
				}
				res, err := s.Check(ctx, in)
				if err != nil {
					b.Fatal(err)
				}
				if v := plan[res.Situation.Index()].Verdict; v != bc.want && i < 10 {
					b.Fatalf("check %d: %s, want %s (before %+v)", i, v, bc.want, res.Before)
				}
			}
			b.StopTimer()
			// CPU time of the process per check: unlike ns/op, it does not
			// grow when other work shares the machine's cores.
			b.ReportMetric(float64(testsupport.CPUTime()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkCheckConcurrent64 measures checks of new posts from 64 goroutines
// at once on the hot outlet (what 64 connections to the service do): the
// group commit puts the checks waiting together into one transaction and one
// fsync. It reports the writes (store calls through the committer) per
// transaction and per check, and the transactions (fsyncs) per check.
func BenchmarkCheckConcurrent64(b *testing.B) {
	r := policy.DefaultRules()
	s := benchStore(b, 10)
	plan := policy.MakePlan(r, neutral)
	var seq atomic.Int64
	tx0, w0 := s.GroupCommitStats()
	cpu0 := testsupport.CPUTime()
	b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := seq.Add(1)
			in := input("o", fmt.Sprint("p-", n), t0.Add(time.Duration(n)*time.Second), r, neutral)
			// The webhook id and its claim, as the handler sends them.
			in.Plan, in.WebhookID, in.Claim = plan, fmt.Sprint("wh-", n), []byte(`{"target":"POST /v1/outlets/o/check"}`)
			if _, err := s.Check(context.Background(), in); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(testsupport.CPUTime()-cpu0)/float64(b.N), "cpu-ns/op")
	if tx1, w1 := s.GroupCommitStats(); tx1 > tx0 {
		b.ReportMetric(float64(w1-w0)/float64(tx1-tx0), "writes/commit")
		b.ReportMetric(float64(w1-w0)/float64(b.N), "writes/check")
		b.ReportMetric(float64(tx1-tx0)/float64(b.N), "commits/check")
	}
}
