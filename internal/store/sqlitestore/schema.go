package sqlitestore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

// coreSchema is the store's own schema as numbered migrations: entry i takes
// the file from PRAGMA user_version i to i+1. Append new entries; never edit
// one that has shipped.
//
// Tables mirror the Redis keys of docs/design.md:
//
//	outlets          {o:ID}:outlet (the outlet as JSON)
//	posts            {o:ID}:post:PID, the ledger; counted rows are {o:ID}:win, :neg and :pos
//	windows          ZCOUNT of :win, :neg and :pos, kept as running counts
//	daily            {o:ID}:daily
//	holds            {o:ID}:hold:HID and {o:ID}:holds
//	webhook_replies  {o:ID}:wh:WID (a check's first answer)
//	replies          {o:ID}:reply:WID
//	audit            {o:ID}:audit
//	callbacks        the outbox of notices to the CMS
var coreSchema = []string{
	// 1: everything.
	`
CREATE TABLE outlets (
	id         TEXT PRIMARY KEY,
	doc        TEXT NOT NULL,      -- store.Outlet as JSON
	created_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE posts (
	outlet     TEXT NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
	post       TEXT NOT NULL,
	state      TEXT NOT NULL,      -- counted, held, rejected, withdrawn
	neg        INTEGER NOT NULL,   -- 0/1: its (best) label is negative
	at_ms      INTEGER NOT NULL,   -- go-live time of a counted post
	day        TEXT NOT NULL,      -- DayKey of at_ms: its day in the daily series
	hold       TEXT NOT NULL DEFAULT '', -- its pending hold
	updated_ms INTEGER NOT NULL,
	PRIMARY KEY (outlet, post)
) STRICT, WITHOUT ROWID;

-- The window: counted posts by go-live time, covering (neg), so the counts of
-- (now-window, +inf) are one index range.
CREATE INDEX posts_window ON posts (outlet, at_ms, neg) WHERE state = 'counted';

-- The window's running counts: the posts counted with a go-live time after
-- start_ms. A check moves start_ms to its own window start, counting only the
-- posts that left (or re-entered) the window in between: O(log n) per check.
-- The triggers below keep the counts exact through every change of posts.
CREATE TABLE windows (
	outlet    TEXT PRIMARY KEY REFERENCES outlets(id) ON DELETE CASCADE,
	start_ms  INTEGER NOT NULL,
	published INTEGER NOT NULL,
	negative  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TRIGGER posts_window_insert AFTER INSERT ON posts
WHEN new.state = 'counted' BEGIN
	UPDATE windows SET published = published + 1, negative = negative + new.neg
	WHERE outlet = new.outlet AND new.at_ms > start_ms;
END;

CREATE TRIGGER posts_window_update AFTER UPDATE OF state, neg, at_ms ON posts BEGIN
	UPDATE windows SET
		published = published
			- (old.state = 'counted' AND old.at_ms > start_ms)
			+ (new.state = 'counted' AND new.at_ms > start_ms),
		negative = negative
			- (old.state = 'counted' AND old.at_ms > start_ms AND old.neg = 1)
			+ (new.state = 'counted' AND new.at_ms > start_ms AND new.neg = 1)
	WHERE outlet = new.outlet;
END;

CREATE TRIGGER posts_window_delete AFTER DELETE ON posts
WHEN old.state = 'counted' BEGIN
	UPDATE windows SET published = published - 1, negative = negative - old.neg
	WHERE outlet = old.outlet AND old.at_ms > start_ms;
END;

CREATE TABLE daily (
	outlet    TEXT NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
	day       TEXT NOT NULL,
	published INTEGER NOT NULL,
	negative  INTEGER NOT NULL,
	PRIMARY KEY (outlet, day)
) STRICT, WITHOUT ROWID;

CREATE TABLE holds (
	outlet        TEXT NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
	id            TEXT NOT NULL,
	post          TEXT NOT NULL,
	status        TEXT NOT NULL,
	created_ms    INTEGER NOT NULL,
	updated_ms    INTEGER NOT NULL,
	neg           INTEGER NOT NULL,
	before_p      INTEGER NOT NULL,
	before_n      INTEGER NOT NULL,
	earliest_ms   INTEGER,
	reviewer      TEXT NOT NULL DEFAULT '',
	note          TEXT NOT NULL DEFAULT '',
	resolved_ms   INTEGER,
	cancel_reason TEXT NOT NULL DEFAULT '',
	snapshot      BLOB,
	PRIMARY KEY (outlet, id)
) STRICT;
CREATE INDEX holds_created ON holds (outlet, created_ms, id);
CREATE INDEX holds_status ON holds (outlet, status, created_ms, id);

CREATE TABLE webhook_replies (
	outlet     TEXT NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
	wid        TEXT NOT NULL,
	result     BLOB NOT NULL,      -- the first CheckResult, as JSON
	expires_ms INTEGER NOT NULL,   -- in the checks' own time (CheckInput.Now)
	PRIMARY KEY (outlet, wid)
) STRICT, WITHOUT ROWID;
CREATE INDEX webhook_replies_expiry ON webhook_replies (outlet, expires_ms);

-- Answers to other signed requests. No foreign key: an answer may be kept
-- for a request about an outlet that is gone.
CREATE TABLE replies (
	outlet     TEXT NOT NULL,
	wid        TEXT NOT NULL,
	answer     BLOB NOT NULL,
	expires_ms INTEGER NOT NULL,   -- wall-clock time
	PRIMARY KEY (outlet, wid)
) STRICT, WITHOUT ROWID;
CREATE INDEX replies_expiry ON replies (expires_ms);

-- Append-only. AUTOINCREMENT: an id is never reused, so ids only grow.
-- No foreign key: entries about an outlet may be written after it is removed.
CREATE TABLE audit (
	id       INTEGER PRIMARY KEY AUTOINCREMENT,
	outlet   TEXT NOT NULL,
	at_ms    INTEGER NOT NULL,
	type     TEXT NOT NULL,
	post     TEXT NOT NULL DEFAULT '',
	hold     TEXT NOT NULL DEFAULT '',
	actor    TEXT NOT NULL DEFAULT '',
	decision TEXT NOT NULL DEFAULT '',
	detail   BLOB
);
CREATE INDEX audit_outlet ON audit (outlet, id);

CREATE TABLE callbacks (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	outlet       TEXT NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
	id           TEXT NOT NULL,
	type         TEXT NOT NULL,
	payload      BLOB,
	status       TEXT NOT NULL,
	created_ms   INTEGER NOT NULL,
	next_ms      INTEGER NOT NULL,
	attempts     INTEGER NOT NULL DEFAULT 0,
	last_error   TEXT NOT NULL DEFAULT '',
	delivered_ms INTEGER,
	UNIQUE (outlet, id)
);
CREATE INDEX callbacks_due ON callbacks (outlet, status, next_ms, seq);
`,
	// 2: the positive count beside the negative one: each post's and hold's
	// tone is negative (neg = 1), positive (pos = 1) or neutral (neither);
	// the running counts and the triggers count positive posts too.
	`
ALTER TABLE posts ADD COLUMN pos INTEGER NOT NULL DEFAULT 0;
ALTER TABLE windows ADD COLUMN positive INTEGER NOT NULL DEFAULT 0;
ALTER TABLE holds ADD COLUMN pos INTEGER NOT NULL DEFAULT 0;
ALTER TABLE holds ADD COLUMN before_pos INTEGER NOT NULL DEFAULT 0;

DROP INDEX posts_window;
CREATE INDEX posts_window ON posts (outlet, at_ms, neg, pos) WHERE state = 'counted';

DROP TRIGGER posts_window_insert;
DROP TRIGGER posts_window_update;
DROP TRIGGER posts_window_delete;

CREATE TRIGGER posts_window_insert AFTER INSERT ON posts
WHEN new.state = 'counted' BEGIN
	UPDATE windows SET published = published + 1, negative = negative + new.neg, positive = positive + new.pos
	WHERE outlet = new.outlet AND new.at_ms > start_ms;
END;

CREATE TRIGGER posts_window_update AFTER UPDATE OF state, neg, pos, at_ms ON posts BEGIN
	UPDATE windows SET
		published = published
			- (old.state = 'counted' AND old.at_ms > start_ms)
			+ (new.state = 'counted' AND new.at_ms > start_ms),
		negative = negative
			- (old.state = 'counted' AND old.at_ms > start_ms AND old.neg = 1)
			+ (new.state = 'counted' AND new.at_ms > start_ms AND new.neg = 1),
		positive = positive
			- (old.state = 'counted' AND old.at_ms > start_ms AND old.pos = 1)
			+ (new.state = 'counted' AND new.at_ms > start_ms AND new.pos = 1)
	WHERE outlet = new.outlet;
END;

CREATE TRIGGER posts_window_delete AFTER DELETE ON posts
WHEN old.state = 'counted' BEGIN
	UPDATE windows SET published = published - 1, negative = negative - old.neg, positive = positive - old.pos
	WHERE outlet = old.outlet AND old.at_ms > start_ms;
END;
`,
	// 3: the daily series counts positive posts too. Days already kept get
	// the positive posts their ledger still counts.
	`
ALTER TABLE daily ADD COLUMN positive INTEGER NOT NULL DEFAULT 0;
UPDATE daily SET positive = (
	SELECT count(*) FROM posts
	WHERE posts.outlet = daily.outlet AND posts.day = daily.day AND posts.state = 'counted' AND posts.pos = 1);
`,
}

// extraSchema holds statements other files of this package add in init()
// (for example the console's users and sessions tables):
//
//	func init() { extraSchema = append(extraSchema, `CREATE TABLE IF NOT EXISTS users (…)`) }
//
// Open runs each statement once per database file, after coreSchema, in the
// order they were appended, and remembers it by its text (SHA-256) in the
// schema_extra table. So a statement may be an ALTER TABLE; to change the
// schema later append a new statement, never edit one that has shipped
// (an edited statement is a new statement and runs again). Tables created
// here may reference the core tables (e.g. REFERENCES outlets(id) ON DELETE
// CASCADE).
var extraSchema []string

// migrate brings the file up to coreSchema and extraSchema, in one
// BEGIN IMMEDIATE transaction, so a second process opening the file at the
// same time waits and then finds nothing to do.
func (s *Store) migrate(ctx context.Context) error {
	return s.writeAlone(ctx, "schema", func(t *txn) error {
		tx := t.tx // DDL runs unprepared and uncached
		var version int
		if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
			return err
		}
		if version > len(coreSchema) {
			return fmt.Errorf("database schema version %d is newer than this program's (%d): %w",
				version, len(coreSchema), errInvalid)
		}
		for i := version; i < len(coreSchema); i++ {
			if _, err := tx.ExecContext(ctx, coreSchema[i]); err != nil {
				return fmt.Errorf("migration %d: %w", i+1, err)
			}
		}
		if version != len(coreSchema) {
			// PRAGMA takes no bound parameters; the value is our own integer.
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", len(coreSchema))); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_extra (
			hash       TEXT PRIMARY KEY,
			applied_ms INTEGER NOT NULL
		) STRICT, WITHOUT ROWID`); err != nil {
			return err
		}
		for _, stmt := range extraSchema {
			sum := sha256.Sum256([]byte(stmt))
			hash := hex.EncodeToString(sum[:])
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_extra WHERE hash = ?", hash).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("extra schema statement %.60q: %w", stmt, err)
			}
			if _, err := tx.ExecContext(ctx, "INSERT INTO schema_extra (hash, applied_ms) VALUES (?, ?)", hash, time.Now().UnixMilli()); err != nil {
				return err
			}
		}
		return nil
	})
}
