// Package sqlitestore is Gatekeeper's embedded store: one SQLite file
// (DIR/gatekeeper.db) through the pure-Go driver modernc.org/sqlite, so the
// service runs with no other process to install.
//
// The file is in WAL mode with a busy timeout, so a running server and the
// command line (gatekeeper outlet add …) can use it at the same time. Every
// write is one BEGIN IMMEDIATE transaction; a check reads the post's ledger and
// the window's counts, evaluates the policy plan and records the result inside
// it, which makes it as atomic as the Redis store's script. Within one process
// writers queue for one committer, which runs the writes waiting together in
// one transaction, each in its own savepoint, with one fsync (groupcommit.go):
// as atomic and exact as one transaction per write, with far fewer fsyncs.
//
// Tables mirror the Redis keys (see schema.go). Times are Unix milliseconds.
//
// Other files of this package may add tables (extraSchema, see schema.go)
// and run their own statements through s.write (one atomic write, group
// committed) and s.read (a snapshot); both map database failures to
// store.ErrUnavailable.
package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"gatekeeper/internal/store"
)

// FileName is the database file's name inside the data directory.
const FileName = "gatekeeper.db"

// BusyTimeout is how long a write waits for another process (the command
// line, a second server) that holds the write lock before it gives up with
// store.ErrUnavailable.
const BusyTimeout = 5 * time.Second

// maxConns bounds the connection pool: one writer at a time, a few readers.
const maxConns = 4

// Store is the embedded store. It is safe for concurrent use, and several
// Stores (in one or more processes) may share one file.
type Store struct {
	db   *sql.DB
	path string
	// gc commits the Store's writes, concurrent ones together (groupcommit.go).
	gc committer
	// stmts are the statements transactions use, prepared.
	stmts stmtCache
}

var _ store.Store = (*Store)(nil)

// Open opens (creating it if needed) DIR/gatekeeper.db: the directory is
// created with mode 0700 and the file with mode 0600 when they do not exist.
// The schema is created or upgraded before Open returns.
func Open(ctx context.Context, dir string) (*Store, error) {
	if dir == "" {
		return nil, errors.New("sqlitestore: open: empty data directory")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlitestore: open: %w", err)
	}
	path := filepath.Join(dir, FileName)
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlitestore: open: path %q must not contain '?' or '#'", path)
	}
	// Create the file ourselves so its mode is 0600; SQLite gives the -wal
	// and -shm files the mode of the database file.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("sqlitestore: open: %w", err)
	}

	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", BusyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	// FULL: a decision the service answered is on disk, not only in the WAL
	// buffer of the operating system (see docs/design.md, "Never a silent pass").
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)

	s := &Store{db: db, path: path}
	s.stmts.m = make(map[string]*sql.Stmt)
	if err := s.init(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	s.startCommitter()
	return s, nil
}

// init switches the file to WAL mode and creates or upgrades the schema.
func (s *Store) init(ctx context.Context) error {
	var mode string
	if err := s.db.QueryRowContext(ctx, "PRAGMA journal_mode=WAL").Scan(&mode); err != nil {
		return unavailable("journal mode", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, want wal", mode)
	}
	return s.migrate(ctx)
}

// Path is the database file's path.
func (s *Store) Path() string { return s.path }

// Ping reports whether the database file can be read.
func (s *Store) Ping(ctx context.Context) error {
	var version int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		return unavailable("ping", err)
	}
	return nil
}

// Close closes the database. The file stays.
func (s *Store) Close() error {
	s.stopCommitter() // writes already queued are committed first
	s.stmts.close()
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("sqlitestore: close: %w", err)
	}
	return nil
}

// queryer is what reads need: a *sql.DB or a *sql.Tx.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// read runs fn in one read transaction (a consistent snapshot; BEGIN DEFERRED,
// so it never waits for writers in WAL mode).
func (s *Store) read(ctx context.Context, op string, fn func(tx *txn) error) error {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return unavailable(op, err)
	}
	t := &txn{tx: tx, s: s, ctx: ctx}
	err = fn(t)
	_ = tx.Rollback()
	if len(t.miss) > 0 {
		s.stmts.add(ctx, s.db, t.miss)
	}
	if err != nil {
		return classify(op, err)
	}
	return nil
}

// classify wraps err with op, mapping everything that is not one of the
// store's caller-facing errors to store.ErrUnavailable.
func classify(op string, err error) error {
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrExists) ||
		errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrUnavailable) ||
		errors.Is(err, errInvalid) {
		return fmt.Errorf("sqlitestore: %s: %w", op, err)
	}
	return unavailable(op, err)
}

// unavailable marks err as store.ErrUnavailable; the cause stays in the chain.
func unavailable(op string, err error) error {
	return fmt.Errorf("sqlitestore: %s: %w: %w", op, store.ErrUnavailable, err)
}

// errInvalid marks an argument the caller got wrong (an empty id).
var errInvalid = errors.New("invalid argument")

func notFound(what, id string) error { return fmt.Errorf("%s %q: %w", what, id, store.ErrNotFound) }

// msOf is t in Unix milliseconds.
func msOf(t time.Time) int64 { return t.UnixMilli() }

// timeOf is the UTC time of Unix milliseconds ms.
func timeOf(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// timePtr is timeOf(ms) for a nullable column.
func timePtr(ms sql.NullInt64) *time.Time {
	if !ms.Valid {
		return nil
	}
	t := timeOf(ms.Int64)
	return &t
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
