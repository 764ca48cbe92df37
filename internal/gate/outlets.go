package gate

import (
	"context"
	"errors"
	"sync"
	"time"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/store"
)

// OutletCache keeps outlets for a short time, so a check does not read the
// outlet from the store every time. A change (a rotated secret, a new
// limit) reaches every replica within TTL.
type OutletCache struct {
	Store store.Outlets
	TTL   time.Duration
	Clock clock.Clock // the zero value is the wall clock

	mu      sync.Mutex
	entries map[string]cachedOutlet
}

type cachedOutlet struct {
	o   store.Outlet
	err error // store.ErrNotFound is cached too; other errors are not
	at  time.Time
}

// Get returns the outlet, from the cache when fresh.
func (c *OutletCache) Get(ctx context.Context, id string) (*store.Outlet, error) {
	now := c.Clock.Now()
	c.mu.Lock()
	e, ok := c.entries[id]
	c.mu.Unlock()
	if ok && now.Sub(e.at) < c.TTL {
		if e.err != nil {
			return nil, e.err
		}
		o := e.o
		return &o, nil
	}
	o, err := c.Store.GetOutlet(ctx, id)
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]cachedOutlet{}
	}
	if len(c.entries) > 10000 {
		clear(c.entries) // unknown ids must not grow it without bound
	}
	c.entries[id] = cachedOutlet{o: o, err: err, at: now}
	c.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return &o, nil
}

func isNotFound(err error) bool { return errors.Is(err, store.ErrNotFound) }
