package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/store"
)

// DefaultKeepMonths is how many closed months keep their detail (13: a
// year-on-year report always has both months in detail).
const DefaultKeepMonths = 13

// Horizon is where an outlet's detail starts when keep closed months are
// kept: midnight of the first day of the month keep months before the
// current one, in loc, and never later than two days before the window
// (nothing that decides a post is ever trimmed).
func Horizon(now time.Time, loc *time.Location, keep int, window time.Duration) time.Time {
	y, m, _ := now.In(loc).Date()
	h := time.Date(y, m-time.Month(keep), 1, 0, 0, 0, 0, loc)
	if limit := now.Add(-window - 48*time.Hour); h.After(limit) {
		d := DateOf(limit.In(loc))
		h = d.Start(loc)
	}
	return h
}

// Retention is what a Retainer works on.
type Retention interface {
	Source
	store.Retention
}

// Retainer keeps memory bounded: it summarises each closed month of each
// outlet into a stored snapshot (the month's OutletReport), then trims the
// detail older than the horizon; and it digests the days closed since its
// last round (Builder.digests) for the next reports. Any number of replicas may run it: both
// steps are idempotent.
type Retainer struct {
	Store      Retention
	Clock      clock.Clock
	KeepMonths int // DefaultKeepMonths when zero
	Log        *slog.Logger
}

// SnapshotKey is the key of a month's snapshot ("202611").
func SnapshotKey(y int, m time.Month) string { return fmt.Sprintf("%04d%02d", y, m) }

// RunOnce snapshots and trims every outlet; it returns what it trimmed.
func (r *Retainer) RunOnce(ctx context.Context) (map[string]store.TrimResult, error) {
	keep := r.KeepMonths
	if keep <= 0 {
		keep = DefaultKeepMonths
	}
	outlets, err := r.Store.ListOutlets(ctx)
	if err != nil {
		return nil, fmt.Errorf("report: retention: %w", err)
	}
	now := r.Clock.Now()
	out := map[string]store.TrimResult{}
	var errs []error
	for i := range outlets {
		o := &outlets[i]
		loc := o.Location()
		horizon := Horizon(now, loc, keep, o.Window())
		if err := r.snapshots(ctx, o, now, horizon); err != nil {
			errs = append(errs, err)
			continue // never trim what has not been summarised
		}
		res, err := r.Store.Trim(ctx, o.ID, horizon, store.DayKey(horizon, loc))
		if err != nil {
			errs = append(errs, fmt.Errorf("report: trim %s: %w", o.ID, err))
			continue
		}
		out[o.ID] = res
		if err := r.digests(ctx, o, now, horizon); err != nil {
			errs = append(errs, err)
		}
	}
	return out, errors.Join(errs...)
}

// snapshots stores the snapshot of every closed month from the one before
// the horizon's to the last one, where it is missing.
func (r *Retainer) snapshots(ctx context.Context, o *store.Outlet, now, horizon time.Time) error {
	loc := o.Location()
	y, m, _ := horizon.In(loc).Date()
	first := time.Date(y, m-1, 1, 12, 0, 0, 0, loc)
	if created := o.CreatedAt.In(loc); !o.CreatedAt.IsZero() && first.Before(created) {
		first = time.Date(created.Year(), created.Month(), 1, 12, 0, 0, 0, loc)
	}
	cy, cm, _ := now.In(loc).Date()
	current := time.Date(cy, cm, 1, 12, 0, 0, 0, loc)
	b := &Builder{Store: r.Store, Clock: r.Clock}
	for t := first; t.Before(current); t = t.AddDate(0, 1, 0) {
		key := SnapshotKey(t.Year(), t.Month())
		if _, err := r.Store.GetSnapshot(ctx, o.ID, key); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("report: snapshot %s of %s: %w", key, o.ID, err)
		}
		rep, err := b.Outlet(ctx, o, Month(t.Year(), t.Month()))
		if err != nil {
			return err
		}
		data, err := json.Marshal(rep)
		if err != nil {
			return fmt.Errorf("report: snapshot %s of %s: %w", key, o.ID, err)
		}
		if err := r.Store.PutSnapshot(ctx, o.ID, key, data); err != nil {
			return fmt.Errorf("report: snapshot %s of %s: %w", key, o.ID, err)
		}
	}
	return nil
}

// digests makes the digests (digest.go) of the closed days the reports of
// this month and the last read, where missing: after the first round only
// the days closed since, so the first report of a day finds them all.
func (r *Retainer) digests(ctx context.Context, o *store.Outlet, now, horizon time.Time) error {
	ds, ok := r.Store.(store.AuditDays)
	if !ok {
		return nil
	}
	loc := o.Location()
	y, m, _ := now.In(loc).Date()
	from := DateOf(Month(y, m-1).Start(loc).Add(-o.Window()).In(loc))
	if h := DateOf(horizon.In(loc)); from.Before(h) {
		from = h
	}
	b := &Builder{Store: r.Store, Clock: r.Clock}
	_, _, err := b.digests(ctx, ds, o, from, closedBefore(now, loc))
	return err
}

// Run calls RunOnce every interval until ctx ends.
func (r *Retainer) Run(ctx context.Context, interval time.Duration) error {
	log := r.Log
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if res, err := r.RunOnce(ctx); err != nil && ctx.Err() == nil {
			log.Error("retention: round", "err", err)
		} else {
			for id, tr := range res {
				if tr != (store.TrimResult{}) {
					log.Info("retention: trimmed", "outlet", id, "audit", tr.Audit, "days", tr.Days, "holds", tr.Holds, "callbacks", tr.Callbacks)
				}
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// fromSnapshots builds o's report for p from the month snapshots when p is
// made of whole months that all lie before the horizon (their detail is
// gone); ok is false otherwise. Counts, days and lists are the months'
// together; the median time to a decision is the median of the months'
// medians (the detail to do better is gone).
func (b *Builder) fromSnapshots(ctx context.Context, o *store.Outlet, p Period) (*OutletReport, bool, error) {
	rs, ok := b.Store.(store.Retention)
	if !ok || b.KeepMonths <= 0 || p.From.Day != 1 || p.To.AddDays(1).Day != 1 {
		return nil, false, nil
	}
	loc := o.Location()
	if !p.End(loc).After(Horizon(b.Clock.Now(), loc, b.KeepMonths, o.Window())) {
		var parts []*OutletReport
		for t := p.Start(loc).Add(12 * time.Hour); t.Before(p.End(loc)); t = t.AddDate(0, 1, 0) {
			data, err := rs.GetSnapshot(ctx, o.ID, SnapshotKey(t.Year(), t.Month()))
			if errors.Is(err, store.ErrNotFound) {
				return nil, false, nil
			}
			if err != nil {
				return nil, false, fmt.Errorf("report: snapshot of %s: %w", o.ID, err)
			}
			var r OutletReport
			if err := json.Unmarshal(data, &r); err != nil {
				return nil, false, fmt.Errorf("report: snapshot of %s: %w", o.ID, err)
			}
			parts = append(parts, &r)
		}
		return merge(parts), true, nil
	}
	return nil, false, nil
}

func merge(parts []*OutletReport) *OutletReport {
	r := *parts[0]
	r.FromSnapshots = true
	themes := map[string]int64{}
	var medians []int64
	for i, x := range parts {
		if i > 0 {
			r.Published += x.Published
			r.Negative += x.Negative
			r.Positive += x.Positive
			r.Neutral += x.Neutral
			r.DaysOverWarn += x.DaysOverWarn
			r.DaysOverLimit += x.DaysOverLimit
			r.Sensational += x.Sensational
			r.Holds.Count += x.Holds.Count
			r.Holds.Approved += x.Holds.Approved
			r.Holds.Rejected += x.Holds.Rejected
			r.Holds.Cancelled += x.Holds.Cancelled
			r.Holds.Pending += x.Holds.Pending
			r.Holds.LongestSeconds = max(r.Holds.LongestSeconds, x.Holds.LongestSeconds)
			r.PastLimit = append(r.PastLimit, x.PastLimit...)
			r.Relabels = append(r.Relabels, x.Relabels...)
			r.Withdrawals = append(r.Withdrawals, x.Withdrawals...)
			r.Days = append(r.Days, x.Days...)
			r.End = x.End
			r.Rolling, r.RollingShare = x.Rolling, x.RollingShare
		}
		if x.Holds.Count > 0 {
			medians = append(medians, x.Holds.MedianSeconds)
		}
		for _, t := range x.Themes {
			themes[t.Theme] += t.Posts
		}
	}
	r.Share = ratio(r.Negative, r.Published)
	if n := len(medians); n > 0 {
		sortInt64(medians)
		r.Holds.MedianSeconds = (medians[(n-1)/2] + medians[n/2]) / 2
	}
	r.Themes = sortedThemes(themes)
	return &r
}
