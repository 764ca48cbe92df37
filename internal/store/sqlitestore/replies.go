package sqlitestore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"gatekeeper/internal/store"
)

// Recall returns the stored answer for (outlet, webhook id), if it is younger
// than store.WebhookTTL. Like the Redis store's key expiry (which runs on the
// Redis server's clock), the memory of webhook ids ages on the store's own
// wall clock, not the caller's: it only forgets, it decides no count.
func (s *Store) Recall(ctx context.Context, outlet, webhookID string) ([]byte, bool, error) {
	var answer []byte
	err := s.db.QueryRowContext(ctx,
		"SELECT answer FROM replies WHERE outlet = ? AND wid = ? AND expires_ms > ?",
		outlet, webhookID, time.Now().UnixMilli()).Scan(&answer)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, unavailable("recall", err)
	}
	if answer == nil {
		answer = []byte{}
	}
	return answer, true, nil
}

// Remember stores an answer for store.WebhookTTL, in place of a claim.
func (s *Store) Remember(ctx context.Context, outlet, webhookID string, answer []byte) error {
	if answer == nil {
		answer = []byte{}
	}
	return s.write(ctx, "remember", func(tx *txn) error {
		now := time.Now().UnixMilli()
		// Expired answers go first (one index range; each is deleted once).
		if _, err := tx.ExecContext(ctx, "DELETE FROM replies WHERE expires_ms <= ?", now); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO replies (outlet, wid, answer, expires_ms) VALUES (?, ?, ?, ?)
			ON CONFLICT (outlet, wid) DO UPDATE SET answer = excluded.answer`,
			outlet, webhookID, answer, now+store.WebhookTTL.Milliseconds())
		return err
	})
}

// Claim keeps record under a webhook id unless the id is already in use.
func (s *Store) Claim(ctx context.Context, outlet, webhookID string, record []byte) ([]byte, bool, error) {
	if record == nil {
		record = []byte{}
	}
	var (
		stored []byte
		first  bool
	)
	err := s.write(ctx, "claim", func(tx *txn) error {
		now := time.Now().UnixMilli()
		if _, err := tx.ExecContext(ctx, "DELETE FROM replies WHERE outlet = ? AND wid = ? AND expires_ms <= ?", outlet, webhookID, now); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO replies (outlet, wid, answer, expires_ms) VALUES (?, ?, ?, ?)
			ON CONFLICT (outlet, wid) DO NOTHING`,
			outlet, webhookID, record, now+store.WebhookTTL.Milliseconds())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			stored, first = record, true
			return nil
		}
		return tx.QueryRowContext(ctx, "SELECT answer FROM replies WHERE outlet = ? AND wid = ?", outlet, webhookID).Scan(&stored)
	})
	if err != nil {
		return nil, false, err
	}
	if stored == nil {
		stored = []byte{}
	}
	return stored, first, nil
}

// claimable refuses (store.ErrWebhookReused) a check whose webhook id is
// claimed, unexpired, with a record other than claim: another request
// used it. The same record is a dry run of the same request: the id stays
// the check's.
func claimable(ctx context.Context, q queryer, outlet, webhookID string, claim []byte) error {
	var stored []byte
	err := q.QueryRowContext(ctx, "SELECT answer FROM replies WHERE outlet = ? AND wid = ? AND expires_ms > ?",
		outlet, webhookID, time.Now().UnixMilli()).Scan(&stored)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	case !bytes.Equal(stored, claim):
		return fmt.Errorf("webhook id %q: %w", webhookID, store.ErrWebhookReused)
	}
	return nil
}

// putClaim keeps a check's claim of its webhook id, as Claim would, in the
// check's transaction (claimable found the id free or claimed by it).
func putClaim(ctx context.Context, tx *txn, outlet, webhookID string, claim []byte) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO replies (outlet, wid, answer, expires_ms) VALUES (?, ?, ?, ?)
		ON CONFLICT (outlet, wid) DO UPDATE SET answer = excluded.answer, expires_ms = excluded.expires_ms`,
		outlet, webhookID, claim, time.Now().UnixMilli()+store.WebhookTTL.Milliseconds())
	return err
}
