package store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

var _ net.Error = timeoutErr{}

func TestKindOf(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("redisstore: check: %w", err) }
	for _, tc := range []struct {
		err         error
		kind        Kind
		unavailable bool
	}{
		{nil, KindNone, false},
		{wrap(ErrNotFound), KindNotFound, false},
		{wrap(ErrExists), KindExists, false},
		{wrap(ErrConflict), KindConflict, false},
		{wrap(context.Canceled), KindCanceled, false},
		{wrap(context.DeadlineExceeded), KindTimeout, true},
		{fmt.Errorf("x: %w: %w", ErrUnavailable, context.DeadlineExceeded), KindTimeout, true},
		{fmt.Errorf("x: %w: %w", ErrUnavailable, timeoutErr{}), KindTimeout, true},
		{wrap(ErrUnavailable), KindUnavailable, true},
		{errors.New("corrupt record"), KindOther, false},
	} {
		k := KindOf(tc.err)
		if k != tc.kind || k.Unavailable() != tc.unavailable {
			t.Errorf("KindOf(%v) = %d (unavailable %v), want %d (%v)", tc.err, k, k.Unavailable(), tc.kind, tc.unavailable)
		}
	}
}
