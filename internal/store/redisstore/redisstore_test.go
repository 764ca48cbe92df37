package redisstore

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/redistest"
	"gatekeeper/internal/store"
	"gatekeeper/internal/store/storetest"
)

// shared is one redis-server for the package's tests (nil when redis-server
// is missing and not required: tests needing it skip).
var shared *redistest.Server

// quiet drops go-redis's own log lines (dial failures are expected in outage tests).
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

func TestMain(m *testing.M) {
	redis.SetLogger(quiet{})
	shared = redistest.MustStartMain(redistest.Options{})
	code := m.Run()
	if shared != nil {
		shared.Close()
	}
	os.Exit(code)
}

func sharedServer(t testing.TB) *redistest.Server {
	t.Helper()
	if shared == nil {
		t.Skip("redis-server is not installed")
	}
	return shared
}

// open connects a store to url and closes it when the test ends. Tests of
// behaviour get 2 s read/write timeouts (the CPU is shared with other work);
// tests of deadlines use openStrict, with the production defaults.
func open(t testing.TB, url string, opts ...Option) *Store {
	t.Helper()
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return openStrict(t, url+sep+"read_timeout=2s&write_timeout=2s", opts...)
}

func openStrict(t testing.TB, url string, opts ...Option) *Store {
	t.Helper()
	s, err := Open(context.Background(), url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestContract(t *testing.T) {
	srv := sharedServer(t)
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, srv.URL()) })
}
