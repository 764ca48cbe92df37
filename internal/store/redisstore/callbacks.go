package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gatekeeper/internal/store"
)

func jsonMarshal(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// decodeCallback reads a record and its state fields (status, next, attempts, error, delivered).
func decodeCallback(outlet, id string, f []any) (store.Callback, error) {
	str := func(i int) string {
		s, _ := f[i].(string)
		return s
	}
	num := func(i int) int64 {
		n, _ := strconv.ParseInt(str(i), 10, 64)
		return n
	}
	var rec cbRecord
	if err := json.Unmarshal([]byte(str(0)), &rec); err != nil {
		return store.Callback{}, fmt.Errorf("callback %s: %w", id, err)
	}
	c := store.Callback{
		ID: id, Outlet: outlet, Type: rec.Type, Payload: rec.Payload,
		Status:      store.CallbackStatus(str(1)),
		CreatedAt:   fromMs(rec.Created),
		NextAttempt: fromMs(num(2)),
		Attempts:    int(num(3)),
		LastError:   str(4),
	}
	if str(5) != "" {
		t := fromMs(num(5))
		c.DeliveredAt = &t
	}
	return c, nil
}

// EnqueueCallback puts a callback in the outbox unless its id is there.
func (s *Store) EnqueueCallback(ctx context.Context, c store.Callback, now time.Time) (bool, error) {
	if c.ID == "" || c.Type == "" || c.Outlet == "" {
		return false, errors.New("redisstore: enqueue callback: outlet, id and type are required")
	}
	if _, err := s.GetOutlet(ctx, c.Outlet); err != nil {
		return false, err
	}
	created, next := c.CreatedAt, c.NextAttempt
	if created.IsZero() {
		created = now
	}
	if next.IsZero() {
		next = now
	}
	rec, err := jsonMarshal(cbRecord{Type: c.Type, Payload: c.Payload, Created: ms(created)})
	if err != nil {
		return false, fmt.Errorf("redisstore: enqueue callback: %w", err)
	}
	k := keysOf(c.Outlet)
	n, err := s.run(ctx, enqueueScript, []string{k.outbox(), k.outboxRecords(), k.outboxAll()}, c.ID, rec, ms(created), ms(next)).Int()
	if err != nil {
		return false, s.fail("enqueue callback", err)
	}
	return n == 1, nil
}

// LeaseCallbacks hands out due callbacks, oldest next attempt first.
func (s *Store) LeaseCallbacks(ctx context.Context, outlet string, now time.Time, lease time.Duration, n int) ([]store.Callback, error) {
	k := keysOf(outlet)
	if n <= 0 {
		return []store.Callback{}, nil
	}
	v, err := s.run(ctx, leaseScript, []string{k.outbox(), k.outboxRecords()}, ms(now), ms(now.Add(lease)), n).Result()
	if err != nil {
		return nil, s.fail("lease callbacks", err)
	}
	a, _ := v.([]any)
	out := []store.Callback{}
	for i := 0; i+7 <= len(a); i += 7 {
		id, _ := a[i].(string)
		c, err := decodeCallback(outlet, id, a[i+1:i+7])
		if err != nil {
			return nil, fmt.Errorf("redisstore: lease callbacks: %w", err)
		}
		out = append(out, c)
	}
	return out, nil
}

// FinishCallback records one delivery attempt.
func (s *Store) FinishCallback(ctx context.Context, outlet, id string, a store.CallbackAttempt) error {
	k := keysOf(outlet)
	next := int64(0)
	if !a.Delivered && !a.Next.IsZero() {
		next = ms(a.Next)
	}
	err := s.run(ctx, finishScript, []string{k.outbox(), k.outboxRecords()}, id, ms(a.At), b01(a.Delivered), a.Error, next).Err()
	return s.fail("finish callback", err)
}

// RetryCallback makes a pending or failed callback due now.
func (s *Store) RetryCallback(ctx context.Context, outlet, id string, now time.Time) error {
	k := keysOf(outlet)
	return s.fail("retry callback", s.run(ctx, retryScript, []string{k.outbox(), k.outboxRecords()}, id, ms(now)).Err())
}

// ListCallbacks lists callbacks newest first.
func (s *Store) ListCallbacks(ctx context.Context, outlet string, status store.CallbackStatus, limit int) ([]store.Callback, error) {
	k := keysOf(outlet)
	if limit <= 0 {
		limit = 100
	}
	out := []store.Callback{}
	const page = 100
	for start := int64(0); len(out) < limit; start += page {
		ids, err := s.rdb.ZRevRange(ctx, k.outboxAll(), start, start+page-1).Result()
		if err != nil {
			return nil, s.fail("list callbacks", err)
		}
		if len(ids) == 0 {
			break
		}
		fields := make([]string, 0, 6*len(ids))
		for _, id := range ids {
			fields = append(fields, id, id+":s", id+":n", id+":a", id+":e", id+":d")
		}
		vals, err := s.rdb.HMGet(ctx, k.outboxRecords(), fields...).Result()
		if err != nil {
			return nil, s.fail("list callbacks", err)
		}
		for i, id := range ids {
			if vals[6*i] == nil {
				continue
			}
			c, err := decodeCallback(outlet, id, vals[6*i:6*i+6])
			if err != nil {
				return nil, fmt.Errorf("redisstore: list callbacks: %w", err)
			}
			if status != "" && c.Status != status {
				continue
			}
			out = append(out, c)
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
