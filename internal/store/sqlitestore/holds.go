package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gatekeeper/internal/store"
)

// Reasons a pending hold is cancelled (Hold.CancelReason).
const (
	CancelWithdrawn = "withdrawn" // the post was unpublished, trashed or deleted
	CancelRechecked = "rechecked" // a new check of the post let it through
	CancelSynced    = "synced"    // the CMS reports it published (published anyway)
)

const holdColumns = `outlet, id, post, status, created_ms, updated_ms, neg, before_p, before_n,
	earliest_ms, reviewer, note, resolved_ms, cancel_reason, snapshot, pos, before_pos`

func scanHold(sc interface{ Scan(...any) error }) (store.Hold, error) {
	var h store.Hold
	var status string
	var created, updated, neg, pos int64
	var earliest, resolved sql.NullInt64
	var snapshot []byte
	if err := sc.Scan(&h.Outlet, &h.ID, &h.PostID, &status, &created, &updated, &neg,
		&h.Before.Published, &h.Before.Negative, &earliest, &h.Reviewer, &h.Note,
		&resolved, &h.CancelReason, &snapshot, &pos, &h.Before.Positive); err != nil {
		return store.Hold{}, err
	}
	h.Status = store.HoldStatus(status)
	h.CreatedAt, h.UpdatedAt = timeOf(created), timeOf(updated)
	h.Negative, h.Positive = neg == 1, pos == 1 && neg != 1
	h.EarliestSafe, h.ResolvedAt = timePtr(earliest), timePtr(resolved)
	if len(snapshot) > 0 {
		h.Snapshot = snapshot
	}
	return h, nil
}

func getHold(ctx context.Context, q queryer, outlet, id string) (store.Hold, error) {
	h, err := scanHold(q.QueryRowContext(ctx,
		"SELECT "+holdColumns+" FROM holds WHERE outlet = ? AND id = ?", outlet, id))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Hold{}, notFound("hold", id)
	}
	return h, err
}

// putHold writes a hold (insert or replace).
func putHold(ctx context.Context, tx *txn, h store.Hold) error {
	var earliest, resolved sql.NullInt64
	if h.EarliestSafe != nil {
		earliest = sql.NullInt64{Int64: msOf(*h.EarliestSafe), Valid: true}
	}
	if h.ResolvedAt != nil {
		resolved = sql.NullInt64{Int64: msOf(*h.ResolvedAt), Valid: true}
	}
	var snapshot any
	if len(h.Snapshot) > 0 {
		snapshot = h.Snapshot
	}
	_, err := tx.ExecContext(ctx, `
		INSERT OR REPLACE INTO holds (`+holdColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		h.Outlet, h.ID, h.PostID, string(h.Status), msOf(h.CreatedAt), msOf(h.UpdatedAt),
		boolInt(h.Negative), h.Before.Published, h.Before.Negative, earliest,
		h.Reviewer, h.Note, resolved, h.CancelReason, snapshot, boolInt(h.Positive && !h.Negative), h.Before.Positive)
	return err
}

// pendingHold returns the post's pending hold, if its ledger names one that
// is still pending.
func pendingHold(ctx context.Context, q queryer, outlet string, l ledger) (store.Hold, bool, error) {
	if !l.found || l.hold == "" {
		return store.Hold{}, false, nil
	}
	h, err := getHold(ctx, q, outlet, l.hold)
	if errors.Is(err, store.ErrNotFound) {
		return store.Hold{}, false, nil
	}
	if err != nil {
		return store.Hold{}, false, err
	}
	return h, h.Status == store.HoldPending, nil
}

// cancelHold cancels a pending hold.
func cancelHold(ctx context.Context, tx *txn, h store.Hold, reason string, now time.Time) error {
	h.Status, h.CancelReason = store.HoldCancelled, reason
	h.UpdatedAt, h.ResolvedAt = now, &now
	return putHold(ctx, tx, h)
}

// ListHolds lists an outlet's holds, newest first (ties: larger id first).
func (s *Store) ListHolds(ctx context.Context, outlet string, f store.HoldFilter) ([]store.Hold, error) {
	var where strings.Builder
	args := []any{outlet}
	where.WriteString("outlet = ?")
	if f.Status != "" {
		where.WriteString(" AND status = ?")
		args = append(args, string(f.Status))
	}
	if !f.Before.IsZero() {
		where.WriteString(" AND created_ms < ?")
		args = append(args, msOf(f.Before))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, "SELECT "+holdColumns+" FROM holds WHERE "+where.String()+
		" ORDER BY created_ms DESC, id DESC LIMIT ?", args...)
	if err != nil {
		return nil, unavailable("list holds", err)
	}
	defer rows.Close()
	out := []store.Hold{}
	for rows.Next() {
		h, err := scanHold(rows)
		if err != nil {
			return nil, unavailable("list holds", err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable("list holds", err)
	}
	return out, nil
}

// GetHold returns one hold; store.ErrNotFound when there is none.
func (s *Store) GetHold(ctx context.Context, outlet, id string) (store.Hold, error) {
	h, err := getHold(ctx, s.db, outlet, id)
	if err != nil {
		return store.Hold{}, classify("get hold", err)
	}
	return h, nil
}

// Resolve approves or rejects a pending hold, in one transaction with the
// post's ledger, the daily series, the audit entry and the callback.
// Approving counts the post at r.Now even past the limit.
func (s *Store) Resolve(ctx context.Context, r store.Resolution) (store.Hold, error) {
	var out store.Hold
	err := s.write(ctx, "resolve hold", func(tx *txn) error {
		if err := outletExists(ctx, tx, r.Outlet); err != nil {
			return err
		}
		h, err := getHold(ctx, tx, r.Outlet, r.HoldID)
		if err != nil {
			return err
		}
		if h.Status != store.HoldPending {
			return fmt.Errorf("hold %q is %s: %w", h.ID, h.Status, store.ErrConflict)
		}
		now := msOf(r.Now)
		l, err := readLedger(ctx, tx, r.Outlet, h.PostID)
		if err != nil {
			return err
		}
		if r.Approve && r.Guard != nil && !l.counted() {
			c, err := windowCounts(ctx, tx, r.Outlet, now-r.Window.Milliseconds(), false)
			if err != nil {
				return err
			}
			if r.Guard.Holds(c) {
				return fmt.Errorf("hold %q at %d/%d: %w", h.ID, c.Negative, c.Published, store.ErrNotSafe)
			}
		}
		typ := "reject"
		h.Status = store.HoldRejected
		if r.Approve {
			typ = "approve"
			h.Status = store.HoldApproved
		}
		h.Reviewer, h.Note = r.Reviewer, r.Note
		h.UpdatedAt, h.ResolvedAt = r.Now, &r.Now
		if err := putHold(ctx, tx, h); err != nil {
			return err
		}
		switch {
		case l.counted():
			// Counted meanwhile by another path; never count it twice.
			if l.hold == h.ID {
				l.hold = ""
				if err := putLedger(ctx, tx, r.Outlet, h.PostID, l, now); err != nil {
					return err
				}
			}
		case r.Approve:
			if err := count(ctx, tx, r.Outlet, h.PostID, h.Negative, h.Positive, now, r.Day, now); err != nil {
				return err
			}
		default:
			l.state, l.hold = store.StateRejected, ""
			if !l.found {
				l.neg, l.pos, l.at, l.day = h.Negative, h.Positive, now, r.Day
			}
			if err := putLedger(ctx, tx, r.Outlet, h.PostID, l, now); err != nil {
				return err
			}
		}
		if r.Callback != nil {
			if err := insertCallback(ctx, tx, r.Outlet, *r.Callback, r.Now); err != nil {
				return err
			}
		}
		if _, err := appendAudit(ctx, tx, store.AuditEntry{
			Outlet: r.Outlet, At: r.Now, Type: typ, PostID: h.PostID, HoldID: h.ID,
			Actor: r.Reviewer, Decision: string(h.Status),
			Detail: auditDetail(map[string]any{"note": r.Note, "negative": h.Negative}),
		}); err != nil {
			return err
		}
		out = h
		return nil
	})
	return out, err
}
