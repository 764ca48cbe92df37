package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// Withdraw takes a post out of the counts (idempotent).
func (s *Store) Withdraw(ctx context.Context, outlet, postID string, now time.Time, window time.Duration, actor string) (store.WithdrawResult, error) {
	k := keysOf(outlet)
	v, err := s.runNeeding(ctx, withdrawScript, func(known []string) ([]string, []any) {
		pending := ""
		if len(known) > 0 {
			pending = known[0]
		}
		return []string{k.win(), k.neg(), k.daily(), k.post(postID), k.audit(), k.hold(pending), k.pos()},
			[]any{postID, ms(now), actor, ledgerTTL(window), pending}
	})
	if err != nil {
		return store.WithdrawResult{}, s.fail("withdraw", err)
	}
	a, ok := v.([]any)
	if !ok || len(a) != 3 {
		return store.WithdrawResult{}, fmt.Errorf("redisstore: withdraw: unexpected reply %v", v)
	}
	w, _ := a[0].(int64)
	hold, _ := a[1].(string)
	prev, _ := a[2].(string)
	return store.WithdrawResult{Withdrawn: w == 1, HoldCancelled: hold, Previous: store.LedgerState(prev)}, nil
}

// Sync backfills and reconciles the posts a CMS says are published.
func (s *Store) Sync(ctx context.Context, in store.SyncInput) (store.SyncResult, error) {
	if in.Outlet == "" || in.Window <= 0 {
		return store.SyncResult{}, errors.New("redisstore: sync: outlet and window are required")
	}
	k := keysOf(in.Outlet)
	listed := make(map[string]bool, len(in.Posts))
	posts := make([]store.SyncPost, 0, len(in.Posts))
	for _, p := range in.Posts {
		if p.ID == "" || p.Day == "" {
			return store.SyncResult{}, fmt.Errorf("redisstore: sync: post %q: id and day are required", p.ID)
		}
		if !listed[p.ID] {
			listed[p.ID] = true
			posts = append(posts, p)
		}
	}
	cutoff := ms(in.Now) - in.Window.Milliseconds()
	// Complete withdraws counted posts that went live in (lo, hi): the
	// window, narrowed to the sync's range.
	lo, hi := cutoff, "+inf"
	if !in.From.IsZero() {
		lo = max(lo, ms(in.From)-1)
	}
	if !in.To.IsZero() {
		hi = "(" + strconv.FormatInt(ms(in.To), 10)
	}
	var candidates []string
	if in.Complete {
		ids, err := s.rdb.ZRangeArgs(ctx, redis.ZRangeArgs{
			Key: k.win(), Start: "(" + strconv.FormatInt(lo, 10), Stop: hi, ByScore: true,
		}).Result()
		if err != nil {
			return store.SyncResult{}, s.fail("sync", err)
		}
		for _, id := range ids {
			if !listed[id] {
				candidates = append(candidates, id)
			}
		}
	}
	res := store.SyncResult{Added: []string{}, Withdrawn: []string{}, Unchanged: []string{}, Outside: []string{}}
	changed := false
	// Short calls, so one large sync never stalls Redis (or passes the read
	// timeout): posts first, then the withdrawals; the last call audits.
	type call struct {
		posts      []store.SyncPost
		candidates []string
	}
	var calls []call
	for i := 0; i < len(posts); i += syncBatch {
		calls = append(calls, call{posts: posts[i:min(i+syncBatch, len(posts))]})
	}
	for i := 0; i < len(candidates); i += syncBatch {
		calls = append(calls, call{candidates: candidates[i:min(i+syncBatch, len(candidates))]})
	}
	for n, c := range calls {
		last := n == len(calls)-1
		v, err := s.runNeeding(ctx, syncScript, func(known []string) ([]string, []any) {
			keys := make([]string, 0, 5+len(c.posts)+len(c.candidates)+len(known))
			keys = append(keys, k.win(), k.neg(), k.daily(), k.audit(), k.pos())
			args := make([]any, 0, 16+4*len(c.posts)+len(c.candidates)+len(known))
			args = append(args, ms(in.Now), in.Window.Milliseconds(), in.Actor, ledgerTTL(in.Window),
				len(c.posts), len(c.candidates), len(known), b01(in.Complete),
				len(res.Added), len(res.Withdrawn), len(res.Unchanged), len(res.Outside), b01(changed), b01(last),
				lo, hi)
			for _, p := range c.posts {
				keys = append(keys, k.post(p.ID))
				args = append(args, p.ID, toneCode(p.Negative, p.Positive), ms(p.PublishedAt), p.Day)
			}
			for _, id := range c.candidates {
				keys = append(keys, k.post(id))
				args = append(args, id)
			}
			for _, id := range known {
				keys = append(keys, k.hold(id))
				args = append(args, id)
			}
			return keys, args
		})
		if err != nil {
			return store.SyncResult{}, s.fail("sync", err)
		}
		a, ok := v.([]any)
		if !ok || len(a) != 5 {
			return store.SyncResult{}, fmt.Errorf("redisstore: sync: unexpected reply %v", v)
		}
		res.Added = appendIDs(res.Added, a[0])
		res.Withdrawn = appendIDs(res.Withdrawn, a[1])
		res.Unchanged = appendIDs(res.Unchanged, a[2])
		res.Outside = appendIDs(res.Outside, a[3])
		changed = changed || a[4] == int64(1)
	}
	return res, nil
}

// syncBatch is how many posts one sync call handles.
const syncBatch = 256

func appendIDs(dst []string, x any) []string {
	xs, _ := x.([]any)
	for _, e := range xs {
		if s, ok := e.(string); ok {
			dst = append(dst, s)
		}
	}
	return dst
}

// Relabel sets a post's tone by hand; a counted post's count moves with it.
func (s *Store) Relabel(ctx context.Context, outlet, postID string, tone policy.Tone, now time.Time, window time.Duration, actor, note string) error {
	k := keysOf(outlet)
	_, err := s.runNeeding(ctx, relabelScript, func(known []string) ([]string, []any) {
		pending := ""
		if len(known) > 0 {
			pending = known[0]
		}
		return []string{k.win(), k.neg(), k.daily(), k.post(postID), k.audit(), k.hold(pending), k.pos()},
			[]any{postID, toneCode(tone == policy.Negative, tone == policy.Positive), ms(now), actor, note, ledgerTTL(window), pending}
	})
	return s.fail("relabel", err)
}

// Window counts the posts that went live in (now-window, now].
func (s *Store) Window(ctx context.Context, outlet string, now time.Time, window time.Duration) (policy.Counts, error) {
	k := keysOf(outlet)
	lo, hi := "("+strconv.FormatInt(ms(now)-window.Milliseconds(), 10), strconv.FormatInt(ms(now), 10)
	var p, n, g *redis.IntCmd
	_, err := s.rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		p = pipe.ZCount(ctx, k.win(), lo, hi)
		n = pipe.ZCount(ctx, k.neg(), lo, hi)
		g = pipe.ZCount(ctx, k.pos(), lo, hi)
		return nil
	})
	if err != nil {
		return policy.Counts{}, s.fail("window", err)
	}
	return policy.Counts{Published: p.Val(), Negative: n.Val(), Positive: g.Val()}, nil
}

// Daily returns the daily series for the given days, in order.
func (s *Store) Daily(ctx context.Context, outlet string, days []string) ([]store.DayCount, error) {
	out := make([]store.DayCount, 0, len(days))
	if len(days) == 0 {
		return out, nil
	}
	fields := make([]string, 0, 3*len(days))
	for _, d := range days {
		fields = append(fields, d+":p", d+":n", d+":pos")
	}
	vals, err := s.rdb.HMGet(ctx, keysOf(outlet).daily(), fields...).Result()
	if err != nil {
		return nil, s.fail("daily", err)
	}
	num := func(v any) int64 {
		str, _ := v.(string)
		n, _ := strconv.ParseInt(str, 10, 64)
		return n
	}
	for i, d := range days {
		out = append(out, store.DayCount{Day: d, Published: num(vals[3*i]), Negative: num(vals[3*i+1]), Positive: num(vals[3*i+2])})
	}
	return out, nil
}
