package store

import (
	"context"
	"errors"
	"net"
)

// Kind is what an error from a store (or from the packages that call it)
// means to a caller. It is decided here, once; the edges (the API's
// handler, the console, the command line, the metrics) switch on it to
// choose a status, a page, an exit message or a label.
type Kind int

const (
	// KindNone: no error.
	KindNone Kind = iota
	// KindNotFound: no such outlet, post, hold or user (ErrNotFound).
	KindNotFound
	// KindExists: the id is taken (ErrExists).
	KindExists
	// KindConflict: the hold is not pending any more (ErrConflict).
	KindConflict
	// KindCanceled: the caller went away (context.Canceled).
	KindCanceled
	// KindTimeout: a deadline passed (context.DeadlineExceeded or a network
	// timeout). Checked before KindUnavailable, since a store wraps an
	// ambiguous timeout in ErrUnavailable.
	KindTimeout
	// KindUnavailable: the store could not be reached or did not confirm
	// (ErrUnavailable).
	KindUnavailable
	// KindOther: anything else (a bug or a corrupt record).
	KindOther
)

// KindOf classifies err.
func KindOf(err error) Kind {
	var ne net.Error
	switch {
	case err == nil:
		return KindNone
	case errors.Is(err, ErrNotFound):
		return KindNotFound
	case errors.Is(err, ErrExists):
		return KindExists
	case errors.Is(err, ErrConflict):
		return KindConflict
	case errors.Is(err, context.Canceled):
		return KindCanceled
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return KindTimeout
	case errors.Is(err, ErrUnavailable):
		return KindUnavailable
	}
	return KindOther
}

// Unavailable reports whether the kind means "the store could not answer in
// time; nothing is known to be recorded; try again" (503 at the API).
func (k Kind) Unavailable() bool { return k == KindTimeout || k == KindUnavailable }

// Answer reports whether the kind is a store's answer about the data (not
// found, exists, conflict) rather than a failure.
func (k Kind) Answer() bool { return k == KindNotFound || k == KindExists || k == KindConflict }
