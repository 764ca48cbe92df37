package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/policy"
	"gatekeeper/store"
)

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMs(x int64) time.Time { return time.UnixMilli(x).UTC() }

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func ledgerTTL(window time.Duration) int64 { return (window + ledgerGrace).Milliseconds() }

func randomID(prefix string) string {
	b := make([]byte, 8)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// runNeeding runs a script that may answer "GKNEED id..." when it must touch
// pending holds whose ids only it knew: nothing was written, and it is run
// again with their keys. Held posts are rare, so a check is almost always one
// round trip.
func (s *Store) runNeeding(ctx context.Context, sc *redis.Script, build func(known []string) ([]string, []any)) (any, error) {
	var known []string
	for attempt := 0; ; attempt++ {
		keys, args := build(known)
		v, err := s.run(ctx, sc, keys, args...).Result()
		if err != nil && attempt < 4 {
			if msg := err.Error(); strings.HasPrefix(msg, "GKNEED ") {
				for _, id := range strings.Fields(msg[len("GKNEED "):]) {
					if !contains(known, id) {
						known = append(known, id)
					}
				}
				continue
			}
		}
		return v, err
	}
}

func contains(s []string, x string) bool {
	for _, y := range s {
		if y == x {
			return true
		}
	}
	return false
}

// Check decides one post atomically: one EVALSHA.
func (s *Store) Check(ctx context.Context, in store.CheckInput) (store.CheckResult, error) {
	if in.Outlet == "" || in.PostID == "" || in.Day == "" || in.Window <= 0 {
		return store.CheckResult{}, errors.New("redisstore: check: outlet, post id, day and window are required")
	}
	holdID := in.HoldID
	if holdID == "" {
		holdID = randomID("h")
	}
	k := keysOf(in.Outlet)
	codes := in.Plan.Codes()
	if in.DryRun {
		ctx = withoutWait(ctx) // a dry run writes nothing
	}
	v, err := s.runNeeding(ctx, checkScript, func(known []string) ([]string, []any) {
		pending := ""
		if len(known) > 0 {
			pending = known[0]
		}
		return []string{k.win(), k.neg(), k.daily(), k.post(in.PostID), k.webhook(in.WebhookID), k.holds(), k.hold(holdID), k.audit(), k.hold(pending)},
			[]any{in.PostID, ms(in.Now), in.Window.Milliseconds(), in.Day, codes, b01(in.Subject.Negative),
				int64(in.Rules.Limit), int64(in.Rules.WarnAt), in.Rules.MinSample, b01(in.DryRun), in.WebhookID,
				store.WebhookTTL.Milliseconds(), holdID, in.Snapshot, in.Actor, ledgerTTL(in.Window), pending}
	})
	if err != nil {
		return store.CheckResult{}, s.fail("check", err)
	}
	r, err := decodeCheck(v)
	if err != nil {
		return store.CheckResult{}, fmt.Errorf("redisstore: check: %w", err)
	}
	if !r.Replayed {
		r.Snapshot = in.Snapshot
	}
	return r, nil
}

// decodeCheck reads {code, index, P, N, P after, N after, hold id, earliest safe, replayed, snapshot}.
func decodeCheck(v any) (store.CheckResult, error) {
	a, ok := v.([]any)
	if !ok || len(a) != 10 {
		return store.CheckResult{}, fmt.Errorf("unexpected reply %v", v)
	}
	var n [9]int64
	for _, i := range []int{1, 2, 3, 4, 5, 7, 8} {
		x, ok := a[i].(int64)
		if !ok {
			return store.CheckResult{}, fmt.Errorf("reply field %d: %T %v", i, a[i], a[i])
		}
		n[i] = x
	}
	hold, _ := a[6].(string)
	snap, _ := a[9].(string)
	idx := int(n[1])
	if idx < 0 || idx >= policy.PlanSize {
		return store.CheckResult{}, fmt.Errorf("situation index %d", idx)
	}
	r := store.CheckResult{
		Situation: situationOf(idx),
		Before:    policy.Counts{Published: n[2], Negative: n[3]},
		After:     policy.Counts{Published: n[4], Negative: n[5]},
		HoldID:    hold,
		Replayed:  n[8] == 1,
	}
	if n[7] >= 0 {
		r.EarliestSafe = fromMs(n[7])
	}
	if r.Replayed {
		r.Snapshot = []byte(snap)
	}
	return r, nil
}

// situationOf inverts policy.Situation.Index.
func situationOf(idx int) policy.Situation {
	return policy.Situation{
		Ledger:    policy.Ledger(idx / 8),
		OverLimit: idx&1 != 0,
		OverWarn:  idx&2 != 0,
		Small:     idx&4 != 0,
	}
}
