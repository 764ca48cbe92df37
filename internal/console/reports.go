package console

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"gatekeeper/internal/report"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// reportTimeout bounds the building of one report.
const reportTimeout = 60 * time.Second

// periodOption is one choice of the period picker.
type periodOption struct {
	Value, Label string
}

// reportsData is the Reports page.
type reportsData struct {
	Outlets   []store.Outlet // the outlets the user may report on
	Outlet    string         // the chosen one; "" = all of them
	Options   []periodOption
	Period    string // the chosen month or quarter ("2026-11", "2026-Q4"); "" with From/To
	From      string // dd/mm/yyyy
	To        string
	Report    *report.Report
	Rows      []reportRow
	Totals    reportRow
	Chart     *chart // for one outlet
	Themes    []themeRow
	Decs      []report.Decision
	Query     string // the period and outlet as a query string
	Downloads []download
}

// download is one format's link.
type download struct {
	Format string
	Href   template.URL
}

// reportRow is an outlet's (or the totals') figures as the page shows them.
type reportRow struct {
	ID, Name                           string
	Published, Negative, Positive      int64
	Neutral, Sensational               int64
	Share, Rolling, Limit              int64 // basis points
	DaysOverWarn, DaysOverLimit        int
	Holds, Approved, Rejected, Pending int64
	Median, Longest                    time.Duration
	PastLimit, Relabels, Withdrawals   int
	Over                               bool
}

type themeRow struct {
	Name  string
	Posts int64
}

// bp turns a share as a fraction back into basis points.
func bp(f float64) int64 { return int64(math.Round(f * float64(policy.Full))) }

// reportFormats are the downloads, in the order the page offers them.
var reportFormats = []string{"pdf", "xlsx", "csv", "json"}

// reportRequest reads the outlet and the period of a Reports request and
// checks the user may see them. ids are the outlets to report on.
func (c *Console) reportRequest(g *gin.Context) (d reportsData, ids []string, p report.Period, ok bool) {
	outlets, err := c.visibleOutlets(g)
	if err != nil {
		c.storeErr(g, err)
		return d, nil, p, false
	}
	d.Outlets, d.Outlet = outlets, g.Query("outlet")
	if d.Outlet != "" && !canView(userOf(g), d.Outlet) {
		c.errorPage(g, http.StatusForbidden, "err.forbidden")
		return d, nil, p, false
	}
	lang := langOf(g)
	now := c.now().In(defaultLoc)
	d.Options = periodOptions(lang, now)
	d.Period, d.From, d.To = g.Query("period"), g.Query("from"), g.Query("to")
	switch {
	case d.Period != "":
		d.From, d.To = "", ""
		p, err = report.ParsePeriod(d.Period, "")
	case d.From != "" || d.To != "":
		a, errA := parseDay(d.From, time.UTC)
		b, errB := parseDay(d.To, time.UTC)
		if errA != nil || errB != nil {
			field := "filter.from"
			if errA == nil {
				field = "filter.to"
			}
			c.errorPage(g, http.StatusBadRequest, "err.date", tr(lang, field))
			return d, nil, p, false
		}
		p, err = report.ParsePeriod(a.Format(time.DateOnly), b.Format(time.DateOnly))
	default:
		d.Period = d.Options[0].Value
		p, err = report.ParsePeriod(d.Period, "")
	}
	switch {
	case errors.Is(err, report.ErrPeriodOrder):
		c.errorPage(g, http.StatusBadRequest, "err.periodorder")
		return d, nil, p, false
	case errors.Is(err, report.ErrPeriodLong):
		c.errorPage(g, http.StatusBadRequest, "err.periodlong", report.MaxDays)
		return d, nil, p, false
	case err != nil:
		c.errorPage(g, http.StatusBadRequest, "err.period")
		return d, nil, p, false
	}
	if d.Period == "" {
		d.From, d.To = dmy(p.From), dmy(p.To)
	}
	for _, o := range outlets {
		if d.Outlet == "" || o.ID == d.Outlet {
			ids = append(ids, o.ID)
		}
	}
	q := url.Values{}
	if d.Outlet != "" {
		q.Set("outlet", d.Outlet)
	}
	if d.Period != "" {
		q.Set("period", d.Period)
	} else {
		q.Set("from", p.From.String())
		q.Set("to", p.To.String())
	}
	d.Query = q.Encode()
	return d, ids, p, true
}

func dmy(d report.Date) string { return fmt.Sprintf("%02d/%02d/%04d", d.Day, d.Month, d.Year) }

// periodOptions are this month and the eleven before it, then this quarter
// and the three before it.
func periodOptions(lang string, now time.Time) []periodOption {
	var out []periodOption
	y, m, _ := now.Date()
	for i := range 12 {
		t := time.Date(y, m-time.Month(i), 1, 12, 0, 0, 0, time.UTC)
		out = append(out, periodOption{Value: t.Format("2006-01"), Label: tr(lang, "reports.month", int(t.Month()), t.Year())})
	}
	q := (int(m)-1)/3 + 1
	for i := range 4 {
		qq, yy := q-i, y
		for qq < 1 {
			qq, yy = qq+4, yy-1
		}
		out = append(out, periodOption{Value: fmt.Sprintf("%d-Q%d", yy, qq), Label: tr(lang, "reports.quarter", roman[qq], yy)})
	}
	return out
}

var roman = [5]string{"", "I", "II", "III", "IV"}

// build builds the report on ids (none: an empty report).
func (c *Console) build(g *gin.Context, ids []string, p report.Period) (*report.Report, error) {
	cx, cancel := context.WithTimeout(ctx(g), reportTimeout)
	defer cancel()
	b := &report.Builder{Store: c.st, Clock: c.cfg.Clock, KeepMonths: c.cfg.ReportKeepMonths}
	if len(ids) == 0 {
		return &report.Report{Period: p, GeneratedAt: c.now().UTC(), Outlets: []*report.OutletReport{}}, nil
	}
	return b.Build(cx, ids, p)
}

func (c *Console) reportsPage(g *gin.Context) {
	d, ids, p, ok := c.reportRequest(g)
	if !ok {
		return
	}
	r, err := c.build(g, ids, p)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	lang := langOf(g)
	d.Report = r
	for _, f := range reportFormats {
		// Built here from an encoded query, so the template need not escape it.
		d.Downloads = append(d.Downloads, download{Format: f, Href: template.URL("/console/reports/download/" + f + "?" + d.Query)})
	}
	themes := map[string]int64{}
	for _, o := range r.Outlets {
		row := reportRow{ID: o.Outlet, Name: o.Name, Published: o.Published, Negative: o.Negative, Positive: o.Positive,
			Neutral: o.Neutral, Sensational: o.Sensational, Share: bp(o.Share), Rolling: bp(o.RollingShare), Limit: bp(o.Limit),
			DaysOverWarn: o.DaysOverWarn, DaysOverLimit: o.DaysOverLimit, Holds: o.Holds.Count, Approved: o.Holds.Approved,
			Rejected: o.Holds.Rejected, Pending: o.Holds.Pending, Median: time.Duration(o.Holds.MedianSeconds) * time.Second,
			Longest: time.Duration(o.Holds.LongestSeconds) * time.Second, PastLimit: len(o.PastLimit),
			Relabels: len(o.Relabels), Withdrawals: len(o.Withdrawals)}
		row.Over = o.DaysOverLimit > 0
		d.Rows = append(d.Rows, row)
		for _, t := range o.Themes {
			themes[t.Theme] += t.Posts
		}
	}
	t := r.Totals
	d.Totals = reportRow{Name: tr(lang, "reports.totals"), Published: t.Published, Negative: t.Negative, Positive: t.Positive,
		Neutral: t.Neutral, Sensational: t.Sensational, Share: bp(t.Share), DaysOverWarn: t.DaysOverWarn,
		DaysOverLimit: t.DaysOverLimit, Holds: t.Holds, Approved: t.Approved, Rejected: t.Rejected, Pending: t.Pending,
		PastLimit: t.PastLimit, Relabels: t.Relabels, Withdrawals: t.Withdrawals}
	for th, n := range themes {
		d.Themes = append(d.Themes, themeRow{Name: report.ThemeName(th, lang), Posts: n})
	}
	slices.SortFunc(d.Themes, func(a, b themeRow) int {
		if a.Posts != b.Posts {
			return int(b.Posts - a.Posts)
		}
		return compareStrings(a.Name, b.Name)
	})
	if len(r.Outlets) == 1 {
		o := r.Outlets[0]
		var rules policy.Rules
		for _, x := range d.Outlets {
			if x.ID == o.Outlet {
				rules = x.Rules
			}
		}
		loc := o.Start.Location()
		pts := make([]dayPoint, len(o.Days))
		for i, day := range o.Days {
			pts[i] = dayPoint{Day: day.Date.Start(loc), Published: day.Published, Negative: day.Negative, Rolling: day.Rolling.Counts()}
		}
		ch := buildChart(lang, pts, rules)
		ch.Title = tr(lang, "reports.chart")
		d.Chart = &ch
	}
	d.Decs = r.Decisions(lang)
	c.render(g, http.StatusOK, "reports", "reports.title", d)
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// reportDownload sends the report as a file: JSON, one CSV table, and the
// formats registered in reportWriters.
func (c *Console) reportDownload(g *gin.Context) {
	format := g.Param("format")
	w, known := reportWriters[format]
	if !known {
		c.errorPage(g, http.StatusNotFound, "err.notfound")
		return
	}
	d, ids, p, ok := c.reportRequest(g)
	if !ok {
		return
	}
	table := g.DefaultQuery("table", report.TableSummary)
	if !slices.Contains(report.Tables, table) {
		c.errorPage(g, http.StatusBadRequest, "err.input", "table")
		return
	}
	r, err := c.build(g, ids, p)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	body, ctype, err := w(r, langOf(g), table, c.cfg.Report)
	if err != nil {
		c.log.Error("console: report", "format", format, "err", err)
		c.errorPage(g, http.StatusInternalServerError, "err.report")
		return
	}
	name := report.FileName(r, d.Outlet, "")
	if format == "csv" {
		name = report.FileName(r, d.Outlet, table)
	}
	g.Header("Content-Disposition", `attachment; filename="`+name+"."+format+`"`)
	g.Data(http.StatusOK, ctype, body)
}

// reportWriter lays a report out as a file: its bytes and media type.
type reportWriter func(r *report.Report, lang, table string, opt report.PDFOptions) ([]byte, string, error)

// reportWriters are the download formats by extension.
var reportWriters = map[string]reportWriter{
	"json": func(r *report.Report, _, _ string, _ report.PDFOptions) ([]byte, string, error) {
		return mustJSON(r), "application/json; charset=utf-8", nil
	},
	"csv": func(r *report.Report, lang, table string, _ report.PDFOptions) ([]byte, string, error) {
		b, err := r.CSV(table, lang)
		return b, "text/csv; charset=utf-8", err
	},
	"xlsx": func(r *report.Report, lang, _ string, _ report.PDFOptions) ([]byte, string, error) {
		b, err := r.XLSX(lang)
		return b, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", err
	},
	"pdf": func(r *report.Report, lang, _ string, opt report.PDFOptions) ([]byte, string, error) {
		b, err := r.PDF(lang, opt)
		return b, "application/pdf", err
	},
}
