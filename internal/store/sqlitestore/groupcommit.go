package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Group commit. Every write of a Store goes to one committer goroutine, which
// runs the writes that are waiting together in one BEGIN IMMEDIATE
// transaction, each inside its own SAVEPOINT, and commits them with one COMMIT
// (one fsync of the WAL with synchronous=FULL). A write's caller is answered
// only after that COMMIT returned, so an acknowledged write is on disk.
//
//   - Atomic: a write whose function fails is rolled back to its savepoint;
//     the writes before and after it in the batch are not affected.
//   - Exact: the writes of a batch run one after another, each seeing what
//     the ones before it wrote, exactly as if each were its own transaction.
//   - If the transaction itself is lost (COMMIT fails, a savepoint cannot be
//     released or rolled back), every write of the batch answers
//     store.ErrUnavailable: nothing of the batch was recorded.
//
// While one batch commits, the next fills up, so the batch size follows the
// load: one write alone is committed at once, and sixty-four concurrent
// checks share a handful of fsyncs.

// maxBatch bounds the writes of one transaction, so a batch stays short.
const maxBatch = 128

// errClosed answers writes that arrive after Close.
var errClosed = errors.New("store closed")

// writeReq is one write waiting for the committer.
type writeReq struct {
	ctx   context.Context
	op    string
	fn    func(tx *txn) error
	state atomic.Int32 // reqQueued, reqTaken or reqAbandoned
	done  chan error   // buffered: the committer never blocks on it
	miss  []string     // statements the write ran unprepared
}

const (
	reqQueued int32 = iota
	reqTaken
	reqAbandoned
)

// committer is the queue of writes and the goroutine that commits them.
type committer struct {
	mu      sync.Mutex
	queue   []*writeReq
	closed  bool
	wake    chan struct{} // capacity 1: "the queue has something"
	stopped chan struct{} // closed when the goroutine has ended
	batches atomic.Int64  // transactions committed (for tests and benchmarks)
	writes  atomic.Int64  // writes committed in them
}

func (s *Store) startCommitter() {
	s.gc.wake = make(chan struct{}, 1)
	s.gc.stopped = make(chan struct{})
	go s.commitLoop()
}

// stopCommitter lets the committer finish what is queued and waits for it.
func (s *Store) stopCommitter() {
	s.gc.mu.Lock()
	already := s.gc.closed
	s.gc.closed = true
	s.gc.mu.Unlock()
	if !already {
		s.signal()
	}
	<-s.gc.stopped
}

func (s *Store) signal() {
	select {
	case s.gc.wake <- struct{}{}:
	default:
	}
}

// write runs fn as one atomic write, committed (durably) with the writes
// queued alongside it. Errors of fn that are store.ErrNotFound, ErrExists or
// ErrConflict are the caller's and are returned wrapped with op; any other
// failure is store.ErrUnavailable, and then nothing of fn was recorded.
//
// fn's statements run through tx with the caller's context values but not its
// cancellation: once the committer has started a write it finishes it (an
// interrupted statement would roll back the whole shared transaction). A
// caller whose context ends while its write is still queued gets
// ErrUnavailable and the write never runs.
func (s *Store) write(ctx context.Context, op string, fn func(tx *txn) error) error {
	if err := ctx.Err(); err != nil {
		return unavailable(op, err)
	}
	r := &writeReq{ctx: ctx, op: op, fn: fn, done: make(chan error, 1)}
	s.gc.mu.Lock()
	if s.gc.closed {
		s.gc.mu.Unlock()
		return unavailable(op, errClosed)
	}
	s.gc.queue = append(s.gc.queue, r)
	s.gc.mu.Unlock()
	s.signal()

	select {
	case err := <-r.done:
		return err
	case <-ctx.Done():
		if r.state.CompareAndSwap(reqQueued, reqAbandoned) {
			return unavailable(op, ctx.Err())
		}
		// The committer has it: its outcome is the answer.
		return <-r.done
	}
}

func (s *Store) commitLoop() {
	defer close(s.gc.stopped)
	for range s.gc.wake {
		for {
			s.gc.mu.Lock()
			n := min(len(s.gc.queue), maxBatch)
			batch := make([]*writeReq, n)
			copy(batch, s.gc.queue)
			s.gc.queue = append(s.gc.queue[:0], s.gc.queue[n:]...)
			closed := s.gc.closed
			s.gc.mu.Unlock()
			if n == 0 {
				if closed {
					return
				}
				break
			}
			s.commitBatch(batch)
		}
	}
}

// commitBatch runs the writes of batch that are still wanted in one
// transaction and answers each of them after COMMIT. A write is taken only
// once the transaction has begun, so a caller whose deadline passes while
// BEGIN waits for another process's lock is answered at its deadline.
func (s *Store) commitBatch(batch []*writeReq) {
	bg := context.Background()
	tx, beginErr := s.db.BeginTx(bg, nil) // BEGIN IMMEDIATE (_txlock)
	reqs := batch[:0]
	for _, r := range batch {
		if r.state.CompareAndSwap(reqQueued, reqTaken) {
			reqs = append(reqs, r)
		}
	}
	if beginErr != nil {
		for _, r := range reqs {
			r.done <- unavailable(r.op, fmt.Errorf("begin: %w", beginErr))
		}
		return
	}
	if len(reqs) == 0 {
		_ = tx.Rollback()
		return
	}
	var results []error
	var lost error
	if len(reqs) == 1 {
		results, lost = s.runAlone(tx, reqs[0])
	} else {
		results, lost = s.runBatch(tx, reqs)
	}
	for i, r := range reqs {
		if lost != nil {
			r.done <- unavailable(r.op, lost)
		} else {
			r.done <- results[i]
		}
	}
	var miss []string
	for _, r := range reqs {
		miss = append(miss, r.miss...)
	}
	if len(miss) > 0 {
		s.stmts.add(bg, s.db, miss)
	}
}

// runBatch runs reqs in tx, each in a savepoint, and commits. It returns each
// write's own outcome, or lost when the transaction as a whole did not commit
// (then no write of the batch was recorded).
func (s *Store) runBatch(tx *sql.Tx, reqs []*writeReq) (results []error, lost error) {
	bg := context.Background()
	results = make([]error, len(reqs))
	// The savepoint statements run through the statement cache too.
	sp := &txn{tx: tx, s: s, ctx: bg}
	for i, r := range reqs {
		if _, err := sp.ExecContext(bg, "SAVEPOINT w"); err != nil {
			_ = tx.Rollback()
			return nil, fmt.Errorf("savepoint: %w", err)
		}
		t := &txn{tx: tx, s: s, ctx: context.WithoutCancel(r.ctx)}
		ferr := runGuarded(r.fn, t)
		r.miss = t.miss
		if ferr != nil {
			results[i] = classify(r.op, ferr)
			// Undo this write only. If the savepoint is gone, so is the
			// transaction, and with it the writes before this one.
			if _, err := sp.ExecContext(bg, "ROLLBACK TO w"); err != nil {
				_ = tx.Rollback()
				return nil, fmt.Errorf("rollback to savepoint after %v: %w", ferr, err)
			}
		}
		if _, err := sp.ExecContext(bg, "RELEASE w"); err != nil {
			_ = tx.Rollback()
			return nil, fmt.Errorf("release savepoint: %w", err)
		}
	}
	reqs[0].miss = append(reqs[0].miss, sp.miss...)
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	s.gc.batches.Add(1)
	s.gc.writes.Add(int64(len(reqs)))
	return results, nil
}

// runAlone runs a batch of one write: the transaction is the write's own, so
// it needs no savepoint (a write alone costs what it did before group commit).
func (s *Store) runAlone(tx *sql.Tx, r *writeReq) (results []error, lost error) {
	t := &txn{tx: tx, s: s, ctx: context.WithoutCancel(r.ctx)}
	ferr := runGuarded(r.fn, t)
	r.miss = t.miss
	if ferr != nil {
		_ = tx.Rollback() // uncommitted either way
		return []error{classify(r.op, ferr)}, nil
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	s.gc.batches.Add(1)
	s.gc.writes.Add(1)
	return []error{nil}, nil
}

// runGuarded runs fn, turning a panic into an error, so that one write's bug
// answers that write with an error instead of stopping the committer.
func runGuarded(fn func(tx *txn) error, t *txn) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return fn(t)
}

// writeAlone runs fn in a transaction of its own, outside the committer; only
// for Open (the schema), before the committer starts.
func (s *Store) writeAlone(ctx context.Context, op string, fn func(tx *txn) error) error {
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock)
	if err != nil {
		return unavailable(op, err)
	}
	t := &txn{tx: tx, s: s, ctx: ctx}
	if err := fn(t); err != nil {
		_ = tx.Rollback()
		return classify(op, err)
	}
	if err := tx.Commit(); err != nil {
		return unavailable(op, err)
	}
	return nil
}

// GroupCommitStats reports how many transactions the committer committed and
// how many writes they carried (writes ÷ transactions is the mean batch).
func (s *Store) GroupCommitStats() (transactions, writes int64) {
	return s.gc.batches.Load(), s.gc.writes.Load()
}
