package sqlitestore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"gatekeeper/internal/store"
)

// auditCount is how many audit entries of outlet "o" carry post id post.
func auditCount(t *testing.T, s *Store, post string) int {
	t.Helper()
	var n int
	if err := s.db.QueryRow("SELECT count(*) FROM audit WHERE outlet = 'o' AND post = ?", post).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// req is a queued write that appends an audit entry for post and then
// returns ret (or panics with it when it is a string).
func req(op, post string, ret any) *writeReq {
	return &writeReq{ctx: context.Background(), op: op, done: make(chan error, 1), fn: func(tx *txn) error {
		if _, err := appendAudit(tx.ctx, tx, store.AuditEntry{Outlet: "o", At: t0, Type: "test", PostID: post}); err != nil {
			return err
		}
		switch v := ret.(type) {
		case string:
			panic(v)
		case error:
			return v
		}
		return nil
	}}
}

// TestGroupCommitEachWriteAtomic runs one batch by hand: writes that fail or
// panic are rolled back alone, the others are committed, in one transaction.
func TestGroupCommitEachWriteAtomic(t *testing.T) {
	s := openTest(t, t.TempDir())
	tx0, w0 := s.GroupCommitStats()
	abandoned := req("abandoned", "p-abandoned", nil)
	abandoned.state.Store(reqAbandoned)
	batch := []*writeReq{
		req("first", "p-first", nil),
		req("conflict", "p-conflict", fmt.Errorf("test: %w", store.ErrConflict)),
		req("broken", "p-broken", errors.New("test: disk says no")),
		req("panics", "p-panics", "boom"),
		abandoned,
		req("last", "p-last", nil),
	}
	want := map[string]struct {
		err    error // nil, or what errors.Is must find
		stored int
	}{
		"p-first": {nil, 1}, "p-conflict": {store.ErrConflict, 0}, "p-broken": {store.ErrUnavailable, 0},
		"p-panics": {store.ErrUnavailable, 0}, "p-last": {nil, 1},
	}
	s.commitBatch(batch)
	for _, r := range batch[:4] {
		post := "p-" + r.op
		err := <-r.done
		w := want[post]
		switch {
		case w.err == nil && err != nil:
			t.Errorf("%s: %v, want success", r.op, err)
		case w.err != nil && !errors.Is(err, w.err):
			t.Errorf("%s: %v, want %v", r.op, err, w.err)
		}
		if got := auditCount(t, s, post); got != w.stored {
			t.Errorf("%s: %d audit entries, want %d", r.op, got, w.stored)
		}
	}
	if err := <-batch[len(batch)-1].done; err != nil {
		t.Errorf("last: %v", err)
	}
	if got := auditCount(t, s, "p-last"); got != 1 {
		t.Errorf("last: %d audit entries, want 1", got)
	}
	if got := auditCount(t, s, "p-abandoned"); got != 0 {
		t.Errorf("an abandoned write ran: %d audit entries", got)
	}
	select {
	case err := <-abandoned.done:
		t.Errorf("an abandoned write was answered: %v", err)
	default:
	}
	if tx1, w1 := s.GroupCommitStats(); tx1-tx0 != 1 || w1-w0 != 5 {
		t.Errorf("stats moved by %d transactions, %d writes; want 1, 5", tx1-tx0, w1-w0)
	}
}

// TestGroupCommitLostTransaction: when the shared transaction cannot go on,
// every write of the batch, including those before the failure, answers
// ErrUnavailable and none is recorded.
func TestGroupCommitLostTransaction(t *testing.T) {
	s := openTest(t, t.TempDir())
	killer := &writeReq{ctx: context.Background(), op: "killer", done: make(chan error, 1), fn: func(tx *txn) error {
		// Ends the transaction under the batch's feet.
		_, err := tx.tx.ExecContext(context.Background(), "ROLLBACK")
		return err
	}}
	batch := []*writeReq{req("before", "p-before", nil), killer, req("after", "p-after", nil)}
	s.commitBatch(batch)
	for _, r := range batch {
		if err := <-r.done; !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s: %v, want ErrUnavailable", r.op, err)
		}
	}
	for _, post := range []string{"p-before", "p-after"} {
		if got := auditCount(t, s, post); got != 0 {
			t.Errorf("%s: %d audit entries after a lost transaction, want 0", post, got)
		}
	}
	// The store still works.
	if err := s.AppendAudit(context.Background(), store.AuditEntry{Outlet: "o", At: t0, Type: "test", PostID: "p-later"}); err != nil {
		t.Fatal(err)
	}
	if got := auditCount(t, s, "p-later"); got != 1 {
		t.Errorf("p-later: %d audit entries, want 1", got)
	}
}

// TestWriteAfterClose answers ErrUnavailable, not a hang.
func TestWriteAfterClose(t *testing.T) {
	s, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	err = s.AppendAudit(context.Background(), store.AuditEntry{Outlet: "o", At: t0, Type: "test"})
	if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("write after Close: %v, want ErrUnavailable (store closed)", err)
	}
}

// TestWriteCancelledWhileQueued: a caller that gives up before its write is
// taken gets ErrUnavailable and its write never runs.
func TestWriteCancelledWhileQueued(t *testing.T) {
	s := openTest(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.AppendAudit(ctx, store.AuditEntry{Outlet: "o", At: t0, Type: "test", PostID: "p-cancelled"})
	if !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("cancelled write: %v, want ErrUnavailable", err)
	}
	if got := auditCount(t, s, "p-cancelled"); got != 0 {
		t.Errorf("a cancelled write ran: %d audit entries", got)
	}
}

// TestGroupCommitBatchOfOne: a write alone runs without a savepoint; when it
// fails or panics, nothing of it is stored.
func TestGroupCommitBatchOfOne(t *testing.T) {
	s := openTest(t, t.TempDir())
	for _, tc := range []struct {
		r      *writeReq
		want   error
		stored int
	}{
		{req("ok", "p-ok", nil), nil, 1},
		{req("conflict", "p-conflict", fmt.Errorf("test: %w", store.ErrConflict)), store.ErrConflict, 0},
		{req("panics", "p-panics", "boom"), store.ErrUnavailable, 0},
	} {
		s.commitBatch([]*writeReq{tc.r})
		err := <-tc.r.done
		if (tc.want == nil) != (err == nil) || (tc.want != nil && !errors.Is(err, tc.want)) {
			t.Errorf("%s: %v, want %v", tc.r.op, err, tc.want)
		}
		if got := auditCount(t, s, "p-"+tc.r.op); got != tc.stored {
			t.Errorf("%s: %d audit entries, want %d", tc.r.op, got, tc.stored)
		}
	}
}
