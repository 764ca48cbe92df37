package console

import (
	"strings"
	"testing"
	"time"
)

// TestReportDayBoundaries pins the instants of month ends and New Year for
// the reports: the dashboard's days end with the outlet's local day, and an
// audit/export range of local days covers them to the millisecond.
func TestReportDayBoundaries(t *testing.T) {
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	ict := time.FixedZone("ICT", 7*3600)
	chart := []struct {
		name string
		now  time.Time
		loc  *time.Location
		want string // the last three day keys
	}{
		{"last minute of November", time.Date(2026, 11, 30, 23, 59, 0, 0, ict), hcm, "20261128,20261129,20261130"},
		{"first minute of December", time.Date(2026, 12, 1, 0, 0, 0, 0, ict), hcm, "20261129,20261130,20261201"},
		{"06:59 local is 23:59 UTC the day before", time.Date(2026, 12, 5, 6, 59, 0, 0, ict), hcm, "20261203,20261204,20261205"},
		{"the same instant in UTC", time.Date(2026, 12, 5, 6, 59, 0, 0, ict), time.UTC, "20261202,20261203,20261204"},
		{"New Year's Eve 23:59:30", time.Date(2026, 12, 31, 23, 59, 30, 0, ict), hcm, "20261229,20261230,20261231"},
		{"New Year 00:00:30", time.Date(2027, 1, 1, 0, 0, 30, 0, ict), hcm, "20261230,20261231,20270101"},
		{"1 March after February", time.Date(2026, 3, 1, 0, 1, 0, 0, ict), hcm, "20260227,20260228,20260301"},
	}
	for _, tc := range chart {
		keys, days := dayKeys(tc.now, tc.loc, 3)
		if got := strings.Join(keys, ","); got != tc.want {
			t.Errorf("%s: dayKeys = %s, want %s", tc.name, got, tc.want)
		}
		if last := days[2]; last.After(tc.now) || !last.Add(24*time.Hour).After(tc.now) {
			t.Errorf("%s: the last day starts %v, which does not contain now %v", tc.name, last, tc.now)
		}
	}

	ranges := []struct {
		name, from, to string
		in, out        []time.Time // instants inside and just outside
	}{
		{"November, in days", "01/11/2026", "30/11/2026",
			[]time.Time{time.Date(2026, 11, 1, 0, 0, 0, 0, ict), time.Date(2026, 11, 30, 23, 59, 59, 999e6, ict)},
			[]time.Time{time.Date(2026, 10, 31, 23, 59, 59, 999e6, ict), time.Date(2026, 12, 1, 0, 0, 0, 0, ict)}},
		{"New Year's Eve alone", "31/12/2026", "2026-12-31",
			[]time.Time{time.Date(2026, 12, 31, 0, 0, 0, 0, ict), time.Date(2026, 12, 31, 16, 59, 59, 999e6, time.UTC)},
			[]time.Time{time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC), time.Date(2026, 12, 30, 16, 59, 59, 999e6, time.UTC)}},
	}
	for _, tc := range ranges {
		since, until, err := dateRange(tc.from, tc.to, hcm)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		// store.AuditFilter: Since inclusive, Until exclusive.
		inside := func(at time.Time) bool { return !at.Before(since) && at.Before(until) }
		for _, at := range tc.in {
			if !inside(at) {
				t.Errorf("%s: %v is outside [%v, %v)", tc.name, at, since, until)
			}
		}
		for _, at := range tc.out {
			if inside(at) {
				t.Errorf("%s: %v is inside [%v, %v)", tc.name, at, since, until)
			}
		}
	}
}
