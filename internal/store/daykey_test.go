package store

import (
	"testing"
	"time"
)

// TestDayKeyBoundaries pins the instants around local midnight, month ends
// and New Year: the daily series files a post under its outlet's local day.
func TestDayKeyBoundaries(t *testing.T) {
	ict := time.FixedZone("ICT", 7*3600)
	hcm := &Outlet{Timezone: "Asia/Ho_Chi_Minh"}
	utc := &Outlet{Timezone: "UTC"}
	broken := &Outlet{Timezone: "Not/AZone"} // falls back to UTC+7
	cases := []struct {
		name string
		at   time.Time
		o    *Outlet
		want string
	}{
		{"23:59 local, last day of November", time.Date(2026, 11, 30, 23, 59, 0, 0, ict), hcm, "20261130"},
		{"00:01 local, first day of December", time.Date(2026, 12, 1, 0, 1, 0, 0, ict), hcm, "20261201"},
		{"the last millisecond of a local day", time.Date(2026, 12, 5, 23, 59, 59, 999e6, ict), hcm, "20261205"},
		{"local midnight exactly", time.Date(2026, 12, 6, 0, 0, 0, 0, ict), hcm, "20261206"},
		{"00:01 local is still the previous day in UTC", time.Date(2026, 12, 1, 0, 1, 0, 0, ict), utc, "20261130"},
		{"New Year's Eve 23:59:30 local", time.Date(2026, 12, 31, 23, 59, 30, 0, ict), hcm, "20261231"},
		{"New Year in Hà Nội at 17:00 UTC", time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC), hcm, "20270101"},
		{"the same instant in a UTC outlet", time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC), utc, "20261231"},
		{"end of February", time.Date(2026, 2, 28, 23, 59, 0, 0, ict), hcm, "20260228"},
		{"first of March", time.Date(2026, 3, 1, 0, 1, 0, 0, ict), hcm, "20260301"},
		{"a leap day", time.Date(2028, 2, 29, 12, 0, 0, 0, ict), hcm, "20280229"},
		{"an unknown zone is UTC+7", time.Date(2026, 11, 30, 17, 0, 0, 0, time.UTC), broken, "20261201"},
	}
	for _, tc := range cases {
		if got := DayKey(tc.at, tc.o.Location()); got != tc.want {
			t.Errorf("%s: DayKey(%s, %s) = %s, want %s", tc.name, tc.at.Format(time.RFC3339Nano), tc.o.Timezone, got, tc.want)
		}
	}
}
