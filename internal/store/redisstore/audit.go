package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/store"
)

// AppendAudit appends an entry to the outlet's audit stream.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) error {
	at := e.At
	if at.IsZero() {
		at = time.Now() // only for a caller that gave no time; every program caller does
	}
	err := s.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: keysOf(e.Outlet).audit(),
		Values: []any{"type", e.Type, "at", ms(at), "post", e.PostID, "hold", e.HoldID,
			"actor", e.Actor, "decision", e.Decision, "detail", e.Detail},
	}).Err()
	return s.fail("append audit", err)
}

// ListAudit lists entries newest first (in the order they were appended).
func (s *Store) ListAudit(ctx context.Context, outlet string, f store.AuditFilter) ([]store.AuditEntry, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	key := keysOf(outlet).audit()
	out := []store.AuditEntry{}
	end := "+"
	const page = 200
	for len(out) < limit {
		msgs, err := s.rdb.XRevRangeN(ctx, key, end, "-", page).Result()
		if err != nil {
			return nil, s.fail("list audit", err)
		}
		for _, m := range msgs {
			e := decodeAudit(outlet, m)
			if (f.Type != "" && e.Type != f.Type) || (f.PostID != "" && e.PostID != f.PostID) || (f.Actor != "" && e.Actor != f.Actor) ||
				(!f.Since.IsZero() && e.At.Before(f.Since)) || (!f.Until.IsZero() && !e.At.Before(f.Until)) {
				continue
			}
			out = append(out, e)
			if len(out) == limit {
				break
			}
		}
		if len(msgs) < page {
			break
		}
		end = "(" + msgs[len(msgs)-1].ID
	}
	return out, nil
}

func decodeAudit(outlet string, m redis.XMessage) store.AuditEntry {
	str := func(k string) string {
		s, _ := m.Values[k].(string)
		return s
	}
	at, _ := strconv.ParseInt(str("at"), 10, 64)
	e := store.AuditEntry{
		ID: m.ID, Outlet: outlet, At: fromMs(at), Type: str("type"), PostID: str("post"),
		HoldID: str("hold"), Actor: str("actor"), Decision: str("decision"),
	}
	if d := str("detail"); d != "" {
		e.Detail = []byte(d)
	}
	return e
}

// Recall returns the stored answer to a signed request.
func (s *Store) Recall(ctx context.Context, outlet, webhookID string) ([]byte, bool, error) {
	b, err := s.rdb.Get(ctx, keysOf(outlet).reply(webhookID)).Bytes()
	if err == redis.Nil {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, s.fail("recall", err)
	}
	return b, true, nil
}

// Claim keeps record under a webhook id unless the id is already in use.
func (s *Store) Claim(ctx context.Context, outlet, webhookID string, record []byte) ([]byte, bool, error) {
	key := keysOf(outlet).reply(webhookID)
	ok, err := s.rdb.SetNX(ctx, key, record, store.WebhookTTL).Result()
	if err != nil {
		return nil, false, s.fail("claim", err)
	}
	if ok {
		return record, true, nil
	}
	b, err := s.rdb.Get(ctx, key).Bytes()
	if err == redis.Nil {
		// Expired between the two calls: the id is free again.
		return s.Claim(ctx, outlet, webhookID, record)
	}
	if err != nil {
		return nil, false, s.fail("claim", err)
	}
	return b, false, nil
}

// Remember stores the answer to a signed request for store.WebhookTTL.
func (s *Store) Remember(ctx context.Context, outlet, webhookID string, answer []byte) error {
	return s.fail("remember", s.rdb.Set(ctx, keysOf(outlet).reply(webhookID), answer, store.WebhookTTL).Err())
}
