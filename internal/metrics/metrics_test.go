package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"gatekeeper/internal/gate"
	"gatekeeper/internal/metrics"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

func TestMain(m *testing.M) {
	gin.SetMode(gin.TestMode)
	os.Exit(m.Run())
}

// scrape GETs the /metrics handler and parses the text exposition.
func scrape(t *testing.T, m *metrics.Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d: %s", rec.Code, rec.Body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// series returns "name{k=v,...}" → value for every sample of a family
// (counter, gauge, or a histogram's count).
func series(fam *dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	if fam == nil {
		return out
	}
	for _, m := range fam.GetMetric() {
		var kv []string
		for _, l := range m.GetLabel() {
			kv = append(kv, l.GetName()+"="+l.GetValue())
		}
		sort.Strings(kv)
		key := "{" + strings.Join(kv, ",") + "}"
		switch {
		case m.Counter != nil:
			out[key] = m.GetCounter().GetValue()
		case m.Gauge != nil:
			out[key] = m.GetGauge().GetValue()
		case m.Histogram != nil:
			out[key] = float64(m.GetHistogram().GetSampleCount())
		case m.Untyped != nil:
			out[key] = m.GetUntyped().GetValue()
		}
	}
	return out
}

func wantSeries(t *testing.T, fams map[string]*dto.MetricFamily, name string, want map[string]float64) {
	t.Helper()
	got := series(fams[name])
	if len(got) != len(want) {
		t.Errorf("%s: %d series %v, want %d %v", name, len(got), got, len(want), want)
		return
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s%s = %v (present %v), want %v; all: %v", name, k, g, ok, v, got)
		}
	}
}

func TestScrapeHasEverySeries(t *testing.T) {
	m := metrics.New(metrics.Options{Version: "v1.2.3", Revision: "abc"})
	m.ObserveDecision("allow", gate.ModeLive)
	m.ObserveDecision("allow", gate.ModeLive)
	m.ObserveDecision("hold", gate.ModeDryRun)
	m.ObserveDecision("unavailable", gate.ModeLive)
	m.ObserveDecision("maybe", "sideways") // a caller's mistake stays bounded
	m.ObserveStore("check", 3*time.Millisecond, nil)
	m.ObserveStore("check", 200*time.Millisecond, fmt.Errorf("redis check: %w", store.ErrUnavailable))
	m.SetOutboxPending(func() float64 { return 7 })
	m.SetOutletShare("dakglei", 0.1417)

	fams := scrape(t, m)
	wantSeries(t, fams, "gatekeeper_decisions_total", map[string]float64{
		"{mode=live,verdict=allow}":       2,
		"{mode=dry_run,verdict=hold}":     1,
		"{mode=live,verdict=unavailable}": 1,
		"{mode=other,verdict=other}":      1,
	})
	wantSeries(t, fams, "gatekeeper_store_operation_duration_seconds", map[string]float64{"{op=check}": 2})
	wantSeries(t, fams, "gatekeeper_store_errors_total", map[string]float64{"{kind=unavailable,op=check}": 1})
	wantSeries(t, fams, "gatekeeper_outbox_pending", map[string]float64{"{}": 7})
	wantSeries(t, fams, "gatekeeper_outlet_negative_share", map[string]float64{"{outlet=dakglei}": 0.1417})
	wantSeries(t, fams, "gatekeeper_outlet_share_aggregated_outlets", map[string]float64{"{}": 0})
	bi := series(fams["gatekeeper_build_info"])
	if len(bi) != 1 {
		t.Fatalf("build_info: %v", bi)
	}
	for k, v := range bi {
		if !strings.Contains(k, "revision=abc") || !strings.Contains(k, "version=v1.2.3") || !strings.Contains(k, "goversion=go") || v != 1 {
			t.Errorf("build_info%s = %v", k, v)
		}
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if fams[name] == nil {
			t.Errorf("%s missing (runtime collectors)", name)
		}
	}
	if fams["gatekeeper_http_request_duration_seconds"] != nil {
		t.Errorf("no request observed yet, but the histogram has series")
	}
	if got := fams["gatekeeper_store_operation_duration_seconds"].GetType(); got != dto.MetricType_HISTOGRAM {
		t.Errorf("store duration type %v", got)
	}
}

func TestGinMiddlewareUsesRoutePattern(t *testing.T) {
	m := metrics.New(metrics.Options{NoRuntimeCollectors: true})
	r := gin.New()
	r.Use(m.GinMiddleware())
	r.POST("/v1/outlets/:outlet/check", func(c *gin.Context) {
		if c.Param("outlet") == "down" {
			c.JSON(http.StatusServiceUnavailable, gin.H{})
			return
		}
		c.JSON(http.StatusOK, gin.H{})
	})
	r.GET("/metrics", gin.WrapH(m.Handler()))

	for _, req := range []struct{ method, path string }{
		{"POST", "/v1/outlets/a/check"},
		{"POST", "/v1/outlets/b/check"},
		{"POST", "/v1/outlets/c%20d/check"},
		{"POST", "/v1/outlets/down/check"},
		{"GET", "/wp-login.php"},
		{"GET", "/random/" + strings.Repeat("x", 50)},
		{"PROPFIND", "/v1/outlets/a/check"},
	} {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(req.method, req.path, strings.NewReader("{}")))
	}
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	wantSeries(t, fams, "gatekeeper_http_request_duration_seconds", map[string]float64{
		"{code=200,method=POST,route=/v1/outlets/:outlet/check}": 3,
		"{code=503,method=POST,route=/v1/outlets/:outlet/check}": 1,
		"{code=404,method=GET,route=unmatched}":                  2,
		"{code=404,method=OTHER,route=unmatched}":                1,
	})
}

func TestOutletShareCardinalityCap(t *testing.T) {
	m := metrics.New(metrics.Options{MaxOutlets: 3, NoRuntimeCollectors: true})
	for i, share := range []float64{0.10, 0.11, 0.12, 0.16, 0.05, 0.02} {
		m.SetOutletShare(fmt.Sprintf("o%d", i), share)
	}
	m.SetOutletShare("o1", 0.13) // a labelled outlet keeps its series
	m.SetOutletShare("o5", 0.04) // an aggregated one stays aggregated

	fams := scrape(t, m)
	wantSeries(t, fams, "gatekeeper_outlet_negative_share", map[string]float64{
		"{outlet=o0}":     0.10,
		"{outlet=o1}":     0.13,
		"{outlet=o2}":     0.12,
		"{outlet=_other}": 0.16, // the highest share among o3, o4, o5
	})
	wantSeries(t, fams, "gatekeeper_outlet_share_aggregated_outlets", map[string]float64{"{}": 3})

	m.SetOutletShare("o3", 0.01) // the over-limit outlet came back under
	m.ForgetOutlet("o0")         // frees a place for a new outlet
	m.SetOutletShare("o9", 0.07)
	m.SetOutletShare(metrics.OtherOutlet, 0.99) // cannot impersonate the aggregate's label
	fams = scrape(t, m)
	wantSeries(t, fams, "gatekeeper_outlet_negative_share", map[string]float64{
		"{outlet=o1}":     0.13,
		"{outlet=o2}":     0.12,
		"{outlet=o9}":     0.07,
		"{outlet=_other}": 0.99,
	})
	wantSeries(t, fams, "gatekeeper_outlet_share_aggregated_outlets", map[string]float64{"{}": 4})
}

func TestDefaultCapIs200(t *testing.T) {
	m := metrics.New(metrics.Options{NoRuntimeCollectors: true})
	for i := range 1000 {
		m.SetOutletShare(fmt.Sprintf("outlet-%04d", i), float64(i)/1000)
	}
	got := series(scrape(t, m)["gatekeeper_outlet_negative_share"])
	if len(got) != metrics.DefaultMaxOutlets+1 {
		t.Fatalf("%d series, want %d", len(got), metrics.DefaultMaxOutlets+1)
	}
	if got["{outlet=_other}"] != 0.999 {
		t.Errorf("_other = %v, want 0.999", got["{outlet=_other}"])
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestErrorKind(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"not found", fmt.Errorf("get outlet x: %w", store.ErrNotFound), ""},
		{"exists", store.ErrExists, ""},
		{"conflict", fmt.Errorf("resolve: %w", store.ErrConflict), ""},
		{"caller gone", fmt.Errorf("check: %w", context.Canceled), ""},
		{"unavailable", fmt.Errorf("check: %w", store.ErrUnavailable), metrics.KindUnavailable},
		{"deadline", fmt.Errorf("check: %w", context.DeadlineExceeded), metrics.KindTimeout},
		{"unavailable by timeout", fmt.Errorf("check: %w: %w", store.ErrUnavailable, context.DeadlineExceeded), metrics.KindTimeout},
		{"net timeout", fmt.Errorf("dial: %w", timeoutErr{}), metrics.KindTimeout},
		{"other", errors.New("ERR syntax error"), metrics.KindOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := metrics.ErrorKind(tc.err); got != tc.want {
				t.Errorf("ErrorKind(%v) = %q, want %q", tc.err, got, tc.want)
			}
		})
	}
}

func TestOutboxPendingFunc(t *testing.T) {
	m := metrics.New(metrics.Options{NoRuntimeCollectors: true})
	wantSeries(t, scrape(t, m), "gatekeeper_outbox_pending", map[string]float64{"{}": 0})
	n := 0.0
	m.SetOutboxPending(func() float64 { n++; return n })
	wantSeries(t, scrape(t, m), "gatekeeper_outbox_pending", map[string]float64{"{}": 1})
	wantSeries(t, scrape(t, m), "gatekeeper_outbox_pending", map[string]float64{"{}": 2}) // read at each scrape
	m.SetOutboxPending(nil)
	wantSeries(t, scrape(t, m), "gatekeeper_outbox_pending", map[string]float64{"{}": 0})
}

func TestManyInstancesAndNil(t *testing.T) {
	a, b := metrics.New(metrics.Options{}), metrics.New(metrics.Options{})
	a.ObserveDecision("warn", gate.ModeLive)
	wantSeries(t, scrape(t, a), "gatekeeper_decisions_total", map[string]float64{"{mode=live,verdict=warn}": 1})
	wantSeries(t, scrape(t, b), "gatekeeper_decisions_total", map[string]float64{})

	var m *metrics.Metrics // metrics off: every call is a no-op
	m.ObserveDecision("allow", gate.ModeLive)
	m.ObserveStore("check", time.Millisecond, store.ErrUnavailable)
	m.SetOutletShare("x", 1)
	m.ForgetOutlet("x")
	m.SetOutboxPending(func() float64 { return 1 })
	r := gin.New()
	r.Use(m.GinMiddleware())
	r.GET("/", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusNoContent {
		t.Errorf("nil middleware: %d", rec.Code)
	}
	var s store.Store = fakeStore{}
	if m.WrapStore(s) != s {
		t.Errorf("nil WrapStore must return the store itself")
	}
}

// fakeStore answers the few calls the wrapper test makes; the embedded nil
// interface panics on any other.
type fakeStore struct{ store.Store }

func (fakeStore) Ping(context.Context) error { return nil }
func (fakeStore) GetOutlet(_ context.Context, id string) (store.Outlet, error) {
	return store.Outlet{}, fmt.Errorf("outlet %s: %w", id, store.ErrNotFound)
}
func (fakeStore) Check(context.Context, store.CheckInput) (store.CheckResult, error) {
	return store.CheckResult{}, fmt.Errorf("redis: %w: %w", store.ErrUnavailable, context.DeadlineExceeded)
}
func (fakeStore) Withdraw(context.Context, string, string, time.Time, time.Duration, string) (store.WithdrawResult, error) {
	return store.WithdrawResult{}, fmt.Errorf("withdraw: %w", store.ErrUnavailable)
}

func TestWrapStore(t *testing.T) {
	m := metrics.New(metrics.Options{NoRuntimeCollectors: true})
	s := m.WrapStore(fakeStore{})
	ctx := context.Background()
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetOutlet(ctx, "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("error not passed through: %v", err)
	}
	if _, err := s.Check(ctx, store.CheckInput{}); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("error not passed through: %v", err)
	}
	if _, err := s.Withdraw(ctx, "o", "p", time.Now(), time.Hour, ""); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("error not passed through: %v", err)
	}
	fams := scrape(t, m)
	wantSeries(t, fams, "gatekeeper_store_operation_duration_seconds", map[string]float64{
		"{op=ping}": 1, "{op=get_outlet}": 1, "{op=check}": 1, "{op=withdraw}": 1,
	})
	wantSeries(t, fams, "gatekeeper_store_errors_total", map[string]float64{
		"{kind=timeout,op=check}":        1,
		"{kind=unavailable,op=withdraw}": 1,
	})
}

// refreshStore is a store with two outlets, one of them failing its window read.
type refreshStore struct {
	store.Store
	outlets   []store.Outlet
	counts    map[string]policy.Counts
	callbacks map[string]int
	failCB    bool
}

func (s *refreshStore) ListOutlets(context.Context) ([]store.Outlet, error) { return s.outlets, nil }
func (s *refreshStore) Window(_ context.Context, outlet string, _ time.Time, w time.Duration) (policy.Counts, error) {
	if w != 30*24*time.Hour {
		return policy.Counts{}, fmt.Errorf("window %v", w)
	}
	c, ok := s.counts[outlet]
	if !ok {
		return policy.Counts{}, fmt.Errorf("window %s: %w", outlet, store.ErrUnavailable)
	}
	return c, nil
}
func (s *refreshStore) ListCallbacks(_ context.Context, outlet string, st store.CallbackStatus, limit int) ([]store.Callback, error) {
	if s.failCB {
		return nil, store.ErrUnavailable
	}
	if st != store.CallbackPending || limit != metrics.OutboxScanLimit {
		return nil, fmt.Errorf("status %q limit %d", st, limit)
	}
	return make([]store.Callback, s.callbacks[outlet]), nil
}

func TestRefresh(t *testing.T) {
	m := metrics.New(metrics.Options{NoRuntimeCollectors: true})
	m.SetOutletShare("gone", 0.5) // removed from the store since
	s := &refreshStore{
		outlets:   []store.Outlet{{ID: "a", WindowDays: 30}, {ID: "b", WindowDays: 30}, {ID: "empty", WindowDays: 30}},
		counts:    map[string]policy.Counts{"a": {Published: 120, Negative: 18}, "empty": {}},
		callbacks: map[string]int{"a": 2, "b": 3},
	}
	err := m.Refresh(context.Background(), s, time.Now())
	if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "window of b") {
		t.Fatalf("Refresh error = %v, want b's window failure", err)
	}
	fams := scrape(t, m)
	wantSeries(t, fams, "gatekeeper_outlet_negative_share", map[string]float64{"{outlet=a}": 0.15, "{outlet=empty}": 0})
	wantSeries(t, fams, "gatekeeper_outbox_pending", map[string]float64{"{}": 5})

	s.failCB = true // a partial count is not published
	s.callbacks["a"] = 0
	if err := m.Refresh(context.Background(), s, time.Now()); err == nil {
		t.Fatal("want an error")
	}
	wantSeries(t, scrape(t, m), "gatekeeper_outbox_pending", map[string]float64{"{}": 5})
}

func BenchmarkGinMiddleware(b *testing.B) {
	gin.SetMode(gin.ReleaseMode)
	for _, on := range []bool{false, true} {
		b.Run(fmt.Sprintf("metrics=%v", on), func(b *testing.B) {
			r := gin.New()
			if on {
				r.Use(metrics.New(metrics.Options{NoRuntimeCollectors: true}).GinMiddleware())
			}
			r.POST("/v1/outlets/:outlet/check", func(c *gin.Context) { c.Status(http.StatusOK) })
			req := httptest.NewRequest(http.MethodPost, "/v1/outlets/a/check", nil)
			b.ReportAllocs()
			for b.Loop() {
				r.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}

func BenchmarkObserve(b *testing.B) {
	m := metrics.New(metrics.Options{NoRuntimeCollectors: true})
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveDecision("allow", gate.ModeLive)
		m.ObserveStore("check", time.Millisecond, nil)
		m.SetOutletShare("dakglei", 0.12)
	}
}
