package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// children caches a vector's children by a comparable key of their label
// values, so the hot path (every request, every check, every store call)
// neither hashes the label values nor allocates their slice again: after the
// first request of a kind, observing is a read-locked map lookup. The label
// values are bounded (routes, methods, statuses, verdicts, store operations),
// so the cache is too.
type children[K comparable, T any] struct {
	mu    sync.RWMutex
	m     map[K]T
	build func(K) T
}

func newChildren[K comparable, T any](build func(K) T) *children[K, T] {
	return &children[K, T]{m: map[K]T{}, build: build}
}

func (c *children[K, T]) get(k K) T {
	c.mu.RLock()
	v, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return v
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.m[k]; ok {
		return v
	}
	v = c.build(k)
	c.m[k] = v
	return v
}

type httpKey struct {
	route, method string
	status        int
}

type decisionKey struct{ verdict, mode string }

// The caches Metrics keeps.
type (
	httpObservers    = children[httpKey, prometheus.Observer]
	decisionCounters = children[decisionKey, prometheus.Counter]
	storeObservers   = children[string, prometheus.Observer]
)
