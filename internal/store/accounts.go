package store

import (
	"context"
	"time"
)

// Role is what a console user may do.
type Role string

const (
	// RoleAdmin manages outlets and users and may do everything else.
	RoleAdmin Role = "admin"
	// RoleManager reviews holds and sees the dashboards of the outlets
	// assigned to them (User.Outlets).
	RoleManager Role = "manager"
	// RoleAuditor reads everything, on every outlet, and changes nothing.
	RoleAuditor Role = "auditor"
	// RoleEditor checks and records posts (and imports a page's history)
	// for the outlets assigned to them (User.Outlets), and sees their own
	// posts; they review nothing and see no other outlet.
	RoleEditor Role = "editor"
)

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	return r == RoleAdmin || r == RoleManager || r == RoleAuditor || r == RoleEditor
}

// HasOutlets reports whether the role works on assigned outlets
// (User.Outlets): managers and editors.
func (r Role) HasOutlets() bool { return r == RoleManager || r == RoleEditor }

// User is a person who signs in to the console.
type User struct {
	Username string `json:"username"` // lower case, unique
	Role     Role   `json:"role"`
	// Outlets are the outlet ids a manager reviews or an editor posts to
	// (ignored for other roles).
	Outlets []string `json:"outlets,omitempty"`
	// Email is where notices go (held posts, reminders, warnings); none when empty.
	Email string `json:"email,omitempty"`
	// Notices is how they go: NoticesImmediate (the default), NoticesDigest
	// (one mail a day) or NoticesOff.
	Notices string `json:"notices,omitempty"`
	// PasswordHash is a PHC string ("$argon2id$v=19$m=…,t=…,p=…$salt$hash").
	PasswordHash string    `json:"password_hash"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// How a user receives notices (User.Notices).
const (
	NoticesImmediate = "immediate"
	NoticesDigest    = "digest"
	NoticesOff       = "off"
)

// Session is a signed-in browser. Its ID is a hash of the token kept in the
// browser's cookie, so what a store holds cannot be replayed as a cookie.
type Session struct {
	ID       string    `json:"id"`
	Username string    `json:"username"`
	CSRF     string    `json:"csrf"` // per-session token for forms
	Created  time.Time `json:"created"`
	// Expires is when the session ends unless it is extended (the store
	// forgets it then).
	Expires time.Time `json:"expires"`
}

// ScheduledApproval is a manager's approval of a hold to be performed later
// (at the hold's earliest safe time) by a background job.
type ScheduledApproval struct {
	Outlet    string    `json:"outlet"`
	HoldID    string    `json:"hold_id"`
	At        time.Time `json:"at"`
	Reviewer  string    `json:"reviewer"`
	Note      string    `json:"note"`
	CreatedAt time.Time `json:"created_at"`
	// MovedFrom is set when the approval fell due but counting the post then
	// would have passed the limit, so it was moved to At: the time it was
	// first due.
	MovedFrom *time.Time `json:"moved_from,omitempty"`
}

// Accounts keeps the console's users, their sessions, the counters that
// throttle wrong passwords, and approvals scheduled for later. It lives in
// the store so that any service replica serves any user.
type Accounts interface {
	// CreateUser adds a user. ErrExists when the username is taken.
	CreateUser(ctx context.Context, u User) error
	// UpdateUser replaces a user. ErrNotFound when there is none.
	UpdateUser(ctx context.Context, u User) error
	// GetUser returns a user. ErrNotFound when there is none.
	GetUser(ctx context.Context, username string) (User, error)
	// ListUsers returns every user, by username.
	ListUsers(ctx context.Context) ([]User, error)
	// DeleteUser removes a user and ends all of their sessions. ErrNotFound
	// when there is none.
	DeleteUser(ctx context.Context, username string) error

	// PutSession stores (or replaces) a session until s.Expires.
	PutSession(ctx context.Context, s Session) error
	// GetSession returns a session that has not expired at now. ErrNotFound
	// when there is none.
	GetSession(ctx context.Context, id string, now time.Time) (Session, error)
	// DeleteSession ends one session (no error when there is none).
	DeleteSession(ctx context.Context, id string) error
	// DeleteUserSessions ends every session of a user.
	DeleteUserSessions(ctx context.Context, username string) error

	// ReserveLoginAttempt takes one sign-in attempt under key (e.g.
	// "user:NAME", "addr:IP") before the password is checked, atomically, so
	// simultaneous attempts cannot all pass a check made before any of them
	// is counted. It is refused (Allowed false, nothing changed) when the
	// rule's limit is reached in the current window or the wait after the
	// previous attempt has not passed. See LoginRule.
	ReserveLoginAttempt(ctx context.Context, key string, now time.Time, rule LoginRule) (LoginAttempt, error)
	// ReleaseLoginAttempt gives back one reserved attempt under key (a
	// sign-in that succeeded does not count against its address).
	ReleaseLoginAttempt(ctx context.Context, key string) error
	// ResetLoginAttempts forgets every attempt under key.
	ResetLoginAttempts(ctx context.Context, key string) error

	// ScheduleApproval stores (or replaces) the scheduled approval of a hold.
	ScheduleApproval(ctx context.Context, s ScheduledApproval) error
	// DueApprovals returns up to n scheduled approvals due at now, earliest first.
	DueApprovals(ctx context.Context, now time.Time, n int) ([]ScheduledApproval, error)
	// ListScheduledApprovals returns an outlet's scheduled approvals,
	// earliest first ("" outlet: every outlet's).
	ListScheduledApprovals(ctx context.Context, outlet string) ([]ScheduledApproval, error)
	// CancelScheduledApproval removes the scheduled approval of a hold (no
	// error when there is none).
	CancelScheduledApproval(ctx context.Context, outlet, holdID string) error
}

// LoginRule limits the sign-in attempts under one key. The first attempt
// starts a fixed window of length Window; the count is forgotten when it
// ends.
type LoginRule struct {
	// Limit is the most attempts in one window (0: no limit).
	Limit int64
	// Window is how long a count lasts from the window's first attempt.
	Window time.Duration
	// Delays[n-1] is how long after the n-th attempt of a window the next
	// one may start; past the end of the slice its last entry applies.
	// Empty: no wait.
	Delays []time.Duration
}

// DelayAfter is the wait after the n-th attempt (n from 1).
func (r LoginRule) DelayAfter(n int64) time.Duration {
	if len(r.Delays) == 0 || n < 1 {
		return 0
	}
	return r.Delays[min(n, int64(len(r.Delays)))-1]
}

// LoginAttempt is the answer to a reservation.
type LoginAttempt struct {
	// Allowed: the attempt was taken and the password may be checked.
	Allowed bool
	// Count is the attempts in the window, this one included when allowed.
	Count int64
	// RetryAt is, when refused, the earliest time another attempt may be
	// allowed (the window's end or the end of the wait).
	RetryAt time.Time
}
