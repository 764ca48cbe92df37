package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gatekeeper/internal/store"
)

const callbackColumns = `outlet, id, type, payload, status, created_ms, next_ms, attempts, last_error, delivered_ms`

func scanCallback(sc interface{ Scan(...any) error }) (store.Callback, error) {
	var c store.Callback
	var status string
	var created, next int64
	var delivered sql.NullInt64
	if err := sc.Scan(&c.Outlet, &c.ID, &c.Type, &c.Payload, &status, &created, &next,
		&c.Attempts, &c.LastError, &delivered); err != nil {
		return store.Callback{}, err
	}
	c.Status = store.CallbackStatus(status)
	c.CreatedAt, c.NextAttempt = timeOf(created), timeOf(next)
	c.DeliveredAt = timePtr(delivered)
	return c, nil
}

// insertCallback puts a callback in the outbox, pending and due at its
// NextAttempt (now when zero). A callback whose id is already there is left
// as it is.
func insertCallback(ctx context.Context, tx *txn, outlet string, c store.Callback, now time.Time) error {
	if c.ID == "" {
		return fmt.Errorf("callback without id: %w", errInvalid)
	}
	created, next := c.CreatedAt, c.NextAttempt
	if created.IsZero() {
		created = now
	}
	if next.IsZero() {
		next = now
	}
	payload := c.Payload
	if payload == nil {
		payload = []byte{}
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO callbacks (outlet, id, type, payload, status, created_ms, next_ms)
		VALUES (?, ?, ?, ?, 'pending', ?, ?) ON CONFLICT (outlet, id) DO NOTHING`,
		outlet, c.ID, c.Type, payload, msOf(created), msOf(next))
	return err
}

// EnqueueCallback puts a callback in the outbox unless its id is there.
func (s *Store) EnqueueCallback(ctx context.Context, c store.Callback, now time.Time) (bool, error) {
	if c.ID == "" || c.Type == "" || c.Outlet == "" {
		return false, fmt.Errorf("sqlitestore: enqueue callback: outlet, id and type are required: %w", errInvalid)
	}
	queued := false
	err := s.write(ctx, "enqueue callback", func(tx *txn) error {
		if err := outletExists(ctx, tx, c.Outlet); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM callbacks WHERE outlet = ? AND id = ?", c.Outlet, c.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return nil
		}
		queued = true
		return insertCallback(ctx, tx, c.Outlet, c, now)
	})
	return queued, err
}

// LeaseCallbacks returns up to n pending callbacks due at now, in order of
// next attempt, and moves their next attempt to now+lease.
func (s *Store) LeaseCallbacks(ctx context.Context, outlet string, now time.Time, lease time.Duration, n int) ([]store.Callback, error) {
	out := []store.Callback{}
	if n <= 0 {
		return out, nil
	}
	err := s.write(ctx, "lease callbacks", func(tx *txn) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, "SELECT "+callbackColumns+` FROM callbacks
			WHERE outlet = ? AND status = 'pending' AND next_ms <= ?
			ORDER BY next_ms, created_ms, seq LIMIT ?`, outlet, msOf(now), n)
		if err != nil {
			return err
		}
		for rows.Next() {
			c, err := scanCallback(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		until := now.Add(lease)
		for i := range out {
			if _, err := tx.ExecContext(ctx, "UPDATE callbacks SET next_ms = ? WHERE outlet = ? AND id = ?",
				msOf(until), outlet, out[i].ID); err != nil {
				return err
			}
			out[i].NextAttempt = timeOf(msOf(until))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FinishCallback records one delivery attempt of a pending callback.
// store.ErrNotFound when there is no such callback, store.ErrConflict when it
// is not pending (delivered, or given up).
func (s *Store) FinishCallback(ctx context.Context, outlet, id string, a store.CallbackAttempt) error {
	return s.write(ctx, "finish callback", func(tx *txn) error {
		c, err := scanCallback(tx.QueryRowContext(ctx,
			"SELECT "+callbackColumns+" FROM callbacks WHERE outlet = ? AND id = ?", outlet, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("callback", id)
		}
		if err != nil {
			return err
		}
		if c.Status != store.CallbackPending {
			return fmt.Errorf("callback %q is %s: %w", id, c.Status, store.ErrConflict)
		}
		switch {
		case a.Delivered:
			_, err = tx.ExecContext(ctx, `UPDATE callbacks SET status = 'delivered', attempts = attempts + 1,
				last_error = '', delivered_ms = ? WHERE outlet = ? AND id = ?`, msOf(a.At), outlet, id)
		case a.Next.IsZero():
			_, err = tx.ExecContext(ctx, `UPDATE callbacks SET status = 'failed', attempts = attempts + 1,
				last_error = ? WHERE outlet = ? AND id = ?`, a.Error, outlet, id)
		default:
			_, err = tx.ExecContext(ctx, `UPDATE callbacks SET status = 'pending', attempts = attempts + 1,
				last_error = ?, next_ms = ? WHERE outlet = ? AND id = ?`, a.Error, msOf(a.Next), outlet, id)
		}
		return err
	})
}

// ListCallbacks lists an outlet's callbacks, newest first ("" status = all).
func (s *Store) ListCallbacks(ctx context.Context, outlet string, status store.CallbackStatus, limit int) ([]store.Callback, error) {
	if limit <= 0 {
		limit = 100
	}
	q := "SELECT " + callbackColumns + " FROM callbacks WHERE outlet = ?"
	args := []any{outlet}
	if status != "" {
		q += " AND status = ?"
		args = append(args, string(status))
	}
	q += " ORDER BY created_ms DESC, seq DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, unavailable("list callbacks", err)
	}
	defer rows.Close()
	out := []store.Callback{}
	for rows.Next() {
		c, err := scanCallback(rows)
		if err != nil {
			return nil, unavailable("list callbacks", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable("list callbacks", err)
	}
	return out, nil
}

// RetryCallback makes a pending or failed callback pending and due at now.
// store.ErrNotFound when there is none; store.ErrConflict when it was delivered.
func (s *Store) RetryCallback(ctx context.Context, outlet, id string, now time.Time) error {
	return s.write(ctx, "retry callback", func(tx *txn) error {
		var status string
		err := tx.QueryRowContext(ctx, "SELECT status FROM callbacks WHERE outlet = ? AND id = ?", outlet, id).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("callback", id)
		}
		if err != nil {
			return err
		}
		if store.CallbackStatus(status) == store.CallbackDelivered {
			return fmt.Errorf("callback %q was delivered: %w", id, store.ErrConflict)
		}
		_, err = tx.ExecContext(ctx, "UPDATE callbacks SET status = 'pending', next_ms = ? WHERE outlet = ? AND id = ?",
			msOf(now), outlet, id)
		return err
	})
}
