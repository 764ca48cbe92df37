package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/jsonappend"
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

// Check decides one post atomically, claiming its webhook id in the same
// step (store.CheckInput.Claim). A check is one FCALL with the outlet's
// key prefix (the script makes its keys from it) and a compact snapshot; one
// that must create or update a hold (rare) is told so by the script, having
// written nothing, and is run again with the hold ids and the hold snapshot
// (the post's full text).
func (s *Store) Check(ctx context.Context, in store.CheckInput) (store.CheckResult, error) {
	if in.Outlet == "" || in.PostID == "" || in.Day == "" || in.Window <= 0 {
		return store.CheckResult{}, errors.New("redisstore: check: outlet, post id, day and window are required")
	}
	k := keysOf(in.Outlet)
	if in.DryRun {
		ctx = withoutWait(ctx) // a dry run writes nothing
	}
	now := ms(in.Now)
	tail := detailTail(in)
	numbers := checkNumbers(in.Rules, in.DryRun, !in.DryRun && checkCount.Add(1)%pruneEvery == 0, in.WebhookID != "",
		toneCode(in.Subject.Negative, in.Subject.Positive), in.Plan.Codes())
	var claim []byte // none: the script reads and writes no claim
	if in.WebhookID != "" && !in.DryRun {
		claim = in.Claim
	}
	keys := []string{k.prefix(), k.migrationGuard()}
	args := []any{in.PostID, strconv.FormatInt(now, 10), "(" + strconv.FormatInt(now-in.Window.Milliseconds(), 10), in.Day,
		numbers, tail, in.Snapshot, in.Actor, ledgerTTL(in.Window), claim, in.WebhookID}
	fn := checkFunction
	if in.DryRun {
		fn = checkDryFunction
	}
	var (
		v   any
		err error
	)
	for attempt, pending := 0, ""; ; attempt++ {
		v, err = s.runFunction(ctx, fn, keys, args...).Result()
		ids, again := needed(err)
		if !again || attempt == 4 {
			break
		}
		// The hold id and snapshot, and the pending hold the script found
		// (its id is only known there).
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
		args = append(args[:11], holdID, hs, pending)
	}
	if writesRefused(err) && !in.DryRun && in.WebhookID != "" {
		// Redis refuses a function that may write, before it runs, while it
		// refuses writes. A repeated webhook id writes nothing: asked of the
		// no-writes registration it gets its first answer, as it did when
		// the check was a script; a new check fails there at its first
		// write, having written nothing, and stays unavailable.
		if rv, rerr := s.runFunction(withoutWait(ctx), checkDryFunction, keys, args...).Result(); rerr == nil {
			v, err = rv, nil
		}
	}
	if err != nil {
		return store.CheckResult{}, s.fail("check", err)
	}
	if a, ok := v.([]any); ok && len(a) == 1 && a[0] == "u" {
		return store.CheckResult{}, fmt.Errorf("redisstore: check: webhook id %q: %w", in.WebhookID, store.ErrWebhookReused)
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

// writesRefused reports Redis refusing a call that may write while it
// refuses writes: over maxmemory under noeviction (OOM), after a failed RDB
// save (MISCONF), or without the replicas min-replicas-to-write asks for
// (NOREPLICAS).
func writesRefused(err error) bool {
	if err == nil {
		return false
	}
	msg := err.Error()
	return strings.HasPrefix(msg, "OOM ") || strings.HasPrefix(msg, "MISCONF ") || strings.HasPrefix(msg, "NOREPLICAS ")
}

// detailTail is the end of a check's audit detail, which the script
// completes with the situation, the counts and the earliest safe time:
// the post's tone, the webhook id and the classifier's reading, as JSON
// (written as json.Marshal writes them).
func detailTail(in store.CheckInput) string {
	b := make([]byte, 0, 128+len(in.WebhookID)+16*len(in.Reading.Themes))
	b = append(b, `"negative":`...)
	b = strconv.AppendBool(b, in.Subject.Negative)
	b = append(b, `,"positive":`...)
	b = strconv.AppendBool(b, !in.Subject.Negative && in.Subject.Positive)
	b = jsonappend.String(append(b, `,"webhook_id":`...), in.WebhookID)
	b = in.Reading.AppendJSON(append(b, `,"reading":`...))
	return string(append(b, '}'))
}

// checkNumbers packs what the check script only compares, as its
// struct.unpack('<i4i4i8BBBB') reads them: limit, warn_at, min_sample, the
// dry run, prune and webhook id flags and the tone (toneCode), then the
// plan's codes (policy.Plan.Codes), which it reads byte by byte. Lua gets
// them as numbers without making or parsing a string for each.
func checkNumbers(r policy.Rules, dry, prune, webhook bool, tone, codes string) string {
	b := make([]byte, 0, 20+len(codes))
	b = binary.LittleEndian.AppendUint32(b, uint32(int32(r.Limit)))
	b = binary.LittleEndian.AppendUint32(b, uint32(int32(r.WarnAt)))
	b = binary.LittleEndian.AppendUint64(b, uint64(r.MinSample))
	for _, f := range []bool{dry, prune, webhook} {
		if f {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	}
	b = append(b, tone[0])
	return string(append(b, codes...))
}

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

// decodeCheck reads the script's answer {code, hold id, audit detail}, a
// dry run's {code, index, P, N, hold id, earliest safe,
// positive} or, for a repeated webhook id, {"r", record}.
func decodeCheck(v any, negative, positive bool) (store.CheckResult, error) {
	a, ok := v.([]any)
	if ok && len(a) == 3 {
		code, _ := a[0].(string)
		hold, _ := a[1].(string)
		detail, _ := a[2].(string)
		return decodeAnswer(code, hold, detail, negative, positive)
	}
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

// decodeAnswer reads the script's answer: the code, the hold id and the
// audit detail as the check script formats it, whose first eight integers
// are the situation, the counts before and after, and the earliest safe
// time (the tail the caller made follows them).
func decodeAnswer(code, hold, detail string, negative, positive bool) (store.CheckResult, error) {
	s := detail
	var n [8]int64
	k := 0
	for i := 0; i < len(detail)-1 && k < len(n); i++ {
		if detail[i] != ':' {
			continue
		}
		j := i + 1
		if detail[j] == '-' {
			j++
		}
		for j < len(detail) && detail[j] >= '0' && detail[j] <= '9' {
			j++
		}
		if j == i+1 || (j == i+2 && detail[i+1] == '-') {
			continue
		}
		x, err := strconv.ParseInt(detail[i+1:j], 10, 64)
		if err != nil {
			return store.CheckResult{}, fmt.Errorf("answer %q: %w", s, err)
		}
		n[k], k, i = x, k+1, j-1
	}
	if k < len(n) {
		return store.CheckResult{}, fmt.Errorf("answer %q: %d numbers", s, k)
	}
	r, err := result(code, n[0], policy.Counts{Published: n[1], Negative: n[2], Positive: n[3]}, n[7], hold, negative, positive)
	if err != nil {
		return r, err
	}
	if after := (policy.Counts{Published: n[4], Negative: n[5], Positive: n[6]}); after != r.After {
		return store.CheckResult{}, fmt.Errorf("answer %q: counts after %+v, want %+v", s, after, r.After)
	}
	return r, nil
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
