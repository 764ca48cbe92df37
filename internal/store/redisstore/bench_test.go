package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/redistest"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// hotOutlet is an outlet whose window holds 30 days × 200 posts, negShare
// per mille of them negative, spread evenly.
func hotOutlet(b testing.TB, st *Store, now time.Time, negPerMille int) store.Outlet {
	b.Helper()
	ctx := context.Background()
	o := store.Outlet{ID: fmt.Sprintf("hot%d", time.Now().UnixNano()), Name: "hot", Rules: policy.DefaultRules(), WindowDays: 30, Timezone: "Asia/Ho_Chi_Minh"}
	if err := st.CreateOutlet(ctx, o); err != nil {
		b.Fatal(err)
	}
	const n = 30 * 200
	posts := make([]store.SyncPost, n)
	step := o.Window() / n
	for i := range posts {
		at := now.Add(-o.Window() + time.Duration(i+1)*step)
		posts[i] = store.SyncPost{ID: fmt.Sprintf("w%d", i), PublishedAt: at, Day: store.DayKey(at, o.Location())}
	}
	// Exactly negPerMille of every 1000 posts, evenly spread.
	for i := range posts {
		posts[i].Negative = (i*negPerMille)/1000 != ((i+1)*negPerMille)/1000
	}
	if _, err := st.Sync(ctx, store.SyncInput{Outlet: o.ID, Now: now, Window: o.Window(), Posts: posts}); err != nil {
		b.Fatal(err)
	}
	return o
}

// commandMicros reads a command's (evalsha, fcall) microseconds per call
// from INFO commandstats, and its calls.
func commandMicros(b testing.TB, st *Store, command string) (float64, int64) {
	b.Helper()
	info, err := st.Client().Info(context.Background(), "commandstats").Result()
	if err != nil {
		b.Fatal(err)
	}
	calls, usec := redistest.InfoCommand(info, command)
	return usec, calls
}

// redisCPU is the server's CPU time so far (redistest.InfoCPU).
func redisCPU(b testing.TB, st *Store) time.Duration {
	b.Helper()
	info, err := st.Client().Info(context.Background(), "cpu").Result()
	if err != nil {
		b.Fatal(err)
	}
	return redistest.InfoCPU(info)
}

// benchServer starts a server for a benchmark (2 s timeouts: a benchmark
// measures, it does not enforce deadlines).
func benchServer(b *testing.B, opts redistest.Options) *Store {
	srv := redistest.Start(b, opts)
	st := open(b, srv.URL())
	benchServers[st] = srv
	return st
}

// benchServers: the server behind each benchmark's store (for callgrind).
var benchServers = map[*Store]*redistest.Server{}

// callgrindDump is the server's instructions since the last dump
// (redistest.CallgrindDump: GATEKEEPER_CALLGRIND=1 with the server under
// callgrind, deploy/scripts/redis-callgrind.sh); 0 otherwise.
func callgrindDump(b testing.TB, st *Store) int64 {
	b.Helper()
	srv := benchServers[st]
	if srv == nil {
		return 0
	}
	n, _, err := srv.CallgrindDump(b.Name())
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// compactSnapshot is what the gate keeps for replays (the answer's inputs,
// the post's id only, the evidence in its short form), of the size of an
// average Vietnamese post's: 885 bytes over the 2,400 dev posts
// (deploy/performance.md, round 12; until then a 520-byte one, which
// understated a check's cost by about 11%). postSnapshot is the post with
// its 3 KB of text, which goes with a hold.
var (
	compactSnapshot = []byte(`{"post":{"id":"b1","title":"","language":"vi"},"classification":{"language":"vi","tone":{"label":"positive","score":0.9871,"borderline":false,"evidence":[["khánh thành","title",2.1406,"development"],["phát triển","content",1.9203,"development"],["nối hai xã","title",1.5082],["phấn khởi","content",1.4602,"joy"],["vùng cao","title",1.0951],["đầu tư","content",1.0951,"development"],["hỗ trợ","content",0.9403,"care"],["người dân","content",0.7631],["an toàn","content",0.6542,"safety"],["thuận lợi","content",0.6542]]},"sensational":{"flagged":false,"score":0.1127,"evidence":[["mới","title",0.4412],["?","title",0.2104,"","question"]]}},"rules":{"Limit":1500,"WarnAt":1200,"MinSample":0,"SensationalAction":"warn","SensationalSensitivity":"normal","Mode":"enforce"},"subject":{"Negative":false,"Positive":true,"Borderline":false,"Sensational":false},"window_days":30}`)
	postSnapshot    = []byte(`{"post":{"id":"b1","title":"Khánh thành cầu mới nối hai xã vùng cao","content":"` + strings.Repeat("Người dân xã Đắk Pék phấn khởi đón mùa cà phê bội thu. ", 55) + `"}}`)
)

func runChecks(b *testing.B, st *Store, o store.Outlet, now time.Time, subject func(i int64) policy.Subject, parallel bool) {
	runChecksWith(b, st, o, now, subject, parallel, compactSnapshot, postSnapshot)
}

func runChecksWith(b *testing.B, st *Store, o store.Outlet, now time.Time, subject func(i int64) policy.Subject, parallel bool, snap, holdSnap []byte) {
	ctx := context.Background()
	plans := map[policy.Subject]policy.Plan{}
	for _, s := range []policy.Subject{{}, {Negative: true}} {
		plans[s] = policy.MakePlan(o.Rules, s)
	}
	day := store.DayKey(now, o.Location())
	var seq atomic.Int64
	// The webhook id's claim, as the handler sends it with every check.
	claim := []byte(`{"target":"POST /v1/outlets/` + o.ID + `/check"}`)
	one := func() {
		i := seq.Add(1)
		s := subject(i)
		id := strconv.FormatInt(i, 10)
		in := store.CheckInput{
			Outlet: o.ID, PostID: "b" + id, Now: now.Add(time.Duration(i) * time.Millisecond), Window: o.Window(), Day: day,
			Rules: o.Rules, Subject: s, Plan: plans[s], WebhookID: "msg_" + id, Claim: claim, HoldID: "h" + id, Snapshot: snap, HoldSnapshot: holdSnap, Actor: "editor",
		}
		if _, err := st.Check(ctx, in); err != nil {
			b.Error(err)
		}
	}
	if err := st.Client().ConfigResetStat(ctx).Err(); err != nil {
		b.Fatal(err)
	}
	callgrindDump(b, st)
	cpu0 := redisCPU(b, st)
	b.ReportAllocs()
	b.ResetTimer()
	if parallel {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				one()
			}
		})
	} else {
		for b.Loop() {
			one()
		}
	}
	b.StopTimer()
	if instr := callgrindDump(b, st); instr > 0 {
		b.ReportMetric(float64(instr)/float64(b.N), "redis-instr/op")
	}
	cpu := redisCPU(b, st) - cpu0
	usec, calls := commandMicros(b, st, "fcall")
	if calls < int64(b.N) {
		b.Fatalf("INFO commandstats counted %d FCALL calls for %d checks", calls, b.N)
	}
	b.ReportMetric(usec, "redis-µs/op")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "redis-cpu-µs/op")
}

// BenchmarkBaselineScript is a one-command script (ZCOUNT on the hot
// window), to read the other numbers against on a busy machine.
func BenchmarkBaselineScript(b *testing.B) {
	st := benchServer(b, redistest.Options{})
	now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	o := hotOutlet(b, st, now, 100)
	ctx := context.Background()
	sc := redis.NewScript("return redis.call('ZCOUNT', KEYS[1], ARGV[1], '+inf')")
	keys := []string{keysOf(o.ID).win()}
	lo := "(" + strconv.FormatInt(now.Add(-o.Window()).UnixMilli(), 10)
	st.Client().ConfigResetStat(ctx)
	sc.Load(ctx, st.Client())
	callgrindDump(b, st)
	cpu0 := redisCPU(b, st)
	b.ReportAllocs()
	for b.Loop() {
		if err := sc.Run(ctx, st.Client(), keys, lo).Err(); err != nil {
			b.Fatal(err)
		}
	}
	if instr := callgrindDump(b, st); instr > 0 {
		b.ReportMetric(float64(instr)/float64(b.N), "redis-instr/op")
	}
	cpu := redisCPU(b, st) - cpu0
	usec, _ := commandMicros(b, st, "evalsha")
	b.ReportMetric(usec, "redis-µs/op")
	b.ReportMetric(float64(cpu.Microseconds())/float64(b.N), "redis-cpu-µs/op")
}

// tenPercent: one post in ten is negative, so the share stays near 10%.
func tenPercent(i int64) policy.Subject { return policy.Subject{Negative: i%10 == 0} }

// BenchmarkCheck: one client, a hot outlet (30 days × 200 posts, 10%
// negative), every check a new post with a webhook id (recorded).
func BenchmarkCheck(b *testing.B) {
	st := benchServer(b, redistest.Options{})
	now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	runChecks(b, st, hotOutlet(b, st, now, 100), now, tenPercent, false)
}

// BenchmarkCheckPostInSnapshot: BenchmarkCheck with the post's 3 KB of text
// in the snapshot kept for replays (what the gate sent before it kept the
// text for holds only).
func BenchmarkCheckPostInSnapshot(b *testing.B) {
	st := benchServer(b, redistest.Options{})
	now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	runChecksWith(b, st, hotOutlet(b, st, now, 100), now, tenPercent, false, postSnapshot, nil)
}

// BenchmarkCheckParallel: the same from GOMAXPROCS×4 goroutines.
func BenchmarkCheckParallel(b *testing.B) {
	st := benchServer(b, redistest.Options{})
	now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	b.SetParallelism(4)
	runChecks(b, st, hotOutlet(b, st, now, 100), now, tenPercent, true)
}

// BenchmarkCheckAOFAlways: BenchmarkCheck with appendfsync always.
func BenchmarkCheckAOFAlways(b *testing.B) {
	st := benchServer(b, redistest.Options{AppendOnly: true, Fsync: "always"})
	now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	runChecks(b, st, hotOutlet(b, st, now, 100), now, tenPercent, false)
}

// BenchmarkCheckHold: an outlet at the limit (15% negative, evenly spread);
// every check is a new negative post, held, with the earliest safe time
// found by walking the window.
func BenchmarkCheckHold(b *testing.B) {
	st := benchServer(b, redistest.Options{})
	now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	o := hotOutlet(b, st, now, 150)
	runChecks(b, st, o, now, func(int64) policy.Subject { return policy.Subject{Negative: true} }, false)
}
