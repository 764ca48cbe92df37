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
