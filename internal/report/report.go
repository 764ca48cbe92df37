// Package report builds the compliance report the supervising office reads:
// for one outlet or all of them and a period of calendar days in each
// outlet's time zone, what was published, the negative share (the period's
// own and the rolling window's), the days over the warning line and the
// limit, holds and how they were decided, every approval that counted a
// post past the limit, relabels, withdrawals, sensational headlines and the
// themes behind negative posts, with a daily series.
//
// Everything comes from what the stores keep: the daily series (published
// and negative per go-live day, the same counts the share is made of), the
// audit log (each check's reading of the post, decisions, relabels,
// withdrawals) and the holds. The renderers (CSV here; XLSX and PDF beside)
// only lay the Report out.
package report

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sort"
	"time"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/fanout"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// Source is what a report reads.
type Source interface {
	store.Outlets
	store.Decisions
	store.Holds
	store.Audit
}

// Builder builds reports.
type Builder struct {
	Store Source
	Clock clock.Clock
	// KeepMonths is the retention's (Retainer.KeepMonths): a period of whole
	// months before its horizon is built from the month snapshots. Zero: no
	// retention, always from the detail.
	KeepMonths int
	// NoDigests: read every audit entry of the period, none of the closed
	// days' digests (digest.go), and keep none (the digests' oracle in
	// tests; a way round a damaged digest).
	NoDigests bool
}

// Report covers one period for one or more outlets.
type Report struct {
	Period      Period          `json:"period"`
	GeneratedAt time.Time       `json:"generated_at"`
	Totals      Totals          `json:"totals"`
	Outlets     []*OutletReport `json:"outlets"`
}

// Totals add the outlets' figures up.
type Totals struct {
	Outlets       int     `json:"outlets"`
	Published     int64   `json:"published"`
	Negative      int64   `json:"negative"`
	Positive      int64   `json:"positive"`
	Neutral       int64   `json:"neutral"`
	Share         float64 `json:"share"`
	Sensational   int64   `json:"sensational"`
	Holds         int64   `json:"holds"`
	Approved      int64   `json:"approved"`
	Rejected      int64   `json:"rejected"`
	Pending       int64   `json:"pending"`
	PastLimit     int     `json:"approvals_past_limit"`
	Relabels      int     `json:"relabels"`
	Withdrawals   int     `json:"withdrawals"`
	DaysOverWarn  int     `json:"days_over_warn"`  // outlet-days
	DaysOverLimit int     `json:"days_over_limit"` // outlet-days
}

// OutletReport is one outlet's account of the period.
type OutletReport struct {
	Outlet string `json:"outlet"`
	Name   string `json:"name"`
	// Kind is the outlet's kind (website or social) and Platform a social
	// outlet's network, as the outlet is now: both kinds are reported alike.
	Kind       store.OutletKind `json:"kind"`
	Platform   string           `json:"platform,omitempty"`
	Timezone   string           `json:"timezone"`
	Start      time.Time        `json:"start"` // midnight of the first day, outlet time
	End        time.Time        `json:"end"`   // midnight after the last day
	Limit      float64          `json:"limit"`
	WarnAt     float64          `json:"warn_at"`
	WindowDays int              `json:"window_days"`

	// Posts that went live in the period, by tone. Negative and Published
	// are the daily series' counts (what the share is made of); Positive
	// are those of them the classifier read as positive, the rest of the
	// non-negative ones are Neutral (posts backfilled by a sync are not
	// classified, so they count as neutral).
	Published int64 `json:"published"`
	Negative  int64 `json:"negative"`
	Positive  int64 `json:"positive"`
	Neutral   int64 `json:"neutral"`
	// Share is the period's own negative share; Rolling the window's counts
	// at the end of the period's last day, and RollingShare its share.
	Share        float64 `json:"share"`
	Rolling      Window  `json:"rolling"`
	RollingShare float64 `json:"rolling_share"`
	// Days on which the rolling share at the end of the day was past the
	// warning line, and past the limit.
	DaysOverWarn  int `json:"days_over_warn"`
	DaysOverLimit int `json:"days_over_limit"`
	// Sensational is the number of posts checked in the period whose
	// headline was read as sensational.
	Sensational int64       `json:"sensational"`
	Holds       HoldSummary `json:"holds"`
	// PastLimit lists the approvals that counted a negative post past the limit.
	PastLimit   []Approval   `json:"approvals_past_limit"`
	Relabels    []Relabel    `json:"relabels"`
	Withdrawals []Withdrawal `json:"withdrawals"`
	// Themes are the themes of harm behind the period's negative posts,
	// most frequent first (a post with two themes counts in both).
	Themes []ThemeCount `json:"themes"`
	Days   []Day        `json:"days"`
	// FromSnapshots: built from the stored month summaries (the detail of
	// the period is past the retention horizon).
	FromSnapshots bool `json:"from_snapshots,omitempty"`
}

// HoldSummary is what happened to the holds created in the period, as it
// stands now.
type HoldSummary struct {
	Count     int64 `json:"count"`
	Approved  int64 `json:"approved"`
	Rejected  int64 `json:"rejected"`
	Cancelled int64 `json:"cancelled"` // withdrawn, published anyway or let through on a re-check
	Pending   int64 `json:"pending"`   // still waiting
	// Time from a hold to its approval or rejection, in seconds.
	MedianSeconds  int64 `json:"median_decision_seconds"`
	LongestSeconds int64 `json:"longest_decision_seconds"`
}

// Approval is a manager's approval of a held post.
type Approval struct {
	HoldID   string        `json:"hold_id"`
	PostID   string        `json:"post_id"`
	Reviewer string        `json:"reviewer"`
	At       time.Time     `json:"at"`
	Note     string        `json:"note"`
	Before   policy.Counts `json:"before"` // the window's counts when the post was held
}

// Relabel is a manager's change of a post's tone.
type Relabel struct {
	PostID   string    `json:"post_id"`
	Actor    string    `json:"actor"`
	At       time.Time `json:"at"`
	Negative bool      `json:"negative"`
	Note     string    `json:"note"`
}

// Withdrawal is a post taken back (unpublished, trashed, deleted).
type Withdrawal struct {
	PostID   string    `json:"post_id"`
	Actor    string    `json:"actor"`
	At       time.Time `json:"at"`
	Previous string    `json:"previous"` // the ledger state before: counted, held, …
}

// ThemeCount is how many negative posts spoke of a theme.
type ThemeCount struct {
	Theme string `json:"theme"`
	Posts int64  `json:"posts"`
}

// Day is one day of the series.
type Day struct {
	Date      Date  `json:"date"`
	Published int64 `json:"published"`
	Negative  int64 `json:"negative"`
	// Positive are the day's posts counted as positive (0 in a month
	// summarised before the daily series counted them).
	Positive int64 `json:"positive"`
	// The rolling window at the end of the day and its share.
	Rolling      Window  `json:"rolling"`
	RollingShare float64 `json:"rolling_share"`
	OverWarn     bool    `json:"over_warn"`
	OverLimit    bool    `json:"over_limit"`
}

// Window is a rolling window's counts as the daily series gives them:
// published and negative, what the share is made of.
type Window struct {
	Published int64 `json:"published"`
	Negative  int64 `json:"negative"`
}

// Counts is w as policy.Counts (Positive unknown: 0).
func (w Window) Counts() policy.Counts {
	return policy.Counts{Published: w.Published, Negative: w.Negative}
}

// Build reports on the given outlets (all of them when ids is empty) for p.
// store.ErrNotFound when an outlet does not exist.
func (b *Builder) Build(ctx context.Context, ids []string, p Period) (*Report, error) {
	var outlets []store.Outlet
	if len(ids) == 0 {
		all, err := b.Store.ListOutlets(ctx)
		if err != nil {
			return nil, fmt.Errorf("report: list outlets: %w", err)
		}
		outlets = all
	} else {
		for _, id := range ids {
			o, err := b.Store.GetOutlet(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("report: outlet %s: %w", id, err)
			}
			outlets = append(outlets, o)
		}
	}
	slices.SortFunc(outlets, func(a, c store.Outlet) int { return cmp.Compare(a.ID, c.ID) })
	r := &Report{Period: p, GeneratedAt: b.Clock.Now().UTC(), Outlets: make([]*OutletReport, len(outlets))}
	// The outlets are read several at a time (a province has hundreds).
	err := fanout.Each(len(outlets), 0, func(i int) error {
		or, err := b.Outlet(ctx, &outlets[i], p)
		r.Outlets[i] = or
		return err
	})
	if err != nil {
		return nil, err
	}
	r.Totals = totals(r.Outlets)
	return r, nil
}

func totals(os []*OutletReport) Totals {
	t := Totals{Outlets: len(os)}
	for _, o := range os {
		t.Published += o.Published
		t.Negative += o.Negative
		t.Positive += o.Positive
		t.Neutral += o.Neutral
		t.Sensational += o.Sensational
		t.Holds += o.Holds.Count
		t.Approved += o.Holds.Approved
		t.Rejected += o.Holds.Rejected
		t.Pending += o.Holds.Pending
		t.PastLimit += len(o.PastLimit)
		t.Relabels += len(o.Relabels)
		t.Withdrawals += len(o.Withdrawals)
		t.DaysOverWarn += o.DaysOverWarn
		t.DaysOverLimit += o.DaysOverLimit
	}
	t.Share = policy.Ratio(t.Negative, t.Published)
	return t
}

// Outlet reports on one outlet for p.
func (b *Builder) Outlet(ctx context.Context, o *store.Outlet, p Period) (*OutletReport, error) {
	r, err := b.outlet(ctx, o, p)
	if r != nil {
		r.Kind, r.Platform = o.KindOf(), o.Platform
	}
	return r, err
}

func (b *Builder) outlet(ctx context.Context, o *store.Outlet, p Period) (*OutletReport, error) {
	if r, ok, err := b.fromSnapshots(ctx, o, p); err != nil || ok {
		return r, err
	}
	loc := o.Location()
	r := &OutletReport{
		Outlet: o.ID, Name: o.Name, Timezone: o.Timezone,
		Start: p.Start(loc), End: p.End(loc),
		Limit: o.Rules.Limit.Fraction(), WarnAt: o.Rules.WarnAt.Fraction(), WindowDays: o.WindowDays,
		PastLimit: []Approval{}, Relabels: []Relabel{}, Withdrawals: []Withdrawal{}, Themes: []ThemeCount{},
	}
	if err := b.series(ctx, o, p, r); err != nil {
		return nil, err
	}
	if err := b.fromAudit(ctx, o, r); err != nil {
		return nil, err
	}
	if err := b.holds(ctx, o, r); err != nil {
		return nil, err
	}
	return r, nil
}

// series reads the daily series from WindowDays-1 days before the period,
// so each day's rolling window is the sum of its last WindowDays days:
// exactly the window at the end of that day, in a zone without daylight
// saving (in one with it, the window holds an hour more or less on the days
// the clocks change).
func (b *Builder) series(ctx context.Context, o *store.Outlet, p Period, r *OutletReport) error {
	w := max(o.WindowDays, 1)
	first := p.From.AddDays(-(w - 1))
	n := p.Days() + w - 1
	keys := make([]string, n)
	for i := range keys {
		keys[i] = first.AddDays(i).Key()
	}
	daily, err := b.Store.Daily(ctx, o.ID, keys)
	if err != nil {
		return fmt.Errorf("report: daily series of %s: %w", o.ID, err)
	}
	if len(daily) != n {
		return fmt.Errorf("report: daily series of %s: %d days for %d", o.ID, len(daily), n)
	}
	rolling := RollingSums(daily, w)
	r.Days = make([]Day, 0, p.Days())
	for i, d := range daily {
		if i < w-1 {
			continue
		}
		roll := rolling[i]
		day := Day{
			Date: first.AddDays(i), Published: d.Published, Negative: d.Negative, Positive: d.Positive,
			Rolling: Window{Published: roll.Published, Negative: roll.Negative}, RollingShare: policy.Ratio(roll.Negative, roll.Published),
			OverWarn: roll.Over(o.Rules.WarnAt), OverLimit: roll.Over(o.Rules.Limit),
		}
		r.Days = append(r.Days, day)
		r.Published += d.Published
		r.Negative += d.Negative
		if day.OverWarn {
			r.DaysOverWarn++
		}
		if day.OverLimit {
			r.DaysOverLimit++
		}
	}
	r.Share = policy.Ratio(r.Negative, r.Published)
	if len(r.Days) > 0 {
		last := r.Days[len(r.Days)-1]
		r.Rolling, r.RollingShare = last.Rolling, last.RollingShare
	}
	return nil
}

// RollingSums returns, for each day of a daily series (consecutive days,
// oldest first), the counts of the window of the last window days ending
// that day (fewer at the series' start): the rolling window at the day's
// end. The console's charts and the reports share it.
func RollingSums(daily []store.DayCount, window int) []policy.Counts {
	window = max(window, 1)
	out := make([]policy.Counts, len(daily))
	var roll policy.Counts
	for i, d := range daily {
		roll.Published += d.Published
		roll.Negative += d.Negative
		roll.Positive += d.Positive
		if i >= window {
			roll.Published -= daily[i-window].Published
			roll.Negative -= daily[i-window].Negative
			roll.Positive -= daily[i-window].Positive
		}
		out[i] = roll
	}
	return out
}

// post is what the audit walk learns of one post.
type post struct {
	live     time.Time // when it was last counted (went live), zero if never
	counted  bool
	negative bool
	reading  store.Reading
	read     bool
}

// walk is the audit walk of one outlet's report: the events from one
// window before the period (so a hold created then and approved in the
// period still has its reading) to now, oldest first.
type walk struct {
	b           *Builder
	o           *store.Outlet
	r           *OutletReport
	posts       map[string]*post
	slab        []post // where get takes new posts from, a page at a time
	sensational map[string]bool
}

func (w *walk) in(t time.Time) bool { return !t.Before(w.r.Start) && t.Before(w.r.End) }

// wants says whether an event can change a figure, before it is decoded.
func (w *walk) wants(typ eventType, at time.Time, postID string) bool {
	// A check before the period changes nothing the report counts: a
	// post it counted went live before the period, and counts in it only
	// once a later check (with its own reading) or an approval (of a
	// later hold, whose entry has the reading) counts it again. Holds and
	// relabels before the period are read: an approval in the period
	// takes the post's reading from them. Skipping them saves decoding
	// most of the window before the period.
	if typ == evNone || typ == evCheck && at.Before(w.r.Start) {
		return false
	}
	// After the period only posts already met matter (a later
	// withdrawal, relabel or check changes how one counts); an entry
	// about any other post can only make it go live after the period.
	if !at.Before(w.r.End) && w.posts[postID] == nil {
		return false
	}
	return true
}

func (w *walk) get(id string) *post {
	p := w.posts[id]
	if p == nil {
		if len(w.slab) == 0 {
			w.slab = make([]post, 256)
		}
		p, w.slab = &w.slab[0], w.slab[1:]
		w.posts[id] = p
	}
	return p
}

// step applies one event.
func (w *walk) step(ctx context.Context, e *event) error {
	r := w.r
	switch e.typ {
	case evCheck, evHold:
		p := w.get(e.post)
		if e.read {
			p.reading, p.read = e.reading, true
			if e.reading.Sensational && w.in(e.at) {
				w.sensational[e.post] = true
			}
		}
		if e.negSet {
			p.negative = e.neg
		}
		if e.typ == evHold {
			p.counted = false
		} else if e.live {
			p.counted, p.live = true, e.at
		}
	case evApprove:
		p := w.get(e.post)
		p.counted, p.live = true, e.at
		if w.in(e.at) {
			if a, ok, err := w.b.pastLimit(ctx, w.o, e); err != nil {
				return err
			} else if ok {
				r.PastLimit = append(r.PastLimit, a)
			}
		}
	case evWithdraw:
		p := w.get(e.post)
		p.counted = false
		if w.in(e.at) {
			r.Withdrawals = append(r.Withdrawals, Withdrawal{PostID: e.post, Actor: e.actor, At: e.at, Previous: e.previous})
		}
	case evRelabel:
		p := w.get(e.post)
		if e.tone != "" {
			p.reading.Tone, p.read = e.tone, true
		}
		if e.negSet {
			p.negative = e.neg
			if w.in(e.at) {
				r.Relabels = append(r.Relabels, Relabel{PostID: e.post, Actor: e.actor, At: e.at, Negative: e.neg, Note: e.note})
			}
		}
	}
	return nil
}

// fromAudit walks the audit log from one window before the period to now:
// the tones of the posts that went live in the period, the sensational
// headlines, the decisions, relabels and withdrawals. The closed days come
// from their digests (digest.go), the rest from the entries.
func (b *Builder) fromAudit(ctx context.Context, o *store.Outlet, r *OutletReport) error {
	if b.NoDigests {
		return b.walkAudit(ctx, o, r, false)
	}
	before := *r // the walk only appends to r's lists and sets its figures
	err := b.walkAudit(ctx, o, r, true)
	if errors.Is(err, errDigest) {
		// A kept digest is never replaced (store.AuditDays): a damaged
		// one would fail every report of the outlet until retention trims
		// its day. The report reads the entries instead, as it does
		// without digests, and the log says so.
		slog.WarnContext(ctx, "report: a damaged audit digest; reading the audit entries instead", "outlet", o.ID, "err", err)
		*r = before
		err = b.walkAudit(ctx, o, r, false)
	}
	return err
}

// walkAudit is fromAudit, from the closed days' digests when useDigests.
func (b *Builder) walkAudit(ctx context.Context, o *store.Outlet, r *OutletReport, useDigests bool) error {
	since := r.Start.Add(-o.Window())
	w := &walk{b: b, o: o, r: r, posts: make(map[string]*post, 512), sensational: map[string]bool{}}
	loc := o.Location()
	open := since // entries from here on are read as entries
	if ds, ok := b.Store.(store.AuditDays); ok && useDigests {
		from, to := DateOf(since.In(loc)), closedBefore(b.Clock.Now(), loc)
		_, digests, err := b.digests(ctx, ds, o, from, to)
		if err != nil {
			return err
		}
		for _, dg := range digests {
			if err := w.digest(ctx, o, dg, since); err != nil {
				return err
			}
		}
		if len(digests) > 0 {
			open = to.Start(loc)
		}
	}
	es, err := b.Store.ListAudit(ctx, o.ID, store.AuditFilter{Since: open, Limit: math.MaxInt32})
	if err != nil {
		return fmt.Errorf("report: audit of %s: %w", o.ID, err)
	}
	for i := len(es) - 1; i >= 0; i-- { // oldest first
		e := &es[i]
		typ := eventTypeOf(e.Type)
		if !w.wants(typ, e.At, e.PostID) {
			continue
		}
		ev, err := eventOf(e)
		if err != nil {
			return err
		}
		if err := w.step(ctx, &ev); err != nil {
			return err
		}
	}
	r.Sensational = int64(len(w.sensational))
	themes := map[string]int64{}
	for _, p := range w.posts {
		if !p.counted || !w.in(p.live) {
			continue
		}
		switch {
		case p.negative:
			for _, t := range p.reading.Themes {
				themes[t]++
			}
		case p.read && p.reading.Tone == string(policy.Positive):
			r.Positive++
		}
	}
	r.Positive = min(r.Positive, r.Published-r.Negative)
	r.Neutral = max(r.Published-r.Negative-r.Positive, 0)
	r.Themes = sortedThemes(themes)
	return nil
}

// digest walks one day's digest, from since on.
func (w *walk) digest(ctx context.Context, o *store.Outlet, dg []byte, since time.Time) error {
	rd, err := newDigestReader(dg)
	if err != nil {
		return fmt.Errorf("report: audit digest of %s: %w", o.ID, err)
	}
	for {
		typ, atMs, postID, ok, err := rd.next()
		if err != nil {
			return fmt.Errorf("report: audit digest of %s: %w", o.ID, err)
		}
		if !ok {
			return nil
		}
		at := time.UnixMilli(atMs).UTC()
		if at.Before(since) || !w.wants(typ, at, postID) {
			continue
		}
		ev := event{typ: typ, at: at, post: postID}
		if err := rd.decode(&ev); err != nil {
			return fmt.Errorf("report: audit digest of %s: %w", o.ID, err)
		}
		if err := w.step(ctx, &ev); err != nil {
			return err
		}
	}
}

func sortInt64(v []int64) { sort.Slice(v, func(i, j int) bool { return v[i] < v[j] }) }

func ratio(n, p int64) float64 { return policy.Ratio(n, p) }

// sortedThemes lists theme counts, most frequent first, then by name.
func sortedThemes(themes map[string]int64) []ThemeCount {
	out := []ThemeCount{}
	for t, n := range themes {
		out = append(out, ThemeCount{Theme: t, Posts: n})
	}
	slices.SortFunc(out, func(a, c ThemeCount) int {
		if a.Posts != c.Posts {
			return cmp.Compare(c.Posts, a.Posts)
		}
		return cmp.Compare(a.Theme, c.Theme)
	})
	return out
}

// pastLimit says whether an approval counted a negative post past the
// limit: the post was negative and one more negative post on the window's
// counts when it was held was past the limit.
func (b *Builder) pastLimit(ctx context.Context, o *store.Outlet, e *event) (Approval, bool, error) {
	h, err := b.Store.GetHold(ctx, o.ID, e.hold)
	if errors.Is(err, store.ErrNotFound) {
		return Approval{}, false, nil
	}
	if err != nil {
		return Approval{}, false, fmt.Errorf("report: hold %s of %s: %w", e.hold, o.ID, err)
	}
	if !h.Negative || !policy.SituationAt(o.Rules, policy.NotCounted, h.Before).OverLimit {
		return Approval{}, false, nil
	}
	return Approval{HoldID: h.ID, PostID: h.PostID, Reviewer: e.actor, At: e.at, Note: e.note, Before: h.Before}, true, nil
}

// holdPage is how many holds one ListHolds call returns.
const holdPage = 500

// holds summarises the holds created in the period, newest first, paging back.
func (b *Builder) holds(ctx context.Context, o *store.Outlet, r *OutletReport) error {
	var waits []int64
	seen := map[string]bool{}
	before := r.End
	for {
		hs, err := b.Store.ListHolds(ctx, o.ID, store.HoldFilter{Before: before, Limit: holdPage})
		if err != nil {
			return fmt.Errorf("report: holds of %s: %w", o.ID, err)
		}
		for _, h := range hs {
			if h.CreatedAt.Before(r.Start) || seen[h.ID] {
				continue
			}
			seen[h.ID] = true
			s := &r.Holds
			s.Count++
			switch h.Status {
			case store.HoldApproved:
				s.Approved++
			case store.HoldRejected:
				s.Rejected++
			case store.HoldCancelled:
				s.Cancelled++
			default:
				s.Pending++
			}
			if (h.Status == store.HoldApproved || h.Status == store.HoldRejected) && h.ResolvedAt != nil {
				waits = append(waits, int64(h.ResolvedAt.Sub(h.CreatedAt)/time.Second))
			}
		}
		if len(hs) < holdPage || hs[len(hs)-1].CreatedAt.Before(r.Start) {
			break
		}
		// Holds created in the same millisecond as the page's last are read
		// again by the next page (Before is exclusive, so step back by none).
		next := hs[len(hs)-1].CreatedAt.Add(time.Millisecond)
		if !next.Before(before) {
			next = hs[len(hs)-1].CreatedAt
		}
		before = next
	}
	sortInt64(waits)
	if n := len(waits); n > 0 {
		r.Holds.LongestSeconds = waits[n-1]
		if n%2 == 1 {
			r.Holds.MedianSeconds = waits[n/2]
		} else {
			r.Holds.MedianSeconds = (waits[n/2-1] + waits[n/2]) / 2
		}
	}
	return nil
}
