// Package clock is the program's one source of the current time. Every part
// that reads the time takes a Clock from the wiring in cmd/gatekeeper; tests
// pass a fixed or stepping one, so nothing depends on when it runs.
package clock

import (
	"sync"
	"time"
)

// Clock tells the time. The zero value is the wall clock, so a struct that
// holds a Clock needs no nil check and no shim.
type Clock struct {
	now func() time.Time
}

// Real is the wall clock.
func Real() Clock { return Clock{} }

// Func is a clock that asks f (nil: the wall clock).
func Func(f func() time.Time) Clock { return Clock{now: f} }

// Fixed is a clock stopped at t.
func Fixed(t time.Time) Clock { return Clock{now: func() time.Time { return t }} }

// Now is the current time.
func (c Clock) Now() time.Time {
	if c.now == nil {
		return time.Now()
	}
	return c.now()
}

// Since is the time elapsed since t.
func (c Clock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// Manual is a clock that moves only when told: tests set and advance it.
// It is safe for concurrent use.
type Manual struct {
	mu sync.Mutex
	t  time.Time
}

// NewManual is a manual clock standing at t.
func NewManual(t time.Time) *Manual { return &Manual{t: t} }

// Now is the manual clock's time.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.t
}

// Set moves the clock to t.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	m.t = t
	m.mu.Unlock()
}

// Advance moves the clock forward by d.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	m.t = m.t.Add(d)
	m.mu.Unlock()
}

// Clock is a Clock that reads m.
func (m *Manual) Clock() Clock { return Clock{now: m.Now} }
