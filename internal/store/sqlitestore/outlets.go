package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"gatekeeper/internal/store"
)

// CreateOutlet adds an outlet; store.ErrExists when its id is taken.
func (s *Store) CreateOutlet(ctx context.Context, o store.Outlet) error {
	if o.ID == "" {
		return fmt.Errorf("sqlitestore: create outlet: empty id: %w", errInvalid)
	}
	doc, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("sqlitestore: create outlet %q: %w", o.ID, err)
	}
	return s.write(ctx, "create outlet", func(tx *txn) error {
		res, err := tx.ExecContext(ctx,
			"INSERT INTO outlets (id, doc, created_ms) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING",
			o.ID, string(doc), msOf(o.CreatedAt))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("outlet %q: %w", o.ID, store.ErrExists)
		}
		_, err = tx.ExecContext(ctx,
			"INSERT INTO windows (outlet, start_ms, published, negative) VALUES (?, ?, 0, 0)", o.ID, int64(math.MinInt64))
		return err
	})
}

// UpdateOutlet replaces an outlet; store.ErrNotFound when there is none.
func (s *Store) UpdateOutlet(ctx context.Context, o store.Outlet) error {
	doc, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("sqlitestore: update outlet %q: %w", o.ID, err)
	}
	return s.write(ctx, "update outlet", func(tx *txn) error {
		res, err := tx.ExecContext(ctx, "UPDATE outlets SET doc = ? WHERE id = ?", string(doc), o.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("outlet", o.ID)
		}
		return nil
	})
}

// GetOutlet returns an outlet; store.ErrNotFound when there is none.
func (s *Store) GetOutlet(ctx context.Context, id string) (store.Outlet, error) {
	var doc string
	err := s.db.QueryRowContext(ctx, "SELECT doc FROM outlets WHERE id = ?", id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Outlet{}, fmt.Errorf("sqlitestore: get outlet: %w", notFound("outlet", id))
	}
	if err != nil {
		return store.Outlet{}, unavailable("get outlet", err)
	}
	var o store.Outlet
	if err := json.Unmarshal([]byte(doc), &o); err != nil {
		return store.Outlet{}, unavailable("get outlet", fmt.Errorf("outlet %q: %w", id, err))
	}
	return o, nil
}

// ListOutlets returns every outlet, by id.
func (s *Store) ListOutlets(ctx context.Context) ([]store.Outlet, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, doc FROM outlets ORDER BY id")
	if err != nil {
		return nil, unavailable("list outlets", err)
	}
	defer rows.Close()
	out := []store.Outlet{}
	for rows.Next() {
		var id, doc string
		if err := rows.Scan(&id, &doc); err != nil {
			return nil, unavailable("list outlets", err)
		}
		var o store.Outlet
		if err := json.Unmarshal([]byte(doc), &o); err != nil {
			return nil, unavailable("list outlets", fmt.Errorf("outlet %q: %w", id, err))
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable("list outlets", err)
	}
	return out, nil
}

// DeleteOutlet removes the outlet and everything recorded for it: ledger,
// daily series, holds, webhook records, replies, audit and callbacks.
// store.ErrNotFound when there is no such outlet.
func (s *Store) DeleteOutlet(ctx context.Context, id string) error {
	return s.write(ctx, "delete outlet", func(tx *txn) error {
		// The tables with a foreign key go with the outlet (ON DELETE CASCADE).
		res, err := tx.ExecContext(ctx, "DELETE FROM outlets WHERE id = ?", id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("outlet", id)
		}
		for _, q := range []string{
			"DELETE FROM replies WHERE outlet = ?",
			"DELETE FROM audit WHERE outlet = ?",
		} {
			if _, err := tx.ExecContext(ctx, q, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// outletExists returns store.ErrNotFound unless the outlet exists.
func outletExists(ctx context.Context, q queryer, id string) error {
	var n int
	if err := q.QueryRowContext(ctx, "SELECT count(*) FROM outlets WHERE id = ?", id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return notFound("outlet", id)
	}
	return nil
}
