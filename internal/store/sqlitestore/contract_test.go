package sqlitestore

import (
	"context"
	"testing"

	"gatekeeper/internal/store"
	"gatekeeper/internal/store/storetest"
)

// TestContract runs the shared store contract, each subtest on a fresh file.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, err := Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
