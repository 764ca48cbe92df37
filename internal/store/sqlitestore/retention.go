package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gatekeeper/internal/store"
)

// Report snapshots (store.Retention).
func init() {
	extraSchema = append(extraSchema, `CREATE TABLE IF NOT EXISTS snapshots (
	outlet TEXT NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
	key    TEXT NOT NULL,
	data   BLOB NOT NULL,
	PRIMARY KEY (outlet, key)
) STRICT, WITHOUT ROWID`)
}

// Trim deletes an outlet's records from before `before` (store.Retention).
// The ledger (posts) is kept: it is what stops a post counted long ago
// from being counted again.
func (s *Store) Trim(ctx context.Context, outlet string, before time.Time, beforeDay string) (store.TrimResult, error) {
	var r store.TrimResult
	err := s.write(ctx, "trim", func(tx *txn) error {
		if err := outletExists(ctx, tx, outlet); err != nil {
			return err
		}
		ms := msOf(before)
		for _, q := range []struct {
			n   *int
			sql string
			arg any
		}{
			{&r.Audit, "DELETE FROM audit WHERE outlet = ? AND at_ms < ?", ms},
			{&r.Days, "DELETE FROM daily WHERE outlet = ? AND day < ?", beforeDay},
			{&r.Holds, "DELETE FROM holds WHERE outlet = ? AND created_ms < ? AND status != 'pending'", ms},
			{&r.Callbacks, "DELETE FROM callbacks WHERE outlet = ? AND created_ms < ? AND status IN ('delivered', 'failed')", ms},
		} {
			res, err := tx.ExecContext(ctx, q.sql, outlet, q.arg)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			*q.n = int(n)
		}
		// The digests of the trimmed days (store.AuditDays), of any version.
		_, err := tx.ExecContext(ctx, "DELETE FROM audit_days WHERE outlet = ? AND day < ?", outlet, beforeDay)
		return err
	})
	return r, err
}

// PutSnapshot keeps a report summary under key.
func (s *Store) PutSnapshot(ctx context.Context, outlet, key string, data []byte) error {
	return s.write(ctx, "put snapshot", func(tx *txn) error {
		if err := outletExists(ctx, tx, outlet); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO snapshots (outlet, key, data) VALUES (?, ?, ?)
			ON CONFLICT (outlet, key) DO UPDATE SET data = excluded.data`, outlet, key, data)
		return err
	})
}

// GetSnapshot returns a report summary; store.ErrNotFound when there is none.
func (s *Store) GetSnapshot(ctx context.Context, outlet, key string) ([]byte, error) {
	var b []byte
	err := s.db.QueryRowContext(ctx, "SELECT data FROM snapshots WHERE outlet = ? AND key = ?", outlet, key).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlitestore: snapshot %s of %s: %w", key, outlet, store.ErrNotFound)
	}
	if err != nil {
		return nil, unavailable("get snapshot", err)
	}
	return b, nil
}
