package sqlitestore

import (
	"context"
	"database/sql"
	"errors"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// ledger is one row of posts: what the store knows about a post.
type ledger struct {
	found bool
	state store.LedgerState
	neg   bool
	pos   bool  // positive (never together with neg)
	at    int64 // go-live time (ms) of a counted post
	day   string
	hold  string // pending hold id
}

func readLedger(ctx context.Context, q queryer, outlet, post string) (ledger, error) {
	var l ledger
	var neg, pos int64
	err := q.QueryRowContext(ctx,
		"SELECT state, neg, pos, at_ms, day, hold FROM posts WHERE outlet = ? AND post = ?", outlet, post).
		Scan(&l.state, &neg, &pos, &l.at, &l.day, &l.hold)
	if errors.Is(err, sql.ErrNoRows) {
		return ledger{}, nil
	}
	if err != nil {
		return ledger{}, err
	}
	l.found, l.neg, l.pos = true, neg == 1, pos == 1 && neg != 1
	return l, nil
}

// tone is the post's tone as a label.
func (l ledger) tone() policy.Tone {
	switch {
	case l.neg:
		return policy.Negative
	case l.pos:
		return policy.Positive
	}
	return policy.Neutral
}

// counted reports whether the post is in the counts (inside the window or not).
func (l ledger) counted() bool { return l.found && l.state == store.StateCounted }

// inWindow reports whether the post is counted in the window starting
// (exclusive) at start.
func (l ledger) inWindow(start int64) bool { return l.counted() && l.at > start }

// policyLedger is the post's ledger state for the plan, for a window that
// starts (exclusive) at start.
func (l ledger) policyLedger(start int64) policy.Ledger {
	switch {
	case !l.counted():
		return policy.NotCounted
	case l.at <= start:
		return policy.CountedOutsideWindow
	case l.neg:
		return policy.CountedNegative
	default:
		return policy.CountedNonNegative
	}
}

// putLedger writes a post's ledger row.
func putLedger(ctx context.Context, tx *txn, outlet, post string, l ledger, now int64) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO posts (outlet, post, state, neg, pos, at_ms, day, hold, updated_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (outlet, post) DO UPDATE SET
			state = excluded.state, neg = excluded.neg, pos = excluded.pos, at_ms = excluded.at_ms,
			day = excluded.day, hold = excluded.hold, updated_ms = excluded.updated_ms`,
		outlet, post, string(l.state), boolInt(l.neg), boolInt(l.pos && !l.neg), l.at, l.day, l.hold, now)
	return err
}

// windowCounts counts the posts counted with a go-live time after start
// (exclusive). Like the Redis store's ZCOUNT (start +inf there is no upper
// bound: a post synced with a go-live time ahead of the clock counts at once.
//
// It starts from the outlet's running counts (table windows, kept exact by
// triggers) and counts only the posts between their start and this one, so
// a check costs O(log n) however long the window is. With move, the running
// counts are moved to start (a write transaction).
func windowCounts(ctx context.Context, q queryer, outlet string, start int64, move bool) (policy.Counts, error) {
	var from int64
	var c policy.Counts
	err := q.QueryRowContext(ctx, "SELECT start_ms, published, negative, positive FROM windows WHERE outlet = ?", outlet).
		Scan(&from, &c.Published, &c.Negative, &c.Positive)
	if errors.Is(err, sql.ErrNoRows) {
		return c, notFound("outlet", outlet)
	}
	if err != nil || from == start {
		return c, err
	}
	lo, hi, sign := from, start, int64(-1) // posts that left the window
	if start < from {
		lo, hi, sign = start, from, 1 // posts back in a window that starts earlier
	}
	var d policy.Counts
	if err := q.QueryRowContext(ctx, `
		SELECT count(*), coalesce(sum(neg), 0), coalesce(sum(pos), 0) FROM posts
		WHERE outlet = ? AND state = 'counted' AND at_ms > ? AND at_ms <= ?`, outlet, lo, hi).
		Scan(&d.Published, &d.Negative, &d.Positive); err != nil {
		return c, err
	}
	c.Published += sign * d.Published
	c.Negative += sign * d.Negative
	c.Positive += sign * d.Positive
	if move {
		_, err = q.ExecContext(ctx, "UPDATE windows SET start_ms = ?, published = ?, negative = ?, positive = ? WHERE outlet = ?",
			start, c.Published, c.Negative, c.Positive, outlet)
	}
	return c, err
}

// windowEntries lists the counted posts after start, except post, oldest
// first: the first limit of them, or all when limit is 0.
func windowEntries(ctx context.Context, q queryer, outlet string, start int64, except string, limit int) ([]policy.WindowEntry, error) {
	if limit <= 0 {
		limit = -1 // no limit
	}
	rows, err := q.QueryContext(ctx, `
		SELECT at_ms, neg FROM posts
		WHERE outlet = ? AND state = 'counted' AND at_ms > ? AND post <> ?
		ORDER BY at_ms LIMIT ?`, outlet, start, except, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var es []policy.WindowEntry
	for rows.Next() {
		var e policy.WindowEntry
		var neg int64
		if err := rows.Scan(&e.AtMillis, &neg); err != nil {
			return nil, err
		}
		e.Negative = neg == 1
		es = append(es, e)
	}
	return es, rows.Err()
}

// addDaily moves the daily series of day by dp published, dn negative and
// dpos positive posts.
func addDaily(ctx context.Context, tx *txn, outlet, day string, dp, dn, dpos int64) error {
	if dp == 0 && dn == 0 && dpos == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO daily (outlet, day, published, negative, positive) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (outlet, day) DO UPDATE SET
			published = published + excluded.published, negative = negative + excluded.negative,
			positive = positive + excluded.positive`,
		outlet, day, dp, dn, dpos)
	return err
}

// count puts a post into the counts: go-live time at, on day, tone neg or
// pos (or neither: neutral).
func count(ctx context.Context, tx *txn, outlet, post string, neg, pos bool, at int64, day string, now int64) error {
	if err := putLedger(ctx, tx, outlet, post, ledger{state: store.StateCounted, neg: neg, pos: pos && !neg, at: at, day: day}, now); err != nil {
		return err
	}
	return addDaily(ctx, tx, outlet, day, 1, boolInt(neg), boolInt(pos && !neg))
}

// uncount takes a counted post out of the counts, leaving it in state st.
func uncount(ctx context.Context, tx *txn, outlet, post string, l ledger, st store.LedgerState, now int64) error {
	if err := addDaily(ctx, tx, outlet, l.day, -1, -boolInt(l.neg), -boolInt(l.pos && !l.neg)); err != nil {
		return err
	}
	l.state = st
	return putLedger(ctx, tx, outlet, post, l, now)
}

// retone changes the tone of a counted post (the triggers move the window's
// counts), moving its daily counts.
func retone(ctx context.Context, tx *txn, outlet, post string, l ledger, neg, pos bool, now int64) error {
	pos = pos && !neg
	if l.neg == neg && l.pos == pos {
		return nil
	}
	dn := boolInt(neg) - boolInt(l.neg)
	dpos := boolInt(pos) - boolInt(l.pos && !l.neg)
	if err := addDaily(ctx, tx, outlet, l.day, 0, dn, dpos); err != nil {
		return err
	}
	l.neg, l.pos = neg, pos
	return putLedger(ctx, tx, outlet, post, l, now)
}
