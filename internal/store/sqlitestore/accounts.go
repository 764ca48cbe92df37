package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gatekeeper/internal/store"
)

// The console's accounts: users, sessions, sign-in failure counters and
// scheduled approvals (store.Accounts).
func init() {
	extraSchema = append(extraSchema,
		`CREATE TABLE IF NOT EXISTS users (
	username TEXT PRIMARY KEY,
	doc      TEXT NOT NULL
) STRICT, WITHOUT ROWID`,
		`CREATE TABLE IF NOT EXISTS sessions (
	id         TEXT PRIMARY KEY,
	username   TEXT NOT NULL,
	doc        TEXT NOT NULL,
	expires_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID`,
		`CREATE INDEX IF NOT EXISTS sessions_user ON sessions (username)`,
		`CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (expires_ms)`,
		`CREATE TABLE IF NOT EXISTS login_failures (
	key      TEXT PRIMARY KEY,
	count    INTEGER NOT NULL,
	reset_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID`,
		`ALTER TABLE login_failures ADD COLUMN next_ms INTEGER NOT NULL DEFAULT 0`,
		`CREATE TABLE IF NOT EXISTS scheduled_approvals (
	outlet  TEXT NOT NULL REFERENCES outlets(id) ON DELETE CASCADE,
	hold_id TEXT NOT NULL,
	at_ms   INTEGER NOT NULL,
	doc     TEXT NOT NULL,
	PRIMARY KEY (outlet, hold_id)
) STRICT, WITHOUT ROWID`,
		`CREATE INDEX IF NOT EXISTS scheduled_due ON scheduled_approvals (at_ms)`,
	)
}

// CreateUser adds a user; store.ErrExists when the username is taken.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	if u.Username == "" {
		return fmt.Errorf("sqlitestore: create user: empty username: %w", errInvalid)
	}
	doc, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("sqlitestore: create user: %w", err)
	}
	return s.write(ctx, "create user", func(tx *txn) error {
		res, err := tx.ExecContext(ctx, "INSERT INTO users (username, doc) VALUES (?, ?) ON CONFLICT (username) DO NOTHING",
			u.Username, string(doc))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("user %q: %w", u.Username, store.ErrExists)
		}
		return nil
	})
}

// UpdateUser replaces a user; store.ErrNotFound when there is none.
func (s *Store) UpdateUser(ctx context.Context, u store.User) error {
	doc, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("sqlitestore: update user: %w", err)
	}
	return s.write(ctx, "update user", func(tx *txn) error {
		res, err := tx.ExecContext(ctx, "UPDATE users SET doc = ? WHERE username = ?", string(doc), u.Username)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("user", u.Username)
		}
		return nil
	})
}

// GetUser returns a user; store.ErrNotFound when there is none.
func (s *Store) GetUser(ctx context.Context, username string) (store.User, error) {
	var doc string
	err := s.db.QueryRowContext(ctx, "SELECT doc FROM users WHERE username = ?", username).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return store.User{}, fmt.Errorf("sqlitestore: get user: %w", notFound("user", username))
	}
	if err != nil {
		return store.User{}, unavailable("get user", err)
	}
	var u store.User
	if err := json.Unmarshal([]byte(doc), &u); err != nil {
		return store.User{}, unavailable("get user", err)
	}
	return u, nil
}

// ListUsers returns every user by username.
func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT doc FROM users ORDER BY username")
	if err != nil {
		return nil, unavailable("list users", err)
	}
	defer rows.Close()
	out := []store.User{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, unavailable("list users", err)
		}
		var u store.User
		if err := json.Unmarshal([]byte(doc), &u); err != nil {
			return nil, unavailable("list users", err)
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable("list users", err)
	}
	return out, nil
}

// DeleteUser removes a user and their sessions; store.ErrNotFound when there is none.
func (s *Store) DeleteUser(ctx context.Context, username string) error {
	return s.write(ctx, "delete user", func(tx *txn) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM users WHERE username = ?", username)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return notFound("user", username)
		}
		_, err = tx.ExecContext(ctx, "DELETE FROM sessions WHERE username = ?", username)
		return err
	})
}

// PutSession stores or replaces a session until s.Expires.
func (s *Store) PutSession(ctx context.Context, se store.Session) error {
	if se.ID == "" {
		return fmt.Errorf("sqlitestore: put session: empty id: %w", errInvalid)
	}
	doc, err := json.Marshal(se)
	if err != nil {
		return fmt.Errorf("sqlitestore: put session: %w", err)
	}
	return s.write(ctx, "put session", func(tx *txn) error {
		// Sessions expired before this one was created go first (an index
		// range; each is deleted once): the caller's clock, not the wall
		// clock, as GetSession decides validity on the caller's clock.
		if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE expires_ms <= ?", msOf(se.Created)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, username, doc, expires_ms) VALUES (?, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET username = excluded.username, doc = excluded.doc, expires_ms = excluded.expires_ms`,
			se.ID, se.Username, string(doc), msOf(se.Expires))
		return err
	})
}

// GetSession returns a session that has not expired at now.
func (s *Store) GetSession(ctx context.Context, id string, now time.Time) (store.Session, error) {
	var doc string
	err := s.db.QueryRowContext(ctx, "SELECT doc FROM sessions WHERE id = ? AND expires_ms > ?", id, msOf(now)).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Session{}, fmt.Errorf("sqlitestore: get session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, unavailable("get session", err)
	}
	var se store.Session
	if err := json.Unmarshal([]byte(doc), &se); err != nil {
		return store.Session{}, unavailable("get session", err)
	}
	return se, nil
}

// DeleteSession ends one session.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	return s.write(ctx, "delete session", func(tx *txn) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE id = ?", id)
		return err
	})
}

// DeleteUserSessions ends every session of a user.
func (s *Store) DeleteUserSessions(ctx context.Context, username string) error {
	return s.write(ctx, "delete user sessions", func(tx *txn) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE username = ?", username)
		return err
	})
}

// ReserveLoginAttempt takes one sign-in attempt under key, in one write
// transaction (so simultaneous attempts are counted one after another).
func (s *Store) ReserveLoginAttempt(ctx context.Context, key string, now time.Time, rule store.LoginRule) (store.LoginAttempt, error) {
	var a store.LoginAttempt
	err := s.write(ctx, "reserve login attempt", func(tx *txn) error {
		a = store.LoginAttempt{}
		var count, reset, next int64
		err := tx.QueryRowContext(ctx, "SELECT count, reset_ms, next_ms FROM login_failures WHERE key = ?", key).Scan(&count, &reset, &next)
		switch {
		case errors.Is(err, sql.ErrNoRows) || (err == nil && reset <= msOf(now)):
			count, reset, next = 0, msOf(now.Add(rule.Window)), 0
		case err != nil:
			return err
		}
		a.Count = count
		if rule.Limit > 0 && count >= rule.Limit {
			a.RetryAt = timeOf(reset)
			return nil
		}
		if next > msOf(now) {
			a.RetryAt = timeOf(next)
			return nil
		}
		count++
		a.Allowed, a.Count = true, count
		next = msOf(now.Add(rule.DelayAfter(count)))
		_, err = tx.ExecContext(ctx, `INSERT INTO login_failures (key, count, reset_ms, next_ms) VALUES (?, ?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET count = excluded.count, reset_ms = excluded.reset_ms, next_ms = excluded.next_ms`,
			key, count, reset, next)
		return err
	})
	if err != nil {
		return store.LoginAttempt{}, err
	}
	return a, nil
}

// ReleaseLoginAttempt gives back one reserved attempt under key.
func (s *Store) ReleaseLoginAttempt(ctx context.Context, key string) error {
	return s.write(ctx, "release login attempt", func(tx *txn) error {
		_, err := tx.ExecContext(ctx, "UPDATE login_failures SET count = count - 1 WHERE key = ? AND count > 0", key)
		return err
	})
}

// ResetLoginAttempts forgets every attempt under key.
func (s *Store) ResetLoginAttempts(ctx context.Context, key string) error {
	return s.write(ctx, "reset login attempts", func(tx *txn) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM login_failures WHERE key = ?", key)
		return err
	})
}

// ScheduleApproval stores or replaces a hold's scheduled approval.
func (s *Store) ScheduleApproval(ctx context.Context, a store.ScheduledApproval) error {
	if a.Outlet == "" || a.HoldID == "" {
		return fmt.Errorf("sqlitestore: schedule approval: empty id: %w", errInvalid)
	}
	doc, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("sqlitestore: schedule approval: %w", err)
	}
	return s.write(ctx, "schedule approval", func(tx *txn) error {
		if err := outletExists(ctx, tx, a.Outlet); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO scheduled_approvals (outlet, hold_id, at_ms, doc) VALUES (?, ?, ?, ?)
			ON CONFLICT (outlet, hold_id) DO UPDATE SET at_ms = excluded.at_ms, doc = excluded.doc`,
			a.Outlet, a.HoldID, msOf(a.At), string(doc))
		return err
	})
}

func (s *Store) scheduled(ctx context.Context, op, query string, args ...any) ([]store.ScheduledApproval, error) {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, unavailable(op, err)
	}
	defer rows.Close()
	out := []store.ScheduledApproval{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, unavailable(op, err)
		}
		var a store.ScheduledApproval
		if err := json.Unmarshal([]byte(doc), &a); err != nil {
			return nil, unavailable(op, err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, unavailable(op, err)
	}
	return out, nil
}

// DueApprovals returns up to n scheduled approvals due at now, earliest first.
func (s *Store) DueApprovals(ctx context.Context, now time.Time, n int) ([]store.ScheduledApproval, error) {
	if n <= 0 {
		n = 100
	}
	return s.scheduled(ctx, "due approvals",
		"SELECT doc FROM scheduled_approvals WHERE at_ms <= ? ORDER BY at_ms, outlet, hold_id LIMIT ?", msOf(now), n)
}

// ListScheduledApprovals returns an outlet's (or every outlet's) scheduled approvals.
func (s *Store) ListScheduledApprovals(ctx context.Context, outlet string) ([]store.ScheduledApproval, error) {
	if outlet == "" {
		return s.scheduled(ctx, "list scheduled approvals", "SELECT doc FROM scheduled_approvals ORDER BY at_ms, outlet, hold_id")
	}
	return s.scheduled(ctx, "list scheduled approvals",
		"SELECT doc FROM scheduled_approvals WHERE outlet = ? ORDER BY at_ms, hold_id", outlet)
}

// CancelScheduledApproval removes a hold's scheduled approval.
func (s *Store) CancelScheduledApproval(ctx context.Context, outlet, holdID string) error {
	return s.write(ctx, "cancel scheduled approval", func(tx *txn) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM scheduled_approvals WHERE outlet = ? AND hold_id = ?", outlet, holdID)
		return err
	})
}
