package report_test

import (
	"bytes"
	"strconv"

	"cmp"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/redistest"
	"gatekeeper/internal/report"
	"gatekeeper/internal/report/reporttest"
	"gatekeeper/internal/store"
	"gatekeeper/internal/store/redisstore"
	"gatekeeper/internal/testsupport"
	"gatekeeper/internal/testsupport/teststore"
	"gatekeeper/policy"
)

// fallbackNow is the instant the tests run at unless GATEKEEPER_TEST_NOW says otherwise.
var fallbackNow = time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)

func openSQLite(t *testing.T) store.Store { return teststore.SQLite(t) }

func openRedis(t *testing.T) store.Store {
	t.Helper()
	srv := redistest.Start(t, redistest.Options{})
	st, err := redisstore.Open(context.Background(), srv.URL()+"?read_timeout=2s&write_timeout=2s")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

var stores = []struct {
	name string
	open func(*testing.T) store.Store
}{{"sqlite", openSQLite}, {"redis", openRedis}}

// The report of a month of real traffic (classifier, holds approved,
// rejected and left waiting, withdrawals, relabels) says what the audit log
// says, recomputed here independently of the report's own reading; its
// rolling share at the month's end is what the API's window said then.
func TestReportAgreesWithAudit(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			st := sc.open(t)
			now := testsupport.Now(t, fallbackNow)
			loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
			y, m, _ := now.In(loc).Date()
			p := report.Month(y, m-1) // the month before now's (time.Date normalises month 0)
			start := p.Start(loc).AddDate(0, 0, -40)
			s := reporttest.New(t, st, store.Outlet{ID: "dakglei"}, start, 7)
			end := p.End(loc)
			var apiAtEnd policy.Counts
			s.Probes = map[time.Time]func(){end.Add(-time.Millisecond): func() {
				c, err := st.Window(context.Background(), "dakglei", s.Clock.Now(), s.Outlet.Window())
				if err != nil {
					t.Fatal(err)
				}
				apiAtEnd = c
			}}
			// The history ends at the month's end, whatever the hour of now:
			// the month is whole even when now is its first minute, and no
			// later withdrawal or relabel changes the month's daily series
			// after the probe read the API's window (docs/reports.md).
			s.Run(int(end.Sub(start).Round(time.Hour).Hours() / 24))
			b := &report.Builder{Store: st, Clock: clock.Fixed(s.Clock.Now())}
			rep, err := b.Build(context.Background(), []string{"dakglei"}, p)
			if err != nil {
				t.Fatal(err)
			}
			r := rep.Outlets[0]
			want := recompute(t, st, &s.Outlet, p)
			compare(t, r, want)
			if r.Rolling.Published != apiAtEnd.Published || r.Rolling.Negative != apiAtEnd.Negative {
				t.Errorf("rolling window at the month's end %+v, the API's window then %+v", r.Rolling, apiAtEnd)
			}
			// A month as long as the window: the window at its end is the
			// month, so the positive posts the report read in the audit are
			// the ones the store counts as positive.
			if p.Days() == s.Outlet.WindowDays && r.Positive != apiAtEnd.Positive {
				t.Errorf("positive posts: report %d, the API's window %d", r.Positive, apiAtEnd.Positive)
			}
			t.Logf("%s: %d/%d posts, %d positive, %d sensational, holds %+v, %d past the limit, themes %v", p, r.Negative, r.Published, r.Positive, r.Sensational, r.Holds, len(r.PastLimit), r.Themes)
			// The history is rich enough for every figure to mean something.
			if r.Published < 60 || r.Negative == 0 || r.Positive == 0 || r.Neutral == 0 || r.Sensational == 0 ||
				len(r.Themes) == 0 || r.Holds.Count == 0 || r.Holds.Approved == 0 || r.Holds.Rejected == 0 ||
				len(r.PastLimit) == 0 {
				t.Errorf("thin history: %s", jsonOf(r))
			}
			if rep.Totals.Published != r.Published || rep.Totals.Negative != r.Negative || rep.Totals.Outlets != 1 {
				t.Errorf("totals %+v do not add up to the outlet's figures", rep.Totals)
			}
		})
	}
}

// truth is the report's figures as the audit log gives them.
type truth struct {
	days                          map[string]policy.Counts
	positive, sensational         int64
	themes                        map[string]int64
	holds                         report.HoldSummary
	pastLimit                     []string
	relabels, withdrawals         int
	published, negative           int64
	overWarn, overLimit           int
	rollingEnd                    policy.Counts
	medianSeconds, longestSeconds int64
}

// recompute replays the outlet's whole audit log: which posts are counted
// now, on which go-live day, with which tone; which holds were created in
// the period and how they ended.
func recompute(t *testing.T, st store.Store, o *store.Outlet, p report.Period) truth {
	t.Helper()
	loc := o.Location()
	start, end := p.Start(loc), p.End(loc)
	es, err := st.ListAudit(context.Background(), o.ID, store.AuditFilter{Limit: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(es)
	type postState struct {
		counted, neg, sens bool
		live               time.Time
		tone               string
		themes             []string
	}
	type holdState struct {
		post     string
		created  time.Time
		neg      bool
		before   policy.Counts
		status   string
		resolved time.Time
	}
	posts := map[string]*postState{}
	holds := map[string]*holdState{}
	pendingOf := map[string]string{}
	in := func(at time.Time) bool { return !at.Before(start) && at.Before(end) }
	tr := truth{days: map[string]policy.Counts{}, themes: map[string]int64{}}
	sens := map[string]bool{}
	for _, e := range es {
		var d struct {
			Situation int
			Negative  bool
			Before    policy.Counts
			Reading   store.Reading
			Tone      string
		}
		if len(e.Detail) > 0 {
			if err := json.Unmarshal(e.Detail, &d); err != nil {
				t.Fatal(err)
			}
		}
		ps := posts[e.PostID]
		if ps == nil && e.PostID != "" {
			ps = &postState{}
			posts[e.PostID] = ps
		}
		switch e.Type {
		case "check":
			ps.tone, ps.themes, ps.neg = d.Reading.Tone, d.Reading.Themes, d.Negative
			if d.Reading.Sensational && in(e.At) {
				sens[e.PostID] = true
			}
			if d.Situation/8 == 0 {
				ps.counted, ps.live = true, e.At
			}
			if h := pendingOf[e.PostID]; h != "" {
				holds[h].status = "cancelled"
				delete(pendingOf, e.PostID)
			}
		case "hold":
			ps.tone, ps.themes, ps.neg, ps.counted = d.Reading.Tone, d.Reading.Themes, d.Negative, false
			if d.Reading.Sensational && in(e.At) {
				sens[e.PostID] = true
			}
			if holds[e.HoldID] == nil {
				holds[e.HoldID] = &holdState{post: e.PostID, created: e.At, status: "pending"}
			}
			holds[e.HoldID].neg, holds[e.HoldID].before = d.Negative, d.Before
			pendingOf[e.PostID] = e.HoldID
		case "approve", "reject":
			h := holds[e.HoldID]
			h.status, h.resolved = e.Type+"d", e.At
			if e.Type == "reject" {
				h.status = "rejected"
			}
			delete(pendingOf, e.PostID)
			if e.Type == "approve" {
				ps.counted, ps.live = true, e.At
				if in(e.At) && h.neg && policy.SituationAt(o.Rules, policy.NotCounted, h.before).OverLimit {
					tr.pastLimit = append(tr.pastLimit, e.HoldID)
				}
			}
		case "withdraw":
			ps.counted = false
			if h := pendingOf[e.PostID]; h != "" {
				holds[h].status = "cancelled"
				delete(pendingOf, e.PostID)
			}
			if in(e.At) {
				tr.withdrawals++
			}
		case "relabel":
			ps.neg = d.Negative
			if d.Tone != "" {
				ps.tone = d.Tone
			}
			if in(e.At) {
				tr.relabels++
			}
		}
	}
	tr.sensational = int64(len(sens))
	for _, ps := range posts {
		if !ps.counted {
			continue
		}
		day := store.DayKey(ps.live, loc)
		c := tr.days[day]
		c.Published++
		if ps.neg {
			c.Negative++
		}
		tr.days[day] = c
		if in(ps.live) {
			if ps.neg {
				for _, th := range ps.themes {
					tr.themes[th]++
				}
			} else if ps.tone == "positive" {
				tr.positive++
			}
		}
	}
	var waits []int64
	for _, h := range holds {
		if !in(h.created) {
			continue
		}
		tr.holds.Count++
		switch h.status {
		case "approved":
			tr.holds.Approved++
		case "rejected":
			tr.holds.Rejected++
		case "cancelled":
			tr.holds.Cancelled++
		default:
			tr.holds.Pending++
		}
		if h.status == "approved" || h.status == "rejected" {
			waits = append(waits, int64(h.resolved.Sub(h.created)/time.Second))
		}
	}
	slices.Sort(waits)
	if n := len(waits); n > 0 {
		tr.longestSeconds = waits[n-1]
		tr.medianSeconds = (waits[(n-1)/2] + waits[n/2]) / 2
	}
	// Rolling windows: every counted post whose go-live time is within
	// window of each day's end.
	for d := p.From; !p.To.Before(d); d = d.AddDays(1) {
		dayEnd := d.AddDays(1).Start(loc)
		c := tr.days[d.Key()]
		tr.published += c.Published
		tr.negative += c.Negative
		var roll policy.Counts
		for _, ps := range posts {
			if ps.counted && ps.live.Before(dayEnd) && ps.live.After(dayEnd.Add(-o.Window()-time.Millisecond)) {
				roll.Published++
				if ps.neg {
					roll.Negative++
				}
			}
		}
		if roll.Published > 0 && roll.Negative*10000 > int64(o.Rules.WarnAt)*roll.Published {
			tr.overWarn++
		}
		if roll.Published > 0 && roll.Negative*10000 > int64(o.Rules.Limit)*roll.Published {
			tr.overLimit++
		}
		tr.rollingEnd = roll
	}
	return tr
}

func compare(t *testing.T, r *report.OutletReport, w truth) {
	t.Helper()
	for _, d := range r.Days {
		if c := w.days[d.Date.Key()]; c.Published != d.Published || c.Negative != d.Negative {
			t.Errorf("%s: report %d/%d, audit %d/%d", d.Date, d.Negative, d.Published, c.Negative, c.Published)
		}
	}
	check := func(what string, got, want any) {
		t.Helper()
		if jsonOf(got) != jsonOf(want) {
			t.Errorf("%s: report %v, audit %v", what, jsonOf(got), jsonOf(want))
		}
	}
	check("published", r.Published, w.published)
	check("negative", r.Negative, w.negative)
	check("positive", r.Positive, w.positive)
	check("neutral", r.Neutral, w.published-w.negative-w.positive)
	check("share", r.Share, policy.Ratio(w.negative, w.published))
	check("rolling at the end", r.Rolling.Counts(), w.rollingEnd)
	check("days over the warning line", r.DaysOverWarn, w.overWarn)
	check("days over the limit", r.DaysOverLimit, w.overLimit)
	check("sensational", r.Sensational, w.sensational)
	w.holds.MedianSeconds, w.holds.LongestSeconds = w.medianSeconds, w.longestSeconds
	check("holds", r.Holds, w.holds)
	var past []string
	for _, a := range r.PastLimit {
		past = append(past, a.HoldID)
		if a.Reviewer == "" || a.Note == "" || a.At.IsZero() {
			t.Errorf("approval past the limit without reviewer, note or time: %+v", a)
		}
	}
	check("approvals past the limit", past, w.pastLimit)
	check("relabels", len(r.Relabels), w.relabels)
	check("withdrawals", len(r.Withdrawals), w.withdrawals)
	themes := map[string]int64{}
	for _, th := range r.Themes {
		themes[th.Theme] = th.Posts
	}
	check("themes", themes, w.themes)
	if !slices.IsSortedFunc(r.Themes, func(a, b report.ThemeCount) int { return cmp.Compare(b.Posts, a.Posts) }) {
		t.Errorf("themes not most frequent first: %+v", r.Themes)
	}
}

// A month that begins inside the window of posts from the month before:
// its first days' rolling share carries them, until they leave the window.
func TestMonthCrossingTheWindowEdge(t *testing.T) {
	st := openSQLite(t)
	ctx := context.Background()
	o := store.Outlet{ID: "edge", Name: "Edge", Rules: policy.DefaultRules(), WindowDays: 30, Timezone: "Asia/Ho_Chi_Minh"}
	if err := st.CreateOutlet(ctx, o); err != nil {
		t.Fatal(err)
	}
	loc := o.Location()
	sync := func(at time.Time, n, neg int, prefix string) {
		var ps []store.SyncPost
		for i := range n {
			ps = append(ps, store.SyncPost{ID: prefix + string(rune('a'+i)), Negative: i < neg, PublishedAt: at, Day: store.DayKey(at, loc)})
		}
		if _, err := st.Sync(ctx, store.SyncInput{Outlet: o.ID, Now: at.Add(time.Minute), Window: o.Window(), Posts: ps}); err != nil {
			t.Fatal(err)
		}
	}
	window := func(at time.Time) policy.Counts {
		c, err := st.Window(ctx, o.ID, at, o.Window())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	sync(time.Date(2026, 10, 15, 12, 0, 0, 0, loc), 10, 3, "oct")
	lastIn := time.Date(2026, 11, 14, 0, 0, 0, 0, loc).Add(-time.Millisecond)
	if c := window(lastIn); c != (policy.Counts{Published: 10, Negative: 3}) {
		t.Fatalf("API window at the end of Nov 13: %+v", c)
	}
	if c := window(lastIn.Add(12*time.Hour + time.Millisecond)); c != (policy.Counts{}) {
		t.Fatalf("API window at noon of Nov 14 (the October posts left): %+v", c)
	}
	sync(time.Date(2026, 11, 20, 9, 0, 0, 0, loc), 10, 0, "nov")

	b := &report.Builder{Store: st, Clock: clock.Fixed(time.Date(2026, 12, 1, 8, 0, 0, 0, loc))}
	rep, err := b.Build(ctx, nil, report.Month(2026, time.November))
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Outlets[0]
	if r.Published != 10 || r.Negative != 0 || r.Share != 0 {
		t.Errorf("November's own counts %d/%d share %v, want 0/10, 0", r.Negative, r.Published, r.Share)
	}
	if r.DaysOverLimit != 13 || r.DaysOverWarn != 13 {
		t.Errorf("days over the limit %d, the warning line %d; want 13 each (Nov 1–13 carry October's 3/10)", r.DaysOverLimit, r.DaysOverWarn)
	}
	if len(r.Days) != 30 || !r.Days[12].OverLimit || r.Days[13].OverLimit || r.Days[12].Rolling != (report.Window{Published: 10, Negative: 3}) ||
		r.Days[12].RollingShare != 0.3 {
		t.Errorf("days 13 and 14: %+v, %+v", r.Days[12], r.Days[13])
	}
	if r.Rolling != (report.Window{Published: 10}) || r.RollingShare != 0 {
		t.Errorf("rolling window at the end %+v %v", r.Rolling, r.RollingShare)
	}
	oct, err := b.Build(ctx, []string{"edge"}, report.Month(2026, time.October))
	if err != nil {
		t.Fatal(err)
	}
	if o := oct.Outlets[0]; o.Published != 10 || o.Negative != 3 || o.Share != 0.3 || o.DaysOverLimit != 17 {
		t.Errorf("October: %d/%d share %v, %d days over the limit; want 3/10, 0.3, 17 (Oct 15–31)", o.Negative, o.Published, o.Share, o.DaysOverLimit)
	}
}

// An outlet in another time zone: its days, and so its months, begin at its
// own midnight. Posts late on 31 October there are October's, although it
// is already November in Vietnam and in UTC.
func TestOutletInAnotherTimeZone(t *testing.T) {
	st := openSQLite(t)
	ctx := context.Background()
	for _, o := range []store.Outlet{
		{ID: "bogota", Name: "Bogotá", Rules: policy.DefaultRules(), WindowDays: 30, Timezone: "America/Bogota"},
		{ID: "hanoi", Name: "Hà Nội", Rules: policy.DefaultRules(), WindowDays: 30, Timezone: "Asia/Ho_Chi_Minh"},
	} {
		if err := st.CreateOutlet(ctx, o); err != nil {
			t.Fatal(err)
		}
		late := time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)     // 22:00 on 31 Oct in Bogotá, 10:00 on 1 Nov in Hà Nội
		morning := time.Date(2026, 11, 1, 13, 0, 0, 0, time.UTC) // 08:00 on 1 Nov in Bogotá
		var ps []store.SyncPost
		for i, at := range []time.Time{late, late, morning, morning, morning, morning} {
			ps = append(ps, store.SyncPost{ID: string(rune('a' + i)), Negative: i < 2, PublishedAt: at, Day: store.DayKey(at, o.Location())})
		}
		if _, err := st.Sync(ctx, store.SyncInput{Outlet: o.ID, Now: morning.Add(time.Hour), Window: o.Window(), Posts: ps}); err != nil {
			t.Fatal(err)
		}
	}
	b := &report.Builder{Store: st, Clock: clock.Fixed(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC))}
	nov, err := b.Build(ctx, nil, report.Month(2026, time.November))
	if err != nil {
		t.Fatal(err)
	}
	oct, err := b.Build(ctx, nil, report.Month(2026, time.October))
	if err != nil {
		t.Fatal(err)
	}
	byID := func(r *report.Report, id string) *report.OutletReport {
		for _, o := range r.Outlets {
			if o.Outlet == id {
				return o
			}
		}
		t.Fatalf("no %s in the report", id)
		return nil
	}
	bn, bo, hn := byID(nov, "bogota"), byID(oct, "bogota"), byID(nov, "hanoi")
	if bn.Published != 4 || bn.Negative != 0 || bo.Published != 2 || bo.Negative != 2 {
		t.Errorf("Bogotá: November %d/%d, October %d/%d; want 0/4 and 2/2", bn.Negative, bn.Published, bo.Negative, bo.Published)
	}
	if hn.Published != 6 || hn.Negative != 2 {
		t.Errorf("Hà Nội November %d/%d, want 2/6", hn.Negative, hn.Published)
	}
	if want := time.Date(2026, 11, 1, 5, 0, 0, 0, time.UTC); !bn.Start.Equal(want) || bn.Timezone != "America/Bogota" {
		t.Errorf("Bogotá's November starts %v (%s), want %v", bn.Start, bn.Timezone, want)
	}
	// Bogotá's 1 November: the window carries 31 October's two negative posts.
	if d := bn.Days[0]; d.Published != 4 || d.Rolling != (report.Window{Published: 6, Negative: 2}) || !d.OverLimit {
		t.Errorf("Bogotá 1 Nov: %+v", d)
	}
	if nov.Totals.Published != 10 || nov.Totals.Outlets != 2 {
		t.Errorf("November totals %+v", nov.Totals)
	}
}

func TestParsePeriod(t *testing.T) {
	cases := []struct {
		from, to string
		want     string
		err      error
	}{
		{"2026-11", "", "2026-11-01..2026-11-30", nil},
		{"2026-02", "", "2026-02-01..2026-02-28", nil},
		{"2028-02", "", "2028-02-01..2028-02-29", nil},
		{"2026-Q4", "", "2026-10-01..2026-12-31", nil},
		{"2026-q1", "", "2026-01-01..2026-03-31", nil},
		{"2026-11-05", "2026-11-05", "2026-11-05..2026-11-05", nil},
		{"2026-01-01", "2026-12-31", "2026-01-01..2026-12-31", nil},
		{"2026-11-05", "2026-11-04", "", report.ErrPeriodOrder},
		{"2025-01-01", "2026-12-31", "", report.ErrPeriodLong},
		{"2026-13", "", "", report.ErrPeriodForm},
		{"2026-Q5", "", "", report.ErrPeriodForm},
		{"hôm qua", "", "", report.ErrPeriodForm},
		{"2026-11-31", "2026-12-01", "", report.ErrPeriodForm},
	}
	for _, tc := range cases {
		p, err := report.ParsePeriod(tc.from, tc.to)
		if tc.err != nil {
			if !errors.Is(err, tc.err) {
				t.Errorf("ParsePeriod(%q, %q) = %v, %v; want %v", tc.from, tc.to, p, err, tc.err)
			}
			continue
		}
		if err != nil || p.String() != tc.want {
			t.Errorf("ParsePeriod(%q, %q) = %v, %v; want %s", tc.from, tc.to, p, err, tc.want)
		}
	}
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// Every column of every table has a label in both languages.
func TestLabels(t *testing.T) {
	for _, cols := range [][]string{report.SummaryColumns, report.DayColumns, report.DecisionColumns} {
		for _, c := range cols {
			vi, en := report.Label("col_"+c, "vi"), report.Label("col_"+c, "en")
			if vi == "col_"+c || en == "col_"+c || vi == en {
				t.Errorf("column %s: %q / %q", c, vi, en)
			}
		}
	}
	for _, k := range []string{report.KindPastLimit, report.KindRelabel, report.KindWithdrawal} {
		if report.Label("kind_"+k, "vi") == "kind_"+k {
			t.Errorf("kind %s has no label", k)
		}
	}
}

// The CSV tables read back as the report: a BOM, a header in the language
// asked for, the numbers, and formulas made text.
func TestCSV(t *testing.T) {
	st := openSQLite(t)
	now := testsupport.Now(t, fallbackNow)
	start := now.AddDate(0, 0, -20)
	s := reporttest.New(t, st, store.Outlet{ID: "csv"}, start, 3)
	s.Run(19)
	if err := st.Relabel(context.Background(), "csv", "p0001", policy.Negative, s.Clock.Now(), s.Outlet.Window(), "=cmd|' /C calc'!A0", "@SUM(1)"); err != nil {
		t.Fatal(err)
	}
	loc := s.Outlet.Location()
	p := report.Period{From: report.DateOf(start.In(loc)), To: report.DateOf(s.Clock.Now().In(loc))}
	rep, err := (&report.Builder{Store: st, Clock: clock.Fixed(s.Clock.Now())}).Build(context.Background(), nil, p)
	if err != nil {
		t.Fatal(err)
	}
	o := rep.Outlets[0]
	for _, tc := range []struct {
		table, lang, head string
		rows              int
	}{
		{report.TableSummary, "vi", "Mã đơn vị", 1},
		{report.TableDays, "en", "Outlet", len(o.Days)},
		{report.TableDecisions, "vi", "Mã đơn vị", len(o.PastLimit) + len(o.Relabels) + len(o.Withdrawals)},
	} {
		b, err := rep.CSV(tc.table, tc.lang)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(string(b), "\ufeff") {
			t.Errorf("%s: no BOM", tc.table)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(b), "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", tc.table, err)
		}
		if recs[0][0] != tc.head || len(recs)-1 != tc.rows {
			t.Errorf("%s: header %q, %d rows; want %q, %d", tc.table, recs[0][0], len(recs)-1, tc.head, tc.rows)
		}
		switch tc.table {
		case report.TableSummary:
			if recs[1][5] != fmt.Sprint(o.Published) || recs[1][6] != fmt.Sprint(o.Negative) || recs[1][9] != fmt.Sprintf("%.4f", o.Share) {
				t.Errorf("summary row %q, report %d/%d %v", recs[1], o.Negative, o.Published, o.Share)
			}
		case report.TableDecisions:
			var found bool
			for _, r := range recs[1:] {
				if r[1] == "Sửa nhãn" && r[4] == "p0001" {
					found = true
					if r[6] != "'=cmd|' /C calc'!A0" || r[8] != "'@SUM(1)" {
						t.Errorf("formula cells not made text: %q", r)
					}
				}
			}
			if !found {
				t.Errorf("the relabel of p0001 is not in the decisions table: %q", recs)
			}
		}
	}
	if _, err := rep.CSV("nope", "vi"); err == nil {
		t.Error("an unknown table gave no error")
	}
}

func TestRollingSums(t *testing.T) {
	d := func(p, n int64) store.DayCount { return store.DayCount{Published: p, Negative: n} }
	cases := []struct {
		name   string
		daily  []store.DayCount
		window int
		want   []policy.Counts
	}{
		{"empty", nil, 3, []policy.Counts{}},
		{"one-day window", []store.DayCount{d(2, 1), d(3, 0)}, 1, []policy.Counts{{Published: 2, Negative: 1}, {Published: 3, Negative: 0}}},
		{"fills then slides", []store.DayCount{d(1, 1), d(2, 0), d(3, 1), d(4, 2)}, 3, []policy.Counts{{Published: 1, Negative: 1}, {Published: 3, Negative: 1}, {Published: 6, Negative: 2}, {Published: 9, Negative: 3}}},
		{"window 0 is one day", []store.DayCount{d(5, 5), d(1, 0)}, 0, []policy.Counts{{Published: 5, Negative: 5}, {Published: 1, Negative: 0}}},
		{"withdrawals leave a day empty", []store.DayCount{d(2, 2), d(0, 0), d(0, 0), d(1, 0)}, 2, []policy.Counts{{Published: 2, Negative: 2}, {Published: 2, Negative: 2}, {Published: 0, Negative: 0}, {Published: 1, Negative: 0}}},
	}
	for _, tc := range cases {
		if got := report.RollingSums(tc.daily, tc.window); jsonOf(got) != jsonOf(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// The workbook opens again with the library and holds the report: the
// totals sheet, a sheet per outlet with its days, the decisions.
func TestXLSX(t *testing.T) {
	st := openSQLite(t)
	now := testsupport.Now(t, fallbackNow)
	start := now.AddDate(0, 0, -40)
	a := reporttest.New(t, st, store.Outlet{ID: "dakglei", Name: "Cổng TTĐT huyện Đắk Glei"}, start, 5)
	a.Run(39)
	b := reporttest.New(t, st, store.Outlet{ID: "kontum:tin/[moi]", Name: "Báo Kon Tum"}, start, 6)
	b.Run(39)
	loc := a.Outlet.Location()
	p := report.Period{From: report.DateOf(now.AddDate(0, 0, -30).In(loc)), To: report.DateOf(a.Clock.Now().In(loc)).AddDays(-1)}
	rep, err := (&report.Builder{Store: st, Clock: clock.Fixed(a.Clock.Now())}).Build(context.Background(), nil, p)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"vi", "en"} {
		raw, err := rep.XLSX(lang)
		if err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("%s: the workbook does not open: %v", lang, err)
		}
		sheets := f.GetSheetList()
		want := []string{report.Label("sheet_totals", lang), "dakglei", "kontum_tin__moi_", report.Label("sheet_decisions", lang)}
		if strings.Join(sheets, "|") != strings.Join(want, "|") {
			t.Errorf("%s: sheets %q, want %q", lang, sheets, want)
		}
		rows, err := f.GetRows(sheets[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 4 || rows[0][5] != report.Label("col_published", lang) || rows[3][1] != report.Label("totals", lang) {
			t.Fatalf("%s: totals sheet %q", lang, rows)
		}
		for i, o := range rep.Outlets {
			if rows[1+i][0] != o.Outlet || rows[1+i][5] != fmt.Sprint(o.Published) || rows[1+i][6] != fmt.Sprint(o.Negative) {
				t.Errorf("%s: totals row %q, report %s %d/%d", lang, rows[1+i], o.Outlet, o.Negative, o.Published)
			}
			// The share is a number formatted as a percentage.
			v, err := f.GetCellValue(sheets[0], fmt.Sprintf("J%d", 2+i), excelize.Options{RawCellValue: true})
			if err != nil || v != strconv.FormatFloat(o.Share, 'f', -1, 64) {
				t.Errorf("%s: share cell %q (%v), want %v", lang, v, err, o.Share)
			}
			shown, _ := f.GetCellValue(sheets[0], fmt.Sprintf("J%d", 2+i))
			if !strings.HasSuffix(shown, "%") {
				t.Errorf("%s: share shown as %q, want a percentage", lang, shown)
			}
			days, _ := f.GetRows(sheets[1+i])
			var n int
			for _, r := range days {
				if len(r) > 1 && r[0] == o.Outlet && len(r[1]) == 10 {
					n++
				}
			}
			if n != len(o.Days) {
				t.Errorf("%s: sheet %s has %d days, want %d", lang, sheets[1+i], n, len(o.Days))
			}
		}
		dec, _ := f.GetRows(sheets[3])
		var wantDec int
		for _, o := range rep.Outlets {
			wantDec += len(o.PastLimit) + len(o.Relabels) + len(o.Withdrawals)
		}
		if len(dec)-1 != wantDec || wantDec == 0 {
			t.Errorf("%s: decisions sheet has %d rows, want %d", lang, len(dec)-1, wantDec)
		}
		f.Close()
	}
}

func TestSheetName(t *testing.T) {
	used := map[string]bool{"tổng hợp": true}
	cases := []struct{ id, want string }{
		{"dakglei", "dakglei"},
		{"DAKGLEI", "DAKGLEI~2"},
		{"a:b/c?d*e[f]g'h", "a_b_c_d_e_f_g_h"},
		{strings.Repeat("x", 40), strings.Repeat("x", 31)},
		{strings.Repeat("x", 35), strings.Repeat("x", 29) + "~2"},
		{"Tổng hợp", "Tổng hợp~2"},
	}
	for _, tc := range cases {
		if got := report.SheetName(tc.id, used); got != tc.want {
			t.Errorf("SheetName(%q) = %q, want %q", tc.id, got, tc.want)
		}
	}
}

func TestHorizon(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	window := 30 * 24 * time.Hour
	cases := []struct {
		now  time.Time
		keep int
		want time.Time
	}{
		{time.Date(2026, 12, 5, 10, 0, 0, 0, loc), 13, time.Date(2025, 11, 1, 0, 0, 0, 0, loc)},
		{time.Date(2027, 1, 1, 0, 30, 0, 0, loc), 13, time.Date(2025, 12, 1, 0, 0, 0, 0, loc)},
		{time.Date(2026, 12, 5, 10, 0, 0, 0, loc), 1, time.Date(2026, 11, 1, 0, 0, 0, 0, loc)},
		// No closed month kept: the horizon still stays two days before the window.
		{time.Date(2026, 12, 5, 10, 0, 0, 0, loc), 0, time.Date(2026, 11, 3, 0, 0, 0, 0, loc)},
	}
	for _, tc := range cases {
		if got := report.Horizon(tc.now, loc, tc.keep, window); !got.Equal(tc.want) {
			t.Errorf("Horizon(%v, keep %d) = %v, want %v", tc.now, tc.keep, got, tc.want)
		}
	}
}
