package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// decodeHold reads a hold hash.
func decodeHold(outlet string, f map[string]string) store.Hold {
	num := func(k string) int64 {
		n, _ := strconv.ParseInt(f[k], 10, 64)
		return n
	}
	h := store.Hold{
		ID:           f["id"],
		Outlet:       outlet,
		PostID:       f["post"],
		Status:       store.HoldStatus(f["status"]),
		CreatedAt:    fromMs(num("created")),
		UpdatedAt:    fromMs(num("updated")),
		Negative:     f["neg"] == "1",
		Positive:     f["pos"] == "1" && f["neg"] != "1",
		Before:       policy.Counts{Published: num("bp"), Negative: num("bn"), Positive: num("bg")},
		Reviewer:     f["reviewer"],
		Note:         f["note"],
		CancelReason: f["cancel"],
		Snapshot:     []byte(f["snap"]),
	}
	if es, err := strconv.ParseInt(f["es"], 10, 64); err == nil && es >= 0 {
		t := fromMs(es)
		h.EarliestSafe = &t
	}
	if f["resolved"] != "" {
		t := fromMs(num("resolved"))
		h.ResolvedAt = &t
	}
	return h
}

// GetHold returns one hold.
func (s *Store) GetHold(ctx context.Context, outlet, id string) (store.Hold, error) {
	f, err := s.rdb.HGetAll(ctx, keysOf(outlet).hold(id)).Result()
	if err != nil {
		return store.Hold{}, s.fail("get hold", err)
	}
	if len(f) == 0 || f["id"] == "" {
		return store.Hold{}, fmt.Errorf("redisstore: hold %s: %w", id, store.ErrNotFound)
	}
	return decodeHold(outlet, f), nil
}

// ListHolds lists holds newest first.
func (s *Store) ListHolds(ctx context.Context, outlet string, f store.HoldFilter) ([]store.Hold, error) {
	k := keysOf(outlet)
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	max := "+inf"
	if !f.Before.IsZero() {
		max = "(" + strconv.FormatInt(ms(f.Before), 10)
	}
	out := []store.Hold{}
	const page = 100
	for offset := int64(0); len(out) < limit; offset += page {
		ids, err := s.rdb.ZRevRangeByScore(ctx, k.holds(), &redis.ZRangeBy{Max: max, Min: "-inf", Offset: offset, Count: page}).Result()
		if err != nil {
			return nil, s.fail("list holds", err)
		}
		if len(ids) == 0 {
			break
		}
		cmds, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, id := range ids {
				p.HGetAll(ctx, k.hold(id))
			}
			return nil
		})
		if err != nil {
			return nil, s.fail("list holds", err)
		}
		for _, c := range cmds {
			m := c.(*redis.MapStringStringCmd).Val()
			if len(m) == 0 {
				continue
			}
			h := decodeHold(outlet, m)
			if f.Status != "" && h.Status != f.Status {
				continue
			}
			out = append(out, h)
			if len(out) == limit {
				break
			}
		}
		if len(ids) < page {
			break
		}
	}
	return out, nil
}

// cbRecord is the part of a callback that never changes.
type cbRecord struct {
	Type    string `json:"type"`
	Payload []byte `json:"payload"`
	Created int64  `json:"created"`
}

// Resolve approves or rejects a pending hold, with its callback, atomically.
func (s *Store) Resolve(ctx context.Context, r store.Resolution) (store.Hold, error) {
	k := keysOf(r.Outlet)
	post, err := s.rdb.HGet(ctx, k.hold(r.HoldID), "post").Result()
	if errors.Is(err, redis.Nil) {
		return store.Hold{}, fmt.Errorf("redisstore: resolve: hold %s: %w", r.HoldID, store.ErrNotFound)
	}
	if err != nil {
		return store.Hold{}, s.fail("resolve", err)
	}
	if r.Day == "" {
		return store.Hold{}, errors.New("redisstore: resolve: day is required")
	}
	cbID, cbRec, cbCreated, cbNext := "", "", int64(0), int64(0)
	if c := r.Callback; c != nil {
		if c.ID == "" {
			c.ID = randomID("cb")
		}
		created, next := c.CreatedAt, c.NextAttempt
		if created.IsZero() {
			created = r.Now
		}
		if next.IsZero() {
			next = r.Now
		}
		cbID, cbCreated, cbNext = c.ID, ms(created), ms(next)
		rec, err := jsonMarshal(cbRecord{Type: c.Type, Payload: c.Payload, Created: cbCreated})
		if err != nil {
			return store.Hold{}, fmt.Errorf("redisstore: resolve: callback: %w", err)
		}
		cbRec = rec
	}
	guard, limit, warn, minSample := "", int64(0), int64(0), int64(0)
	if g := r.Guard; g != nil && r.Approve {
		guard, limit, warn, minSample = g.Plan.Codes(), int64(g.Rules.Limit), int64(g.Rules.WarnAt), int64(g.Rules.MinSample)
	}
	v, err := s.run(ctx, resolveScript,
		[]string{k.hold(r.HoldID), k.post(post), k.win(), k.neg(), k.daily(), k.audit(), k.outbox(), k.outboxRecords(), k.outboxAll(), k.pos()},
		r.HoldID, b01(r.Approve), r.Reviewer, r.Note, ms(r.Now), r.Day, ledgerTTL(r.Window), post,
		cbID, cbRec, cbCreated, cbNext,
		guard, ms(r.Now)-r.Window.Milliseconds(), limit, warn, minSample).Result()
	if err != nil {
		return store.Hold{}, s.fail("resolve", err)
	}
	a, ok := v.([]any)
	if !ok || len(a)%2 != 0 {
		return store.Hold{}, fmt.Errorf("redisstore: resolve: unexpected reply %v", v)
	}
	f := make(map[string]string, len(a)/2)
	for i := 0; i < len(a); i += 2 {
		key, _ := a[i].(string)
		val, _ := a[i+1].(string)
		f[key] = val
	}
	return decodeHold(r.Outlet, f), nil
}
