package redisstore

import (
	"bytes"
	"context"
	"fmt"
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
	page := int64(min(max(limit, 200), 1000)) // fewer round trips for long reads
	if !f.Since.IsZero() && limit > 32 {
		// A read bounded by Since is often short (a report's last day):
		// pages from 32 entries, doubling up to 1,000, read little past it.
		page = 32
	}
	// Reading newest first, the entries before Since end the walk once one
	// is older than store.AuditOrderSlack before it (a report asks for a
	// month or two of a stream that holds many).
	var stop time.Time
	if !f.Since.IsZero() {
		stop = f.Since.Add(-store.AuditOrderSlack)
	}
	for len(out) < limit {
		// The reply read as plain arrays: go-redis's XMessage builds a map
		// per entry, most of a long read's cost.
		msgs, err := s.rdb.Do(ctx, "XREVRANGE", key, end, "-", "COUNT", page).Slice()
		if err != nil {
			return nil, s.fail("list audit", err)
		}
		last := ""
		for _, m := range msgs {
			e, ok := decodeAuditReply(outlet, m)
			if !ok {
				return nil, s.fail("list audit", fmt.Errorf("unexpected entry %v", m))
			}
			last = e.ID
			if !stop.IsZero() && e.At.Before(stop) {
				return out, nil
			}
			if (f.Type != "" && e.Type != f.Type) || (f.PostID != "" && e.PostID != f.PostID) || (f.Actor != "" && e.Actor != f.Actor) ||
				(!f.Since.IsZero() && e.At.Before(f.Since)) || (!f.Until.IsZero() && !e.At.Before(f.Until)) {
				continue
			}
			out = append(out, e)
			if len(out) == limit {
				break
			}
		}
		if int64(len(msgs)) < page {
			break
		}
		end = "(" + last
		page = min(2*page, 1000)
	}
	return out, nil
}

// decodeAuditReply reads one entry of an XRANGE reply: [id, [field, value, …]].
func decodeAuditReply(outlet string, m any) (store.AuditEntry, bool) {
	pair, ok := m.([]any)
	if !ok || len(pair) != 2 {
		return store.AuditEntry{}, false
	}
	id, _ := pair[0].(string)
	fields, ok := pair[1].([]any)
	if !ok {
		return store.AuditEntry{}, false
	}
	e := store.AuditEntry{ID: id, Outlet: outlet}
	for i := 0; i+1 < len(fields); i += 2 {
		k, _ := fields[i].(string)
		v, _ := fields[i+1].(string)
		switch k {
		case "type":
			e.Type = v
		case "at":
			at, _ := strconv.ParseInt(v, 10, 64)
			e.At = fromMs(at)
		case "post":
			e.PostID = v
		case "hold":
			e.HoldID = v
		case "actor":
			e.Actor = v
		case "decision":
			e.Decision = v
		case "detail":
			if v != "" {
				e.Detail = []byte(v)
			}
		}
	}
	if e.At.IsZero() {
		e.At = fromMs(0)
	}
	return e, true
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
	return claimOf(b), true, nil
}

// claimOf is what a webhook id's key keeps for other routes: all of it, or,
// for an id a check recorded (lua/check.lua), the check's claim before the
// first newline (claims and answers are JSON, never a newline; the check's
// record follows it).
func claimOf(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i:i]
	}
	return b
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
	return claimOf(b), false, nil
}

// Remember stores the answer to a signed request for store.WebhookTTL.
func (s *Store) Remember(ctx context.Context, outlet, webhookID string, answer []byte) error {
	return s.fail("remember", s.rdb.Set(ctx, keysOf(outlet).reply(webhookID), answer, store.WebhookTTL).Err())
}
