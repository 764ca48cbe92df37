package report

import (
	"cmp"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// MaxDays is the longest period a report covers (a year and a month, so a
// year-on-year comparison fits).
const MaxDays = 400

// Period is a range of calendar days, From and To included. The days are
// read in each outlet's own time zone: a period starts at midnight of From
// there and ends at midnight after To.
type Period struct {
	From Date `json:"from"`
	To   Date `json:"to"`
}

// Date is a calendar day without a zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the calendar day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads "2006-01-02".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("report: date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// String is "2006-01-02".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Start is midnight of d in loc.
func (d Date) Start(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays is the day n days after d (before, for n < 0).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

// Key is the store's daily-series key of d ("20061231", store.DayKey).
func (d Date) Key() string {
	if d.Year < 0 || d.Year > 9999 || d.Month < 1 || d.Month > 12 || d.Day < 1 || d.Day > 31 {
		return fmt.Sprintf("%04d%02d%02d", d.Year, d.Month, d.Day)
	}
	// Without fmt: reports make one per day of a series, per outlet.
	n := d.Year*10000 + int(d.Month)*100 + d.Day
	var b [8]byte
	for i := 7; i >= 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[:])
}

// Before reports whether d is an earlier day than e.
func (d Date) Before(e Date) bool {
	return cmp.Or(cmp.Compare(d.Year, e.Year), cmp.Compare(d.Month, e.Month), cmp.Compare(d.Day, e.Day)) < 0
}

// MarshalText writes "2006-01-02".
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads "2006-01-02".
func (d *Date) UnmarshalText(b []byte) error {
	x, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = x
	return nil
}

// Days is the number of days in p.
func (p Period) Days() int {
	a := time.Date(p.From.Year, p.From.Month, p.From.Day, 12, 0, 0, 0, time.UTC)
	b := time.Date(p.To.Year, p.To.Month, p.To.Day, 12, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours()/24) + 1
}

// Start and End are the period's bounds in loc: [Start, End).
func (p Period) Start(loc *time.Location) time.Time { return p.From.Start(loc) }

// End is midnight after To in loc.
func (p Period) End(loc *time.Location) time.Time { return p.To.AddDays(1).Start(loc) }

// String is "2026-11-01..2026-11-30".
func (p Period) String() string { return p.From.String() + ".." + p.To.String() }

// Errors of ParsePeriod, for a caller that explains them.
var (
	ErrPeriodOrder = errors.New("the period ends before it starts")
	ErrPeriodLong  = fmt.Errorf("the period is longer than %d days", MaxDays)
	ErrPeriodForm  = errors.New("the period is not understood")
)

// Month is the calendar month m of year y (normalised: month 0 is the
// December before).
func Month(y int, m time.Month) Period {
	first := DateOf(time.Date(y, m, 1, 12, 0, 0, 0, time.UTC))
	return Period{From: first, To: DateOf(time.Date(y, m+1, 0, 12, 0, 0, 0, time.UTC))}
}

// Quarter is quarter q (1..4) of year y.
func Quarter(y, q int) Period {
	m := time.Month(3*(q-1) + 1)
	return Period{From: Date{y, m, 1}, To: DateOf(time.Date(y, m+3, 0, 12, 0, 0, 0, time.UTC))}
}

// ParsePeriod reads a period as the API and the console take it: from and
// to as dates ("2026-11-01", "2026-11-30"), or from alone as a month
// ("2026-11") or a quarter ("2026-Q4") with to empty.
func ParsePeriod(from, to string) (Period, error) {
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	if to == "" {
		if y, rest, ok := strings.Cut(from, "-"); ok && len(y) == 4 {
			yy, err := strconv.Atoi(y)
			if err == nil && yy >= 1970 && yy <= 9999 {
				if q, ok := strings.CutPrefix(strings.ToUpper(rest), "Q"); ok {
					if n, err := strconv.Atoi(q); err == nil && n >= 1 && n <= 4 {
						return Quarter(yy, n), nil
					}
				} else if len(rest) == 2 {
					if m, err := strconv.Atoi(rest); err == nil && m >= 1 && m <= 12 {
						return Month(yy, time.Month(m)), nil
					}
				}
			}
		}
		return Period{}, fmt.Errorf("report: %q: %w", from, ErrPeriodForm)
	}
	a, err := ParseDate(from)
	if err != nil {
		return Period{}, fmt.Errorf("%w: %w", ErrPeriodForm, err)
	}
	b, err := ParseDate(to)
	if err != nil {
		return Period{}, fmt.Errorf("%w: %w", ErrPeriodForm, err)
	}
	p := Period{From: a, To: b}
	if b.Before(a) {
		return Period{}, fmt.Errorf("report: %s: %w", p, ErrPeriodOrder)
	}
	if p.Days() > MaxDays {
		return Period{}, fmt.Errorf("report: %s: %w", p, ErrPeriodLong)
	}
	return p, nil
}

// ValidDate reports whether s is a date "2006-01-02".
func ValidDate(s string) bool {
	_, err := ParseDate(s)
	return err == nil
}
