package console

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gatekeeper/internal/redistest"
	"gatekeeper/internal/report"
	"gatekeeper/internal/store"
	"gatekeeper/internal/store/redisstore"
	"gatekeeper/internal/testsupport"
	"gatekeeper/policy"
)

// scaleEnv reads a size of the province benchmark from the environment.
func scaleEnv(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// scaleStore is a Redis store on a private server, with timeouts long
// enough for seeding pipelines on a busy machine.
func scaleStore(b *testing.B) (*redisstore.Store, *redistest.Server) {
	srv := redistest.Start(b, redistest.Options{})
	st, err := redisstore.Open(context.Background(), srv.URL()+"?read_timeout=30s&write_timeout=30s")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st, srv
}

// seedProvince creates n outlets ("o000"…) with days of history at perDay
// posts a day (10% negative, 30% positive, 5% of the negative ones held).
func seedProvince(b *testing.B, st *redisstore.Store, now time.Time, n, days, perDay int) []store.Outlet {
	outlets := make([]store.Outlet, n)
	for i := range outlets {
		outlets[i] = store.Outlet{ID: fmt.Sprintf("o%03d", i), Name: fmt.Sprintf("Đơn vị %03d", i), Rules: policy.DefaultRules(), WindowDays: 30,
			Timezone: "Asia/Ho_Chi_Minh", CreatedAt: now.AddDate(0, 0, -days), UpdatedAt: now}
	}
	start := time.Now()
	res, err := redisstore.Seed(context.Background(), st, redisstore.SeedSpec{Outlets: outlets, Now: now, Days: days, PerDay: perDay,
		NegativePerMille: 100, PositivePerMille: 300, HoldPerMille: 50})
	if err != nil {
		b.Fatal(err)
	}
	mem, _ := st.Client().Info(context.Background(), "memory").Result()
	used := ""
	for _, l := range strings.Split(mem, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "used_memory_human:"); ok {
			used = v
		}
	}
	b.Logf("seeded %d outlets × %d days × %d posts: %+v in %v; Redis used_memory %s", n, days, perDay, res, time.Since(start).Round(time.Millisecond), used)
	return outlets
}

// BenchmarkProvince (make bench-scale): a province on one Redis, 500
// outlets with a year of history at 20 posts a day (GATEKEEPER_SCALE_OUTLETS,
// _DAYS, _PER_DAY change it), seeded straight into Redis (redisstore.Seed).
// It measures what managers open: the console's all-outlets overview, one
// outlet's dashboard, the all-outlets report for this month and for the
// last (internal/report), each of which must answer in under a second; and
// what a check costs in Redis there against one outlet with a month of
// history on a server of its own (usec_per_call of the check script and
// Redis's CPU per check, from INFO).
func BenchmarkProvince(b *testing.B) {
	n := scaleEnv("GATEKEEPER_SCALE_OUTLETS", 500)
	days := scaleEnv("GATEKEEPER_SCALE_DAYS", 365)
	perDay := scaleEnv("GATEKEEPER_SCALE_PER_DAY", 20)
	now := envNow
	st, srv := scaleStore(b)
	e := newEnvAt(b, st, now)
	outlets := seedProvince(b, st, now, n, days, perDay)
	admin, _ := e.session("admin")
	// Besides the wall time (ms/op), the CPU the benchmark's process (the
	// console and the store client) and Redis spent per answer: the
	// figures a busy machine does not inflate.
	measure := func(b *testing.B, fn func()) {
		cpu0, rcpu0 := testsupport.CPUTime(), redisCPU(b, st)
		for b.Loop() {
			fn()
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/op")
		b.ReportMetric(float64((testsupport.CPUTime()-cpu0).Milliseconds())/float64(b.N), "go-cpu-ms/op")
		b.ReportMetric(float64((redisCPU(b, st)-rcpu0).Milliseconds())/float64(b.N), "redis-cpu-ms/op")
	}
	page := func(b *testing.B, path, want string) {
		measure(b, func() {
			code, _, body := e.get(admin, path)
			if code != http.StatusOK || !strings.Contains(body, want) {
				b.Fatalf("GET %s: %d", path, code)
			}
		})
	}
	b.Run("overview", func(b *testing.B) { page(b, "/console/overview", outlets[n-1].Name) })
	b.Run("dashboard", func(b *testing.B) { page(b, "/console/outlets/"+outlets[n/2].ID, outlets[n/2].Name) })
	builder := &report.Builder{Store: st, Clock: e.con.cfg.Clock, KeepMonths: report.DefaultKeepMonths}
	entries := *builder
	entries.NoDigests = true
	loc := outlets[0].Location()
	y, m, _ := now.In(loc).Date()
	periods := []struct {
		name   string
		period report.Period
	}{{"report-this-month", report.Month(y, m)}, {"report-last-month", report.Month(y, m-1)}}
	buildAll := func(b *testing.B, bl *report.Builder, p report.Period) {
		r, err := bl.Build(context.Background(), nil, p)
		if err != nil || len(r.Outlets) != n+2 || r.Totals.Published == 0 {
			b.Fatalf("report: %v", err)
		}
	}
	// The report read from every audit entry (no digests): what it cost
	// before the closed days' digests.
	for _, p := range periods {
		b.Run(p.name+"-entries", func(b *testing.B) { measure(b, func() { buildAll(b, &entries, p.period) }) })
	}
	// The first report to read the closed days makes their digests (here
	// last month's: its window reaches back furthest, so this month's
	// finds them all); what that costs once, and the memory they take.
	b.Run("report-first-ask", func(b *testing.B) {
		mem0, cpu0, rcpu0, t0 := usedMemory(b, st), testsupport.CPUTime(), redisCPU(b, st), time.Now()
		buildAll(b, builder, periods[1].period)
		wall, cpu, rcpu, mem := time.Since(t0), testsupport.CPUTime()-cpu0, redisCPU(b, st)-rcpu0, usedMemory(b, st)-mem0
		for b.Loop() {
		}
		b.ReportMetric(float64(wall.Milliseconds()), "first-ms")
		b.ReportMetric(float64(cpu.Milliseconds()), "first-go-cpu-ms")
		b.ReportMetric(float64(rcpu.Milliseconds()), "first-redis-cpu-ms")
		b.ReportMetric(float64(mem)/float64(n)/1024, "digest-KiB/outlet")
	})
	for _, p := range periods {
		b.Run(p.name, func(b *testing.B) { measure(b, func() { buildAll(b, builder, p.period) }) })
	}
	b.Run(fmt.Sprintf("check-%d-outlets-%d-days", n, days), func(b *testing.B) { scaleChecks(b, st, srv, outlets[n/2], now) })
	b.Run("check-1-outlet-30-days", func(b *testing.B) {
		one, oneSrv := scaleStore(b)
		o := seedProvince(b, one, now, 1, 30, perDay)
		scaleChecks(b, one, oneSrv, o[0], now)
	})
}

var scaleSeq atomic.Int64

// scaleChecks runs 1,000 checks of new posts (10% negative) per iteration on o and reports
// the check script's usec_per_call and Redis's CPU per check, and under
// callgrind (redistest.CallgrindEnv) its instructions per check.
func scaleChecks(b *testing.B, st *redisstore.Store, srv *redistest.Server, o store.Outlet, now time.Time) {
	ctx := context.Background()
	plans := map[bool]policy.Plan{false: policy.MakePlan(o.Rules, policy.Subject{}), true: policy.MakePlan(o.Rules, policy.Subject{Negative: true})}
	day := store.DayKey(now, o.Location())
	st.Client().ConfigResetStat(ctx)
	if _, _, err := srv.CallgrindDump(b.Name() + "-before"); err != nil {
		b.Fatal(err)
	}
	cpu0 := redisCPU(b, st)
	const perOp = 1000 // checks per iteration
	checks := 0
	for b.Loop() {
		for range perOp {
			checks++
			i := int(scaleSeq.Add(1)) // new posts and webhook ids on every run (-count)
			neg := i%10 == 0
			id := "bench" + strconv.Itoa(i)
			in := store.CheckInput{Outlet: o.ID, PostID: id, Now: now.Add(time.Duration(i) * time.Millisecond), Window: o.Window(), Day: day,
				Rules: o.Rules, Subject: policy.Subject{Negative: neg}, Plan: plans[neg], WebhookID: "msg_" + id, HoldID: "h" + id,
				Snapshot: []byte(`{"post":{"id":"` + id + `"}}`), Actor: "bench"}
			if _, err := st.Check(ctx, in); err != nil {
				b.Fatal(err)
			}
		}
	}
	if instr, ok, err := srv.CallgrindDump(b.Name()); err != nil {
		b.Fatal(err)
	} else if ok {
		b.ReportMetric(float64(instr)/float64(checks), "redis-instr/check")
	}
	cpu := redisCPU(b, st) - cpu0
	b.ReportMetric(fcallMicros(b, st), "redis-µs/check")
	b.ReportMetric(float64(cpu.Microseconds())/float64(checks), "redis-cpu-µs/check")
}

// info is a section of the server's INFO.
func info(b *testing.B, st *redisstore.Store, section string) string {
	text, err := st.Client().Info(context.Background(), section).Result()
	if err != nil {
		b.Fatal(err)
	}
	return text
}

// fcallMicros is INFO commandstats' usec_per_call of FCALL (a check).
func fcallMicros(b *testing.B, st *redisstore.Store) float64 {
	_, usec := redistest.InfoCommand(info(b, st, "commandstats"), "fcall")
	return usec
}

// usedMemory is Redis's used_memory (INFO memory), in bytes.
func usedMemory(b *testing.B, st *redisstore.Store) int64 {
	n, _ := strconv.ParseInt(redistest.InfoField(info(b, st, "memory"), "used_memory"), 10, 64)
	return n
}

// redisCPU is the server's CPU time so far (redistest.InfoCPU).
func redisCPU(b *testing.B, st *redisstore.Store) time.Duration {
	return redistest.InfoCPU(info(b, st, "cpu"))
}
