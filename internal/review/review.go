// Package review resolves held posts: a manager approves or rejects a hold,
// and the notice to the outlet's CMS is queued in the same atomic step.
// The webhook API, the console and the WordPress review screen all go
// through here, so every approval reaches the CMS the same way.
package review

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/store"
	"gatekeeper/internal/webhook"
	"gatekeeper/policy"
)

// Callback types sent to CMSs.
const (
	TypeApproved = "hold.approved"
	TypeRejected = "hold.rejected"
)

// ErrNoteRequired: approving or rejecting needs a note.
var ErrNoteRequired = errors.New("a note is required")

// ErrReviewerRequired: every decision is made by a named person.
var ErrReviewerRequired = errors.New("a reviewer is required")

// Store is what resolving a hold needs of a store: the holds, and a dry-run
// check to find the next safe time.
type Store interface {
	store.Holds
	store.Decisions
}

// Notices is told of every resolution, to tell the person who recorded the
// post (package notify); optional.
type Notices interface {
	Resolved(ctx context.Context, o store.Outlet, h store.Hold)
}

// Service resolves holds.
type Service struct {
	Store   Store
	Clock   clock.Clock // the zero value is the wall clock
	Notices Notices
}

func (s *Service) now() time.Time { return s.Clock.Now() }

// Payload is the body of a callback.
type Payload struct {
	Type     string          `json:"type"`
	Hold     json.RawMessage `json:"hold"`
	PostID   string          `json:"post_id"`
	Outlet   string          `json:"outlet"`
	Reviewer string          `json:"reviewer"`
	Note     string          `json:"note"`
	At       time.Time       `json:"at"`
	// Digest is TextDigest of the text the reviewer decided on: a CMS
	// publishes an approved post only while its text is still that text.
	Digest string `json:"digest,omitempty"`
}

// TextDigest identifies a post's text: hex SHA-256 of the title, excerpt and
// content as the CMS sent them, separated by NUL bytes. The plugin computes
// the same (Gate::text_digest).
func TextDigest(title, excerpt, content string) string {
	h := sha256.New()
	h.Write([]byte(title))
	h.Write([]byte{0})
	h.Write([]byte(excerpt))
	h.Write([]byte{0})
	h.Write([]byte(content))
	return hex.EncodeToString(h.Sum(nil))
}

// SnapshotDigest is TextDigest of the post kept in a hold's snapshot ("" when
// the snapshot has no post).
func SnapshotDigest(snapshot []byte) string {
	var s struct {
		Post *struct {
			Title   string `json:"title"`
			Excerpt string `json:"excerpt"`
			Content string `json:"content"`
		} `json:"post"`
	}
	if len(snapshot) == 0 || json.Unmarshal(snapshot, &s) != nil || s.Post == nil {
		return ""
	}
	return TextDigest(s.Post.Title, s.Post.Excerpt, s.Post.Content)
}

// Resolve approves or rejects a pending hold of outlet o. The callback is
// queued (when the outlet has a callback URL) atomically with the resolution.
// It returns store.ErrNotFound, store.ErrConflict (not pending),
// ErrNoteRequired or ErrReviewerRequired, wrapped.
func (s *Service) Resolve(ctx context.Context, o store.Outlet, holdID string, approve bool, reviewer, note string) (store.Hold, error) {
	return s.resolve(ctx, o, holdID, approve, false, reviewer, note)
}

// NotSafeError is ApproveIfSafe's answer when counting the post now would
// take the outlet past its rules: nothing was changed.
type NotSafeError struct {
	HoldID, PostID string
	// Next is the new earliest safe time (policy.EarliestSafe against the
	// window now); zero when posts leaving the window cannot lift the hold.
	Next time.Time
}

func (e *NotSafeError) Error() string {
	return fmt.Sprintf("approve hold %s: %v", e.HoldID, store.ErrNotSafe)
}

func (e *NotSafeError) Unwrap() error { return store.ErrNotSafe }

// ApproveIfSafe approves a pending hold only if a check of the post now,
// under the outlet's current rules, would not hold it: the condition is
// evaluated inside the store's atomic step (store.Guard), so two approvals
// racing for the same room cannot both count. Otherwise it returns a
// *NotSafeError carrying the new earliest safe time. It is what "approve at
// the earliest safe time" runs when the time comes.
func (s *Service) ApproveIfSafe(ctx context.Context, o store.Outlet, holdID, reviewer, note string) (store.Hold, error) {
	return s.resolve(ctx, o, holdID, true, true, reviewer, note)
}

// subjectOf is the held post's subject as its check saw it (the snapshot
// the gate kept), with the hold's own tone; a snapshot without one gives
// the tone alone.
func subjectOf(h store.Hold) policy.Subject {
	var snap struct {
		Subject *policy.Subject `json:"subject"`
	}
	var subj policy.Subject
	if json.Unmarshal(h.Snapshot, &snap) == nil && snap.Subject != nil {
		subj = *snap.Subject
	}
	subj.Negative = h.Negative
	return subj
}

func (s *Service) resolve(ctx context.Context, o store.Outlet, holdID string, approve, guarded bool, reviewer, note string) (store.Hold, error) {
	reviewer, note = strings.TrimSpace(reviewer), strings.TrimSpace(note)
	if reviewer == "" {
		return store.Hold{}, ErrReviewerRequired
	}
	if note == "" {
		return store.Hold{}, ErrNoteRequired
	}
	h, err := s.Store.GetHold(ctx, o.ID, holdID)
	if err != nil {
		return store.Hold{}, fmt.Errorf("resolve hold %s: %w", holdID, err)
	}
	if h.Status != store.HoldPending {
		return h, fmt.Errorf("resolve hold %s (%s): %w", holdID, h.Status, store.ErrConflict)
	}
	now := s.now()
	r := store.Resolution{
		Outlet: o.ID, HoldID: holdID, Approve: approve,
		Reviewer: reviewer, Note: note,
		Now: now, Window: o.Window(), Day: store.DayKey(now, o.Location()),
	}
	subj := subjectOf(h)
	if guarded {
		r.Guard = &store.Guard{Rules: o.Rules, Plan: policy.MakePlan(o.Rules, subj)}
	}
	if o.CallbackURL != "" {
		cb, err := callbackFor(o, h, approve, reviewer, note, now)
		if err != nil {
			return store.Hold{}, err
		}
		r.Callback = &cb
	}
	resolved, err := s.Store.Resolve(ctx, r)
	if guarded && errors.Is(err, store.ErrNotSafe) {
		return h, s.notSafe(ctx, o, h, subj, r.Guard, now)
	}
	if err != nil {
		return store.Hold{}, fmt.Errorf("resolve hold %s: %w", holdID, err)
	}
	if s.Notices != nil {
		if len(resolved.Snapshot) == 0 {
			resolved.Snapshot = h.Snapshot
		}
		s.Notices.Resolved(ctx, o, resolved)
	}
	return resolved, nil
}

func callbackFor(o store.Outlet, h store.Hold, approve bool, reviewer, note string, now time.Time) (store.Callback, error) {
	typ := TypeRejected
	h.Status = store.HoldRejected
	if approve {
		typ = TypeApproved
		h.Status = store.HoldApproved
	}
	h.Reviewer, h.Note, h.ResolvedAt, h.UpdatedAt = reviewer, note, &now, now
	hold, err := json.Marshal(h)
	if err != nil {
		return store.Callback{}, fmt.Errorf("encode hold: %w", err)
	}
	body, err := json.Marshal(Payload{Type: typ, Hold: hold, PostID: h.PostID, Outlet: o.ID, Reviewer: reviewer, Note: note, At: now, Digest: SnapshotDigest(h.Snapshot)})
	if err != nil {
		return store.Callback{}, fmt.Errorf("encode callback: %w", err)
	}
	return store.Callback{
		ID: webhook.NewID(), Outlet: o.ID, Type: typ, Payload: body,
		Status: store.CallbackPending, CreatedAt: now, NextAttempt: now,
	}, nil
}

// notSafe finds when the hold can next be approved: a dry-run check of the
// post now gives policy.EarliestSafe against the window as it is.
func (s *Service) notSafe(ctx context.Context, o store.Outlet, h store.Hold, subj policy.Subject, g *store.Guard, now time.Time) error {
	res, err := s.Store.Check(ctx, store.CheckInput{
		Outlet: o.ID, PostID: h.PostID, Now: now, Window: o.Window(), Day: store.DayKey(now, o.Location()),
		Rules: g.Rules, Subject: subj, Plan: g.Plan, DryRun: true, Actor: "scheduler",
	})
	if err != nil {
		return fmt.Errorf("approve hold %s: not safe now; the next safe time: %w", h.ID, err)
	}
	return &NotSafeError{HoldID: h.ID, PostID: h.PostID, Next: res.EarliestSafe}
}
