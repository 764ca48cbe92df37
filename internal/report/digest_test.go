package report_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/report"
	"gatekeeper/internal/report/reporttest"
	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport"
)

// auditReads records the Since of every audit read.
type auditReads struct {
	store.Store
	mu    sync.Mutex
	since []time.Time
}

func (a *auditReads) ListAudit(ctx context.Context, outlet string, f store.AuditFilter) ([]store.AuditEntry, error) {
	a.mu.Lock()
	a.since = append(a.since, f.Since)
	a.mu.Unlock()
	return a.Store.ListAudit(ctx, outlet, f)
}

func (a *auditReads) take() []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.since
	a.since = nil
	return s
}

// The report read from the closed days' digests is the report read from the
// audit entries, figure for figure: random histories (holds approved,
// rejected and waiting, withdrawals, relabels) in zones east and west of
// UTC and one with daylight saving, reports of this month, last month and
// ranges ending today and days ago, asked at three instants as the history
// grows (the digests of the first asks are read by the later ones), the
// last after the outlet moved to another zone. The second ask at an
// instant reads no entry of a closed day.
func TestDigestsAgree(t *testing.T) {
	now := testsupport.Now(t, fallbackNow)
	zones := []string{"Asia/Ho_Chi_Minh", "America/Bogota", "Europe/London", "Pacific/Kiritimati"}
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			rec := &auditReads{Store: sc.open(t)}
			for zi, zone := range zones {
				t.Run(zone, func(t *testing.T) {
					start := now.Add(-95*24*time.Hour + time.Duration(zi)*7*time.Hour)
					s := reporttest.New(t, rec, store.Outlet{ID: fmt.Sprintf("o%d", zi), Timezone: zone}, start, uint64(11+zi))
					for round, days := range []int{45, 25, 25} {
						if round == 2 {
							// The outlet moves to another zone: its days have other bounds.
							s.Outlet.Timezone = zones[(zi+1)%len(zones)]
							if err := rec.UpdateOutlet(context.Background(), s.Outlet); err != nil {
								t.Fatal(err)
							}
						}
						loc := s.Outlet.Location()
						s.Run(days)
						at := s.Clock.Now()
						today := report.DateOf(at.In(loc))
						y, m, _ := at.In(loc).Date()
						periods := []report.Period{
							report.Month(y, m), report.Month(y, m-1),
							{From: today.AddDays(-20), To: today},
							{From: today.AddDays(-30), To: today.AddDays(-3)},
						}
						closed := report.DateOf(at.Add(-report.DigestDelay).In(loc)).Start(loc)
						for _, p := range periods {
							want := build(t, &report.Builder{Store: rec, Clock: clock.Fixed(at), NoDigests: true}, s.Outlet.ID, p)
							rec.take()
							cold := build(t, &report.Builder{Store: rec, Clock: clock.Fixed(at)}, s.Outlet.ID, p)
							rec.take()
							warm := build(t, &report.Builder{Store: rec, Clock: clock.Fixed(at)}, s.Outlet.ID, p)
							for _, since := range rec.take() {
								if since.Before(closed) {
									t.Errorf("%s at %v: the second ask read entries since %v, before the open days (%v)", p, at, since, closed)
								}
							}
							if cold != want || warm != want {
								t.Errorf("%s at %v (%s):\nentries: %s\ndigests: %s\nwarm:    %s", p, at, zone, want, cold, warm)
							}
						}
						// The digests are kept for every closed day read.
						first := report.Month(y, m-1).From.AddDays(-s.Outlet.WindowDays)
						var keys []string
						for d := first; d.Start(loc).Before(closed); d = d.AddDays(1) {
							keys = append(keys, d.Key())
						}
						got, err := rec.AuditDays(context.Background(), s.Outlet.ID, digestVersion(t, rec, s.Outlet.ID), keys)
						if err != nil {
							t.Fatal(err)
						}
						for i, b := range got {
							if b == nil {
								t.Errorf("no digest of %s kept", keys[i])
							}
						}
					}
				})
			}
		})
	}
}

// build builds one outlet's report as JSON, without the instant it was made.
func build(t *testing.T, b *report.Builder, id string, p report.Period) string {
	t.Helper()
	rep, err := b.Build(context.Background(), []string{id}, p)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Outlets[0].Published == 0 && p.From.Before(report.DateOf(b.Clock.Now())) {
		t.Logf("%s: nothing published", p)
	}
	out, err := json.Marshal(rep.Outlets[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// The retention round digests the closed days this month's and last
// month's reports read, and no open day.
func TestRetainerMakesDigests(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			st := sc.open(t)
			now := testsupport.Now(t, fallbackNow)
			s := reporttest.New(t, st, store.Outlet{ID: "ret"}, now.Add(-80*24*time.Hour), 5)
			s.Run(80)
			at := s.Clock.Now()
			if _, err := (&report.Retainer{Store: st, Clock: clock.Fixed(at)}).RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			loc := s.Outlet.Location()
			y, m, _ := at.In(loc).Date()
			first := report.DateOf(report.Month(y, m-1).Start(loc).Add(-s.Outlet.Window()).In(loc))
			closed := report.DateOf(at.Add(-report.DigestDelay).In(loc))
			var keys []string
			for d := first; !closed.AddDays(1).Before(d); d = d.AddDays(1) {
				keys = append(keys, d.Key())
			}
			got, err := st.AuditDays(context.Background(), s.Outlet.ID, digestVersion(t, st, s.Outlet.ID), keys)
			if err != nil {
				t.Fatal(err)
			}
			for i, b := range got {
				if kept, want := b != nil, i < len(keys)-2; kept != want {
					t.Errorf("day %s: digest kept %v, want %v (closed before %s)", keys[i], kept, want, closed.Key())
				}
			}
		})
	}
}

// A damaged digest kept for a closed day (the store never replaces a kept
// one) does not fail the report: it is read from the entries, figure for
// figure the report without digests.
func TestDamagedDigest(t *testing.T) {
	for _, sc := range stores {
		t.Run(sc.name, func(t *testing.T) {
			st := sc.open(t)
			now := testsupport.Now(t, fallbackNow)
			s := reporttest.New(t, st, store.Outlet{ID: "dmg"}, now.Add(-50*24*time.Hour), 7)
			s.Run(50)
			at := s.Clock.Now()
			loc := s.Outlet.Location()
			today := report.DateOf(at.In(loc))
			p := report.Period{From: today.AddDays(-20), To: today}
			bad := map[string][]byte{
				today.AddDays(-10).Key(): {1, 2, 200, 7},    // the format byte, then a cut event
				today.AddDays(-30).Key(): []byte("garbage"), // another format byte
			}
			if err := st.(store.AuditDays).PutAuditDays(context.Background(), s.Outlet.ID, digestVersion(t, st, s.Outlet.ID), bad); err != nil {
				t.Fatal(err)
			}
			want := build(t, &report.Builder{Store: st, Clock: clock.Fixed(at), NoDigests: true}, s.Outlet.ID, p)
			if got := build(t, &report.Builder{Store: st, Clock: clock.Fixed(at)}, s.Outlet.ID, p); got != want {
				t.Errorf("with damaged digests:\n got %s\nwant %s", got, want)
			}
		})
	}
}

// digestVersion is the version the report keeps the outlet's digests under,
// from the outlet as stored.
func digestVersion(t *testing.T, st interface {
	GetOutlet(context.Context, string) (store.Outlet, error)
}, id string) string {
	t.Helper()
	o, err := st.GetOutlet(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return report.DigestVersionOf(&o)
}

// An outlet removed and added again under the same id keeps its digests
// apart from its predecessor's: the version names its creation.
func TestDigestVersionNamesTheOutletsCreation(t *testing.T) {
	a := store.Outlet{ID: "o", Timezone: "Asia/Ho_Chi_Minh", CreatedAt: fallbackNow}
	b := a
	b.CreatedAt = fallbackNow.Add(time.Millisecond)
	if report.DigestVersionOf(&a) == report.DigestVersionOf(&b) {
		t.Errorf("the same version %q for two creations of outlet o", report.DigestVersionOf(&a))
	}
	c := a
	c.Timezone = "Europe/London"
	if report.DigestVersionOf(&a) == report.DigestVersionOf(&c) {
		t.Errorf("the same version %q in two zones", report.DigestVersionOf(&a))
	}
}
