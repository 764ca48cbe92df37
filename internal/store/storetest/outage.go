package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// Outage checks that a store that cannot reach its data answers
// store.ErrUnavailable and records nothing, and that a retry afterwards (same
// post id, same webhook id) counts the post exactly once. down makes the
// store unreachable (stops its server, locks its file...), up brings it back.
func Outage(t *testing.T, st store.Store, down, up func(t *testing.T)) {
	e := &env{t: t, ctx: context.Background(), st: st}
	e.o = e.createOutlet()
	e.fillCounts(T0, 20, 3)
	e.check("counted", nonNegative, T0)
	hid := e.mustHold("held", T0)
	now := T0.Add(time.Minute)
	days := []string{e.day(T0), e.day(now)}
	before := e.state(now, days...)

	retry := e.input("new", nonNegative, now)
	retry.WebhookID = "msg_outage"
	dry := e.input("dry", nonNegative, now)
	dry.DryRun = true
	ops := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Check", func(ctx context.Context) error { _, err := st.Check(ctx, retry); return err }},
		{"Check (dry run)", func(ctx context.Context) error { _, err := st.Check(ctx, dry); return err }},
		{"Withdraw", func(ctx context.Context) error {
			_, err := st.Withdraw(ctx, e.o.ID, "counted", now, e.window(), "editor1")
			return err
		}},
		{"Sync", func(ctx context.Context) error {
			_, err := st.Sync(ctx, store.SyncInput{Outlet: e.o.ID, Now: now, Window: e.window(), Posts: []store.SyncPost{e.post("s", true, now)}, Complete: true})
			return err
		}},
		{"Resolve", func(ctx context.Context) error {
			_, err := st.Resolve(ctx, e.resolution(hid, true, now, callback(e, "cb", "hold.approved", now)))
			return err
		}},
		{"Relabel", func(ctx context.Context) error {
			return st.Relabel(ctx, e.o.ID, "counted", policy.Negative, now, e.window(), "manager1", "")
		}},
		{"AppendAudit", func(ctx context.Context) error {
			return st.AppendAudit(ctx, store.AuditEntry{Outlet: e.o.ID, At: now, Type: "outlet_update"})
		}},
		{"Remember", func(ctx context.Context) error { return st.Remember(ctx, e.o.ID, "msg_r", []byte(`{}`)) }},
		{"CreateOutlet", func(ctx context.Context) error {
			o := e.o
			o.ID = newID("t-")
			return st.CreateOutlet(ctx, o)
		}},
		{"LeaseCallbacks", func(ctx context.Context) error {
			_, err := st.LeaseCallbacks(ctx, e.o.ID, now, time.Minute, 10)
			return err
		}},
		{"Window", func(ctx context.Context) error {
			_, err := st.Window(ctx, e.o.ID, now, e.window())
			return err
		}},
		{"GetOutlet", func(ctx context.Context) error { _, err := st.GetOutlet(ctx, e.o.ID); return err }},
		{"Ping", func(ctx context.Context) error { return st.Ping(ctx) }},
	}

	down(t)
	for _, op := range ops {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := op.call(ctx)
		cancel()
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s while the store is down: %v, want ErrUnavailable", op.name, err)
		}
	}
	up(t)

	e.wantState("calls refused while the store was down", before, now, days...)
	if h := e.hold(hid); h.Status != store.HoldPending {
		t.Fatalf("hold after the outage: %+v", h)
	}
	// The CMS retries with the same post id and webhook id.
	r := e.run(retry)
	if r.Replayed {
		t.Fatal("the refused check's webhook id was recorded")
	}
	e.wantCounts(now, policy.Counts{Published: 22, Negative: 3})
	if r := e.run(retry); !r.Replayed {
		t.Fatal("second retry not replayed")
	}
	e.wantCounts(now, policy.Counts{Published: 22, Negative: 3})
}
