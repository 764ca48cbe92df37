package sqlitestore

import (
	"context"
	"database/sql"
	"sync"
)

// maxStmts bounds the statement cache.
const maxStmts = 256

// stmtCache keeps one prepared statement per SQL text used in transactions.
// Parsing is most of the cost of a small statement with this driver; a
// *sql.Stmt is prepared once per pooled connection and reused by every
// transaction on it. A statement is prepared after the transaction that first
// used it ends, never while that transaction holds a connection (which could
// wait for a connection the pool does not have).
type stmtCache struct {
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

func (c *stmtCache) get(q string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[q]
}

// add prepares the statements of qs that are not cached yet. A statement
// that does not prepare is left out: it runs unprepared, and reports its
// error there.
func (c *stmtCache) add(ctx context.Context, db *sql.DB, qs []string) {
	for _, q := range qs {
		c.mu.RLock()
		_, ok := c.m[q]
		full := len(c.m) >= maxStmts
		c.mu.RUnlock()
		if ok || full {
			continue
		}
		st, err := db.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		c.mu.Lock()
		if _, ok := c.m[q]; ok || c.m == nil {
			st.Close()
		} else {
			c.m[q] = st
		}
		c.mu.Unlock()
	}
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m = nil
}

// txn is a transaction that runs cached statements prepared. It is a queryer.
// Its statements run with its own context, whatever context they are given:
// a write in a group commit must not be interrupted by its caller going away
// (see groupcommit.go).
type txn struct {
	tx   *sql.Tx
	s    *Store
	ctx  context.Context
	miss []string // SQL run unprepared, to prepare after the transaction
}

func (t *txn) stmt(_ context.Context, q string) *sql.Stmt {
	if st := t.s.stmts.get(q); st != nil {
		return t.tx.StmtContext(t.ctx, st)
	}
	t.miss = append(t.miss, q)
	return nil
}

func (t *txn) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := t.stmt(t.ctx, q); st != nil {
		return st.ExecContext(t.ctx, args...)
	}
	return t.tx.ExecContext(t.ctx, q, args...)
}

func (t *txn) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := t.stmt(t.ctx, q); st != nil {
		return st.QueryContext(t.ctx, args...)
	}
	return t.tx.QueryContext(t.ctx, q, args...)
}

func (t *txn) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	if st := t.stmt(t.ctx, q); st != nil {
		return st.QueryRowContext(t.ctx, args...)
	}
	return t.tx.QueryRowContext(t.ctx, q, args...)
}
