package importer

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// dateLayouts are the day-first and ISO forms a date cell may take, read in
// the outlet's time zone.
var dateLayouts = []string{
	"2/1/2006", "2/1/2006 15:04", "2/1/2006 15:04:05",
	"2-1-2006", "2-1-2006 15:04", "2-1-2006 15:04:05",
	"2.1.2006", "2.1.2006 15:04",
	"2006-01-02", "2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05",
	"2006/01/02", "2006/01/02 15:04",
}

// excelEpoch is day 0 of Excel's serial dates (1900 system, with its
// leap-year slip before March 1900, which no real post meets).
var excelEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// Excel serial dates accepted: 2000-01-01 to 2099-12-31 (a number outside
// them is not a date of a post).
const serialFrom, serialTo = 36526, 73051

// parseDate reads a date cell: RFC 3339 (its own offset), the layouts above
// (in loc), or an Excel serial date (a spreadsheet's date cell, or a bare
// number in a CSV), a wall-clock time in loc.
func parseDate(s string, loc *time.Location) (time.Time, bool) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return time.Time{}, false
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.In(loc), true
	}
	for _, l := range dateLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, true
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsNaN(f) && f >= serialFrom && f < serialTo {
		days := math.Floor(f)
		// Round to the second: Excel keeps times as a fraction of a day.
		secs := math.Round((f - days) * 86400)
		w := excelEpoch.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second)
		return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc), true
	}
	return time.Time{}, false
}

// parseClock reads a time cell: HH:MM or HH:MM:SS, or a spreadsheet's
// time (a fraction of a day).
func parseClock(s string) (h, m, sec int, ok bool) {
	s = strings.TrimSpace(s)
	for _, l := range []string{"15:04", "15:04:05", "15h04", "3:04 PM", "3:04PM"} {
		if t, err := time.Parse(l, s); err == nil {
			return t.Hour(), t.Minute(), t.Second(), true
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= 0 && f < 1 {
		total := int(math.Round(f * 86400))
		if total >= 86400 {
			total = 86399
		}
		return total / 3600, total / 60 % 60, total % 60, true
	}
	return 0, 0, 0, false
}
