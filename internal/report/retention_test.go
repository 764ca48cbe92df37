package report_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/redistest"
	"gatekeeper/internal/report"
	"gatekeeper/internal/store"
	"gatekeeper/internal/store/redisstore"
	"gatekeeper/internal/testsupport"
	"gatekeeper/policy"
)

// TestRetentionKeepsRedisMemoryFlat publishes at a fixed rate — 40 posts a
// day, one in eight negative, holds approved or rejected — for a simulated
// year and a half on a real Redis, with the retainer running each day
// (13 months kept). The outlet's keys grow for 13 months, then stay flat;
// a report of a month whose detail is gone is the one made from the detail
// before it went.
func TestRetentionKeepsRedisMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("a simulated 18 months")
	}
	srv := redistest.Start(t, redistest.Options{})
	ctx := context.Background()
	st, err := redisstore.Open(ctx, srv.URL()+"?read_timeout=5s&write_timeout=5s")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	opt, err := redis.ParseURL(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { rdb.Close() })

	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	end := testsupport.Now(t, fallbackNow)
	y, m, _ := end.In(loc).Date()
	start := time.Date(y, m-18, 1, 0, 0, 0, 0, loc)
	o := store.Outlet{ID: "dakglei", Name: "Cổng TTĐT huyện Đắk Glei", Rules: policy.DefaultRules(), WindowDays: 30,
		Timezone: "Asia/Ho_Chi_Minh", CreatedAt: start, UpdatedAt: start}
	if err := st.CreateOutlet(ctx, o); err != nil {
		t.Fatal(err)
	}
	mc := clock.NewManual(start)
	ret := &report.Retainer{Store: st, Clock: mc.Clock(), KeepMonths: 13}
	rng := rand.New(rand.NewPCG(18, 13))
	neg, non := policy.Subject{Negative: true}, policy.Subject{}
	plans := map[bool]policy.Plan{true: policy.MakePlan(o.Rules, neg), false: policy.MakePlan(o.Rules, non)}

	// memory is the bytes the outlet's keys take (MEMORY USAGE, summed).
	memory := func() int64 {
		var sum int64
		iter := rdb.Scan(ctx, 0, "{o:dakglei}*", 1000).Iterator()
		for iter.Next(ctx) {
			n, err := rdb.MemoryUsage(ctx, iter.Val()).Result()
			if err != nil {
				t.Fatal(err)
			}
			sum += n
		}
		if err := iter.Err(); err != nil {
			t.Fatal(err)
		}
		return sum
	}
	var byMonth []int64
	var early *report.OutletReport
	earlyMonth := report.Month(start.Year(), start.Month()+1)
	post := 0
	for day := start; day.Before(time.Date(y, m, 1, 0, 0, 0, 0, loc)); day = day.AddDate(0, 0, 1) {
		var pending []string
		for i := range 40 {
			post++
			now := day.Add(time.Duration(6*60+i*20) * time.Minute)
			mc.Set(now)
			negative := rng.IntN(8) == 0
			subj := non
			if negative {
				subj = neg
			}
			res, err := st.Check(ctx, store.CheckInput{
				Outlet: o.ID, PostID: "p" + strconv.Itoa(post), Now: now, Window: o.Window(), Day: store.DayKey(now, loc),
				Rules: o.Rules, Subject: subj, Plan: plans[negative], HoldID: fmt.Sprintf("h%d", post),
				Snapshot: []byte(`{"post":{"id":"p` + strconv.Itoa(post) + `","title":"Tin số ` + strconv.Itoa(post) + `"}}`),
				Actor:    "editor1", Reading: store.Reading{Tone: map[bool]string{true: "negative", false: "neutral"}[negative]},
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.HoldID != "" {
				pending = append(pending, res.HoldID)
			}
		}
		mc.Set(day.Add(20 * time.Hour))
		for j, h := range pending {
			if _, err := st.Resolve(ctx, store.Resolution{Outlet: o.ID, HoldID: h, Approve: j%2 == 0, Reviewer: "mai", Note: "Đã xem",
				Now: mc.Now(), Window: o.Window(), Day: store.DayKey(mc.Now(), loc)}); err != nil {
				t.Fatal(err)
			}
		}
		mc.Set(day.Add(23 * time.Hour))
		if day.Weekday() == time.Sunday {
			expireLedger(t, rdb, mc.Now().Add(-o.Window()-60*24*time.Hour))
		}
		if _, err := ret.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if next := day.AddDate(0, 0, 1); next.Day() == 1 {
			byMonth = append(byMonth, memory())
			if next.Equal(earlyMonth.End(loc)) {
				r, err := (&report.Builder{Store: st, Clock: mc.Clock()}).Outlet(ctx, &o, earlyMonth)
				if err != nil {
					t.Fatal(err)
				}
				early = r
			}
		}
	}
	var b strings.Builder
	for i, n := range byMonth {
		fmt.Fprintf(&b, "month %2d: %7.1f KiB\n", i+1, float64(n)/1024)
	}
	t.Logf("the outlet's keys at each month's end (40 posts a day, 13 months kept):\n%s", b.String())
	if out := os.Getenv("GATEKEEPER_RETENTION_OUT"); out != "" {
		_ = os.WriteFile(out, []byte(b.String()), 0o644)
	}
	if len(byMonth) != 18 {
		t.Fatalf("%d months measured", len(byMonth))
	}
	if byMonth[12] < byMonth[5]*3/2 {
		t.Errorf("memory did not grow while the detail was kept: month 6 %d, month 13 %d", byMonth[5], byMonth[12])
	}
	if grown := float64(byMonth[17]-byMonth[13]) / float64(byMonth[13]); grown > 0.05 {
		t.Errorf("memory grew %.1f%% from month 14 to month 18, want flat (≤ 5%%)", grown*100)
	}
	// The first full month's report, its detail long gone, is what it was.
	old, err := (&report.Builder{Store: st, Clock: mc.Clock(), KeepMonths: 13}).Outlet(ctx, &o, earlyMonth)
	if err != nil {
		t.Fatal(err)
	}
	if !old.FromSnapshots || old.Published != early.Published || old.Negative != early.Negative || old.Holds != early.Holds ||
		len(old.PastLimit) != len(early.PastLimit) || len(old.Days) != len(early.Days) {
		t.Errorf("the old month from its snapshot %+v, from the detail %+v", summary(old), summary(early))
	}
	if es, _ := st.ListAudit(ctx, o.ID, store.AuditFilter{Until: earlyMonth.End(loc), Limit: 10}); len(es) != 0 {
		t.Errorf("the old month's audit is still there: %d entries", len(es))
	}
}

// expireLedger does what Redis's own expiry does in real time: a post's
// ledger expires window + 60 days after its last change (PEXPIRE
// relative to the wall clock, which a simulation of months in seconds never
// reaches), so the hashes last changed before cut are deleted here.
func expireLedger(t *testing.T, rdb *redis.Client, cut time.Time) {
	t.Helper()
	ctx := context.Background()
	iter := rdb.Scan(ctx, 0, "{o:dakglei}:post:*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	cmds, _ := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, k := range keys {
			p.Get(ctx, k)
		}
		return nil
	})
	var old []string
	for i, c := range cmds {
		v, err := c.(*redis.StringCmd).Result()
		if err != nil {
			continue
		}
		if l, err := redisstore.ParseLedger(v); err == nil && l.Updated < cut.UnixMilli() {
			old = append(old, keys[i])
		}
	}
	if len(old) > 0 {
		if err := rdb.Del(ctx, old...).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

func summary(r *report.OutletReport) string {
	return fmt.Sprintf("snap=%v %d/%d holds=%+v past=%d days=%d", r.FromSnapshots, r.Negative, r.Published, r.Holds, len(r.PastLimit), len(r.Days))
}
