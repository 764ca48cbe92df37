// Package teststore opens the real stores for the tests of other packages
// (the store packages' own tests use storetest). Nothing in the program
// imports it.
package teststore

import (
	"context"
	"testing"

	"gatekeeper/internal/redistest"
	"gatekeeper/internal/store"
	"gatekeeper/internal/store/redisstore"
	"gatekeeper/internal/store/sqlitestore"
)

// SQLite opens the embedded store in a fresh temporary directory, closed
// when the test ends.
func SQLite(t testing.TB) store.Store { return SQLiteIn(t, t.TempDir()) }

// SQLiteIn opens the embedded store in dir (a second call on the same dir
// is another handle on the same data, as after a restart).
func SQLiteIn(t testing.TB, dir string) store.Store {
	t.Helper()
	s, err := sqlitestore.Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("open sqlite store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Redis starts a private redis-server for the test (redistest: skipped
// without one, failed with GATEKEEPER_REQUIRE_ALL=1) and opens the Redis
// store on it.
func Redis(t testing.TB) store.Store {
	t.Helper()
	srv := redistest.Start(t, redistest.Options{})
	s, err := redisstore.Open(context.Background(), srv.URL())
	if err != nil {
		t.Fatalf("open redis store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Each runs fn as a subtest against each real store.
func Each(t *testing.T, fn func(t *testing.T, st store.Store)) {
	for _, s := range []struct {
		name string
		open func(testing.TB) store.Store
	}{{"sqlite", SQLite}, {"redis", Redis}} {
		t.Run(s.name, func(t *testing.T) { fn(t, s.open(t)) })
	}
}
