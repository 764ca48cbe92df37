package callback

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/redistest"
	"gatekeeper/internal/review"
	"gatekeeper/internal/store"
	"gatekeeper/internal/store/redisstore"
	"gatekeeper/internal/store/sqlitestore"
	"gatekeeper/internal/testsupport"
	"gatekeeper/internal/webhook"
	"gatekeeper/policy"
)

func TestAddressAllowed(t *testing.T) {
	for _, tc := range []struct {
		ip      string
		private bool
		want    bool
	}{
		{"93.184.216.34", false, true},
		{"2606:2800:220:1:248:1893:25c8:1946", false, true},
		{"127.0.0.1", false, false},
		{"127.8.9.10", false, false},
		{"10.1.2.3", false, false},
		{"172.16.0.1", false, false},
		{"172.31.255.255", false, false},
		{"172.32.0.1", false, true},
		{"192.168.1.1", false, false},
		{"169.254.169.254", false, false}, // cloud metadata
		{"100.64.0.1", false, false},
		{"0.0.0.0", false, false},
		{"::1", false, false},
		{"::ffff:127.0.0.1", false, false},
		{"fd00::1", false, false},
		{"fe80::1", false, false},
		{"224.0.0.1", false, false},
		// Zoned, IPv4-compatible (::/96), IPv4-translated (::ffff:0:0:0/96)
		// and the deprecated site-local range: refused.
		{"fe80::1%eth0", false, false},
		{"2606:2800:220:1:248:1893:25c8:1946%eth0", false, false},
		{"::7f00:1", false, false},
		{"::a00:1", false, false},
		{"::ffff:0:7f00:1", false, false},
		{"fec0::1", false, false},
		{"127.0.0.1", true, true},
		{"10.1.2.3", true, true},
	} {
		if got := AddressAllowed(netip.MustParseAddr(tc.ip), tc.private); got != tc.want {
			t.Errorf("AddressAllowed(%s, private=%v) = %v, want %v", tc.ip, tc.private, got, tc.want)
		}
	}
}

type fixture struct {
	t      *testing.T
	ctx    context.Context
	dir    string
	reopen func() store.Store // another handle on the same data (a restarted service)
	st     store.Store
	o      store.Outlet
	secret string
	rev    *review.Service
	now    time.Time // the instant the test runs at (testsupport.Now)
}

// fixtureNow is when a callback test runs unless GATEKEEPER_TEST_NOW says.
var fixtureNow = time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)

// clock is the fixture's clock, stopped at f.now.
func (f *fixture) clock() clock.Clock { return clock.Fixed(f.now) }

func openStore(t *testing.T, dir string) store.Store {
	t.Helper()
	s, err := sqlitestore.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// kinds are the real stores the tests run on.
var kinds = []string{"sqlite", "redis"}

func newFixture(t *testing.T, url string, allowPrivate bool) *fixture {
	return newFixtureOn(t, "sqlite", url, allowPrivate)
}

func newFixtureOn(t *testing.T, kind, url string, allowPrivate bool) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: context.Background(), dir: t.TempDir()}
	switch kind {
	case "sqlite":
		f.reopen = func() store.Store { return openStore(t, f.dir) }
	case "redis":
		srv := redistest.Start(t, redistest.Options{})
		f.reopen = func() store.Store {
			s, err := redisstore.Open(context.Background(), srv.URL())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}
	}
	f.st = f.reopen()
	secret, _ := webhook.NewSecret()
	f.secret = secret
	f.now = testsupport.Now(t, fixtureNow)
	now := f.now
	f.o = store.Outlet{ID: "dakglei", Name: "Đắk Glei", Rules: policy.DefaultRules(), WindowDays: 30, Timezone: "Asia/Ho_Chi_Minh",
		CallbackURL: url, AllowPrivateCallback: allowPrivate, Secrets: []store.Secret{{Value: secret}}, CreatedAt: now, UpdatedAt: now}
	if err := f.st.CreateOutlet(f.ctx, f.o); err != nil {
		t.Fatal(err)
	}
	f.rev = &review.Service{Store: f.st, Clock: f.clock()}
	return f
}

// approve holds a post and approves it, queueing a callback.
func (f *fixture) approve(postID string) store.Hold {
	f.t.Helper()
	now := f.now
	subj := policy.Subject{Negative: true}
	res, err := f.st.Check(f.ctx, store.CheckInput{Outlet: f.o.ID, PostID: postID, Now: now, Window: f.o.Window(),
		Day: store.DayKey(now, f.o.Location()), Rules: f.o.Rules, Subject: subj, Plan: policy.MakePlan(f.o.Rules, subj),
		HoldID: "h-" + postID, Snapshot: []byte(`{}`)})
	if err != nil || res.HoldID == "" {
		f.t.Fatalf("check: %+v %v", res, err)
	}
	h, err := f.rev.Resolve(f.ctx, f.o, res.HoldID, true, "mai", "đồng ý")
	if err != nil {
		f.t.Fatalf("resolve: %v", err)
	}
	return h
}

func (f *fixture) callbacks() []store.Callback {
	f.t.Helper()
	cbs, err := f.st.ListCallbacks(f.ctx, f.o.ID, "", 100)
	if err != nil {
		f.t.Fatal(err)
	}
	return cbs
}

var quiet = testsupport.Discard

func TestDeliverSigned(t *testing.T) {
	for _, k := range kinds {
		t.Run(k, func(t *testing.T) { testDeliverSigned(t, k) })
	}
}

func testDeliverSigned(t *testing.T, kind string) {
	var got atomic.Value
	cms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.Store([2]any{r.Header.Clone(), b})
		w.WriteHeader(http.StatusOK)
	}))
	defer cms.Close()
	f := newFixtureOn(t, kind, cms.URL+"/cb", true)
	h := f.approve("42")
	w := New(f.st, Config{Logger: quiet(), Clock: f.clock()})
	if n, err := w.RunOnce(f.ctx); err != nil || n != 1 {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	v, _ := got.Load().([2]any)
	hdr, body := v[0].(http.Header), v[1].([]byte)
	key, _ := webhook.DecodeSecret(f.secret)
	id, err := webhook.Verify(hdr, body, f.now, webhook.DeriveKey(key, webhook.PurposeCallback)) // signed on the worker's clock
	if err != nil {
		t.Fatalf("signature: %v", err)
	}
	// The outlet's request key does not sign callbacks: a callback never
	// passes for a request to the service.
	if _, err := webhook.Verify(hdr, body, time.Now(), key); err == nil {
		t.Fatal("the callback verifies with the outlet's request key")
	}
	cbs := f.callbacks()
	if len(cbs) != 1 || cbs[0].ID != id || cbs[0].Status != store.CallbackDelivered || cbs[0].Attempts != 1 {
		t.Fatalf("callbacks = %+v (webhook id %s)", cbs, id)
	}
	var p struct {
		Type string              `json:"type"`
		Hold struct{ ID string } `json:"hold"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Type != "hold.approved" || p.Hold.ID != h.ID {
		t.Fatalf("payload %s: %v", body, err)
	}
	if hdr.Get("Content-Type") != "application/json" {
		t.Errorf("content type %q", hdr.Get("Content-Type"))
	}
	// Nothing more to do.
	if n, _ := w.RunOnce(f.ctx); n != 0 {
		t.Fatalf("second round made %d attempts", n)
	}
}

// TestPrivateRefused: loopback is refused unless the outlet allows it, by
// IP and by a name that resolves to it (checked at dial time).
func TestPrivateRefused(t *testing.T) {
	var hits atomic.Int32
	cms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer cms.Close()
	port := cms.URL[strings.LastIndex(cms.URL, ":")+1:]
	for _, u := range []string{cms.URL, "http://localhost:" + port + "/cb"} {
		t.Run(u, func(t *testing.T) {
			f := newFixture(t, u, false)
			f.approve("1")
			w := New(f.st, Config{Logger: quiet(), Clock: f.clock()})
			if _, err := w.RunOnce(f.ctx); err != nil {
				t.Fatal(err)
			}
			cb := f.callbacks()[0]
			if cb.Status != store.CallbackPending || cb.Attempts != 1 || !strings.Contains(cb.LastError, "not allowed") {
				t.Fatalf("callback = %+v", cb)
			}
		})
	}
	if hits.Load() != 0 {
		t.Fatalf("the private receiver was reached %d times", hits.Load())
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	var target atomic.Int32
	cms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/elsewhere" {
			target.Add(1)
			return
		}
		http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
	}))
	defer cms.Close()
	f := newFixture(t, cms.URL+"/cb", true)
	f.approve("1")
	w := New(f.st, Config{Logger: quiet(), Clock: f.clock()})
	w.RunOnce(f.ctx)
	cb := f.callbacks()[0]
	if cb.Status != store.CallbackPending || !strings.Contains(cb.LastError, "HTTP 307") || target.Load() != 0 {
		t.Fatalf("callback = %+v, redirect target hit %d times", cb, target.Load())
	}
}

// TestRetryBackoffThenFail: failures are retried with growing delays and
// given up 24 h after queueing; the console's retry makes it due again.
func TestRetryBackoffThenFail(t *testing.T) {
	for _, k := range kinds {
		t.Run(k, func(t *testing.T) { testRetryBackoffThenFail(t, k) })
	}
}

func testRetryBackoffThenFail(t *testing.T, kind string) {
	var status atomic.Int32
	status.Store(http.StatusInternalServerError)
	cms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(status.Load()))
		// A large answer: only the cap is read.
		io.WriteString(w, "lỗi máy chủ "+strings.Repeat("x", 1<<20))
	}))
	defer cms.Close()
	f := newFixtureOn(t, kind, cms.URL+"/cb", true)
	f.approve("1")
	created := f.callbacks()[0].CreatedAt
	now := f.now
	w := New(f.st, Config{Logger: quiet(), Clock: clock.Func(func() time.Time { return now }), BaseDelay: 30 * time.Second, MaxDelay: time.Hour})
	var delays []time.Duration
	for i := 0; i < 60; i++ {
		n, err := w.RunOnce(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		cb := f.callbacks()[0]
		if n == 0 {
			t.Fatalf("round %d: nothing due (next %v, now %v)", i, cb.NextAttempt, now)
		}
		if cb.Status == store.CallbackFailed {
			if now.Before(created.Add(24 * time.Hour)) {
				t.Fatalf("failed before 24 h: at %v", now.Sub(created))
			}
			break
		}
		if !strings.HasPrefix(cb.LastError, "HTTP 500: lỗi máy chủ") || len(cb.LastError) > 600 {
			t.Fatalf("last error %q", cb.LastError)
		}
		d := cb.NextAttempt.Sub(now)
		delays = append(delays, d)
		now = cb.NextAttempt
	}
	cb := f.callbacks()[0]
	if cb.Status != store.CallbackFailed {
		t.Fatalf("not failed after %d attempts: %+v", len(delays), cb)
	}
	// Exponential with jitter in [d/2, d], capped at an hour.
	want := 30 * time.Second
	for i, d := range delays[:len(delays)-1] {
		if d < want/2 || d > want {
			t.Errorf("delay %d = %v, want in [%v, %v]", i, d, want/2, want)
		}
		want = min(want*2, time.Hour)
	}
	// Retry now: delivered this time.
	status.Store(http.StatusOK)
	if err := f.st.RetryCallback(f.ctx, f.o.ID, cb.ID, now); err != nil {
		t.Fatal(err)
	}
	if n, _ := w.RunOnce(f.ctx); n != 1 {
		t.Fatal("retried callback not attempted")
	}
	if cb := f.callbacks()[0]; cb.Status != store.CallbackDelivered {
		t.Fatalf("after retry: %+v", cb)
	}
}

// TestSurvivesRestart: a callback that failed while the CMS was down is
// delivered by a new worker on a new store handle (a restarted service).
func TestSurvivesRestart(t *testing.T) {
	for _, k := range kinds {
		t.Run(k, func(t *testing.T) { testSurvivesRestart(t, k) })
	}
}

func testSurvivesRestart(t *testing.T, kind string) {
	down := httptest.NewServer(http.NotFoundHandler())
	downURL := down.URL
	down.Close() // connection refused
	f := newFixtureOn(t, kind, downURL+"/cb", true)
	f.approve("1")
	w1 := New(f.st, Config{Logger: quiet(), Clock: f.clock()})
	w1.RunOnce(f.ctx)
	cb := f.callbacks()[0]
	if cb.Status != store.CallbackPending || cb.Attempts != 1 || cb.LastError == "" {
		t.Fatalf("after a refused connection: %+v", cb)
	}
	// The CMS comes back at a new address; the service restarts.
	var hits atomic.Int32
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer up.Close()
	f.o.CallbackURL = up.URL + "/cb"
	if err := f.st.UpdateOutlet(f.ctx, f.o); err != nil {
		t.Fatal(err)
	}
	f.st.Close()
	st2 := f.reopen()
	w2 := New(st2, Config{Logger: quiet(), Clock: clock.Fixed(cb.NextAttempt.Add(time.Second))})
	if n, err := w2.RunOnce(f.ctx); err != nil || n != 1 {
		t.Fatalf("after restart: %d %v", n, err)
	}
	cbs, _ := st2.ListCallbacks(f.ctx, f.o.ID, "", 10)
	if hits.Load() != 1 || cbs[0].Status != store.CallbackDelivered || cbs[0].Attempts != 2 {
		t.Fatalf("hits %d, callback %+v", hits.Load(), cbs[0])
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	cms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer cms.Close()
	defer close(release)
	f := newFixture(t, cms.URL, true)
	f.approve("1")
	w := New(f.st, Config{Logger: quiet(), Clock: f.clock(), Timeout: 300 * time.Millisecond})
	// The receiver never answers: the attempt ends by the timeout (else
	// this test would hang).
	w.RunOnce(f.ctx)
	cb := f.callbacks()[0]
	if cb.Status != store.CallbackPending || cb.LastError == "" {
		t.Fatalf("callback %+v", cb)
	}
}

// TestTwoReplicasDeliverOnce: two workers (two service replicas) running at
// once send each callback once: the lease keeps the second away.
func TestTwoReplicasDeliverOnce(t *testing.T) {
	for _, k := range kinds {
		t.Run(k, func(t *testing.T) {
			var hits atomic.Int32
			cms := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				time.Sleep(100 * time.Millisecond) // both workers are busy at once
			}))
			defer cms.Close()
			f := newFixtureOn(t, k, cms.URL+"/cb", true)
			for i := 0; i < 5; i++ {
				f.approve(fmt.Sprint("p", i))
			}
			w1, w2 := New(f.st, Config{Logger: quiet(), Clock: f.clock()}), New(f.reopen(), Config{Logger: quiet(), Clock: f.clock()})
			done := make(chan int, 2)
			for _, w := range []*Worker{w1, w2} {
				go func() {
					n, err := w.RunOnce(f.ctx)
					if err != nil {
						t.Error(err)
					}
					done <- n
				}()
			}
			n := <-done + <-done
			if n != 5 || hits.Load() != 5 {
				t.Fatalf("%d attempts, %d deliveries for 5 callbacks", n, hits.Load())
			}
			for _, cb := range f.callbacks() {
				if cb.Status != store.CallbackDelivered || cb.Attempts != 1 {
					t.Fatalf("callback %+v", cb)
				}
			}
		})
	}
}
