package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gatekeeper/internal/store"
)

// Tables a report is laid out in: the CSV download is one of them, the
// workbook has one sheet of each (the days one sheet per outlet).
const (
	TableSummary   = "summary"   // one row per outlet, and the totals
	TableDays      = "days"      // one row per outlet and day
	TableDecisions = "decisions" // approvals past the limit, relabels, withdrawals
)

// Tables lists the tables by name.
var Tables = []string{TableSummary, TableDays, TableDecisions}

// Rows lays table out as a header and rows of cells in lang ("vi" or "en"):
// the one layout CSV and XLSX share. A cell is a string, an int64, an int,
// a Ratio (a share, 0..1) or a Hours.
func (r *Report) Rows(table, lang string) ([]string, [][]any, error) {
	switch table {
	case TableSummary:
		return r.summaryRows(lang)
	case TableDays:
		return r.dayRows(lang, r.Outlets)
	case TableDecisions:
		return r.decisionRows(lang)
	}
	return nil, nil, fmt.Errorf("report: no table %q (want one of %s)", table, strings.Join(Tables, ", "))
}

// Ratio is a share in a table cell (0..1).
type Ratio float64

// Hours is a duration in a table cell, in hours.
type Hours float64

// Text writes a cell for CSV.
func Text(c any) string {
	switch v := c.(type) {
	case string:
		return v
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case Ratio:
		return strconv.FormatFloat(float64(v), 'f', 4, 64)
	case Hours:
		return strconv.FormatFloat(float64(v), 'f', 1, 64)
	case bool:
		if v {
			return "1"
		}
		return "0"
	case nil:
		return ""
	}
	return fmt.Sprint(c)
}

// SummaryColumns are the summary table's column keys, in order.
var SummaryColumns = []string{
	"outlet", "name", "timezone", "from", "to", "published", "negative", "positive", "neutral", "share",
	"rolling_published", "rolling_negative", "rolling_share", "limit", "warn_at", "days_over_warn", "days_over_limit",
	"sensational", "holds", "approved", "rejected", "cancelled", "pending", "median_decision_hours",
	"longest_decision_hours", "approvals_past_limit", "relabels", "withdrawals", "themes", "outlet_kind",
}

func hours(sec int64) Hours { return Hours(float64(sec) / 3600) }

// ThemeList lists an outlet's themes for a cell: "Tai nạn 3; Tội phạm 2".
func (o *OutletReport) ThemeList(lang string) string {
	var themes []string
	for _, t := range o.Themes {
		themes = append(themes, ThemeName(t.Theme, lang)+" "+strconv.FormatInt(t.Posts, 10))
	}
	return strings.Join(themes, "; ")
}

// KindText is the outlet's kind for a person: "mạng xã hội (facebook)".
func (o *OutletReport) KindText(lang string) string {
	if o.Kind == store.KindSocial {
		return Label("outlet_social", lang) + " (" + o.Platform + ")"
	}
	return Label("outlet_website", lang)
}

// SummaryRow is an outlet's row of the summary table.
func (r *Report) SummaryRow(o *OutletReport, lang string) []any {
	return []any{
		o.Outlet, o.Name, o.Timezone, r.Period.From.String(), r.Period.To.String(),
		o.Published, o.Negative, o.Positive, o.Neutral, Ratio(o.Share),
		o.Rolling.Published, o.Rolling.Negative, Ratio(o.RollingShare), Ratio(o.Limit), Ratio(o.WarnAt),
		o.DaysOverWarn, o.DaysOverLimit, o.Sensational,
		o.Holds.Count, o.Holds.Approved, o.Holds.Rejected, o.Holds.Cancelled, o.Holds.Pending,
		hours(o.Holds.MedianSeconds), hours(o.Holds.LongestSeconds),
		len(o.PastLimit), len(o.Relabels), len(o.Withdrawals), o.ThemeList(lang), o.KindText(lang),
	}
}

func (r *Report) summaryRows(lang string) ([]string, [][]any, error) {
	var rows [][]any
	for _, o := range r.Outlets {
		rows = append(rows, r.SummaryRow(o, lang))
	}
	if len(r.Outlets) > 1 {
		t := r.Totals
		rows = append(rows, []any{
			"*", Label("totals", lang), "", r.Period.From.String(), r.Period.To.String(),
			t.Published, t.Negative, t.Positive, t.Neutral, Ratio(t.Share),
			nil, nil, nil, nil, nil, t.DaysOverWarn, t.DaysOverLimit, t.Sensational,
			t.Holds, t.Approved, t.Rejected, nil, t.Pending, nil, nil,
			t.PastLimit, t.Relabels, t.Withdrawals, nil, nil,
		})
	}
	return columns(SummaryColumns, lang), rows, nil
}

// DayColumns are the daily table's column keys, in order.
var DayColumns = []string{"outlet", "date", "published", "negative", "positive", "rolling_published", "rolling_negative", "rolling_share", "over_warn", "over_limit"}

func (r *Report) dayRows(lang string, os []*OutletReport) ([]string, [][]any, error) {
	var rows [][]any
	for _, o := range os {
		for _, d := range o.Days {
			rows = append(rows, []any{
				o.Outlet, d.Date.String(), d.Published, d.Negative, d.Positive,
				d.Rolling.Published, d.Rolling.Negative, Ratio(d.RollingShare), d.OverWarn, d.OverLimit,
			})
		}
	}
	return columns(DayColumns, lang), rows, nil
}

// DecisionColumns are the decisions table's column keys, in order.
var DecisionColumns = []string{"outlet", "kind", "time", "time_utc", "post_id", "hold_id", "actor", "detail", "note"}

// Decision kinds of the decisions table.
const (
	KindPastLimit  = "approval_past_limit"
	KindRelabel    = "relabel"
	KindWithdrawal = "withdrawal"
)

// Decision is one row of the decisions table.
type Decision struct {
	Outlet, Kind, PostID, HoldID, Actor, Detail, Note string
	At                                                time.Time
	Loc                                               *time.Location
}

// Decisions lists the period's approvals past the limit, relabels and
// withdrawals of every outlet, oldest first within each outlet.
func (r *Report) Decisions(lang string) []Decision {
	var out []Decision
	for _, o := range r.Outlets {
		loc := o.Start.Location()
		var ds []Decision
		for _, a := range o.PastLimit {
			ds = append(ds, Decision{Outlet: o.Outlet, Kind: KindPastLimit, At: a.At, Loc: loc, PostID: a.PostID, HoldID: a.HoldID,
				Actor: a.Reviewer, Note: a.Note,
				Detail: fmt.Sprintf("%s %d/%d", Label("when_held", lang), a.Before.Negative, a.Before.Published)})
		}
		for _, x := range o.Relabels {
			tone := Label("tone_non_negative", lang)
			if x.Negative {
				tone = Label("tone_negative", lang)
			}
			ds = append(ds, Decision{Outlet: o.Outlet, Kind: KindRelabel, At: x.At, Loc: loc, PostID: x.PostID, Actor: x.Actor, Note: x.Note, Detail: tone})
		}
		for _, w := range o.Withdrawals {
			ds = append(ds, Decision{Outlet: o.Outlet, Kind: KindWithdrawal, At: w.At, Loc: loc, PostID: w.PostID, Actor: w.Actor, Detail: Label("state_"+w.Previous, lang)})
		}
		sortByTime(ds)
		out = append(out, ds...)
	}
	return out
}

func sortByTime(ds []Decision) {
	for i := 1; i < len(ds); i++ {
		for j := i; j > 0 && ds[j].At.Before(ds[j-1].At); j-- {
			ds[j], ds[j-1] = ds[j-1], ds[j]
		}
	}
}

func (r *Report) decisionRows(lang string) ([]string, [][]any, error) {
	var rows [][]any
	for _, d := range r.Decisions(lang) {
		rows = append(rows, []any{
			d.Outlet, Label("kind_"+d.Kind, lang), d.At.In(d.Loc).Format("02/01/2006 15:04"), d.At.UTC().Format(time.RFC3339),
			d.PostID, d.HoldID, d.Actor, d.Detail, d.Note,
		})
	}
	return columns(DecisionColumns, lang), rows, nil
}

// CSV writes table as CSV: UTF-8 with a byte-order mark (so spreadsheets read
// the diacritics), CRLF line ends, every cell that a spreadsheet would take
// for a formula made text.
func (r *Report) CSV(table, lang string) ([]byte, error) {
	head, rows, err := r.Rows(table, lang)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	_ = w.Write(head)
	for _, row := range rows {
		safe := make([]string, len(row))
		for i, c := range row {
			safe[i] = CSVSafe(Text(c))
		}
		_ = w.Write(safe)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("report: csv: %w", err)
	}
	return buf.Bytes(), nil
}

// CSVSafe keeps a spreadsheet from reading a cell as a formula: a cell
// whose first character, or first after spaces, is = + - @ (or their
// full-width forms), a tab, a carriage return or a line feed gets a leading
// apostrophe, which spreadsheets show as text.
func CSVSafe(s string) string {
	t := strings.TrimLeft(s, " \u00a0\u3000")
	if t == "" {
		return s
	}
	r, _ := utf8.DecodeRuneInString(t)
	switch r {
	case '=', '+', '-', '@', '\t', '\r', '\n', '＝', '＋', '－', '＠':
		return "'" + s
	}
	return s
}

// FileName is a download's name without extension:
// "gatekeeper-report-OUTLET-20261101-20261130[-TABLE]" (ASCII only).
func FileName(r *Report, outlet, table string) string {
	name := "gatekeeper-report-" + outlet + "-" + r.Period.From.Key() + "-" + r.Period.To.Key()
	if outlet == "" {
		name = "gatekeeper-report-" + r.Period.From.Key() + "-" + r.Period.To.Key()
	}
	if table != "" {
		name += "-" + table
	}
	return strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			return c
		}
		return '_'
	}, name)
}
