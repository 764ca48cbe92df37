package metrics

import (
	"context"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// WrapStore returns s with every call observed by ObserveStore under an op
// named after the method (check, withdraw, sync, ...). The stores themselves
// stay free of metrics. Methods added to store.Store later pass through
// unobserved until they are added here.
func (m *Metrics) WrapStore(s store.Store) store.Store {
	if m == nil {
		return s
	}
	return &observedStore{Store: s, m: m}
}

type observedStore struct {
	store.Store
	m *Metrics
}

// observe records how long op took. Durations are measured on the wall
// clock (time.Now/time.Since): they are measurements, not decisions, so they
// do not read the program's clock.Clock.
func (o *observedStore) observe(op string, start time.Time, err error) {
	o.m.ObserveStore(op, time.Since(start), err)
}

func (o *observedStore) CreateOutlet(ctx context.Context, x store.Outlet) (err error) {
	defer func(t time.Time) { o.observe("create_outlet", t, err) }(time.Now())
	return o.Store.CreateOutlet(ctx, x)
}

func (o *observedStore) UpdateOutlet(ctx context.Context, x store.Outlet) (err error) {
	defer func(t time.Time) { o.observe("update_outlet", t, err) }(time.Now())
	return o.Store.UpdateOutlet(ctx, x)
}

func (o *observedStore) GetOutlet(ctx context.Context, id string) (_ store.Outlet, err error) {
	defer func(t time.Time) { o.observe("get_outlet", t, err) }(time.Now())
	return o.Store.GetOutlet(ctx, id)
}

func (o *observedStore) ListOutlets(ctx context.Context) (_ []store.Outlet, err error) {
	defer func(t time.Time) { o.observe("list_outlets", t, err) }(time.Now())
	return o.Store.ListOutlets(ctx)
}

func (o *observedStore) DeleteOutlet(ctx context.Context, id string) (err error) {
	defer func(t time.Time) { o.observe("delete_outlet", t, err) }(time.Now())
	return o.Store.DeleteOutlet(ctx, id)
}

func (o *observedStore) Check(ctx context.Context, in store.CheckInput) (_ store.CheckResult, err error) {
	defer func(t time.Time) { o.observe("check", t, err) }(time.Now())
	return o.Store.Check(ctx, in)
}

func (o *observedStore) Withdraw(ctx context.Context, outlet, postID string, now time.Time, window time.Duration, actor string) (_ store.WithdrawResult, err error) {
	defer func(t time.Time) { o.observe("withdraw", t, err) }(time.Now())
	return o.Store.Withdraw(ctx, outlet, postID, now, window, actor)
}

func (o *observedStore) Sync(ctx context.Context, in store.SyncInput) (_ store.SyncResult, err error) {
	defer func(t time.Time) { o.observe("sync", t, err) }(time.Now())
	return o.Store.Sync(ctx, in)
}

func (o *observedStore) Relabel(ctx context.Context, outlet, postID string, tone policy.Tone, now time.Time, window time.Duration, actor, note string) (err error) {
	defer func(t time.Time) { o.observe("relabel", t, err) }(time.Now())
	return o.Store.Relabel(ctx, outlet, postID, tone, now, window, actor, note)
}

func (o *observedStore) Window(ctx context.Context, outlet string, now time.Time, window time.Duration) (_ policy.Counts, err error) {
	defer func(t time.Time) { o.observe("window", t, err) }(time.Now())
	return o.Store.Window(ctx, outlet, now, window)
}

func (o *observedStore) Daily(ctx context.Context, outlet string, days []string) (_ []store.DayCount, err error) {
	defer func(t time.Time) { o.observe("daily", t, err) }(time.Now())
	return o.Store.Daily(ctx, outlet, days)
}

func (o *observedStore) ListHolds(ctx context.Context, outlet string, f store.HoldFilter) (_ []store.Hold, err error) {
	defer func(t time.Time) { o.observe("list_holds", t, err) }(time.Now())
	return o.Store.ListHolds(ctx, outlet, f)
}

func (o *observedStore) GetHold(ctx context.Context, outlet, id string) (_ store.Hold, err error) {
	defer func(t time.Time) { o.observe("get_hold", t, err) }(time.Now())
	return o.Store.GetHold(ctx, outlet, id)
}

func (o *observedStore) Resolve(ctx context.Context, r store.Resolution) (_ store.Hold, err error) {
	defer func(t time.Time) { o.observe("resolve", t, err) }(time.Now())
	return o.Store.Resolve(ctx, r)
}

func (o *observedStore) AppendAudit(ctx context.Context, e store.AuditEntry) (err error) {
	defer func(t time.Time) { o.observe("append_audit", t, err) }(time.Now())
	return o.Store.AppendAudit(ctx, e)
}

func (o *observedStore) ListAudit(ctx context.Context, outlet string, f store.AuditFilter) (_ []store.AuditEntry, err error) {
	defer func(t time.Time) { o.observe("list_audit", t, err) }(time.Now())
	return o.Store.ListAudit(ctx, outlet, f)
}

func (o *observedStore) Recall(ctx context.Context, outlet, webhookID string) (_ []byte, _ bool, err error) {
	defer func(t time.Time) { o.observe("recall", t, err) }(time.Now())
	return o.Store.Recall(ctx, outlet, webhookID)
}

func (o *observedStore) Remember(ctx context.Context, outlet, webhookID string, answer []byte) (err error) {
	defer func(t time.Time) { o.observe("remember", t, err) }(time.Now())
	return o.Store.Remember(ctx, outlet, webhookID, answer)
}

func (o *observedStore) LeaseCallbacks(ctx context.Context, outlet string, now time.Time, lease time.Duration, n int) (_ []store.Callback, err error) {
	defer func(t time.Time) { o.observe("lease_callbacks", t, err) }(time.Now())
	return o.Store.LeaseCallbacks(ctx, outlet, now, lease, n)
}

func (o *observedStore) FinishCallback(ctx context.Context, outlet, id string, a store.CallbackAttempt) (err error) {
	defer func(t time.Time) { o.observe("finish_callback", t, err) }(time.Now())
	return o.Store.FinishCallback(ctx, outlet, id, a)
}

func (o *observedStore) ListCallbacks(ctx context.Context, outlet string, status store.CallbackStatus, limit int) (_ []store.Callback, err error) {
	defer func(t time.Time) { o.observe("list_callbacks", t, err) }(time.Now())
	return o.Store.ListCallbacks(ctx, outlet, status, limit)
}

func (o *observedStore) RetryCallback(ctx context.Context, outlet, id string, now time.Time) (err error) {
	defer func(t time.Time) { o.observe("retry_callback", t, err) }(time.Now())
	return o.Store.RetryCallback(ctx, outlet, id, now)
}

func (o *observedStore) Ping(ctx context.Context) (err error) {
	defer func(t time.Time) { o.observe("ping", t, err) }(time.Now())
	return o.Store.Ping(ctx)
}
