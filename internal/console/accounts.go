package console

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/store"
)

// AccountsStore is what user administration needs of a store.
type AccountsStore interface {
	store.Accounts
	store.Audit
	GetOutlet(ctx context.Context, id string) (store.Outlet, error)
}

// Accounts administers console users. It knows nothing of HTTP: the
// console's admin page and `gatekeeper user …` both call it, so a user is
// added, changed, reset and removed, and audited, the same way from both.
// Every change is recorded in the accounts log (AccountsLog) and in the log
// of each outlet it touches; a record that cannot be written is logged at
// error level and reported as ErrAuditFailed, never dropped silently.
type Accounts struct {
	Store AccountsStore
	Clock clock.Clock  // the zero value is the wall clock
	Log   *slog.Logger // slog.Default when nil
}

// Errors of Accounts; the edges (console page, CLI) translate them.
var (
	ErrInvalidUsername = errors.New("accounts: invalid username")
	ErrInvalidRole     = errors.New("accounts: role must be admin, manager, auditor or editor")
	ErrUnknownOutlet   = errors.New("accounts: no such outlet")
	ErrUserExists      = errors.New("accounts: user already exists")
	ErrNoUser          = errors.New("accounts: no such user")
	ErrLastAdmin       = errors.New("accounts: the last admin cannot stop being one")
	ErrSelf            = errors.New("accounts: an admin cannot remove themself")
	// ErrAuditFailed: the change is made, but a record of it is missing.
	ErrAuditFailed = errors.New("accounts: change made but its audit record was not written")
)

func (a *Accounts) now() time.Time { return a.Clock.Now() }

func (a *Accounts) log() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}

// NewUser is a user to add. Outlets count for managers and editors only
// (ignored for other roles); each must exist.
type NewUser struct {
	Username string
	Role     store.Role
	Outlets  []string
	// Email and Notices are where and how notices reach the user (as
	// ParseNotices returns them).
	Email, Notices string
	Password       string
}

// Add creates a user and returns it (username normalised, outlets sorted).
func (a *Accounts) Add(ctx context.Context, actor string, n NewUser) (store.User, error) {
	name, err := NormalizeUsername(n.Username)
	if err != nil {
		return store.User{}, err
	}
	if !n.Role.Valid() {
		return store.User{}, fmt.Errorf("%w (got %q)", ErrInvalidRole, n.Role)
	}
	ids, err := a.outlets(ctx, n.Role, n.Outlets)
	if err != nil {
		return store.User{}, err
	}
	if err := CheckPasswordPolicy(n.Password); err != nil {
		return store.User{}, err
	}
	hash, err := HashPassword(n.Password)
	if err != nil {
		return store.User{}, err
	}
	now := a.now()
	u := store.User{Username: name, Role: n.Role, Outlets: ids, Email: n.Email, Notices: n.Notices, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := a.Store.CreateUser(ctx, u); err != nil {
		if errors.Is(err, store.ErrExists) {
			return store.User{}, fmt.Errorf("%w: %s", ErrUserExists, name)
		}
		return store.User{}, fmt.Errorf("accounts: add user %s: %w", name, err)
	}
	return u, a.audit(ctx, actor, ids, "user_add", map[string]any{"username": name, "role": n.Role, "outlets": ids})
}

// Update changes a user's role and outlets. The last admin stays an admin.
func (a *Accounts) Update(ctx context.Context, actor, username string, role store.Role, outlets []string) error {
	if !role.Valid() {
		return fmt.Errorf("%w (got %q)", ErrInvalidRole, role)
	}
	u, err := a.get(ctx, username)
	if err != nil {
		return err
	}
	ids, err := a.outlets(ctx, role, outlets)
	if err != nil {
		return err
	}
	if u.Role == store.RoleAdmin && role != store.RoleAdmin {
		if n, err := a.otherAdmins(ctx, u.Username); err != nil {
			return err
		} else if n == 0 {
			return ErrLastAdmin
		}
	}
	before, beforeOutlets := u.Role, u.Outlets
	u.Role, u.Outlets, u.UpdatedAt = role, ids, a.now()
	if err := a.Store.UpdateUser(ctx, u); err != nil {
		return a.userErr(u.Username, err)
	}
	touched := slices.Clone(beforeOutlets)
	for _, o := range ids {
		if !slices.Contains(touched, o) {
			touched = append(touched, o)
		}
	}
	return a.audit(ctx, actor, touched, "user_update", map[string]any{"username": u.Username, "role_before": before, "role": role,
		"outlets_before": beforeOutlets, "outlets": ids})
}

// ResetPassword gives a user a new password (set by an admin) and ends
// every session of theirs.
func (a *Accounts) ResetPassword(ctx context.Context, actor, username, password string) error {
	u, err := a.get(ctx, username)
	if err != nil {
		return err
	}
	return a.setPassword(ctx, actor, u, password, "user_password_reset")
}

// ChangeOwnPassword sets a signed-in user's new password and ends every
// session of theirs (the caller opens a new one for the browser in use).
func (a *Accounts) ChangeOwnPassword(ctx context.Context, u store.User, password string) error {
	return a.setPassword(ctx, u.Username, u, password, "password_change")
}

func (a *Accounts) setPassword(ctx context.Context, actor string, u store.User, password, auditType string) error {
	if err := CheckPasswordPolicy(password); err != nil {
		return err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	u.PasswordHash, u.UpdatedAt = hash, a.now()
	if err := a.Store.UpdateUser(ctx, u); err != nil {
		return a.userErr(u.Username, err)
	}
	if err := a.Store.DeleteUserSessions(ctx, u.Username); err != nil {
		return fmt.Errorf("accounts: end sessions of %s: %w", u.Username, err)
	}
	return a.audit(ctx, actor, nil, auditType, map[string]any{"username": u.Username})
}

// SetNotices sets where and how a user receives notices (values as
// ParseNotices returns them).
func (a *Accounts) SetNotices(ctx context.Context, actor, username, email, notices string) error {
	u, err := a.get(ctx, username)
	if err != nil {
		return err
	}
	u.Email, u.Notices, u.UpdatedAt = email, notices, a.now()
	if err := a.Store.UpdateUser(ctx, u); err != nil {
		return a.userErr(u.Username, err)
	}
	return a.audit(ctx, actor, u.Outlets, "user_notices", map[string]any{"username": u.Username, "notices": notices, "email": email != ""})
}

// Remove deletes a user and ends their sessions. An actor cannot remove
// themself.
func (a *Accounts) Remove(ctx context.Context, actor, username string) error {
	u, err := a.get(ctx, username)
	if err != nil {
		return err
	}
	if u.Username == actor {
		return ErrSelf
	}
	if err := a.Store.DeleteUser(ctx, u.Username); err != nil {
		return a.userErr(u.Username, err)
	}
	return a.audit(ctx, actor, u.Outlets, "user_remove", map[string]any{"username": u.Username, "role": u.Role})
}

func (a *Accounts) get(ctx context.Context, username string) (store.User, error) {
	u, err := a.Store.GetUser(ctx, username)
	if err != nil {
		return store.User{}, a.userErr(username, err)
	}
	return u, nil
}

func (a *Accounts) userErr(name string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: %s", ErrNoUser, name)
	}
	return fmt.Errorf("accounts: user %s: %w", name, err)
}

// outlets are a manager's or an editor's outlets, each checked, sorted,
// without duplicates; none for other roles.
func (a *Accounts) outlets(ctx context.Context, role store.Role, list []string) ([]string, error) {
	if !role.HasOutlets() {
		return nil, nil
	}
	var ids []string
	for _, id := range list {
		if id == "" || slices.Contains(ids, id) {
			continue
		}
		if _, err := a.Store.GetOutlet(ctx, id); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, fmt.Errorf("%w: %s", ErrUnknownOutlet, id)
			}
			return nil, fmt.Errorf("accounts: outlet %s: %w", id, err)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, nil
}

// otherAdmins counts admins other than name.
func (a *Accounts) otherAdmins(ctx context.Context, name string) (int, error) {
	users, err := a.Store.ListUsers(ctx)
	if err != nil {
		return 0, fmt.Errorf("accounts: list users: %w", err)
	}
	n := 0
	for _, u := range users {
		if u.Role == store.RoleAdmin && u.Username != name {
			n++
		}
	}
	return n, nil
}

// AccountsLog is the audit log of account changes (every role, every
// change), beside the log of each outlet a change touches. It is not a
// valid outlet id, so it cannot clash with one.
const AccountsLog = "_accounts"

// audit records an account change in the accounts log and in the log of
// each outlet it touches. The change is already made: a record that cannot
// be written is logged and reported (ErrAuditFailed), never dropped.
func (a *Accounts) audit(ctx context.Context, actor string, outlets []string, typ string, detail map[string]any) error {
	b := mustJSON(detail)
	var errs []error
	for _, o := range append([]string{AccountsLog}, outlets...) {
		if err := a.Store.AppendAudit(ctx, store.AuditEntry{Outlet: o, At: a.now(), Type: typ, Actor: actor, Detail: b}); err != nil {
			a.log().ErrorContext(ctx, "audit record not written", "log", o, "type", typ, "actor", actor, "err", err)
			errs = append(errs, fmt.Errorf("%s: %w", o, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w (%s): %w", ErrAuditFailed, typ, errors.Join(errs...))
	}
	return nil
}
