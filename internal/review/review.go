// Package review resolves held posts: a manager approves or rejects a hold,
// and the notice to the outlet's CMS is queued in the same atomic step.
// The webhook API, the console and the WordPress review screen all go
// through here, so every approval reaches the CMS the same way.
package review

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/internal/webhook"
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

// Service resolves holds.
type Service struct {
	Store store.Holds
	Now   func() time.Time // time.Now when nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Payload is the body of a callback.
type Payload struct {
	Type     string          `json:"type"`
	Hold     json.RawMessage `json:"hold"`
	PostID   string          `json:"post_id"`
	Outlet   string          `json:"outlet"`
	Reviewer string          `json:"reviewer"`
	Note     string          `json:"note"`
	At       time.Time       `json:"at"`
}

// Resolve approves or rejects a pending hold of outlet o. The callback is
// queued (when the outlet has a callback URL) atomically with the resolution.
// It returns store.ErrNotFound, store.ErrConflict (not pending),
// ErrNoteRequired or ErrReviewerRequired, wrapped.
func (s *Service) Resolve(ctx context.Context, o store.Outlet, holdID string, approve bool, reviewer, note string) (store.Hold, error) {
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
	if o.CallbackURL != "" {
		cb, err := callbackFor(o, h, approve, reviewer, note, now)
		if err != nil {
			return store.Hold{}, err
		}
		r.Callback = &cb
	}
	resolved, err := s.Store.Resolve(ctx, r)
	if err != nil {
		return store.Hold{}, fmt.Errorf("resolve hold %s: %w", holdID, err)
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
	body, err := json.Marshal(Payload{Type: typ, Hold: hold, PostID: h.PostID, Outlet: o.ID, Reviewer: reviewer, Note: note, At: now})
	if err != nil {
		return store.Callback{}, fmt.Errorf("encode callback: %w", err)
	}
	return store.Callback{
		ID: webhook.NewID(), Outlet: o.ID, Type: typ, Payload: body,
		Status: store.CallbackPending, CreatedAt: now, NextAttempt: now,
	}, nil
}
