package console

import (
	"context"
	"errors"
	"time"

	"gatekeeper/internal/review"
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
// approved. Each approval is conditional inside the store's atomic step
// (review.ApproveIfSafe): it counts the post only if the outlet's rules
// allow it then, so two holds scheduled for the same safe instant cannot
// both take the last room. One that no longer fits is moved to its new
// earliest safe time (or dropped when no time can help), and the move is
// recorded in the audit log and shown on the hold's page. The approvals run
// one at a time (one round at a time per console, in order), so one
// outlet's approvals never race each other on this replica; across replicas
// the store's atomic condition is what keeps the count exact.
func (c *Console) RunScheduledOnce(ctx context.Context) (int, error) {
	c.schedMu.Lock()
	defer c.schedMu.Unlock()
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
		_, err = c.review.ApproveIfSafe(ctx, o, sa.HoldID, sa.Reviewer, sa.Note)
		var notSafe *review.NotSafeError
		switch {
		case err == nil:
			done++
			c.log.Info("console: scheduled approval", "outlet", sa.Outlet, "hold", sa.HoldID, "reviewer", sa.Reviewer)
		case errors.As(err, &notSafe):
			if err := c.moveScheduled(ctx, sa, notSafe); err != nil {
				return done, err
			}
			continue
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

// moveScheduled reschedules an approval that fell due but did not fit to
// its new earliest safe time, or drops it when no time can help (none, or
// not later than now), and records which in the audit log.
func (c *Console) moveScheduled(ctx context.Context, sa store.ScheduledApproval, ns *review.NotSafeError) error {
	now, next := c.now(), ns.Next
	from := sa.At
	if sa.MovedFrom != nil {
		from = *sa.MovedFrom
	}
	entry := store.AuditEntry{Outlet: sa.Outlet, At: now, PostID: ns.PostID, HoldID: sa.HoldID, Actor: sa.Reviewer}
	if next.IsZero() || !next.After(now) {
		if err := c.st.CancelScheduledApproval(ctx, sa.Outlet, sa.HoldID); err != nil {
			return err
		}
		entry.Type = "approve_unscheduled"
		entry.Detail = mustJSON(map[string]any{"reason": "not_safe", "due": sa.At})
		c.log.Warn("console: scheduled approval dropped: counting the post would pass the limit and no time can help",
			"outlet", sa.Outlet, "hold", sa.HoldID)
	} else {
		moved := sa
		moved.At, moved.MovedFrom = next, &from
		if err := c.st.ScheduleApproval(ctx, moved); err != nil {
			return err
		}
		entry.Type = "approve_rescheduled"
		entry.Detail = mustJSON(map[string]any{"reason": "not_safe", "due": sa.At, "at": next})
		c.log.Info("console: scheduled approval moved: counting the post now would pass the limit",
			"outlet", sa.Outlet, "hold", sa.HoldID, "at", next)
	}
	return c.st.AppendAudit(ctx, entry)
}
