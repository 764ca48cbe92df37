package console

import (
	"fmt"
	"strings"
	"time"

	"gatekeeper/internal/report"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// dayPoint is one day of an outlet's history with the share of the window
// ending that day.
type dayPoint struct {
	Day       time.Time // midnight, outlet time zone
	Published int64
	Negative  int64
	Positive  int64
	// Rolling are the counts of the windowDays days ending that day.
	Rolling policy.Counts
}

// dayKeys returns the DayKeys of the n days ending with the day of now in
// loc, oldest first, with their midnights.
func dayKeys(now time.Time, loc *time.Location, n int) ([]string, []time.Time) {
	y, m, d := now.In(loc).Date()
	keys := make([]string, n)
	days := make([]time.Time, n)
	for i := 0; i < n; i++ {
		t := time.Date(y, m, d-(n-1-i), 0, 0, 0, 0, loc)
		days[i] = t
		keys[i] = store.DayKey(t, loc)
	}
	return keys, days
}

// history builds the last n days with rolling window counts from the daily
// series (which must cover n+windowDays-1 days, oldest first).
func history(series []store.DayCount, days []time.Time, n, windowDays int) []dayPoint {
	if windowDays < 1 {
		windowDays = 1
	}
	byKey := make(map[string]store.DayCount, len(series))
	for _, s := range series {
		byKey[s.Day] = s
	}
	out := make([]dayPoint, 0, n)
	vals := make([]store.DayCount, len(days))
	for i, d := range days {
		vals[i] = byKey[store.DayKey(d, d.Location())]
	}
	rolling := report.RollingSums(vals, windowDays)
	for i := range days {
		if i >= len(days)-n {
			out = append(out, dayPoint{Day: days[i], Published: vals[i].Published, Negative: vals[i].Negative,
				Positive: vals[i].Positive, Rolling: rolling[i]})
		}
	}
	return out
}

// chartBar is one day's bars, in SVG user units.
type chartBar struct {
	X, W       float64
	PubY, PubH float64
	NegY, NegH float64
	PosY, PosH float64 // positive posts, stacked on the negative ones
	Title      string
}

type chartLabel struct {
	X, Y float64
	Text string
}

// chart is a server-drawn SVG of an outlet's daily history.
type chart struct {
	Title                     string // "" for the dashboard's
	W, H                      float64
	Left, Right, Top, Bottom  float64
	Bars                      []chartBar
	Share                     string // polyline points of the rolling share
	LimitY, WarnY             float64
	XLabels, YLabels, SLabels []chartLabel
	LimitLabel                string
}

// buildChart lays out the 90-day chart: bars of published (grey),
// negative (red) and positive (green, on the red) posts per day against the
// left axis, and the window share
// (line) with the limit and warn lines against the right axis.
func buildChart(lang string, pts []dayPoint, r policy.Rules) chart {
	c := chart{W: 900, H: 280, Left: 44, Right: 56, Top: 14, Bottom: 30}
	plotW, plotH := c.W-c.Left-c.Right, c.H-c.Top-c.Bottom
	var maxP int64 = 1
	var maxS = int64(r.Limit) * 3 / 2
	for _, p := range pts {
		maxP = max(maxP, p.Published)
		maxS = max(maxS, int64(p.Rolling.Share()))
	}
	maxP = niceCeil(maxP)
	if maxS <= 0 {
		maxS = 1000
	}
	maxS = (maxS + 399) / 400 * 400 // a multiple of 4%: the quarter lines are whole percents
	n := float64(max(len(pts), 1))
	bw := plotW / n
	yCount := func(v int64) float64 { return c.Top + plotH - float64(v)/float64(maxP)*plotH }
	yShare := func(bp int64) float64 { return c.Top + plotH - float64(bp)/float64(maxS)*plotH }
	var line strings.Builder
	for i, p := range pts {
		x := c.Left + float64(i)*bw
		b := chartBar{X: x + bw*0.15, W: bw * 0.7}
		b.PubY, b.NegY = yCount(p.Published), yCount(p.Negative)
		b.PubH, b.NegH = c.Top+plotH-b.PubY, c.Top+plotH-b.NegY
		b.PosY = yCount(p.Negative + p.Positive)
		b.PosH = b.NegY - b.PosY
		b.Title = fmt.Sprintf("%s: %d %s, %d %s, %d %s, %s %s", p.Day.Format("02/01/2006"),
			p.Published, tr(lang, "dash.published"), p.Negative, tr(lang, "dash.negative"),
			p.Positive, tr(lang, "dash.positivebar"),
			fmtPercent(lang, int64(p.Rolling.Share())), tr(lang, "dash.rolling"))
		c.Bars = append(c.Bars, b)
		if i > 0 {
			line.WriteByte(' ')
		}
		fmt.Fprintf(&line, "%.1f,%.1f", x+bw/2, yShare(int64(p.Rolling.Share())))
		if i%15 == 0 || i == len(pts)-1 {
			c.XLabels = append(c.XLabels, chartLabel{X: x + bw/2, Y: c.H - 10, Text: p.Day.Format("02/01")})
		}
	}
	c.Share = line.String()
	c.LimitY, c.WarnY = yShare(int64(r.Limit)), yShare(int64(r.WarnAt))
	c.LimitLabel = tr(lang, "dash.limitline") + " " + fmtPercent(lang, int64(r.Limit))
	for i := int64(0); i <= 4; i++ {
		v := maxP * i / 4
		c.YLabels = append(c.YLabels, chartLabel{X: c.Left - 6, Y: yCount(v) + 4, Text: fmt.Sprint(v)})
		s := maxS * i / 4
		c.SLabels = append(c.SLabels, chartLabel{X: c.W - c.Right + 6, Y: yShare(s) + 4, Text: fmt.Sprintf("%d%%", s/100)})
	}
	return c
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (at least 4, so
// the quarter gridlines are whole numbers when possible).
func niceCeil(v int64) int64 {
	if v <= 4 {
		return 4
	}
	p := int64(1)
	for p*10 <= v {
		p *= 10
	}
	for _, m := range []int64{1, 2, 4, 5, 8, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// sparkline is a small SVG of the window share over the last days.
type sparkline struct {
	W, H   float64
	Points string
	LimitY float64
	Over   bool
}

func buildSparkline(pts []dayPoint, r policy.Rules) sparkline {
	s := sparkline{W: 160, H: 32}
	// The range spans the values and the limit, so a line near the limit
	// shows its movement.
	lo, hi := int64(r.Limit), int64(r.Limit)
	for _, p := range pts {
		v := int64(p.Rolling.Share())
		lo, hi = min(lo, v), max(hi, v)
	}
	pad := max((hi-lo)/8, 50)
	lo, hi = max(lo-pad, 0), hi+pad
	y := func(bp int64) float64 { return 2 + (s.H-4)*(1-float64(bp-lo)/float64(hi-lo)) }
	var b strings.Builder
	n := float64(max(len(pts)-1, 1))
	for i, p := range pts {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%.1f,%.1f", float64(i)/n*s.W, y(int64(p.Rolling.Share())))
	}
	s.Points = b.String()
	s.LimitY = y(int64(r.Limit))
	return s
}
