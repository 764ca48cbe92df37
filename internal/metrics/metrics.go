// Package metrics exposes Gatekeeper's Prometheus metrics.
//
// Every Metrics value has its own registry (never the global default one),
// so a process can build several and tests can scrape a fresh one.
//
// Series (all prefixed gatekeeper_):
//
//	decisions_total{verdict,mode}                      counter: answers to checks
//	http_request_duration_seconds{route,method,code}   histogram: route is Gin's FullPath
//	store_operation_duration_seconds{op}               histogram: every store call
//	store_errors_total{op,kind}                        counter: kind = unavailable|timeout|other
//	outbox_pending                                     gauge: callbacks waiting for delivery
//	outlet_negative_share{outlet}                      gauge: negative share of the window (0..1)
//	outlet_share_aggregated_outlets                    gauge: outlets folded into outlet="_other"
//	build_info{version,revision,goversion}             gauge: always 1
//
// plus the Go runtime (go_*) and process (process_*) collectors.
//
// Label cardinality is bounded by construction: route is the route pattern
// (or "unmatched"), method is one of the standard methods (or "OTHER"), and
// outlet_negative_share carries at most MaxOutlets outlet values; outlets
// seen after that are reported together as outlet="_other", whose value is
// the highest share among them, so an alert on "share over the limit" still
// fires for them.
package metrics

import (
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"gatekeeper/internal/gate"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// Namespace prefixes every Gatekeeper series.
const Namespace = "gatekeeper"

// DefaultMaxOutlets is how many outlets get their own outlet_negative_share series.
const DefaultMaxOutlets = 200

// OtherOutlet is the outlet label of the series that aggregates the outlets
// past the cap.
const OtherOutlet = "_other"

// Store error kinds (the kind label of store_errors_total).
const (
	KindUnavailable = "unavailable"
	KindTimeout     = "timeout"
	KindOther       = "other"
)

// Options configure New. The zero value is usable.
type Options struct {
	// MaxOutlets caps the outlet label of outlet_negative_share
	// (0 = DefaultMaxOutlets).
	MaxOutlets int
	// Version and Revision label build_info: the wiring passes the
	// program's main.Version and main.Revision; empty values come from the
	// binary's build information (module version, vcs.revision), else
	// "unknown".
	Version  string
	Revision string
	// NoRuntimeCollectors leaves out the go_* and process_* series.
	NoRuntimeCollectors bool
}

// Metrics holds Gatekeeper's collectors and the registry they live in.
// Its methods are safe for concurrent use; a nil *Metrics ignores every call,
// so code paths without metrics need no checks.
type Metrics struct {
	reg *prometheus.Registry

	decisions *prometheus.CounterVec
	httpDur   *prometheus.HistogramVec
	storeDur  *prometheus.HistogramVec
	storeErrs *prometheus.CounterVec
	legacy    prometheus.Counter

	// Children of the vectors above, cached (children.go).
	decisionsBy *decisionCounters
	httpDurBy   *httpObservers
	storeDurBy  *storeObservers

	outbox atomic.Pointer[func() float64]
	shares *shareCollector
}

// HTTPBuckets are the request-duration buckets (seconds): the service aims
// at well under 300 ms per check, with store calls capped at ~200 ms.
var HTTPBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}

// StoreBuckets are the store-operation buckets (seconds).
var StoreBuckets = []float64{.0002, .0005, .001, .0025, .005, .01, .025, .05, .1, .2, .5, 1}

// New builds a Metrics with its own registry.
func New(opts Options) *Metrics {
	if opts.MaxOutlets <= 0 {
		opts.MaxOutlets = DefaultMaxOutlets
	}
	m := &Metrics{reg: prometheus.NewRegistry()}

	m.decisions = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace,
		Name:      "decisions_total",
		Help:      "Answers to checks, by verdict (allow, warn, hold, unavailable) and mode (live, dry_run, replay).",
	}, []string{"verdict", "mode"})
	m.httpDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace,
		Name:      "http_request_duration_seconds",
		Help:      "HTTP request duration by route pattern, method and status code.",
		Buckets:   HTTPBuckets,
	}, []string{"route", "method", "code"})
	m.storeDur = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: Namespace,
		Name:      "store_operation_duration_seconds",
		Help:      "Duration of store operations (successful or not), by operation.",
		Buckets:   StoreBuckets,
	}, []string{"op"})
	m.storeErrs = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace,
		Name:      "store_errors_total",
		Help:      "Failed store operations by operation and kind (unavailable, timeout, other). Not-found, exists and conflict answers are not errors.",
	}, []string{"op", "kind"})
	outbox := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: Namespace,
		Name:      "outbox_pending",
		Help:      "Callbacks to CMSs waiting in the outbox for delivery.",
	}, func() float64 {
		if f := m.outbox.Load(); f != nil && *f != nil {
			return (*f)()
		}
		return 0
	})
	m.shares = newShareCollector(opts.MaxOutlets)

	version, revision := opts.Version, opts.Revision
	if bi, ok := debug.ReadBuildInfo(); ok {
		if version == "" {
			version = bi.Main.Version
		}
		if revision == "" {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					revision = s.Value
				}
			}
		}
	}
	if version == "" {
		version = "unknown"
	}
	if revision == "" {
		revision = "unknown"
	}
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Namespace:   Namespace,
		Name:        "build_info",
		Help:        "Build information; the value is always 1.",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision, "goversion": runtime.Version()},
	})
	build.Set(1)

	m.legacy = prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: Namespace,
		Name:      "legacy_signatures_total",
		Help:      "Requests accepted signed the previous way (no webhook-target); zero before legacy_signing_until ends.",
	})
	m.reg.MustRegister(m.decisions, m.httpDur, m.storeDur, m.storeErrs, m.legacy, outbox, m.shares, build)
	m.decisionsBy = newChildren(func(k decisionKey) prometheus.Counter { return m.decisions.WithLabelValues(k.verdict, k.mode) })
	m.httpDurBy = newChildren(func(k httpKey) prometheus.Observer {
		return m.httpDur.WithLabelValues(k.route, k.method, strconv.Itoa(k.status))
	})
	m.storeDurBy = newChildren(func(op string) prometheus.Observer { return m.storeDur.WithLabelValues(op) })
	if !opts.NoRuntimeCollectors {
		m.reg.MustRegister(
			collectors.NewGoCollector(),
			collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		)
	}
	return m
}

// Registry returns the registry, e.g. to register more collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the registry in the Prometheus exposition formats (for GET /metrics).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		Registry:          m.reg, // promhttp_metric_handler_errors_total
		EnableOpenMetrics: true,
	})
}

// ObserveLegacySignature counts a request accepted without webhook-target.
func (m *Metrics) ObserveLegacySignature(string) { m.legacy.Inc() }

// ObserveDecision counts one answer to a check (gate.Observer). verdict is
// allow, warn, hold or gate.VerdictUnavailable; mode is gate.ModeLive,
// gate.ModeDryRun or gate.ModeReplay. Other values are counted as "other"
// so a caller's mistake cannot grow the series.
func (m *Metrics) ObserveDecision(verdict, mode string) {
	if m == nil {
		return
	}
	switch verdict {
	case string(policy.Allow), string(policy.Warn), string(policy.Hold), gate.VerdictUnavailable:
	default:
		verdict = "other"
	}
	switch mode {
	case gate.ModeLive, gate.ModeDryRun, gate.ModeReplay:
	default:
		mode = "other"
	}
	m.decisionsBy.get(decisionKey{verdict, mode}).Inc()
}

// ObserveStore records one store operation: its duration, and, when err is
// an error of the store (not ErrNotFound, ErrExists, ErrConflict or a
// cancelled context, which are answers or the caller going away), its kind.
func (m *Metrics) ObserveStore(op string, d time.Duration, err error) {
	if m == nil {
		return
	}
	m.storeDurBy.get(op).Observe(d.Seconds())
	if kind := ErrorKind(err); kind != "" {
		m.storeErrs.WithLabelValues(op, kind).Inc()
	}
}

// ErrorKind is the kind label of a store error (store.KindOf): "" for no
// error, a store's answer (not found, exists, conflict) or a cancelled
// context; KindTimeout, KindUnavailable or KindOther otherwise.
func ErrorKind(err error) string {
	switch store.KindOf(err) {
	case store.KindNone, store.KindNotFound, store.KindExists, store.KindConflict, store.KindCanceled:
		return ""
	case store.KindTimeout:
		return KindTimeout
	case store.KindUnavailable:
		return KindUnavailable
	}
	return KindOther
}

// SetOutboxPending sets the function outbox_pending reads at each scrape.
// It must be cheap (return a cached count); nil resets the gauge to 0.
func (m *Metrics) SetOutboxPending(f func() float64) {
	if m == nil {
		return
	}
	m.outbox.Store(&f)
}

// SetOutletShare sets an outlet's negative share of its window (0..1).
func (m *Metrics) SetOutletShare(outlet string, share float64) {
	if m == nil {
		return
	}
	m.shares.set(outlet, share)
}

// ForgetOutlet drops an outlet's share (when the outlet is removed), which
// frees its place under the cap.
func (m *Metrics) ForgetOutlet(outlet string) {
	if m == nil {
		return
	}
	m.shares.forget(outlet)
}

// shareCollector reports outlet shares with at most max outlet labels.
// Outlets get a label in the order they are first seen; the rest are
// reported as one series, outlet="_other", holding their highest share.
// Memory grows with the number of outlets (which an operator registers),
// the series count does not.
type shareCollector struct {
	max       int
	shareDesc *prometheus.Desc
	aggDesc   *prometheus.Desc

	mu       sync.Mutex
	labelled map[string]float64
	overflow map[string]float64
}

func newShareCollector(max int) *shareCollector {
	return &shareCollector{
		max: max,
		shareDesc: prometheus.NewDesc(Namespace+"_outlet_negative_share",
			"Negative share of each outlet's window (0..1), set after every check. "+
				"At most MaxOutlets outlets get their own series; the others are reported as outlet=\"_other\" with their highest share.",
			[]string{"outlet"}, nil),
		aggDesc: prometheus.NewDesc(Namespace+"_outlet_share_aggregated_outlets",
			"Outlets whose share is reported under outlet=\"_other\" because of the label cap.",
			nil, nil),
		labelled: map[string]float64{},
		overflow: map[string]float64{},
	}
}

func (c *shareCollector) set(outlet string, share float64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.labelled[outlet]; ok {
		c.labelled[outlet] = share
		return
	}
	if _, ok := c.overflow[outlet]; !ok && len(c.labelled) < c.max && outlet != OtherOutlet {
		c.labelled[outlet] = share
		return
	}
	c.overflow[outlet] = share
}

func (c *shareCollector) forget(outlet string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.labelled, outlet)
	delete(c.overflow, outlet)
}

func (c *shareCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.shareDesc
	ch <- c.aggDesc
}

func (c *shareCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for outlet, share := range c.labelled {
		ch <- prometheus.MustNewConstMetric(c.shareDesc, prometheus.GaugeValue, share, outlet)
	}
	if len(c.overflow) > 0 {
		first, highest := true, 0.0
		for _, share := range c.overflow {
			if first || share > highest {
				first, highest = false, share
			}
		}
		ch <- prometheus.MustNewConstMetric(c.shareDesc, prometheus.GaugeValue, highest, OtherOutlet)
	}
	ch <- prometheus.MustNewConstMetric(c.aggDesc, prometheus.GaugeValue, float64(len(c.overflow)))
}
