package console

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	msgs "gatekeeper/internal/messages"
	"gatekeeper/internal/review"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// visibleOutlets are the outlets the user may see, by name.
func (c *Console) visibleOutlets(g *gin.Context) ([]store.Outlet, error) {
	return c.outletsWhere(g, canView)
}

// outletsWhere lists the outlets for which allowed(user, outlet) holds,
// sorted by name.
func (c *Console) outletsWhere(g *gin.Context, allowed func(*store.User, string) bool) ([]store.Outlet, error) {
	all, err := c.st.ListOutlets(ctx(g))
	if err != nil {
		return nil, err
	}
	u := userOf(g)
	var out []store.Outlet
	for _, o := range all {
		if allowed(u, o.ID) {
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// headroomView is policy.Headroom for templates.
type headroomView struct {
	Left, Need *int64
}

// holdRow is a hold with what the pages show about it.
type holdRow struct {
	Outlet    store.Outlet
	Loc       *time.Location
	Hold      store.Hold
	Snap      snapshot
	Title     []segment
	ToneKey   string
	Phrases   []string       // tone phrases highlighted in the text
	Evidence  []evidenceView // why the tone
	SensEv    []evidenceView // why the headline is sensational
	Before    int64          // share when held, bp
	After     int64          // share if it had been counted then, bp
	Headroom  headroomView
	Current   policy.Counts
	Waited    time.Duration
	Scheduled *store.ScheduledApproval
	Safe      string // the earliest safe time, said honestly
	Digest    string // review.SnapshotDigest: the text the page shows, sent back with an approval
}

func (c *Console) makeRow(lang string, o store.Outlet, h store.Hold, current policy.Counts, now time.Time) holdRow {
	snap := decodeSnapshot(h.Snapshot)
	ev := evidencePhrases(snap.Classification.Tone.Evidence)
	var sens []string
	if snap.Classification.Sensational.Flagged {
		sens = evidencePhrases(snap.Classification.Sensational.Evidence)
	}
	r := holdRow{
		Outlet: o, Loc: o.Location(), Hold: h, Snap: snap, Phrases: ev,
		Evidence: evidenceViews(lang, snap.Classification.Tone.Evidence), SensEv: evidenceViews(lang, snap.Classification.Sensational.Evidence),
		Title:   highlight(snap.Post.Title, ev, sens...),
		Current: current,
		Waited:  now.Sub(h.CreatedAt),
		Digest:  review.SnapshotDigest(h.Snapshot),
	}
	if snap.Post.Title == "" {
		r.Title = []segment{{Text: "#" + h.PostID}}
	}
	switch {
	case h.Negative:
		r.ToneKey = "tone.negative"
	case h.Positive:
		r.ToneKey = "tone.positive"
	default:
		r.ToneKey = "tone.neutral"
	}
	if l := snap.Classification.Tone.Label; l != "" && (l == policy.Negative) == h.Negative {
		r.ToneKey = "tone." + string(l)
	}
	before, after := policy.SharesAround(h.Before, holdSubject(h, snap))
	r.Before, r.After = int64(before), int64(after)
	hr := policy.HeadroomOf(o.Rules, current)
	r.Headroom = headroomView{Left: hr.NegativeLeft, Need: hr.NonNegativeNeeded}
	r.Safe = safeText(lang, o, h.EarliestSafe, hr, now)
	if h.Status != store.HoldPending && h.ResolvedAt != nil {
		r.Waited = h.ResolvedAt.Sub(h.CreatedAt)
	}
	return r
}

// safeText says when a held post fits: the time the window frees a slot
// (and how many non-negative posts would do it sooner), or, when the window
// alone never does, how many non-negative posts would make room.
func safeText(lang string, o store.Outlet, at *time.Time, hr policy.Headroom, now time.Time) string {
	need := int64(-1)
	if hr.NonNegativeNeeded != nil {
		need = *hr.NonNegativeNeeded
	}
	switch {
	case need == 0:
		return tr(lang, "safe.now")
	case at != nil && at.After(now):
		s := tr(lang, "safe.at", fmtTime(lang, *at, o.Location()), o.WindowDays)
		if need > 0 {
			s += tr(lang, "safe.or", need)
		}
		return s
	case need > 0:
		return tr(lang, "safe.need", o.WindowDays, need)
	}
	return tr(lang, "safe.never")
}

// ageFilters are the choices of the "waiting" filter.
var ageFilters = []struct {
	Value string
	Min   time.Duration
}{{"", 0}, {"1h", time.Hour}, {"6h", 6 * time.Hour}, {"24h", 24 * time.Hour}, {"72h", 72 * time.Hour}}

type holdsData struct {
	Outlets []store.Outlet
	Outlet  string
	Age     string
	Ages    []string
	Status  string
	Rows    []holdRow
}

// holdsPage lists held items of the visible outlets, oldest first.
func (c *Console) holdsPage(g *gin.Context) {
	outlets, err := c.visibleOutlets(g)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	d := holdsData{Outlets: outlets, Outlet: g.Query("outlet"), Age: g.Query("age"), Status: g.DefaultQuery("status", "pending")}
	var minAge time.Duration
	for _, a := range ageFilters {
		d.Ages = append(d.Ages, a.Value)
		if a.Value == d.Age {
			minAge = a.Min
		}
	}
	status := store.HoldStatus(d.Status)
	switch status {
	case store.HoldPending, store.HoldApproved, store.HoldRejected, store.HoldCancelled:
	default:
		status, d.Status = "", "all"
	}
	if d.Outlet != "" && !canView(userOf(g), d.Outlet) {
		c.errorPage(g, http.StatusForbidden, "err.forbidden")
		return
	}
	now := c.now()
	scheduled, err := c.st.ListScheduledApprovals(ctx(g), "")
	if err != nil {
		c.storeErr(g, err)
		return
	}
	for _, o := range outlets {
		if d.Outlet != "" && o.ID != d.Outlet {
			continue
		}
		holds, err := c.st.ListHolds(ctx(g), o.ID, store.HoldFilter{Status: status, Limit: 500})
		if err != nil {
			c.storeErr(g, err)
			return
		}
		if len(holds) == 0 {
			continue
		}
		cur, err := c.st.Window(ctx(g), o.ID, now, o.Window())
		if err != nil {
			c.storeErr(g, err)
			return
		}
		for _, h := range holds {
			if now.Sub(h.CreatedAt) < minAge {
				continue
			}
			r := c.makeRow(langOf(g), o, h, cur, now)
			for i := range scheduled {
				if scheduled[i].Outlet == o.ID && scheduled[i].HoldID == h.ID {
					r.Scheduled = &scheduled[i]
				}
			}
			d.Rows = append(d.Rows, r)
		}
	}
	sort.SliceStable(d.Rows, func(i, j int) bool { return d.Rows[i].Hold.CreatedAt.Before(d.Rows[j].Hold.CreatedAt) })
	c.render(g, http.StatusOK, "holds", "holds.title", d)
}

type holdData struct {
	Row       holdRow
	Excerpt   [][]segment
	Content   [][]segment
	Reasons   []string
	SafeAt    *time.Time // earliest safe time, when still in the future
	Callbacks []callbackRow
	Error     string
	Note      string
}

func (c *Console) loadHold(g *gin.Context) (store.Outlet, store.Hold, bool) {
	o, err := c.st.GetOutlet(ctx(g), g.Param("outlet"))
	if err != nil {
		c.storeErr(g, err)
		return o, store.Hold{}, false
	}
	h, err := c.st.GetHold(ctx(g), o.ID, g.Param("hold"))
	if err != nil {
		c.storeErr(g, err)
		return o, h, false
	}
	return o, h, true
}

func (c *Console) holdPage(g *gin.Context) {
	c.showHold(g, http.StatusOK, "", "")
}

// showHold renders one held item (status and error for a refused form).
func (c *Console) showHold(g *gin.Context, status int, errMsg, note string) {
	o, h, ok := c.loadHold(g)
	if !ok {
		return
	}
	now := c.now()
	cur, err := c.st.Window(ctx(g), o.ID, now, o.Window())
	if err != nil {
		c.storeErr(g, err)
		return
	}
	r := c.makeRow(langOf(g), o, h, cur, now)
	sched, err := c.st.ListScheduledApprovals(ctx(g), o.ID)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	for i := range sched {
		if sched[i].HoldID == h.ID {
			r.Scheduled = &sched[i]
		}
	}
	d := holdData{Row: r, Error: errMsg, Note: note,
		Excerpt: paragraphs(r.Snap.Post.Excerpt, r.Phrases),
		Content: paragraphs(r.Snap.Post.Content, r.Phrases),
	}
	d.Reasons = holdReasons(langOf(g), o, h, r.Snap)
	if h.EarliestSafe != nil && h.EarliestSafe.After(now) {
		d.SafeAt = h.EarliestSafe
	}
	cbs, err := c.st.ListCallbacks(ctx(g), o.ID, "", 200)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	for _, cb := range cbs {
		if callbackHoldID(cb) == h.ID {
			d.Callbacks = append(d.Callbacks, callbackRow{Callback: cb, Loc: o.Location()})
		}
	}
	c.render(g, status, "hold", "hold.title", d)
}

// holdReasons says why a post was held: the decision's reason codes (from
// the rules and subject the check used, against the counts when it was
// held) and the assessment's notes.
func holdReasons(lang string, o store.Outlet, h store.Hold, snap snapshot) []string {
	ml := msgs.VI
	if lang == langEN {
		ml = msgs.EN
	}
	rules, codes := o.Rules, []string{}
	if snap.HasPolicy {
		rules = snap.Rules
		codes = append(codes, policy.Decide(rules, snap.Subject, policy.NotCounted, h.Before).Reasons...)
	}
	codes = append(codes, snap.Notes...)
	_, after := policy.SharesAround(h.Before, holdSubject(h, snap))
	args := msgs.ReasonArgs{After: int64(after), WarnAt: int64(rules.WarnAt), Limit: int64(rules.Limit),
		Published: h.Before.Published, MinSample: rules.MinSample}
	var out []string
	seen := map[string]bool{}
	for _, code := range codes {
		if code == "" || seen[code] {
			continue
		}
		seen[code] = true
		out = append(out, msgs.Reason(ml, code, args))
	}
	return out
}

// holdSubject is the subject the hold was decided on: the snapshot's when it
// has one, otherwise what the hold itself records.
func holdSubject(h store.Hold, snap snapshot) policy.Subject {
	if snap.HasPolicy {
		return snap.Subject
	}
	return policy.Subject{Negative: h.Negative}
}

func holdURL(outlet, hold string) string {
	return "/console/outlets/" + url.PathEscape(outlet) + "/holds/" + url.PathEscape(hold)
}

// decide approves or rejects a hold; approve "safe" schedules the approval
// at the earliest safe time instead.
func (c *Console) decide(g *gin.Context, approve bool) {
	lang := langOf(g)
	note := strings.TrimSpace(g.PostForm("note"))
	if note == "" {
		c.showHold(g, http.StatusBadRequest, tr(lang, "err.note"), "")
		return
	}
	if len([]rune(note)) > 2000 {
		note = string([]rune(note)[:2000])
	}
	o, h, ok := c.loadHold(g)
	if !ok {
		return
	}
	// The manager approves the text the page showed: if the CMS changed it
	// since (a re-check updated the hold), the page shows the new text first.
	if seen := g.PostForm("digest"); approve && seen != "" && seen != review.SnapshotDigest(h.Snapshot) {
		c.showHold(g, http.StatusConflict, tr(lang, "err.textchanged"), note)
		return
	}
	u := userOf(g)
	now := c.now()
	if approve && g.PostForm("when") == "safe" {
		if h.Status != store.HoldPending {
			c.showHold(g, http.StatusConflict, tr(lang, "err.conflict"), note)
			return
		}
		if h.EarliestSafe == nil {
			c.showHold(g, http.StatusBadRequest, tr(lang, "err.nosafe"), note)
			return
		}
		at := *h.EarliestSafe
		if !at.After(now) {
			// Due already: approve now, but only if it still fits (another
			// approval may have taken the room); otherwise schedule it at
			// the new earliest safe time.
			_, err := c.review.ApproveIfSafe(ctx(g), o, h.ID, u.Username, note)
			var notSafe *review.NotSafeError
			if !errors.As(err, &notSafe) {
				c.decided(g, o, h, true, note, err)
				return
			}
			if !notSafe.Next.After(now) {
				c.showHold(g, http.StatusConflict, tr(lang, "err.nosafe"), note)
				return
			}
			at = notSafe.Next
		}
		sa := store.ScheduledApproval{Outlet: o.ID, HoldID: h.ID, At: at, Reviewer: u.Username, Note: note, CreatedAt: now}
		if err := c.st.ScheduleApproval(ctx(g), sa); err != nil {
			c.storeErr(g, err)
			return
		}
		c.audit(g, o.ID, store.AuditEntry{Type: "approve_scheduled", PostID: h.PostID, HoldID: h.ID,
			Detail: mustJSON(map[string]any{"at": sa.At, "note": note})})
		g.Redirect(http.StatusSeeOther, holdURL(o.ID, h.ID)+"?ok=scheduled")
		return
	}
	_, err := c.review.Resolve(ctx(g), o, h.ID, approve, u.Username, note)
	c.decided(g, o, h, approve, note, err)
}

// decided answers a resolution's outcome: the hold's page with the error,
// or a redirect to it saying what was done.
func (c *Console) decided(g *gin.Context, o store.Outlet, h store.Hold, approve bool, note string, err error) {
	lang, u := langOf(g), userOf(g)
	switch {
	case err == nil:
	case errors.Is(err, review.ErrNoteRequired):
		c.showHold(g, http.StatusBadRequest, tr(lang, "err.note"), "")
		return
	case errors.Is(err, store.ErrConflict):
		c.showHold(g, http.StatusConflict, tr(lang, "err.conflict"), note)
		return
	default:
		c.storeErr(g, err)
		return
	}
	_ = c.st.CancelScheduledApproval(ctx(g), o.ID, h.ID)
	c.log.Info("console: hold resolved", "outlet", o.ID, "hold", h.ID, "approve", approve, "reviewer", u.Username)
	ok2 := "rejected"
	if approve {
		ok2 = "approved"
	}
	g.Redirect(http.StatusSeeOther, holdURL(o.ID, h.ID)+"?ok="+ok2)
}

func (c *Console) approve(g *gin.Context) { c.decide(g, true) }
func (c *Console) reject(g *gin.Context)  { c.decide(g, false) }

func (c *Console) unschedule(g *gin.Context) {
	o, h, ok := c.loadHold(g)
	if !ok {
		return
	}
	if err := c.st.CancelScheduledApproval(ctx(g), o.ID, h.ID); err != nil {
		c.storeErr(g, err)
		return
	}
	c.audit(g, o.ID, store.AuditEntry{Type: "approve_unscheduled", PostID: h.PostID, HoldID: h.ID})
	g.Redirect(http.StatusSeeOther, holdURL(o.ID, h.ID)+"?ok=unscheduled")
}

// relabel corrects a post's tone by hand; its count moves if it is counted.
func (c *Console) relabel(g *gin.Context) {
	lang := langOf(g)
	note := strings.TrimSpace(g.PostForm("note"))
	if note == "" {
		c.showHold(g, http.StatusBadRequest, tr(lang, "err.note"), "")
		return
	}
	tone, ok := policy.ParseTone(g.PostForm("tone"))
	if g.PostForm("tone") == "not_negative" {
		tone, ok = policy.Neutral, true // the form's former choice
	}
	if !ok {
		c.showHold(g, http.StatusBadRequest, tr(lang, "err.input", "tone"), note)
		return
	}
	o, h, ok := c.loadHold(g)
	if !ok {
		return
	}
	now := c.now()
	if err := c.st.Relabel(ctx(g), o.ID, h.PostID, tone, now, o.Window(), userOf(g).Username, note); err != nil {
		c.storeErr(g, err)
		return
	}
	g.Redirect(http.StatusSeeOther, holdURL(o.ID, h.ID)+"?ok=relabeled")
}

// audit appends an entry for a console action (failures are logged: the
// action itself is done).
func (c *Console) audit(g *gin.Context, outlet string, e store.AuditEntry) {
	e.Outlet, e.At, e.Actor = outlet, c.now(), userOf(g).Username
	if err := c.st.AppendAudit(ctx(g), e); err != nil {
		c.log.Error("console: audit", "outlet", outlet, "type", e.Type, "err", err)
	}
}
