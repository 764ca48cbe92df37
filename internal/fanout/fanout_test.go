package fanout

import (
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
)

func TestEachCallsEveryIndexOnce(t *testing.T) {
	for _, tc := range []struct{ n, workers int }{{0, 0}, {1, 0}, {7, 3}, {100, 0}, {5, 50}} {
		seen := make([]atomic.Int32, tc.n)
		var running, most atomic.Int32
		err := Each(tc.n, tc.workers, func(i int) error {
			r := running.Add(1)
			for {
				m := most.Load()
				if r <= m || most.CompareAndSwap(m, r) {
					break
				}
			}
			seen[i].Add(1)
			running.Add(-1)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for i := range seen {
			if seen[i].Load() != 1 {
				t.Fatalf("n=%d: index %d called %d times", tc.n, i, seen[i].Load())
			}
		}
		limit := tc.workers
		if limit <= 0 {
			limit = Workers
		}
		if int(most.Load()) > limit {
			t.Fatalf("n=%d: %d calls at once, limit %d", tc.n, most.Load(), limit)
		}
	}
}

func TestEachReturnsTheLowestFailure(t *testing.T) {
	err := Each(50, 4, func(i int) error {
		if i == 3 || i == 9 {
			return fmt.Errorf("call %d: %w", i, errors.ErrUnsupported)
		}
		return nil
	})
	if err == nil || err.Error() != "call 3: unsupported operation" {
		t.Fatalf("err = %v", err)
	}
}
