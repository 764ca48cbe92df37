package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/store"
)

func (k keys) snapshots() string { return k.p + "snap" } // hash: report snapshots by key

// Trim deletes an outlet's records from before `before` (store.Retention):
// the audit stream's head up to the first entry at or after it (XTRIM
// MINID), old days of the daily series, decided holds and finished
// callbacks. Each step is idempotent, so an interrupted trim is finished by
// the next.
func (s *Store) Trim(ctx context.Context, outlet string, before time.Time, beforeDay string) (store.TrimResult, error) {
	var r store.TrimResult
	k := keysOf(outlet)
	if _, err := s.GetOutlet(ctx, outlet); err != nil {
		return r, err
	}
	cut := ms(before)
	// Audit: entries are appended in time order; find the first one to keep.
	start, minID := "-", ""
	for minID == "" {
		msgs, err := s.rdb.XRangeN(ctx, k.audit(), start, "+", 500).Result()
		if err != nil {
			return r, s.fail("trim audit", err)
		}
		for _, m := range msgs {
			if at, _ := strconv.ParseInt(fmt.Sprint(m.Values["at"]), 10, 64); at >= cut {
				minID = m.ID
				break
			}
		}
		if minID != "" || len(msgs) < 500 {
			break
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
	var n int64
	var err error
	if minID != "" {
		n, err = s.rdb.XTrimMinID(ctx, k.audit(), minID).Result()
	} else {
		n, err = s.rdb.XTrimMaxLen(ctx, k.audit(), 0).Result()
	}
	if err != nil {
		return r, s.fail("trim audit", err)
	}
	r.Audit = int(n)
	// Daily series: fields "DAY:p", "DAY:n", "DAY:pos".
	fields, err := s.rdb.HKeys(ctx, k.daily()).Result()
	if err != nil {
		return r, s.fail("trim daily", err)
	}
	var old []string
	days := map[string]bool{}
	for _, f := range fields {
		day, _, ok := strings.Cut(f, ":")
		if ok && len(day) == 8 && day < beforeDay {
			old = append(old, f)
			days[day] = true
		}
	}
	for i := 0; i < len(old); i += 500 {
		if err := s.rdb.HDel(ctx, k.daily(), old[i:min(i+500, len(old))]...).Err(); err != nil {
			return r, s.fail("trim daily", err)
		}
	}
	r.Days = len(days)
	if err := s.trimAuditDays(ctx, outlet, beforeDay); err != nil {
		return r, err
	}
	// Holds decided (or cancelled) and created before the cut.
	ids, err := s.rdb.ZRangeByScore(ctx, k.holds(), &redis.ZRangeBy{Min: "-inf", Max: "(" + strconv.FormatInt(cut, 10)}).Result()
	if err != nil {
		return r, s.fail("trim holds", err)
	}
	for _, id := range ids {
		st, err := s.rdb.HGet(ctx, k.hold(id), "status").Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return r, s.fail("trim holds", err)
		}
		if st == string(store.HoldPending) {
			continue
		}
		if _, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Del(ctx, k.hold(id))
			p.ZRem(ctx, k.holds(), id)
			return nil
		}); err != nil {
			return r, s.fail("trim holds", err)
		}
		r.Holds++
	}
	// Callbacks delivered or failed, created before the cut.
	cbs, err := s.rdb.ZRangeByScore(ctx, k.outboxAll(), &redis.ZRangeBy{Min: "-inf", Max: "(" + strconv.FormatInt(cut, 10)}).Result()
	if err != nil {
		return r, s.fail("trim callbacks", err)
	}
	for _, id := range cbs {
		st, err := s.rdb.HGet(ctx, k.outboxRecords(), id+":s").Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return r, s.fail("trim callbacks", err)
		}
		if st != string(store.CallbackDelivered) && st != string(store.CallbackFailed) {
			continue
		}
		if _, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HDel(ctx, k.outboxRecords(), id, id+":s", id+":n", id+":a", id+":e", id+":d")
			p.ZRem(ctx, k.outboxAll(), id)
			p.ZRem(ctx, k.outbox(), id)
			return nil
		}); err != nil {
			return r, s.fail("trim callbacks", err)
		}
		r.Callbacks++
	}
	return r, nil
}

// PutSnapshot keeps a report summary under key.
func (s *Store) PutSnapshot(ctx context.Context, outlet, key string, data []byte) error {
	if _, err := s.GetOutlet(ctx, outlet); err != nil {
		return err
	}
	return s.fail("put snapshot", s.rdb.HSet(ctx, keysOf(outlet).snapshots(), key, data).Err())
}

// GetSnapshot returns a report summary; store.ErrNotFound when there is none.
func (s *Store) GetSnapshot(ctx context.Context, outlet, key string) ([]byte, error) {
	b, err := s.rdb.HGet(ctx, keysOf(outlet).snapshots(), key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redisstore: snapshot %s of %s: %w", key, outlet, store.ErrNotFound)
	}
	if err != nil {
		return nil, s.fail("get snapshot", err)
	}
	return b, nil
}
