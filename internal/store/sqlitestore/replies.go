package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
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

// Remember stores an answer for store.WebhookTTL. The first answer stays:
// remembering again under a live id changes nothing.
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
			ON CONFLICT (outlet, wid) DO NOTHING`,
			outlet, webhookID, answer, now+store.WebhookTTL.Milliseconds())
		return err
	})
}
