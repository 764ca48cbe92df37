package sqlitestore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// evaluation is a check decided but not yet recorded.
type evaluation struct {
	ledger  ledger
	outcome policy.Outcome
	res     store.CheckResult
	pending store.Hold // the post's pending hold, when hasHold
	hasHold bool
}

// evaluate reads the post's ledger and the window's counts (excluding the
// post), picks the situation and the plan's outcome for it, and computes the
// counts after and, for holds time can lift, the earliest safe time.
func evaluate(ctx context.Context, q queryer, in store.CheckInput, write bool) (evaluation, error) {
	var ev evaluation
	now := msOf(in.Now)
	start := now - in.Window.Milliseconds()
	l, err := readLedger(ctx, q, in.Outlet, in.PostID)
	if err != nil {
		return ev, err
	}
	c, err := windowCounts(ctx, q, in.Outlet, start, write)
	if err != nil {
		return ev, err
	}
	if l.inWindow(start) {
		c.Published--
		if l.neg {
			c.Negative--
		} else if l.pos {
			c.Positive--
		}
	}
	sit := policy.SituationAt(in.Rules, l.policyLedger(start), c)
	o := in.Plan[sit.Index()]
	ev.ledger, ev.outcome = l, o
	ev.res = store.CheckResult{Situation: sit, Before: c, After: c, Snapshot: in.Snapshot}
	if o.Counted && sit.Ledger != policy.CountedOutsideWindow {
		ev.res.After.Published++
		if in.Subject.Negative {
			ev.res.After.Negative++
		} else if in.Subject.Positive {
			ev.res.After.Positive++
		}
	}
	if ev.pending, ev.hasHold, err = pendingHold(ctx, q, in.Outlet, l); err != nil {
		return ev, err
	}
	if o.Verdict == policy.Hold {
		if ev.hasHold {
			ev.res.HoldID = ev.pending.ID
		}
		if o.TimeCanHelp {
			at, ok, err := earliestSafe(ctx, q, in, start, c)
			if err != nil {
				return ev, err
			}
			if ok {
				ev.res.EarliestSafe = timeOf(at)
			}
		}
	}
	return ev, nil
}

// earliestPrefix is how many of the window's oldest posts earliestSafe reads
// first; the walk rarely needs more.
const earliestPrefix = 256

// earliestSafe is policy.EarliestSafe over the window's posts (excluding the
// checked one; c are their counts). It reads the oldest earliestPrefix posts
// and stands in for the rest with posts of the same tones that went live
// after all of them: the walk over that list is the walk over the real one
// up to the last go-live time read, so an answer before it is exact. Past it,
// every post is read.
func earliestSafe(ctx context.Context, q queryer, in store.CheckInput, start int64, c policy.Counts) (int64, bool, error) {
	win := in.Window.Milliseconds()
	es, err := windowEntries(ctx, q, in.Outlet, start, in.PostID, earliestPrefix)
	if err != nil {
		return 0, false, err
	}
	if len(es) == earliestPrefix {
		last := es[len(es)-1].AtMillis
		rest := c
		for _, e := range es {
			rest.Published--
			if e.Negative {
				rest.Negative--
			}
		}
		later := math.MaxInt64 - win
		all := make([]policy.WindowEntry, len(es), len(es)+int(max(rest.Published, 0)))
		copy(all, es)
		for i := int64(0); i < rest.Published; i++ {
			all = append(all, policy.WindowEntry{AtMillis: later, Negative: i < rest.Negative})
		}
		if at, ok := policy.EarliestSafe(&in.Plan, in.Rules, all, win); ok && at-win < last {
			return at, true, nil
		}
		if es, err = windowEntries(ctx, q, in.Outlet, start, in.PostID, 0); err != nil {
			return 0, false, err
		}
	}
	at, ok := policy.EarliestSafe(&in.Plan, in.Rules, es, win)
	return at, ok, nil
}

// Check decides a post in one BEGIN IMMEDIATE transaction: replay of a known
// webhook id, or ledger and counts, the plan's outcome, the ledger, daily
// series and hold updated, an audit entry, the webhook record and the id's
// claim (CheckInput.Claim, in replies). A dry run reads a snapshot and
// writes nothing.
func (s *Store) Check(ctx context.Context, in store.CheckInput) (store.CheckResult, error) {
	if in.PostID == "" {
		return store.CheckResult{}, fmt.Errorf("sqlitestore: check: empty post id: %w", errInvalid)
	}
	var res store.CheckResult
	if in.DryRun {
		err := s.read(ctx, "check", func(tx *txn) error {
			ev, err := evaluate(ctx, tx, in, false) // store.ErrNotFound for an unknown outlet
			res = ev.res
			return err
		})
		return res, err
	}
	err := s.write(ctx, "check", func(tx *txn) error {
		now := msOf(in.Now)
		claim := in.WebhookID != "" && in.Claim != nil
		if in.WebhookID != "" {
			r, ok, err := recallCheck(ctx, tx, in.Outlet, in.WebhookID, now)
			if err != nil || ok {
				res = r
				return err
			}
		}
		if claim {
			if err := claimable(ctx, tx, in.Outlet, in.WebhookID, in.Claim); err != nil {
				return err
			}
		}
		ev, err := evaluate(ctx, tx, in, true) // store.ErrNotFound for an unknown outlet
		if err != nil {
			return err
		}
		if err := apply(ctx, tx, in, &ev); err != nil {
			return err
		}
		res = ev.res
		if in.WebhookID != "" {
			if err := rememberCheck(ctx, tx, in.Outlet, in.WebhookID, res, now); err != nil {
				return err
			}
		}
		if claim {
			return putClaim(ctx, tx, in.Outlet, in.WebhookID, in.Claim)
		}
		return nil
	})
	return res, err
}

// apply records an evaluated check: ledger, daily series, hold, audit.
func apply(ctx context.Context, tx *txn, in store.CheckInput, ev *evaluation) error {
	now := msOf(in.Now)
	l, o := ev.ledger, ev.outcome
	sit := ev.res.Situation
	if o.Counted {
		switch sit.Ledger {
		case policy.NotCounted:
			if err := count(ctx, tx, in.Outlet, in.PostID, in.Subject.Negative, in.Subject.Positive, now, in.Day, now); err != nil {
				return err
			}
			if ev.hasHold {
				if err := cancelHold(ctx, tx, ev.pending, CancelRechecked, in.Now); err != nil {
					return err
				}
			}
		case policy.CountedNegative, policy.CountedNonNegative:
			// An edit: the count moves with the tone; the go-live time stays.
			if err := retone(ctx, tx, in.Outlet, in.PostID, l, in.Subject.Negative, in.Subject.Positive, now); err != nil {
				return err
			}
		case policy.CountedOutsideWindow:
			// Its go-live time has left the window: nothing to move.
		}
	} else {
		if l.counted() {
			if err := addDaily(ctx, tx, in.Outlet, l.day, -1, -boolInt(l.neg), -boolInt(l.pos && !l.neg)); err != nil {
				return err
			}
		}
		h := ev.pending
		if ev.hasHold {
			// Still held: the pending hold now shows the post as last checked.
			h.UpdatedAt = in.Now
		} else {
			id := in.HoldID
			if id == "" {
				id = newID()
			}
			h = store.Hold{ID: id, Outlet: in.Outlet, PostID: in.PostID, Status: store.HoldPending,
				CreatedAt: in.Now, UpdatedAt: in.Now}
		}
		h.Negative, h.Positive, h.Before, h.Snapshot = in.Subject.Negative, in.Subject.Positive && !in.Subject.Negative, ev.res.Before, in.Snapshot
		if in.HoldSnapshot != nil {
			h.Snapshot = in.HoldSnapshot
		}
		h.EarliestSafe = nil
		if !ev.res.EarliestSafe.IsZero() {
			t := ev.res.EarliestSafe
			h.EarliestSafe = &t
		}
		if err := putHold(ctx, tx, h); err != nil {
			return err
		}
		ev.res.HoldID = h.ID
		nl := ledger{state: store.StateHeld, neg: in.Subject.Negative, pos: h.Positive, at: now, day: in.Day, hold: h.ID}
		if err := putLedger(ctx, tx, in.Outlet, in.PostID, nl, now); err != nil {
			return err
		}
	}
	typ := "check"
	if o.Verdict == policy.Hold {
		typ = "hold"
	}
	_, err := appendAudit(ctx, tx, store.AuditEntry{
		Outlet: in.Outlet, At: in.Now, Type: typ, PostID: in.PostID, HoldID: ev.res.HoldID,
		Actor: in.Actor, Decision: string(o.Verdict),
		Detail: auditDetail(map[string]any{
			"webhook_id": in.WebhookID,
			"ledger":     sit.Ledger.String(),
			"situation":  sit.Index(),
			"would":      o.Would,
			"counted":    o.Counted,
			"negative":   in.Subject.Negative,
			"positive":   in.Subject.Positive && !in.Subject.Negative,
			"reasons":    o.Reasons,
			"before":     ev.res.Before,
			"after":      ev.res.After,
			"reading":    in.Reading,
		}),
	})
	return err
}

// checkRecord is a check's first answer as kept for replays.
type checkRecord struct {
	Ledger       policy.Ledger `json:"ledger"`
	OverLimit    bool          `json:"over_limit"`
	OverWarn     bool          `json:"over_warn"`
	Small        bool          `json:"small"`
	Before       policy.Counts `json:"before"`
	After        policy.Counts `json:"after"`
	HoldID       string        `json:"hold_id,omitempty"`
	EarliestSafe int64         `json:"earliest_safe_ms,omitempty"`
	Snapshot     []byte        `json:"snapshot,omitempty"`
}

func recallCheck(ctx context.Context, q queryer, outlet, wid string, now int64) (store.CheckResult, bool, error) {
	var b []byte
	err := q.QueryRowContext(ctx,
		"SELECT result FROM webhook_replies WHERE outlet = ? AND wid = ? AND expires_ms > ?", outlet, wid, now).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return store.CheckResult{}, false, nil
	}
	if err != nil {
		return store.CheckResult{}, false, err
	}
	var r checkRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return store.CheckResult{}, false, fmt.Errorf("webhook record %q: %w", wid, err)
	}
	res := store.CheckResult{
		Situation: policy.Situation{Ledger: r.Ledger, OverLimit: r.OverLimit, OverWarn: r.OverWarn, Small: r.Small},
		Before:    r.Before, After: r.After, HoldID: r.HoldID, Replayed: true, Snapshot: r.Snapshot,
	}
	if r.EarliestSafe != 0 {
		res.EarliestSafe = timeOf(r.EarliestSafe)
	}
	return res, true, nil
}

func rememberCheck(ctx context.Context, tx *txn, outlet, wid string, res store.CheckResult, now int64) error {
	r := checkRecord{
		Ledger: res.Situation.Ledger, OverLimit: res.Situation.OverLimit, OverWarn: res.Situation.OverWarn,
		Small: res.Situation.Small, Before: res.Before, After: res.After, HoldID: res.HoldID, Snapshot: res.Snapshot,
	}
	if !res.EarliestSafe.IsZero() {
		r.EarliestSafe = msOf(res.EarliestSafe)
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	// Records past their time go first (one index range; each is deleted once).
	if _, err := tx.ExecContext(ctx,
		"DELETE FROM webhook_replies WHERE outlet = ? AND expires_ms <= ?", outlet, now); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO webhook_replies (outlet, wid, result, expires_ms) VALUES (?, ?, ?, ?)
		ON CONFLICT (outlet, wid) DO UPDATE SET result = excluded.result, expires_ms = excluded.expires_ms`,
		outlet, wid, b, now+store.WebhookTTL.Milliseconds())
	return err
}

// newID is a random hold id, for a caller that gave none.
func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
