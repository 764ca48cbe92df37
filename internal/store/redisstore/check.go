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

// decodeCheck reads the script's answer {code, hold id, counts}, a dry
// run's {code, index, P, N, hold id, earliest safe, positive} or, for a
// repeated webhook id, {"r", code, hold id, counts, snapshot} ({"r",
// record} for a record an earlier version kept).
func decodeCheck(v any, negative, positive bool) (store.CheckResult, error) {
	a, ok := v.([]any)
	if ok && len(a) == 3 {
		code, _ := a[0].(string)
		hold, _ := a[1].(string)
		counts, _ := a[2].(string)
		r, c, err := decodeAnswer(code, hold, counts)
		if err == nil && (c.negative != negative || c.positive != (positive && !negative)) {
			err = fmt.Errorf("answer %q: the tone differs from the post's", counts)
		}
		return r, err
	}
	if ok && len(a) == 5 && a[0] == "r" {
		code, _ := a[1].(string)
		hold, _ := a[2].(string)
		counts, _ := a[3].(string)
		snap, _ := a[4].(string)
		r, _, err := decodeAnswer(code, hold, counts)
		if err != nil {
			return r, fmt.Errorf("webhook record: %w", err)
		}
		r.Replayed, r.Snapshot = true, []byte(snap)
		return r, nil
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

// checkCounts is what the check script keeps of a check in its answer, its
// record and its audit entry: "situation,P,N,G,earliest safe,tone" (the
// counts before the post; earliest safe in Unix ms, -1 for none; the tone
// n, p or u, toneCode).
type checkCounts struct {
	situation          int64
	before             policy.Counts
	earliestSafe       int64
	negative, positive bool
}

// parseCounts reads the check script's counts (situationOf checks the
// situation).
func parseCounts(s string) (checkCounts, error) {
	var c checkCounts
	var n [5]int64
	rest := s
	for i := range n {
		f, r, ok := strings.Cut(rest, ",")
		if !ok {
			return c, fmt.Errorf("counts %q: %d numbers, want 5 and a tone", s, i)
		}
		x, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return c, fmt.Errorf("counts %q: %w", s, err)
		}
		n[i], rest = x, r
	}
	switch rest {
	case "n":
		c.negative = true
	case "p":
		c.positive = true
	case "u":
	default:
		return c, fmt.Errorf("counts %q: tone %q", s, rest)
	}
	c.situation, c.earliestSafe = n[0], n[4]
	c.before = policy.Counts{Published: n[1], Negative: n[2], Positive: n[3]}
	return c, nil
}

// decodeAnswer reads the script's answer: the code, the hold id and the
// counts (parseCounts).
func decodeAnswer(code, hold, counts string) (store.CheckResult, checkCounts, error) {
	c, err := parseCounts(counts)
	if err != nil {
		return store.CheckResult{}, c, err
	}
	r, err := result(code, c.situation, c.before, c.earliestSafe, hold, c.negative, c.positive)
	return r, c, err
}

// decodeRecord reads a webhook record an earlier version kept: "code,hold
// id", a newline, the check's audit detail (JSON), a newline, the snapshot.
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

// result builds a CheckResult from what the script decided.
func result(code string, idx int64, before policy.Counts, es int64, hold string, negative, positive bool) (store.CheckResult, error) {
	sit, err := situationOf(idx)
	if err != nil {
		return store.CheckResult{}, err
	}
	r := store.CheckResult{
		Situation: sit,
		Before:    before,
		After:     afterCounts(before, sit, code == "a" || code == "w", negative, positive),
		HoldID:    hold,
	}
	if es >= 0 {
		r.EarliestSafe = fromMs(es)
	}
	return r, nil
}

// afterCounts are the window's counts once a check is done: a post counted
// now (not one counted before the window) adds itself to P, and to N if
// negative (to the positive count if positive); a held post changes
// nothing. The check's answer and its audit detail both take them from
// here.
func afterCounts(before policy.Counts, sit policy.Situation, counted, negative, positive bool) policy.Counts {
	after := before
	if counted && sit.Ledger != policy.CountedOutsideWindow {
		after.Published++
		if negative {
			after.Negative++
		} else if positive {
			after.Positive++
		}
	}
	return after
}

// situationOf inverts policy.Situation.Index, refusing an index out of
// range.
func situationOf(idx int64) (policy.Situation, error) {
	if idx < 0 || idx >= int64(policy.PlanSize) {
		return policy.Situation{}, fmt.Errorf("situation index %d", idx)
	}
	return policy.Situation{
		Ledger:    policy.Ledger(idx / 8),
		OverLimit: idx&1 != 0,
		OverWarn:  idx&2 != 0,
		Small:     idx&4 != 0,
	}, nil
}
