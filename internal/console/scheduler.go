package console

import (
	"context"
	"errors"
	"time"

	"gatekeeper/internal/store"
)

// RunScheduler performs scheduled approvals when they fall due, every
// SchedulerInterval, until ctx ends. Any number of replicas may run it: a
// hold is resolved once, and the others see a conflict and drop the entry.
func (c *Console) RunScheduler(ctx context.Context) error {
	t := time.NewTicker(c.cfg.SchedulerInterval)
	defer t.Stop()
	for {
		if _, err := c.RunScheduledOnce(ctx); err != nil && ctx.Err() == nil {
			c.log.Error("console: scheduled approvals", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RunScheduledOnce performs the approvals due now and returns how many it
// approved.
func (c *Console) RunScheduledOnce(ctx context.Context) (int, error) {
	due, err := c.st.DueApprovals(ctx, c.now(), 100)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, sa := range due {
		o, err := c.st.GetOutlet(ctx, sa.Outlet)
		if errors.Is(err, store.ErrNotFound) {
			_ = c.st.CancelScheduledApproval(ctx, sa.Outlet, sa.HoldID)
			continue
		}
		if err != nil {
			return done, err
		}
		_, err = c.review.Resolve(ctx, o, sa.HoldID, true, sa.Reviewer, sa.Note)
		switch {
		case err == nil:
			done++
			c.log.Info("console: scheduled approval", "outlet", sa.Outlet, "hold", sa.HoldID, "reviewer", sa.Reviewer)
		case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrNotFound):
			// Decided (or withdrawn) meanwhile: nothing to do.
		default:
			c.log.Error("console: scheduled approval", "outlet", sa.Outlet, "hold", sa.HoldID, "err", err)
			continue // keep it; try again next time
		}
		if err := c.st.CancelScheduledApproval(ctx, sa.Outlet, sa.HoldID); err != nil {
			return done, err
		}
	}
	return done, nil
}
