package redisstore

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
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
	var counts, tail string
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
		case "counts":
			counts = v
		case "tail":
			tail = v
		}
	}
	if counts != "" {
		d, err := checkDetail(counts, e.Decision, tail)
		if err != nil {
			return store.AuditEntry{}, false
		}
		e.Detail = d
	}
	if e.At.IsZero() {
		e.At = fromMs(0)
	}
	return e, true
}

// checkDetail is the JSON detail of a check's audit entry, which the check
// script keeps as its counts (parseCounts) and the tail the caller made
// (detailTail): the situation, the counts before and after the post, the
// earliest safe time (Unix ms, -1 for none), then the tail's fields.
func checkDetail(counts, decision, tail string) ([]byte, error) {
	c, err := parseCounts(counts)
	if err != nil {
		return nil, err
	}
	sit, err := situationOf(c.situation)
	if err != nil {
		return nil, fmt.Errorf("counts %q: %w", counts, err)
	}
	counted := decision == string(policy.Allow) || decision == string(policy.Warn)
	after := afterCounts(c.before, sit, counted, c.negative, c.positive)
	b := make([]byte, 0, 160+len(tail))
	b = strconv.AppendInt(append(b, `{"situation":`...), c.situation, 10)
	b = c.before.AppendJSON(append(b, `,"before":`...))
	b = after.AppendJSON(append(b, `,"after":`...))
	b = strconv.AppendInt(append(b, `,"earliest_safe_ms":`...), c.earliestSafe, 10)
	return append(append(b, ','), tail...), nil
}

// Recall returns the stored answer to a signed request.
func (s *Store) Recall(ctx context.Context, outlet, webhookID string) ([]byte, bool, error) {
	b, err := s.claimAt(ctx, keysOf(outlet).reply(webhookID))
	if err == redis.Nil {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, s.fail("recall", err)
	}
	return b, true, nil
}

// claimAt reads what a webhook id's key keeps for other routes: all of it
// (a claim or an answer), or, for an id a check recorded (lua/check.lua),
// the check's claim: the first element of its record (a list), or, as
// earlier versions kept it, the part before the first newline (claims and
// answers are JSON, never a newline; the record followed it). redis.Nil
// when the key is gone.
func (s *Store) claimAt(ctx context.Context, key string) ([]byte, error) {
	b, err := s.rdb.Get(ctx, key).Bytes()
	if err != nil && strings.HasPrefix(err.Error(), "WRONGTYPE") {
		return s.rdb.LIndex(ctx, key, 0).Bytes()
	}
	if err != nil {
		return nil, err
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i:i], nil
	}
	return b, nil
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
	b, err := s.claimAt(ctx, key)
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
