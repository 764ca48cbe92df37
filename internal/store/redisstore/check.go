package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
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
		if ids, again := needed(err); again && attempt < 4 {
			for _, id := range ids {
				if !contains(known, id) {
					known = append(known, id)
				}
			}
			continue
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

// pruneEvery: one check in pruneEvery (per Store) also removes the members
// that left the window. Members at or before the window's start are never
// counted, so pruning bounds memory only; amortised it costs almost nothing.
const pruneEvery = 16

var checkCount atomic.Uint64

// Check decides one post atomically. A check is one EVALSHA with six keys
// and a compact snapshot; one that must create or update a hold (rare) is
// told so by the script, having written nothing, and is run again with the
// hold keys and the hold snapshot (the post's full text).
func (s *Store) Check(ctx context.Context, in store.CheckInput) (store.CheckResult, error) {
	if in.Outlet == "" || in.PostID == "" || in.Day == "" || in.Window <= 0 {
		return store.CheckResult{}, errors.New("redisstore: check: outlet, post id, day and window are required")
	}
	k := keysOf(in.Outlet)
	if in.DryRun {
		ctx = withoutWait(ctx) // a dry run writes nothing
	}
	now := ms(in.Now)
	widJSON := ""
	if in.WebhookID != "" {
		b, err := json.Marshal(in.WebhookID)
		if err != nil {
			return store.CheckResult{}, fmt.Errorf("redisstore: check: %w", err)
		}
		widJSON = string(b)
	}
	reading, rerr := json.Marshal(in.Reading)
	if rerr != nil {
		return store.CheckResult{}, fmt.Errorf("redisstore: check: reading: %w", rerr)
	}
	prune := "0"
	if !in.DryRun && checkCount.Add(1)%pruneEvery == 0 {
		prune = "1"
	}
	keys := []string{k.win(), k.neg(), k.daily(), k.post(in.PostID), k.webhook(in.WebhookID), k.audit(), k.pos()}
	args := []any{in.PostID, strconv.FormatInt(now, 10), strconv.FormatInt(now-in.Window.Milliseconds(), 10), in.Day,
		in.Plan.Codes(), toneCode(in.Subject.Negative, in.Subject.Positive),
		int64(in.Rules.Limit), int64(in.Rules.WarnAt), in.Rules.MinSample, b01(in.DryRun), widJSON,
		webhookTTLms, in.Snapshot, in.Actor, ledgerTTL(in.Window), prune, reading}
	var (
		v   any
		err error
	)
	for attempt, pending := 0, ""; ; attempt++ {
		v, err = s.run(ctx, checkScript, keys, args...).Result()
		ids, again := needed(err)
		if !again || attempt == 4 {
			break
		}
		// The hold keys, the hold id and snapshot, and the pending hold the
		// script found (its id is only known there).
		if len(ids) > 0 {
			pending = ids[0]
		}
		holdID := in.HoldID
		if holdID == "" {
			holdID = randomID("h")
		}
		hs := in.HoldSnapshot
		if hs == nil {
			hs = in.Snapshot
		}
		keys = append(keys[:7], k.holds(), k.hold(holdID), k.hold(pending))
		args = append(args[:17], holdID, hs, pending)
	}
	if err != nil {
		return store.CheckResult{}, s.fail("check", err)
	}
	r, err := decodeCheck(v, in.Subject.Negative, in.Subject.Positive)
	if err != nil {
		return store.CheckResult{}, fmt.Errorf("redisstore: check: %w", err)
	}
	if !r.Replayed {
		r.Snapshot = in.Snapshot
	}
	return r, nil
}

// webhookTTLms is store.WebhookTTL as the script's PX argument.
var webhookTTLms = strconv.FormatInt(store.WebhookTTL.Milliseconds(), 10)

// needed reads a "GKNEED [id...]" error, the one way a script says it must
// run again with more keys: the hold keys (and those of these pending
// holds); nothing was written. Check and runNeeding both ask it.
func needed(err error) ([]string, bool) {
	if err == nil {
		return nil, false
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "GKNEED") {
		return nil, false
	}
	return strings.Fields(msg[len("GKNEED"):]), true
}

// toneCode is a post's tone as the scripts take it: n (negative), p
// (positive) or u (neutral); negative wins should both be set.
func toneCode(negative, positive bool) string {
	switch {
	case negative:
		return "n"
	case positive:
		return "p"
	}
	return "u"
}

// decodeCheck reads {code, index, P, N, hold id, earliest safe, positive}
// or, for a repeated webhook id, {"r", record}.
func decodeCheck(v any, negative, positive bool) (store.CheckResult, error) {
	a, ok := v.([]any)
	if ok && len(a) == 2 {
		if rec, ok := a[1].(string); ok && a[0] == "r" {
			return decodeRecord(rec)
		}
	}
	if !ok || len(a) != 7 {
		return store.CheckResult{}, fmt.Errorf("unexpected reply %v", v)
	}
	code, _ := a[0].(string)
	hold, _ := a[4].(string)
	var n [7]int64
	for _, i := range []int{1, 2, 3, 5, 6} {
		x, ok := a[i].(int64)
		if !ok {
			return store.CheckResult{}, fmt.Errorf("reply field %d: %T %v", i, a[i], a[i])
		}
		n[i] = x
	}
	return result(code, n[1], policy.Counts{Published: n[2], Negative: n[3], Positive: n[6]}, n[5], hold, negative, positive)
}

// decodeRecord reads a webhook record: "code,hold id", a newline, the
// check's audit detail (JSON), a newline, the snapshot.
func decodeRecord(rec string) (store.CheckResult, error) {
	head, rest, ok1 := strings.Cut(rec, "\n")
	detail, snap, ok2 := strings.Cut(rest, "\n")
	code, hold, ok3 := strings.Cut(head, ",")
	var d struct {
		Situation    *int64        `json:"situation"`
		Before       policy.Counts `json:"before"`
		After        policy.Counts `json:"after"`
		EarliestSafe int64         `json:"earliest_safe_ms"`
	}
	if !ok1 || !ok2 || !ok3 {
		return store.CheckResult{}, fmt.Errorf("webhook record %q", head)
	}
	if err := json.Unmarshal([]byte(detail), &d); err != nil || d.Situation == nil {
		return store.CheckResult{}, fmt.Errorf("webhook record %q: detail %q: %v", head, detail, err)
	}
	r, err := result(code, *d.Situation, d.Before, d.EarliestSafe, hold, false, false)
	if err != nil {
		return r, err
	}
	r.After = d.After
	r.Replayed, r.Snapshot = true, []byte(snap)
	return r, nil
}

// result builds a CheckResult from what the script decided. The counts
// after follow from the verdict: a post counted now (not one counted before
// the window) adds itself to P, and to N if negative (to the positive count
// if positive).
func result(code string, idx int64, before policy.Counts, es int64, hold string, negative, positive bool) (store.CheckResult, error) {
	if idx < 0 || idx >= int64(policy.PlanSize) {
		return store.CheckResult{}, fmt.Errorf("situation index %d", idx)
	}
	sit := situationOf(int(idx))
	r := store.CheckResult{
		Situation: sit,
		Before:    before,
		After:     before,
		HoldID:    hold,
	}
	if (code == "a" || code == "w") && sit.Ledger != policy.CountedOutsideWindow {
		r.After.Published++
		if negative {
			r.After.Negative++
		} else if positive {
			r.After.Positive++
		}
	}
	if es >= 0 {
		r.EarliestSafe = fromMs(es)
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
