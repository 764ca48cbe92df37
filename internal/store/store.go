// Package store defines what Gatekeeper keeps and the one interface both of
// its stores implement: Redis (production, package store/redisstore) and the
// embedded SQLite file (zero config, package store/sqlitestore). The contract
// suite in store/storetest runs against both.
//
// A store decides atomically: the window's counts are read, the policy plan
// is evaluated and the result is recorded in one step (a Lua script in Redis,
// a transaction in SQLite), so concurrent checks on any number of service
// replicas can never take the counted share past the limit.
package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"gatekeeper/internal/jsonappend"
	"gatekeeper/policy"
)

// Errors a store returns, wrapped with context. Callers test with errors.Is.
var (
	// ErrNotFound: no such outlet, post or hold.
	ErrNotFound = errors.New("not found")
	// ErrExists: an outlet with that id already exists.
	ErrExists = errors.New("already exists")
	// ErrConflict: the hold is not pending (already approved, rejected or cancelled).
	ErrConflict = errors.New("conflict")
	// ErrWebhookReused: a check's webhook id is kept for another request
	// (CheckInput.Claim); nothing was changed. It is an ErrConflict.
	ErrWebhookReused = fmt.Errorf("webhook id used by another request: %w", ErrConflict)
	// ErrNotSafe: a guarded approval (Resolution.Guard) would count the post
	// in a situation its plan holds; nothing was changed.
	ErrNotSafe = errors.New("not safe to count now")
	// ErrUnavailable: the store could not be reached or did not confirm the
	// write in time. Nothing is known to have been recorded; the caller must
	// not treat the post as counted.
	ErrUnavailable = errors.New("store unavailable")
)

// Secret is one of an outlet's webhook signing secrets ("whsec_" + base64).
type Secret struct {
	Value string `json:"value"`
	// ExpiresAt is set on a rotated-out secret: it keeps verifying until then.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// OutletKind is how an outlet publishes. Both kinds are counted, limited
// and reported the same way.
type OutletKind string

const (
	// KindWebsite: a CMS calls the webhook before each post (the default).
	KindWebsite OutletKind = "website"
	// KindSocial: a page on a social network (Facebook, Zalo OA, YouTube,
	// TikTok), where no plugin can sit before the publish button: posts are
	// checked and recorded in the console, from the command line or the API,
	// or imported from the page's history.
	KindSocial OutletKind = "social"
)

// OutletKinds are the kinds an outlet may be.
var OutletKinds = []OutletKind{KindWebsite, KindSocial}

// Platforms a social outlet may be on.
var Platforms = []string{"facebook", "zalo", "youtube", "tiktok", "other"}

// Outlet is one news outlet and its policy.
type Outlet struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Kind is "" for outlets stored before kinds existed: a website (KindOf).
	Kind OutletKind `json:"kind,omitempty"`
	// Platform and PageURL, for a social outlet: the network and the page's
	// public address.
	Platform   string       `json:"platform,omitempty"`
	PageURL    string       `json:"page_url,omitempty"`
	Rules      policy.Rules `json:"rules"`
	WindowDays int          `json:"window_days"`
	Timezone   string       `json:"timezone"`
	// CategoryTones maps policy.CategoryKey(category) to a tone.
	CategoryTones map[string]policy.Tone `json:"category_tones,omitempty"`
	CallbackURL   string                 `json:"callback_url,omitempty"`
	// AllowPrivateCallback lets the callback URL resolve to a loopback or
	// private address (set by an admin, e.g. for a CMS on the same network).
	AllowPrivateCallback bool `json:"allow_private_callback,omitempty"`
	// ApprovalConsoleOnly refuses approvals and rejections sent by the CMS:
	// holds are resolved in the console only.
	ApprovalConsoleOnly bool      `json:"approval_console_only,omitempty"`
	Secrets             []Secret  `json:"secrets"` // the current secret first
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
}

// KindOf is the outlet's kind (a website when none is stored).
func (o *Outlet) KindOf() OutletKind {
	if o.Kind == "" {
		return KindWebsite
	}
	return o.Kind
}

// Window returns the outlet's window length.
func (o *Outlet) Window() time.Duration { return time.Duration(o.WindowDays) * 24 * time.Hour }

// ActiveSecrets are the secrets that verify at now, the current one first:
// the current secret (unless it carries an expiry that has passed) and each
// rotated-out secret whose expiry is still ahead. A previous secret with no
// expiry is not active. Requests are verified, and callbacks signed, with
// exactly these.
func (o *Outlet) ActiveSecrets(now time.Time) []Secret {
	var active []Secret
	for i, s := range o.Secrets {
		if s.ExpiresAt == nil && i > 0 {
			continue
		}
		if s.ExpiresAt != nil && !now.Before(*s.ExpiresAt) {
			continue
		}
		active = append(active, s)
	}
	return active
}

// A new outlet's defaults: the CLI, the console and admin.NewOutlet all
// start from these.
const (
	DefaultTimezone   = "Asia/Ho_Chi_Minh"
	DefaultWindowDays = 30
)

// DefaultLocation is DefaultTimezone's location (UTC+7 when the zone
// database lacks it).
func DefaultLocation() *time.Location { return (&Outlet{Timezone: DefaultTimezone}).Location() }

// Location returns the outlet's time zone (UTC+7 if it cannot be loaded).
func (o *Outlet) Location() *time.Location {
	if loc, ok := locations.Load(o.Timezone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(o.Timezone)
	if err != nil {
		return time.FixedZone("ICT", 7*3600)
	}
	// time.LoadLocation reads the zone file every time; a check needs it twice.
	locations.Store(o.Timezone, loc)
	return loc
}

// locations caches loaded time zones by name (a handful per deployment).
var locations sync.Map

// DayKey is the calendar day of t in loc, as "20061231": the key of the daily series.
func DayKey(t time.Time, loc *time.Location) string { return t.In(loc).Format("20060102") }

// LedgerState is what happened to a post last.
type LedgerState string

const (
	StateCounted   LedgerState = "counted"   // in the counts (as negative or not)
	StateHeld      LedgerState = "held"      // waiting for a manager
	StateRejected  LedgerState = "rejected"  // a manager rejected its hold
	StateWithdrawn LedgerState = "withdrawn" // unpublished, trashed or deleted
)

// CheckInput is one check of one post, with everything decided beforehand
// that does not depend on the window's counts.
type CheckInput struct {
	Outlet string
	PostID string
	Now    time.Time
	// Window is the outlet's window length (Outlet.Window()).
	Window time.Duration
	// Day is DayKey(Now, outlet location): the daily-series day a post that
	// goes live now is counted on.
	Day string
	// Rules are the outlet's rules; Plan = policy.MakePlan(Rules, Subject).
	Rules   policy.Rules
	Subject policy.Subject
	Plan    policy.Plan
	// DryRun: answer only; nothing is recorded, not even the webhook id.
	DryRun bool
	// WebhookID, when set, makes the check idempotent: a second check with
	// the same id within WebhookTTL returns the first Result with Replayed
	// set, and changes nothing.
	WebhookID string
	// Claim, when set with WebhookID (not for a dry run), is the record
	// Replies.Claim would keep for this request: the check claims the id in
	// the same atomic step as the decision, so no other route can take it
	// (Claim afterwards returns this record with first = false). A check
	// whose id is not recorded as a check but is claimed with another record
	// (another route used it) is refused with ErrWebhookReused and changes
	// nothing; one claimed with this very record (a dry run of the same
	// request) goes on.
	Claim []byte
	// HoldID is the id to give a new hold (generated by the caller).
	HoldID string
	// Snapshot is opaque JSON kept with the webhook record and with a hold:
	// what the caller needs to render the same answer again. It is returned
	// as is (Result.Snapshot, and Hold.Snapshot unless HoldSnapshot is set).
	Snapshot []byte
	// HoldSnapshot, when set, is kept with a hold instead of Snapshot: the
	// post as it was checked, for the reviewer. A store keeps it only when
	// the check creates or updates a hold, so a caller may leave the post's
	// full text out of Snapshot.
	HoldSnapshot []byte
	// Actor is who asked (the post's author, or the CMS).
	Actor string
	// Reading is what the classifier read in the post, kept in the check's
	// audit entry (detail "reading") for reports.
	Reading Reading
}

// Reading is what the classifier (with the declared tone and the category
// map) read in a post: kept in each check's audit entry, so a report can
// count positive and neutral posts, sensational headlines and the themes
// behind negative posts without the post's text.
type Reading struct {
	Tone        string   `json:"tone"` // negative, neutral, positive
	Sensational bool     `json:"sensational,omitempty"`
	Themes      []string `json:"themes,omitempty"` // policy.NegativeThemes of the tone evidence
}

// AppendJSON appends r as json.Marshal writes it, without reflection (every
// check's audit detail holds it; TestReadingAppendJSONAsMarshal holds it to
// json.Marshal).
func (r *Reading) AppendJSON(dst []byte) []byte {
	dst = jsonappend.String(append(dst, `{"tone":`...), r.Tone)
	if r.Sensational {
		dst = append(dst, `,"sensational":true`...)
	}
	if len(r.Themes) > 0 {
		dst = jsonappend.Strings(append(dst, `,"themes":`...), r.Themes)
	}
	return append(dst, '}')
}

// WebhookTTL is how long a webhook id's answer is kept for replays.
const WebhookTTL = 24 * time.Hour

// CheckResult is what the store decided.
type CheckResult struct {
	// Situation is the situation the plan was evaluated in; Outcome is
	// Plan[Situation.Index()].
	Situation policy.Situation
	// Before are the window's counts before this check, excluding the post.
	Before policy.Counts
	// After are the window's counts once this check took effect (for a dry
	// run: as if it had).
	After policy.Counts
	// HoldID is set when the verdict is hold: a new hold, or the post's
	// pending hold if it already had one.
	HoldID string
	// EarliestSafe is set for holds that posts leaving the window can lift
	// (policy.EarliestSafe); zero otherwise.
	EarliestSafe time.Time
	// Replayed is true when this is the stored answer to a repeated webhook id.
	Replayed bool
	// Snapshot is the CheckInput.Snapshot stored with the first answer (on a
	// replay) or the one given. The caller keeps in it whatever it needs to
	// render the same answer again (rules, subject, classification).
	Snapshot []byte
}

// WithdrawResult says what a withdrawal changed.
type WithdrawResult struct {
	// Withdrawn is true when the post was counted and is no longer.
	Withdrawn bool
	// HoldCancelled is set when the post's pending hold was cancelled.
	HoldCancelled string
	// Previous is the post's state before the call.
	Previous LedgerState
}

// SyncPost is one post the CMS says is published.
type SyncPost struct {
	ID          string
	Negative    bool
	Positive    bool // never together with Negative
	PublishedAt time.Time
	Day         string // DayKey(PublishedAt, outlet location)
}

// SyncInput is one backfill / reconcile call.
type SyncInput struct {
	Outlet string
	Now    time.Time
	Window time.Duration
	Posts  []SyncPost
	// Complete: the list is everything published in the window; counted
	// posts not in it are withdrawn.
	Complete bool
	// From and To, when set, narrow Complete to a range of go-live times
	// [From, To) within the window (an imported history covers only its own
	// days): counted posts outside it are left alone. A zero bound is open.
	From, To time.Time
	Actor    string
}

// SyncResult lists what a sync changed, by post id.
type SyncResult struct {
	Added     []string `json:"added"`
	Withdrawn []string `json:"withdrawn"`
	Unchanged []string `json:"unchanged"`
	// Outside are posts whose published_at is before the window: recorded
	// in the ledger, not counted.
	Outside []string `json:"outside_window"`
}

// HoldStatus is where a hold is in its life.
type HoldStatus string

const (
	HoldPending   HoldStatus = "pending"
	HoldApproved  HoldStatus = "approved"
	HoldRejected  HoldStatus = "rejected"
	HoldCancelled HoldStatus = "cancelled" // the post was withdrawn, re-checked and let through, or published anyway (sync)
)

// Hold is a post waiting for (or past) a manager's review.
type Hold struct {
	ID           string        `json:"id"`
	Outlet       string        `json:"outlet"`
	PostID       string        `json:"post_id"`
	Status       HoldStatus    `json:"status"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
	Negative     bool          `json:"negative"` // counted as negative if approved
	Positive     bool          `json:"positive"` // counted as positive if approved
	Before       policy.Counts `json:"before"`   // window counts when it was held
	EarliestSafe *time.Time    `json:"earliest_safe_at,omitempty"`
	Reviewer     string        `json:"reviewer,omitempty"`
	Note         string        `json:"note,omitempty"`
	ResolvedAt   *time.Time    `json:"resolved_at,omitempty"`
	CancelReason string        `json:"cancel_reason,omitempty"`
	Snapshot     []byte        `json:"-"` // CheckInput.Snapshot of the check that held it
}

// HoldFilter selects holds. Zero values select everything.
type HoldFilter struct {
	Status HoldStatus
	Limit  int // 0 = 100
	// Before pages backwards: only holds created before this time.
	Before time.Time
}

// Resolution is a manager's decision on a hold.
type Resolution struct {
	Outlet   string
	HoldID   string
	Approve  bool
	Reviewer string
	Note     string
	Now      time.Time
	Window   time.Duration
	Day      string // DayKey(Now, outlet location): approving counts the post now
	// Callback, when set, is put in the outlet's outbox in the same atomic
	// step as the resolution, so an approval is never recorded without its
	// notice to the CMS (or the other way round).
	Callback *Callback
	// Guard, when set on an approval, makes it conditional within the same
	// atomic step: the post is counted only if a check of it at Now, against
	// the window then, would not be held (the scheduler's "approve at the
	// earliest safe time"). Otherwise nothing changes and Resolve returns
	// ErrNotSafe. A manager's approval has no guard: it may pass the limit.
	Guard *Guard
}

// Guard is the rule a guarded approval must meet when it counts the post.
type Guard struct {
	Rules policy.Rules
	Plan  policy.Plan // policy.MakePlan(Rules, the held post's subject)
}

// Holds reports whether g holds a post that is not counted, in a window
// with counts c (excluding the post): the one rule both stores apply.
func (g *Guard) Holds(c policy.Counts) bool {
	return g.Plan[policy.SituationAt(g.Rules, policy.NotCounted, c).Index()].Verdict == policy.Hold
}

// CallbackStatus is where a callback is in its life.
type CallbackStatus string

const (
	CallbackPending   CallbackStatus = "pending"
	CallbackDelivered CallbackStatus = "delivered"
	CallbackFailed    CallbackStatus = "failed" // gave up (24 h of retries)
)

// Callback is a signed notice to an outlet's CMS (hold.approved,
// hold.rejected), kept in a persisted outbox until delivered.
type Callback struct {
	ID          string         `json:"id"`
	Outlet      string         `json:"outlet"`
	Type        string         `json:"type"`
	Payload     []byte         `json:"-"` // the JSON body to POST
	Status      CallbackStatus `json:"status"`
	CreatedAt   time.Time      `json:"created_at"`
	NextAttempt time.Time      `json:"next_attempt"`
	Attempts    int            `json:"attempts"`
	LastError   string         `json:"last_error,omitempty"`
	DeliveredAt *time.Time     `json:"delivered_at,omitempty"`
}

// CallbackAttempt is the result of one delivery attempt.
type CallbackAttempt struct {
	At        time.Time
	Delivered bool
	Error     string
	// Next is when to try again; zero means give up (status failed).
	Next time.Time
}

// Callbacks is the persisted outbox of notices to CMSs.
type Callbacks interface {
	// LeaseCallbacks returns up to n pending callbacks of the outlet due at
	// now, oldest first, and moves their next attempt to now+lease so other
	// replicas skip them meanwhile.
	LeaseCallbacks(ctx context.Context, outlet string, now time.Time, lease time.Duration, n int) ([]Callback, error)
	// FinishCallback records an attempt.
	FinishCallback(ctx context.Context, outlet, id string, a CallbackAttempt) error
	// ListCallbacks lists callbacks newest first ("" status = all).
	ListCallbacks(ctx context.Context, outlet string, status CallbackStatus, limit int) ([]Callback, error)
	// RetryCallback makes a pending or failed callback due at now (the console's "retry now").
	RetryCallback(ctx context.Context, outlet, id string, now time.Time) error
	// EnqueueCallback puts c (ID and Type set) in the outlet's outbox,
	// pending and due at c.NextAttempt (now when zero), unless a callback
	// with its id is already there: then nothing changes and queued is
	// false. Producers that several replicas run give their notices ids made
	// from what they are about, so each is queued once.
	EnqueueCallback(ctx context.Context, c Callback, now time.Time) (queued bool, err error)
}

// AuditEntry is one append-only record.
type AuditEntry struct {
	ID     string    `json:"id"` // store-assigned, increasing within an outlet
	Outlet string    `json:"outlet"`
	At     time.Time `json:"at"`
	// Type: check, hold, approve, reject, withdraw, sync, outlet_add,
	// outlet_update, outlet_remove, secret_rotate, ...
	Type     string `json:"type"`
	PostID   string `json:"post_id,omitempty"`
	HoldID   string `json:"hold_id,omitempty"`
	Actor    string `json:"actor,omitempty"`
	Decision string `json:"decision,omitempty"`
	// Detail is a JSON object with the rest (counts, tone, note, webhook id...).
	Detail []byte `json:"detail,omitempty"`
}

// AuditFilter selects audit entries, newest first.
type AuditFilter struct {
	Type   string
	PostID string
	// Actor selects one actor's entries (e.g. "console:NAME", an editor's
	// checks).
	Actor string
	// Since and Until bound the entries' times (at or after Since, before
	// Until). Entries are appended in the order of their times, give or take
	// the replicas' clock skew, so a store reading newest first may stop at
	// the first entry more than AuditOrderSlack older than Since.
	Since time.Time
	Until time.Time
	Limit int // 0 = 100
}

// AuditOrderSlack is how far out of time order audit entries may be
// appended (the replicas' clocks differ by far less) and still be found by
// AuditFilter.Since.
const AuditOrderSlack = 24 * time.Hour

// DayCount is one day of an outlet's daily series.
type DayCount struct {
	Day       string `json:"day"` // "20061231"
	Published int64  `json:"published"`
	Negative  int64  `json:"negative"`
	Positive  int64  `json:"positive"`
}

// Outlets keeps outlets and their policies.
type Outlets interface {
	CreateOutlet(ctx context.Context, o Outlet) error // ErrExists
	UpdateOutlet(ctx context.Context, o Outlet) error // ErrNotFound
	GetOutlet(ctx context.Context, id string) (Outlet, error)
	ListOutlets(ctx context.Context) ([]Outlet, error)
	// DeleteOutlet removes the outlet and everything recorded for it.
	DeleteOutlet(ctx context.Context, id string) error
}

// Decisions keeps each outlet's window, ledger and daily series.
type Decisions interface {
	Check(ctx context.Context, in CheckInput) (CheckResult, error)
	// Withdraw takes a post out of the counts (idempotent). ErrNotFound when
	// the post was never seen.
	Withdraw(ctx context.Context, outlet, postID string, now time.Time, window time.Duration, actor string) (WithdrawResult, error)
	Sync(ctx context.Context, in SyncInput) (SyncResult, error)
	// Relabel sets a post's tone by hand (a manager's correction): if it is
	// counted, its counts (negative, positive) move with it. ErrNotFound when
	// the post was never seen.
	Relabel(ctx context.Context, outlet, postID string, tone policy.Tone, now time.Time, window time.Duration, actor, note string) error
	// Window returns the counts of posts that went live in (now-window, now].
	Window(ctx context.Context, outlet string, now time.Time, window time.Duration) (policy.Counts, error)
	// Daily returns the daily series for the given days (as DayKey), in order.
	Daily(ctx context.Context, outlet string, days []string) ([]DayCount, error)
}

// Holds keeps held posts and their reviews.
type Holds interface {
	ListHolds(ctx context.Context, outlet string, f HoldFilter) ([]Hold, error)
	GetHold(ctx context.Context, outlet, id string) (Hold, error)
	// Resolve approves (the post is counted now, even past the limit) or
	// rejects a pending hold. ErrConflict when it is not pending.
	Resolve(ctx context.Context, r Resolution) (Hold, error)
}

// Audit is the append-only record of everything that changed counts or policy.
type Audit interface {
	AppendAudit(ctx context.Context, e AuditEntry) error
	ListAudit(ctx context.Context, outlet string, f AuditFilter) ([]AuditEntry, error)
}

// Replies remembers the answers to signed requests other than checks
// (checks keep theirs atomically, see CheckInput.WebhookID, and claim their
// id in the same step, CheckInput.Claim), so a repeated webhook id gets the
// first answer.
type Replies interface {
	// Recall returns the stored answer for (outlet, webhook id), if any.
	Recall(ctx context.Context, outlet, webhookID string) (answer []byte, ok bool, err error)
	// Remember stores an answer for WebhookTTL, replacing what was kept.
	Remember(ctx context.Context, outlet, webhookID string, answer []byte) error
	// Claim marks a webhook id as used, atomically: the first call keeps
	// record for WebhookTTL and returns first = true; any later call returns
	// what is kept (the claim, or the answer Remember put in its place).
	Claim(ctx context.Context, outlet, webhookID string, record []byte) (stored []byte, first bool, err error)
}

// Retention keeps memory bounded: what is older than the retention period
// is deleted, once each closed month has been summarised in a snapshot.
type Retention interface {
	// Trim deletes an outlet's records from before `before`: audit entries
	// (by At), daily-series days and audit-day digests (AuditDays) before
	// beforeDay (a DayKey), holds created before it that are no longer
	// pending, and callbacks created before it
	// that were delivered or failed. The caller keeps `before` older than
	// the window, so no count that decides a post is touched.
	Trim(ctx context.Context, outlet string, before time.Time, beforeDay string) (TrimResult, error)
	// PutSnapshot keeps a report summary (opaque JSON) under key ("202611").
	PutSnapshot(ctx context.Context, outlet, key string, data []byte) error
	// GetSnapshot returns it; ErrNotFound when there is none.
	GetSnapshot(ctx context.Context, outlet, key string) ([]byte, error)
}

// AuditDays keeps digests of an outlet's audit log, one per closed day (a
// DayKey in the outlet's time zone), so a report reads a closed day's
// entries in one small value instead of the entries themselves. What a
// digest holds is its writer's business (package report); version names
// its format, so a new format never reads an old one. A day's digest never
// changes once kept: the first writer's stays (two replicas digesting the
// same day write the same bytes anyway). Trim deletes the digests of the
// days it trims, of every version.
type AuditDays interface {
	// AuditDays returns the digests kept under version for days, in their
	// order: nil for a day without one (and for an unknown outlet).
	AuditDays(ctx context.Context, outlet, version string, days []string) ([][]byte, error)
	// PutAuditDays keeps digests (day → data) under version, each unless
	// that day has one already. ErrNotFound for an unknown outlet.
	PutAuditDays(ctx context.Context, outlet, version string, digests map[string][]byte) error
}

// TrimResult counts what a Trim deleted.
type TrimResult struct {
	Audit     int `json:"audit"`
	Days      int `json:"days"`
	Holds     int `json:"holds"`
	Callbacks int `json:"callbacks"`
}

// Store is everything Gatekeeper keeps.
type Store interface {
	Retention
	Outlets
	Decisions
	Holds
	Audit
	AuditDays
	Replies
	Callbacks
	Accounts
	// Ping reports whether the store is reachable.
	Ping(ctx context.Context) error
	Close() error
}
