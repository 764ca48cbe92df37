package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// SetOutletCounts sets an outlet's share from its window counts
// (Negative/Published; 0 for an empty window).
func (m *Metrics) SetOutletCounts(outlet string, c policy.Counts) {
	if m == nil {
		return
	}
	share := 0.0
	if c.Published > 0 {
		share = float64(c.Negative) / float64(c.Published)
	}
	m.SetOutletShare(outlet, share)
}

// RefreshStore is what Refresh reads: outlets, their windows, their outbox.
type RefreshStore interface {
	store.Outlets
	store.Decisions
	store.Callbacks
}

// OutboxScanLimit caps how many pending callbacks Refresh counts per outlet.
const OutboxScanLimit = 1000

// Refresh reads every outlet's window counts and pending callbacks from s
// and sets outlet_negative_share and outbox_pending from them. Shares set
// after each check go stale as posts leave the window and when another
// replica answered the last check; a periodic Refresh (RunRefresh) keeps
// every replica's view within one interval of the store. Outlets no longer
// in the store are forgotten. outbox_pending keeps its last value when a
// callback listing fails. Errors for single outlets are joined; the
// other outlets are still refreshed.
func (m *Metrics) Refresh(ctx context.Context, s RefreshStore, now time.Time) error {
	if m == nil {
		return nil
	}
	outlets, err := s.ListOutlets(ctx)
	if err != nil {
		return fmt.Errorf("refresh metrics: list outlets: %w", err)
	}
	var errs []error
	seen := make(map[string]bool, len(outlets))
	pending, outboxComplete := 0, true
	for _, o := range outlets {
		seen[o.ID] = true
		c, err := s.Window(ctx, o.ID, now, o.Window())
		if err != nil {
			errs = append(errs, fmt.Errorf("refresh metrics: window of %s: %w", o.ID, err))
		} else {
			m.SetOutletCounts(o.ID, c)
		}
		cbs, err := s.ListCallbacks(ctx, o.ID, store.CallbackPending, OutboxScanLimit)
		if err != nil {
			errs = append(errs, fmt.Errorf("refresh metrics: callbacks of %s: %w", o.ID, err))
			outboxComplete = false
			continue
		}
		pending += len(cbs)
	}
	for _, id := range m.shares.outlets() {
		if !seen[id] {
			m.ForgetOutlet(id)
		}
	}
	if outboxComplete { // a partial count would understate the backlog: keep the last one
		n := float64(pending)
		m.SetOutboxPending(func() float64 { return n })
	}
	return errors.Join(errs...)
}

// RunRefresh calls Refresh every interval until ctx ends, logging failures.
func (m *Metrics) RunRefresh(ctx context.Context, s RefreshStore, clk clock.Clock, every time.Duration, log *slog.Logger) {
	if m == nil {
		return
	}
	if log == nil {
		log = slog.Default()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := m.Refresh(ctx, s, clk.Now()); err != nil && ctx.Err() == nil {
			log.WarnContext(ctx, "metrics refresh failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// outlets lists the outlets with a share (labelled or aggregated).
func (c *shareCollector) outlets() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.labelled)+len(c.overflow))
	for id := range c.labelled {
		out = append(out, id)
	}
	for id := range c.overflow {
		out = append(out, id)
	}
	return out
}
