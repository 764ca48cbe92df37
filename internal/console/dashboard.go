package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"gatekeeper/internal/fanout"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// chartDays is how many days the dashboard chart and sparklines show.
const chartDays = 90

// callbackRow is a callback for templates.
type callbackRow struct {
	store.Callback
	Loc *time.Location
}

// callbackHoldID reads the hold id from a callback's payload.
func callbackHoldID(cb store.Callback) string {
	var p struct {
		Hold struct {
			ID string `json:"id"`
		} `json:"hold"`
	}
	_ = json.Unmarshal(cb.Payload, &p)
	return p.Hold.ID
}

// outletHistory loads the last chartDays days of an outlet with rolling
// window counts.
func (c *Console) outletHistory(g *gin.Context, o store.Outlet, now time.Time) ([]dayPoint, error) {
	wd := max(o.WindowDays, 1)
	keys, days := dayKeys(now, o.Location(), chartDays+wd-1)
	series, err := c.st.Daily(ctx(g), o.ID, keys)
	if err != nil {
		return nil, err
	}
	return history(series, days, chartDays, wd), nil
}

// recentTypes are the people's decisions a dashboard lists (with the
// checks that held a post).
var recentTypes = map[string]bool{"approve": true, "reject": true, "relabel": true, "approve_scheduled": true, "break_glass": true, "hold": true}

type dashData struct {
	Outlet    store.Outlet
	Loc       *time.Location
	Counts    policy.Counts
	Share     int64 // negative share, basis points (policy.RoundedShare, as the API)
	Positive  positiveView
	Status    string // over, near, ok
	BarPct    int    // share as % of the bar (limit at 2/3 of the bar)
	LimitPct  int
	Headroom  headroomView
	Pending   int
	Chart     chart
	Recent    []store.AuditEntry
	Callbacks []callbackRow
}

// shareStatus compares the window with the limits exactly (not the
// rounded share shown beside it).
func shareStatus(r policy.Rules, c policy.Counts) string {
	switch {
	case c.Negative*int64(policy.Full) > int64(r.Limit)*c.Published:
		return "over"
	case c.Negative*int64(policy.Full) > int64(r.WarnAt)*c.Published:
		return "near"
	}
	return "ok"
}

func (c *Console) dashboardPage(g *gin.Context) {
	o, err := c.st.GetOutlet(ctx(g), g.Param("outlet"))
	if err != nil {
		c.storeErr(g, err)
		return
	}
	now := c.now()
	cur, pts, pending, err := c.outletState(g, o, now)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	all, err := c.st.ListAudit(ctx(g), o.ID, store.AuditFilter{Limit: 200})
	if err != nil {
		c.storeErr(g, err)
		return
	}
	var recent []store.AuditEntry
	for _, e := range all {
		if recentTypes[e.Type] || e.Type == "check" && e.Decision == "hold" {
			recent = append(recent, e)
			if len(recent) == 15 {
				break
			}
		}
	}
	cbs, err := c.st.ListCallbacks(ctx(g), o.ID, "", 20)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	d := dashData{Outlet: o, Loc: o.Location(), Counts: cur, Share: negativeShare(cur), Positive: positiveOf(cur), Status: shareStatus(o.Rules, cur),
		Pending: len(pending), Chart: buildChart(langOf(g), pts, o.Rules), Recent: recent}
	hr := policy.HeadroomOf(o.Rules, cur)
	d.Headroom = headroomView{Left: hr.NegativeLeft, Need: hr.NonNegativeNeeded}
	scale := max(int64(o.Rules.Limit)*3/2, 1)
	d.BarPct = int(min(d.Share*100/scale, 100))
	d.LimitPct = int(int64(o.Rules.Limit) * 100 / scale)
	for _, cb := range cbs {
		d.Callbacks = append(d.Callbacks, callbackRow{Callback: cb, Loc: d.Loc})
	}
	c.render(g, http.StatusOK, "dashboard", "dash.title", d)
}

// positiveView is the positive side of an outlet's window: its share and
// whether positive news leads, as the product expects.
type positiveView struct {
	Share    int64 // basis points, rounded as the negative share
	Dominant bool  // policy.Counts.PositiveDominant
}

func positiveOf(c policy.Counts) positiveView {
	return positiveView{Share: int64(policy.RoundedShare(c.Positive, c.Published)), Dominant: c.PositiveDominant()}
}

// negativeShare is the window's negative share as the API shows it.
func negativeShare(c policy.Counts) int64 { return int64(policy.RoundedShare(c.Negative, c.Published)) }

type overviewRow struct {
	Outlet   store.Outlet
	Counts   policy.Counts
	Share    int64
	Positive positiveView
	Status   string
	Pending  int
	Spark    sparkline
}

// outletState reads what the dashboard and the overview show of an outlet:
// its window now, its daily history and its pending holds.
func (c *Console) outletState(g *gin.Context, o store.Outlet, now time.Time) (policy.Counts, []dayPoint, []store.Hold, error) {
	cur, err := c.st.Window(ctx(g), o.ID, now, o.Window())
	if err != nil {
		return cur, nil, nil, err
	}
	pts, err := c.outletHistory(g, o, now)
	if err != nil {
		return cur, nil, nil, err
	}
	pending, err := c.st.ListHolds(ctx(g), o.ID, store.HoldFilter{Status: store.HoldPending, Limit: 1000})
	return cur, pts, pending, err
}

// overviewPage shows every visible outlet, the highest share first.
func (c *Console) overviewPage(g *gin.Context) {
	outlets, err := c.visibleOutlets(g)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	now := c.now()
	rows := make([]overviewRow, len(outlets))
	// Several outlets at a time: a province has hundreds.
	err = fanout.Each(len(outlets), 0, func(i int) error {
		o := outlets[i]
		cur, pts, pending, err := c.outletState(g, o, now)
		rows[i] = overviewRow{Outlet: o, Counts: cur, Share: negativeShare(cur), Positive: positiveOf(cur), Status: shareStatus(o.Rules, cur),
			Pending: len(pending), Spark: buildSparkline(pts, o.Rules)}
		return err
	})
	if err != nil {
		c.storeErr(g, err)
		return
	}
	sort.SliceStable(rows, func(i, j int) bool {
		// Exact comparison of N_i/P_i > N_j/P_j in integers.
		a, b := rows[i].Counts, rows[j].Counts
		l, r := a.Negative*max(b.Published, 1), b.Negative*max(a.Published, 1)
		if l != r {
			return l > r
		}
		return rows[i].Outlet.Name < rows[j].Outlet.Name
	})
	c.render(g, http.StatusOK, "overview", "over.title", rows)
}

// retryCallback makes a pending or failed callback due now.
func (c *Console) retryCallback(g *gin.Context) {
	o := g.Param("outlet")
	id := g.Param("callback")
	if err := c.st.RetryCallback(ctx(g), o, id, c.now()); err != nil {
		c.storeErr(g, err)
		return
	}
	c.audit(g, o, store.AuditEntry{Type: "callback_retry", Detail: mustJSON(map[string]string{"callback": id})})
	back := "/console/outlets/" + url.PathEscape(o)
	if ret := g.PostForm("return"); safeNext(ret) {
		back = ret
	}
	g.Redirect(http.StatusSeeOther, withOK(back, "retry"))
}

func withOK(path, key string) string {
	u, err := url.Parse(path)
	if err != nil {
		return path
	}
	q := u.Query()
	q.Set("ok", key)
	u.RawQuery = q.Encode()
	return u.String()
}
