package gate

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gatekeeper/internal/review"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// WithdrawAnswer is the answer to a withdrawal.
type WithdrawAnswer struct {
	PostID        string            `json:"post_id"`
	Withdrawn     bool              `json:"withdrawn"`
	Previous      store.LedgerState `json:"previous_state"`
	HoldCancelled string            `json:"hold_cancelled,omitempty"`
}

// Withdraw takes a post out of the counts (unpublished, trashed, deleted).
func (s *Service) Withdraw(ctx context.Context, o *store.Outlet, postID, actor string) (*WithdrawAnswer, error) {
	sctx, cancel := s.StoreCtx(ctx)
	defer cancel()
	now := s.now()
	r, err := s.Store.Withdraw(sctx, o.ID, postID, now, o.Window(), actor)
	if err != nil {
		return nil, fmt.Errorf("withdraw post %s of %s: %w", postID, o.ID, err)
	}
	if r.Withdrawn {
		if c, err := s.Store.Window(sctx, o.ID, now, o.Window()); err == nil {
			s.notePastLimit(ctx, o, c, now, "withdraw", postID, actor)
		}
	}
	return &WithdrawAnswer{PostID: postID, Withdrawn: r.Withdrawn, Previous: r.Previous, HoldCancelled: r.HoldCancelled}, nil
}

// notePastLimit records in the audit (type "past_limit") that a change no
// check decides — a withdrawal, a sync — left the window's share past the
// limit, so the dashboard and the audit show it. Failing to record it is
// logged; the change itself stands.
func (s *Service) notePastLimit(ctx context.Context, o *store.Outlet, c policy.Counts, now time.Time, cause, postID, actor string) {
	if !policy.PastLimit(o.Rules, c) {
		return
	}
	// Keys of their own: audit readers decode every entry's detail into one
	// shape, where "negative" is a post's tone.
	detail, _ := json.Marshal(map[string]any{
		"cause": cause, "window": map[string]any{
			"published": c.Published, "negative": c.Negative,
			"share": policy.Ratio(c.Negative, c.Published), "limit": o.Rules.Limit.Fraction(),
		},
	})
	sctx, cancel := s.StoreCtx(ctx)
	defer cancel()
	err := s.Store.AppendAudit(sctx, store.AuditEntry{
		Outlet: o.ID, At: now, Type: "past_limit", PostID: postID, Actor: actor, Detail: detail,
	})
	if err != nil && s.Log != nil {
		s.Log.Warn("could not record a share past the limit", "outlet", o.ID, "cause", cause, "err", err)
	}
}

// SyncAnswer is the answer to a sync.
type SyncAnswer struct {
	store.SyncResult
	Share ShareAnswer `json:"share"`
}

// Sync counts the posts the CMS says are published (classified as a check
// would classify them) and, when complete, withdraws counted posts it did
// not list.
func (s *Service) Sync(ctx context.Context, o *store.Outlet, posts []Post, complete bool, actor string) (*SyncAnswer, error) {
	return s.SyncWith(ctx, o, posts, SyncOptions{Complete: complete, Actor: actor})
}

// SyncOptions are a sync's settings beyond its posts.
type SyncOptions struct {
	// Complete withdraws the counted posts of the window the list does not
	// name; From and To narrow it to go-live times in [From, To) (an
	// imported history speaks only for its own days). Zero bounds are open.
	Complete bool
	From, To time.Time
	Actor    string
	// Progress, when set, is told how many posts have been classified, and
	// once more when the store has recorded them (done = total).
	Progress func(done, total int)
}

// SyncWith is Sync with a range and progress (see SyncOptions).
func (s *Service) SyncWith(ctx context.Context, o *store.Outlet, posts []Post, opt SyncOptions) (*SyncAnswer, error) {
	loc := o.Location()
	in := store.SyncInput{
		Outlet: o.ID, Now: s.now(), Window: o.Window(), Complete: opt.Complete,
		From: opt.From, To: opt.To, Actor: opt.Actor,
	}
	in.Posts = make([]store.SyncPost, 0, len(posts))
	// The store's step is reported as the last of total.
	total := len(posts) + 1
	for i := range posts {
		p := &posts[i]
		_, _, subj := s.Subject(o, p)
		in.Posts = append(in.Posts, store.SyncPost{
			ID: p.ID, Negative: subj.Negative, Positive: subj.Positive, PublishedAt: *p.PublishedAt, Day: store.DayKey(*p.PublishedAt, loc),
		})
		if opt.Progress != nil && (i+1)%100 == 0 {
			opt.Progress(i+1, total)
		}
	}
	// A sync runs in batches of a few hundred posts, each bounded by the
	// store's own timeouts; the whole call gets a deadline to match its size.
	deadline := max(5*time.Second, s.StoreTimeout*time.Duration(1+len(posts)/256))
	sctx, cancel := context.WithTimeout(ctx, min(deadline, time.Minute))
	defer cancel()
	r, err := s.Store.Sync(sctx, in)
	if err != nil {
		return nil, fmt.Errorf("sync %d posts of %s: %w", len(posts), o.ID, err)
	}
	nonNil := func(v []string) []string {
		if v == nil {
			return []string{}
		}
		return v
	}
	r.Added, r.Withdrawn, r.Unchanged, r.Outside = nonNil(r.Added), nonNil(r.Withdrawn), nonNil(r.Unchanged), nonNil(r.Outside)
	share, err := s.Share(ctx, o, 0)
	if err != nil {
		return nil, err
	}
	if len(r.Withdrawn) > 0 || len(r.Added) > 0 {
		s.notePastLimit(ctx, o, policy.Counts{Published: share.Published, Negative: share.Negative}, in.Now, "sync", "", opt.Actor)
	}
	if opt.Progress != nil {
		opt.Progress(total, total)
	}
	return &SyncAnswer{SyncResult: r, Share: *share}, nil
}

// ShareAnswer is an outlet's window now.
type ShareAnswer struct {
	Outlet     string  `json:"outlet"`
	WindowDays int     `json:"window_days"`
	Published  int64   `json:"published"`
	Negative   int64   `json:"negative"`
	Share      float64 `json:"share"`
	// PositiveShare is Positive/Published, rounded as Share is.
	PositiveShare float64 `json:"positive_share"`
	PositiveSide
	Limit    float64          `json:"limit"`
	WarnAt   float64          `json:"warn_at"`
	Headroom policy.Headroom  `json:"headroom"`
	Mode     policy.Mode      `json:"mode"`
	Timezone string           `json:"timezone"`
	At       string           `json:"at"`
	Daily    []store.DayCount `json:"daily"`
}

// MaxSeriesDays bounds the daily series one call returns.
const MaxSeriesDays = 400

// Share returns the window's counts, headroom and a daily series of days
// calendar days ending today in the outlet's time zone (window_days + 1
// when days is 0).
func (s *Service) Share(ctx context.Context, o *store.Outlet, days int) (*ShareAnswer, error) {
	if days <= 0 {
		days = o.WindowDays + 1
	}
	days = min(days, MaxSeriesDays)
	now := s.now()
	sctx, cancel := s.StoreCtx(ctx)
	defer cancel()
	c, err := s.Store.Window(sctx, o.ID, now, o.Window())
	if err != nil {
		return nil, fmt.Errorf("window of %s: %w", o.ID, err)
	}
	loc := o.Location()
	keys := make([]string, days)
	for i := range keys {
		keys[i] = store.DayKey(now.In(loc).AddDate(0, 0, i-days+1), loc)
	}
	daily, err := s.Store.Daily(sctx, o.ID, keys)
	if err != nil {
		return nil, fmt.Errorf("daily series of %s: %w", o.ID, err)
	}
	for i := range daily {
		// The store keys days as 20061231; the API speaks ISO 8601.
		if d, err := time.Parse("20060102", daily[i].Day); err == nil {
			daily[i].Day = d.Format(time.DateOnly)
		}
	}
	return &ShareAnswer{
		Outlet: o.ID, WindowDays: o.WindowDays, Published: c.Published, Negative: c.Negative,
		Share: policy.Ratio(c.Negative, c.Published), Limit: o.Rules.Limit.Fraction(), WarnAt: o.Rules.WarnAt.Fraction(),
		PositiveShare: policy.Ratio(c.Positive, c.Published),
		PositiveSide:  PositiveSide{Positive: c.Positive, ExpectedDominant: true, Dominant: c.PositiveDominant()},
		Headroom:      policy.HeadroomOf(o.Rules, c), Mode: o.Rules.Mode, Timezone: o.Timezone,
		At: now.In(loc).Format(time.RFC3339), Daily: daily,
	}, nil
}

// HoldView is a hold as the API shows it.
type HoldView struct {
	ID             string                    `json:"id"`
	Outlet         string                    `json:"outlet"`
	PostID         string                    `json:"post_id"`
	Status         store.HoldStatus          `json:"status"`
	CreatedAt      string                    `json:"created_at"`
	UpdatedAt      string                    `json:"updated_at"`
	Negative       bool                      `json:"negative"`
	Positive       bool                      `json:"positive"`
	Before         policy.Counts             `json:"before"`
	EarliestSafeAt *string                   `json:"earliest_safe_at"`
	Reviewer       string                    `json:"reviewer,omitempty"`
	Note           string                    `json:"note,omitempty"`
	ResolvedAt     *string                   `json:"resolved_at,omitempty"`
	CancelReason   string                    `json:"cancel_reason,omitempty"`
	ReviewURL      string                    `json:"review_url"`
	Post           *Post                     `json:"post,omitempty"`
	Tone           *policy.ToneResult        `json:"tone,omitempty"`
	Sensational    *policy.SensationalResult `json:"sensational,omitempty"`
	// Digest identifies the held text (review.TextDigest): what an approval approves.
	Digest string `json:"digest,omitempty"`
}

// ViewHold shapes h for the API, with times in the outlet's time zone.
func (s *Service) ViewHold(o *store.Outlet, h store.Hold) HoldView {
	loc := o.Location()
	ts := func(t time.Time) string { return t.In(loc).Format(time.RFC3339) }
	v := HoldView{
		ID: h.ID, Outlet: h.Outlet, PostID: h.PostID, Status: h.Status,
		CreatedAt: ts(h.CreatedAt), UpdatedAt: ts(h.UpdatedAt), Negative: h.Negative, Positive: h.Positive, Before: h.Before,
		Reviewer: h.Reviewer, Note: h.Note, CancelReason: h.CancelReason, ReviewURL: s.ReviewURL(h.Outlet, h.ID),
	}
	if h.EarliestSafe != nil && !h.EarliestSafe.IsZero() {
		t := ts(*h.EarliestSafe)
		v.EarliestSafeAt = &t
	}
	if h.ResolvedAt != nil {
		t := ts(*h.ResolvedAt)
		v.ResolvedAt = &t
	}
	var snap Snapshot
	if len(h.Snapshot) > 0 && json.Unmarshal(h.Snapshot, &snap) == nil {
		v.Post = &snap.Post
		v.Tone = &snap.Classification.Tone
		v.Sensational = &snap.Classification.Sensational
		v.Digest = review.TextDigest(snap.Post.Title, snap.Post.Excerpt, snap.Post.Content)
	}
	return v
}

// Holds lists an outlet's holds.
func (s *Service) Holds(ctx context.Context, o *store.Outlet, f store.HoldFilter) ([]HoldView, error) {
	sctx, cancel := s.StoreCtx(ctx)
	defer cancel()
	hs, err := s.Store.ListHolds(sctx, o.ID, f)
	if err != nil {
		return nil, fmt.Errorf("list holds of %s: %w", o.ID, err)
	}
	out := make([]HoldView, 0, len(hs))
	for _, h := range hs {
		out = append(out, s.ViewHold(o, h))
	}
	return out, nil
}

// Hold returns one hold.
func (s *Service) Hold(ctx context.Context, o *store.Outlet, id string) (*HoldView, error) {
	sctx, cancel := s.StoreCtx(ctx)
	defer cancel()
	h, err := s.Store.GetHold(sctx, o.ID, id)
	if err != nil {
		return nil, fmt.Errorf("hold %s of %s: %w", id, o.ID, err)
	}
	v := s.ViewHold(o, h)
	return &v, nil
}

// Resolve approves or rejects a hold (see review.Service).
func (s *Service) Resolve(ctx context.Context, o *store.Outlet, id string, approve bool, reviewer, note string) (*HoldView, error) {
	sctx, cancel := s.StoreCtx(ctx)
	defer cancel()
	h, err := s.Review.Resolve(sctx, *o, id, approve, reviewer, note)
	if err != nil {
		return nil, err
	}
	v := s.ViewHold(o, h)
	return &v, nil
}
