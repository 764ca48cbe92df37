package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// Withdraw takes a post out of the counts and cancels its pending hold
// (idempotent). store.ErrNotFound when the post was never seen.
func (s *Store) Withdraw(ctx context.Context, outlet, postID string, now time.Time, window time.Duration, actor string) (store.WithdrawResult, error) {
	var res store.WithdrawResult
	err := s.write(ctx, "withdraw", func(tx *txn) error {
		if err := outletExists(ctx, tx, outlet); err != nil {
			return err
		}
		l, err := readLedger(ctx, tx, outlet, postID)
		if err != nil {
			return err
		}
		if !l.found {
			return notFound("post", postID)
		}
		res = store.WithdrawResult{Previous: l.state}
		h, pending, err := pendingHold(ctx, tx, outlet, l)
		if err != nil {
			return err
		}
		if pending {
			if err := cancelHold(ctx, tx, h, CancelWithdrawn, now); err != nil {
				return err
			}
			res.HoldCancelled = h.ID
		}
		ms := msOf(now)
		switch {
		case l.counted():
			l.hold = ""
			if err := uncount(ctx, tx, outlet, postID, l, store.StateWithdrawn, ms); err != nil {
				return err
			}
			res.Withdrawn = true
		case l.state == store.StateWithdrawn:
			return nil // nothing changed, nothing to audit
		default:
			l.state, l.hold = store.StateWithdrawn, ""
			if err := putLedger(ctx, tx, outlet, postID, l, ms); err != nil {
				return err
			}
		}
		_, err = appendAudit(ctx, tx, store.AuditEntry{
			Outlet: outlet, At: now, Type: "withdraw", PostID: postID, HoldID: res.HoldCancelled, Actor: actor,
			Detail: auditDetail(map[string]any{"previous": res.Previous, "withdrawn": res.Withdrawn, "negative": l.neg}),
		})
		return err
	})
	return res, err
}

// Sync backfills and reconciles. Posts are classified by time first: one
// that went live at or before now-window is "outside" (recorded as counted
// outside the window if it was not counted, so an edit never counts it); an
// in-window post already counted is "unchanged"; any other is "added",
// counted at its go-live time. Posts counted now have their pending hold
// cancelled (the CMS published them). With Complete, counted posts of the
// window missing from the list are withdrawn. A sync that changes nothing
// records nothing.
func (s *Store) Sync(ctx context.Context, in store.SyncInput) (store.SyncResult, error) {
	res := store.SyncResult{Added: []string{}, Withdrawn: []string{}, Unchanged: []string{}, Outside: []string{}}
	err := s.write(ctx, "sync", func(tx *txn) error {
		res = store.SyncResult{Added: []string{}, Withdrawn: []string{}, Unchanged: []string{}, Outside: []string{}}
		if err := outletExists(ctx, tx, in.Outlet); err != nil {
			return err
		}
		now := msOf(in.Now)
		start := now - in.Window.Milliseconds()
		// Move the running counts to this window first, so later reads of it
		// start from there.
		if _, err := windowCounts(ctx, tx, in.Outlet, start, true); err != nil {
			return err
		}
		listed := make(map[string]bool, len(in.Posts))
		changed := false
		for _, p := range in.Posts {
			if p.ID == "" {
				return fmt.Errorf("sync: a post without id: %w", errInvalid)
			}
			listed[p.ID] = true
			l, err := readLedger(ctx, tx, in.Outlet, p.ID)
			if err != nil {
				return err
			}
			at := msOf(p.PublishedAt)
			outside := at <= start
			if l.counted() {
				if outside {
					res.Outside = append(res.Outside, p.ID)
				} else {
					res.Unchanged = append(res.Unchanged, p.ID)
				}
				continue
			}
			h, pending, err := pendingHold(ctx, tx, in.Outlet, l)
			if err != nil {
				return err
			}
			if pending {
				if err := cancelHold(ctx, tx, h, CancelSynced, in.Now); err != nil {
					return err
				}
			}
			// Counted at its go-live time: before the window, that records
			// it as counted outside the window, so an edit never counts it.
			if err := count(ctx, tx, in.Outlet, p.ID, p.Negative, p.Positive, at, p.Day, now); err != nil {
				return err
			}
			changed = true
			if outside {
				res.Outside = append(res.Outside, p.ID)
			} else {
				res.Added = append(res.Added, p.ID)
			}
		}
		if in.Complete {
			lo, hi := start, int64(math.MaxInt64)
			if !in.From.IsZero() {
				lo = max(lo, msOf(in.From)-1)
			}
			if !in.To.IsZero() {
				hi = msOf(in.To)
			}
			rows, err := tx.QueryContext(ctx, `
				SELECT post FROM posts WHERE outlet = ? AND state = 'counted' AND at_ms > ? AND at_ms < ?
				ORDER BY at_ms, post`, in.Outlet, lo, hi)
			if err != nil {
				return err
			}
			var gone []string
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				if !listed[id] {
					gone = append(gone, id)
				}
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, id := range gone {
				l, err := readLedger(ctx, tx, in.Outlet, id)
				if err != nil {
					return err
				}
				if err := uncount(ctx, tx, in.Outlet, id, l, store.StateWithdrawn, now); err != nil {
					return err
				}
				res.Withdrawn = append(res.Withdrawn, id)
				changed = true
			}
		}
		if !changed {
			return nil // nothing changed, nothing to audit
		}
		_, err := appendAudit(ctx, tx, store.AuditEntry{
			Outlet: in.Outlet, At: in.Now, Type: "sync", Actor: in.Actor,
			Detail: auditDetail(map[string]any{
				"complete": in.Complete, "posts": len(in.Posts),
				"added": res.Added, "withdrawn": res.Withdrawn, "outside_window": res.Outside,
				"unchanged": len(res.Unchanged),
			}),
		})
		return err
	})
	return res, err
}

// Relabel sets a post's tone by hand; a counted post's count moves with it,
// a pending hold takes the new tone. store.ErrNotFound when the post was
// never seen.
func (s *Store) Relabel(ctx context.Context, outlet, postID string, tone policy.Tone, now time.Time, window time.Duration, actor, note string) error {
	negative, positive := tone == policy.Negative, tone == policy.Positive
	return s.write(ctx, "relabel", func(tx *txn) error {
		if err := outletExists(ctx, tx, outlet); err != nil {
			return err
		}
		l, err := readLedger(ctx, tx, outlet, postID)
		if err != nil {
			return err
		}
		if !l.found {
			return notFound("post", postID)
		}
		ms := msOf(now)
		was, wasTone := l.neg, l.tone()
		if l.counted() {
			if err := retone(ctx, tx, outlet, postID, l, negative, positive, ms); err != nil {
				return err
			}
		} else if l.neg != negative || l.pos != positive {
			l.neg, l.pos = negative, positive
			if err := putLedger(ctx, tx, outlet, postID, l, ms); err != nil {
				return err
			}
		}
		h, pending, err := pendingHold(ctx, tx, outlet, l)
		if err != nil {
			return err
		}
		if pending && (h.Negative != negative || h.Positive != positive) {
			h.Negative, h.Positive, h.UpdatedAt = negative, positive, now
			if err := putHold(ctx, tx, h); err != nil {
				return err
			}
		}
		_, err = appendAudit(ctx, tx, store.AuditEntry{
			Outlet: outlet, At: now, Type: "relabel", PostID: postID, Actor: actor,
			Detail: auditDetail(map[string]any{"note": note, "negative": negative, "was_negative": was,
				"tone": tone, "previous_tone": wasTone, "state": l.state}),
		})
		return err
	})
}

// Window returns the counts of the posts counted with a go-live time after
// now-window.
func (s *Store) Window(ctx context.Context, outlet string, now time.Time, window time.Duration) (policy.Counts, error) {
	var c policy.Counts
	err := s.read(ctx, "window", func(tx *txn) error {
		if err := outletExists(ctx, tx, outlet); err != nil {
			return err
		}
		var err error
		c, err = windowCounts(ctx, tx, outlet, msOf(now)-window.Milliseconds(), false)
		return err
	})
	return c, err
}

// Daily returns the daily series for days, in the order given; days without
// posts are zero.
func (s *Store) Daily(ctx context.Context, outlet string, days []string) ([]store.DayCount, error) {
	out := make([]store.DayCount, 0, len(days))
	err := s.read(ctx, "daily", func(tx *txn) error {
		if err := outletExists(ctx, tx, outlet); err != nil {
			return err
		}
		for _, d := range days {
			dc := store.DayCount{Day: d}
			err := tx.QueryRowContext(ctx, "SELECT published, negative, positive FROM daily WHERE outlet = ? AND day = ?", outlet, d).
				Scan(&dc.Published, &dc.Negative, &dc.Positive)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			out = append(out, dc)
		}
		return nil
	})
	return out, err
}
