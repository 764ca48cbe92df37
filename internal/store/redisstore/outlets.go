package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/store"
)

// CreateOutlet adds an outlet; ErrExists if the id is taken.
func (s *Store) CreateOutlet(ctx context.Context, o store.Outlet) error {
	if o.ID == "" {
		return errors.New("redisstore: create outlet: id is required")
	}
	b, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("redisstore: create outlet: %w", err)
	}
	ok, err := s.rdb.SetNX(ctx, keysOf(o.ID).outlet(), b, 0).Result()
	if err != nil {
		return s.fail("create outlet", err)
	}
	if !ok {
		return fmt.Errorf("redisstore: outlet %s: %w", o.ID, store.ErrExists)
	}
	if err := s.rdb.HSetNX(ctx, keysOf(o.ID).daily(), dailyMarkerField, dailyMarker).Err(); err != nil {
		return s.fail("create outlet", err)
	}
	if err := s.markWindows(ctx, o.ID); err != nil {
		return s.fail("create outlet", err)
	}
	return s.fail("create outlet", s.rdb.SAdd(ctx, outletsKey, o.ID).Err())
}

// WindowMarker is a member of an outlet's window sets (win, neg, pos),
// longer than Redis's zset-max-listpack-value (64 by default), at score
// WindowMarkerScore, before any go-live time: it keeps each set a skip list
// from the start. A small set (an outlet's negative posts over a month are
// usually fewer than zset-max-listpack-entries, 128) would otherwise be a
// listpack, where ZCOUNT decodes every member from the first: ≈ 55 k
// instructions for 60 negative posts, a quarter of a whole check. The marker
// is never counted (windows start after it), never pruned (pruning starts
// after it) and never a post (post ids are shorter and never start with ~).
const (
	WindowMarker      = "~window set: this member keeps the sorted set a skip list (O(log n) ZCOUNT); it is no post"
	WindowMarkerScore = -1
)

// markWindows adds the marker to the outlets' window sets (where missing),
// in one pipeline.
func (s *Store) markWindows(ctx context.Context, outlets ...string) error {
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, o := range outlets {
			k := keysOf(o)
			for _, key := range []string{k.win(), k.neg(), k.pos()} {
				p.ZAddNX(ctx, key, redis.Z{Score: WindowMarkerScore, Member: WindowMarker})
			}
		}
		return nil
	})
	return err
}

// dailyMarker is a field of the daily series longer than Redis's
// hash-max-listpack-value (64 by default), so the hash is a real hash table
// from the start: HINCRBY of a day is then O(1), where a listpack (up to 128
// fields: the first two months) is scanned from its start on every check.
const (
	dailyMarkerField = "~"
	dailyMarker      = "daily series: DAY:p published, DAY:n negative, DAY:pos positive (this field keeps it a hash table)"
)

// UpdateOutlet replaces an outlet; ErrNotFound if there is none.
func (s *Store) UpdateOutlet(ctx context.Context, o store.Outlet) error {
	b, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("redisstore: update outlet: %w", err)
	}
	ok, err := s.rdb.SetXX(ctx, keysOf(o.ID).outlet(), b, 0).Result()
	if err != nil {
		return s.fail("update outlet", err)
	}
	if !ok {
		return fmt.Errorf("redisstore: outlet %s: %w", o.ID, store.ErrNotFound)
	}
	return nil
}

// GetOutlet returns one outlet.
func (s *Store) GetOutlet(ctx context.Context, id string) (store.Outlet, error) {
	b, err := s.rdb.Get(ctx, keysOf(id).outlet()).Bytes()
	if errors.Is(err, redis.Nil) {
		return store.Outlet{}, fmt.Errorf("redisstore: outlet %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Outlet{}, s.fail("get outlet", err)
	}
	var o store.Outlet
	if err := json.Unmarshal(b, &o); err != nil {
		return store.Outlet{}, fmt.Errorf("redisstore: outlet %s: %w", id, err)
	}
	return o, nil
}

// ListOutlets returns every outlet, by id.
func (s *Store) ListOutlets(ctx context.Context) ([]store.Outlet, error) {
	ids, err := s.rdb.SMembers(ctx, outletsKey).Result()
	if err != nil {
		return nil, s.fail("list outlets", err)
	}
	slices.Sort(ids)
	cmds, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, id := range ids {
			p.Get(ctx, keysOf(id).outlet())
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, s.fail("list outlets", err)
	}
	out := []store.Outlet{}
	for i, c := range cmds {
		b, err := c.(*redis.StringCmd).Bytes()
		if err != nil {
			continue // removed meanwhile
		}
		var o store.Outlet
		if err := json.Unmarshal(b, &o); err != nil {
			return nil, fmt.Errorf("redisstore: outlet %s: %w", ids[i], err)
		}
		out = append(out, o)
	}
	return out, nil
}

// DeleteOutlet removes the outlet and every key of it.
func (s *Store) DeleteOutlet(ctx context.Context, id string) error {
	k := keysOf(id)
	n, err := s.rdb.Del(ctx, k.outlet()).Result()
	if err != nil {
		return s.fail("delete outlet", err)
	}
	if err := s.rdb.SRem(ctx, outletsKey, id).Err(); err != nil {
		return s.fail("delete outlet", err)
	}
	if err := s.deleteMatching(ctx, k.pattern()); err != nil {
		return s.fail("delete outlet", err)
	}
	if n == 0 {
		return fmt.Errorf("redisstore: outlet %s: %w", id, store.ErrNotFound)
	}
	return nil
}

// deleteMatching unlinks every key matching pattern, on every master.
func (s *Store) deleteMatching(ctx context.Context, pattern string) error {
	del := func(ctx context.Context, c *redis.Client) error {
		// Deleting many keys may take longer than one call's deadline.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
		batch := make([]string, 0, 500)
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			err := c.Unlink(ctx, batch...).Err()
			batch = batch[:0]
			return err
		}
		for iter.Next(ctx) {
			batch = append(batch, iter.Val())
			if len(batch) == cap(batch) {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if err := iter.Err(); err != nil {
			return err
		}
		return flush()
	}
	switch c := s.rdb.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, del)
	case *redis.Client:
		return del(ctx, c)
	default:
		return fmt.Errorf("cannot scan with a %T", s.rdb)
	}
}
