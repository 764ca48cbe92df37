// Package handler is Gatekeeper's HTTP API on Gin: routes, body limits,
// Standard Webhooks signatures, binding and validation, and errors as JSON in
// Vietnamese (default) or English. The work itself is done by package gate.
package handler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"gatekeeper/internal/admin"
	"gatekeeper/internal/clock"
	"gatekeeper/internal/gate"
	"gatekeeper/internal/posting"
	"gatekeeper/internal/report"
	"gatekeeper/internal/store"
	"gatekeeper/internal/webhook"
)

// Deps is what the API needs.
// Store is what the handler itself asks of a store (the gate asks the rest):
// the stored replies of repeated webhook ids, readiness, and what the
// compliance report reads.
type Store interface {
	store.Replies
	report.Source
	Ping(ctx context.Context) error
}

type Deps struct {
	Gate    *gate.Service
	Outlets *gate.OutletCache
	Store   Store // for replies of repeated webhook ids and readiness
	Log     *slog.Logger
	Clock   clock.Clock // the zero value is the wall clock

	MaxBodyBytes int64
	RateLimit    float64 // per outlet per second on this replica; 0 = off
	RateBurst    int
	// Middleware runs first on every request (metrics, …).
	Middleware []gin.HandlerFunc
	// TrustedProxies are the proxies whose X-Forwarded-For is believed.
	TrustedProxies []string

	// LegacySigningUntil: until then, requests signed the previous way
	// (no webhook-target header) are accepted, logged and counted.
	LegacySigningUntil time.Time
	// MaxUnauthenticatedBytes caps the request bodies being read before
	// their signature is checked, over all requests (default 16 × MaxBodyBytes).
	MaxUnauthenticatedBytes int64
	// MaxUnauthenticatedPerAddress caps such requests per client address (default 8).
	MaxUnauthenticatedPerAddress int
	// OnLegacySignature is told about each request accepted unbound (metrics).
	OnLegacySignature func(outlet string)
	// ReportKeepMonths is the retention's (report.Builder.KeepMonths).
	ReportKeepMonths int
}

type api struct {
	Deps
	limiters  sync.Map // outlet id → *rate.Limiter
	admission admission
}

// New returns the Gin engine with the API, health and readiness routes.
// Other parts (the console, /metrics) are mounted on it by the caller.
func New(d Deps) (*gin.Engine, error) {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.MaxUnauthenticatedBytes <= 0 {
		d.MaxUnauthenticatedBytes = 16 * d.MaxBodyBytes
	}
	if d.MaxUnauthenticatedPerAddress <= 0 {
		d.MaxUnauthenticatedPerAddress = 8
	}
	a := &api{Deps: d}
	a.admission = admission{perAddr: map[string]int{}, maxBytes: d.MaxUnauthenticatedBytes, maxPerAdr: d.MaxUnauthenticatedPerAddress}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil {
		return nil, fmt.Errorf("trusted proxies: %w", err)
	}
	r.HandleMethodNotAllowed = true
	r.Use(a.requestID, a.recover, a.logRequests)
	r.Use(d.Middleware...)
	r.NoRoute(func(c *gin.Context) { fail(c, "not_found", nil, nil) })
	r.NoMethod(func(c *gin.Context) { fail(c, "method_not_allowed", nil, nil) })

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", a.ready)

	v1 := r.Group("/v1/outlets/:outlet", a.signed)
	v1.POST("/check", a.check)
	v1.DELETE("/posts/:id", a.remembered(a.withdraw))
	v1.POST("/sync", a.remembered(a.sync))
	v1.POST("/import", a.importFile)
	v1.GET("/share", a.share)
	v1.GET("/report", a.report)
	v1.GET("/holds", a.holds)
	v1.GET("/holds/:id", a.hold)
	v1.POST("/holds/:id/approve", a.remembered(a.resolve(true)))
	v1.POST("/holds/:id/reject", a.remembered(a.resolve(false)))
	return r, nil
}

// ctxRequest is the key of a request's *request in the Gin context.
const ctxRequest = "gatekeeper.request"

// request is what the middleware learns about a request, in one value: one
// context entry instead of four boxed ones.
type request struct {
	id        string
	outlet    *store.Outlet
	body      []byte
	webhookID string
	// target is the request's own target (webhook.Target of its method and URI).
	target string
	// prior is what was kept under the webhook id before this request (a
	// repeated state-changing request finds its first answer there).
	prior reply
}

// headerRequestID is X-Request-ID in its canonical form (no allocation to look it up).
const headerRequestID = "X-Request-Id"

func (a *api) requestID(c *gin.Context) {
	id := c.Request.Header.Get(headerRequestID)
	if id == "" || len(id) > 64 || !posting.ValidID(id) {
		var b [8]byte
		_, _ = rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Set(ctxRequest, &request{id: id})
	c.Writer.Header()[headerRequestID] = []string{id}
	c.Next()
}

// reqOf is the request's state; the requestID middleware runs first, but a
// context without it (a test mounting a route alone) gets an empty one.
func reqOf(c *gin.Context) *request {
	if v, ok := c.Get(ctxRequest); ok {
		return v.(*request)
	}
	r := &request{}
	c.Set(ctxRequest, r)
	return r
}

func requestID(c *gin.Context) string { return reqOf(c).id }

// recover turns a panic into a 500 JSON answer with the request id; the
// panic itself goes to the log only.
func (a *api) recover(c *gin.Context) {
	defer func() {
		if p := recover(); p != nil {
			if errors.Is(asError(p), http.ErrAbortHandler) {
				panic(p)
			}
			fail(c, "internal", fmt.Errorf("panic: %v", p), nil)
		}
	}()
	c.Next()
}

func asError(p any) error {
	if err, ok := p.(error); ok {
		return err
	}
	return nil
}

// logRequests logs one line per request at info (warn for 5xx). Nothing is
// computed for a level the logger leaves out, and the attributes are typed
// (slog.LogAttrs): no boxing on the hot path.
func (a *api) logRequests(c *gin.Context) {
	start := time.Now() // a duration for the request log, not a decision: the wall clock
	c.Next()
	status := c.Writer.Status()
	level := slog.LevelInfo
	if status >= 500 {
		level = slog.LevelWarn
	}
	ctx := c.Request.Context()
	if !a.Log.Enabled(ctx, level) {
		return
	}
	a.Log.LogAttrs(ctx, level, "http",
		slog.String("request_id", requestID(c)), slog.String("method", c.Request.Method),
		slog.String("route", c.FullPath()), slog.Int("status", status),
		slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
		slog.String("outlet", c.Param("outlet")), slog.String("client_ip", c.ClientIP()))
}

func (a *api) ready(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), time.Second)
	defer cancel()
	if err := a.Store.Ping(ctx); err != nil {
		fail(c, "store_unavailable", err, nil)
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
}

// signed authenticates a request to /v1/outlets/{outlet}/…, cheapest checks
// first: the outlet id's form, the signature headers and the timestamp, the
// signed target, the outlet; only then is the body read, within a budget of
// unauthenticated bytes (global and per client address); then the signature
// is verified, the rate limit applied and the webhook id claimed for this
// request's target. Nothing after it runs for a request that is not signed by
// the outlet.
func (a *api) signed(c *gin.Context) {
	if admin.ValidID(c.Param("outlet")) != nil {
		fail(c, "outlet_not_found", nil, nil)
		return
	}
	now := a.Clock.Now()
	id, err := webhook.Precheck(c.Request.Header, now)
	switch {
	case errors.Is(err, webhook.ErrMissingHeaders):
		fail(c, "signature_missing", nil, nil)
		return
	case errors.Is(err, webhook.ErrBadID):
		fail(c, "validation_failed", nil, map[string]string{webhook.HeaderID: fieldMsg(c, "webhookid", "")})
		return
	case err != nil:
		fail(c, "signature_expired", nil, nil)
		return
	}
	target := webhook.Target(c.Request.Method, c.Request.URL.RequestURI())
	bound := c.GetHeader(webhook.HeaderTarget)
	legacy := bound == ""
	switch {
	case legacy && !now.Before(a.LegacySigningUntil):
		fail(c, "signature_unbound", nil, nil)
		return
	}
	// A bound target naming another request is told apart only once the
	// signature is known to be the outlet's (below); until then it is any
	// invalid signature.
	otherTarget := !legacy && !targetMatches(bound, target)
	o, err := a.Outlets.Get(c.Request.Context(), c.Param("outlet"))
	if err != nil {
		failErr(c, err, "outlet_not_found")
		return
	}
	var body []byte
	if c.Request.Method == http.MethodPost {
		if body, err = a.readBody(c); err != nil {
			return // answered
		}
	}
	// GET and DELETE sign an empty body, whatever comes with them.
	var keys [][]byte
	for _, s := range o.ActiveSecrets(now) {
		if k, err := webhook.DecodeSecret(s.Value); err == nil {
			keys = append(keys, k)
		}
	}
	verify := func() (string, error) { return webhook.VerifyBound(c.Request.Header, bound, body, now, keys...) }
	if legacy {
		verify = func() (string, error) { return webhook.Verify(c.Request.Header, body, now, keys...) }
	}
	if _, err := verify(); err != nil {
		fail(c, "signature_invalid", nil, nil)
		return
	}
	if otherTarget {
		// The outlet signed another request: say which, so the caller can
		// fix the target it signs (the target header is not secret).
		failf(c, "signature_target_mismatch", bound, target)
		return
	}
	if legacy {
		a.Log.Info("request signed without webhook-target (previous plugin); accepted until the legacy deadline",
			"request_id", requestID(c), "outlet", o.ID, "target", target, "until", a.LegacySigningUntil)
		if a.OnLegacySignature != nil {
			a.OnLegacySignature(o.ID)
		}
	}
	if c.FullPath() != checkRoute && !a.allow(o.ID, false) {
		fail(c, "rate_limited", nil, nil)
		return
	}
	// A check is made idempotent by the store itself, and its id claimed, in
	// the same atomic step as the decision (check): one store call per
	// decision. Every other route claims its id first.
	var prior reply
	if c.FullPath() != checkRoute {
		var ok bool
		if prior, ok = a.claim(c, o.ID, id, target); !ok {
			return // answered
		}
	}
	r := reqOf(c)
	r.outlet, r.body, r.webhookID, r.target, r.prior = o, body, id, target, prior
	c.Next()
}

// targetMatches reports whether the signed target names this request: the
// same method and path, or the same method and a path that ends with this
// one (a reverse proxy that strips a prefix such as /gatekeeper).
func targetMatches(signed, actual string) bool {
	if signed == actual {
		return true
	}
	sm, sp, _ := strings.Cut(signed, " ")
	am, ap, _ := strings.Cut(actual, " ")
	return sm == am && strings.HasPrefix(ap, "/") && strings.HasSuffix(sp, ap)
}

const checkRoute = "/v1/outlets/:outlet/check"

// readBody reads a POST body within the size limit and the budget of
// unauthenticated bytes. On failure it has answered.
func (a *api) readBody(c *gin.Context) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if c.FullPath() == importRoute {
		if _, ok := importTypes[mt]; !ok || err != nil {
			fail(c, "unsupported_import_type", nil, nil)
			return nil, errAnswered
		}
	} else if err != nil || mt != "application/json" {
		fail(c, "unsupported_media_type", nil, nil)
		return nil, errAnswered
	}
	if c.Request.ContentLength > a.MaxBodyBytes {
		fail(c, "body_too_large", nil, nil)
		return nil, errAnswered
	}
	weight := c.Request.ContentLength
	if weight < 0 {
		weight = a.MaxBodyBytes // chunked: the most it may be
	}
	addr := c.RemoteIP()
	if code := a.admit(addr, weight); code != "" {
		fail(c, code, nil, nil)
		return nil, errAnswered
	}
	defer a.release(addr, weight)
	body, err := readBody(http.MaxBytesReader(c.Writer, c.Request.Body, a.MaxBodyBytes), c.Request.ContentLength)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			fail(c, "body_too_large", nil, nil)
			return nil, errAnswered
		}
		fail(c, "invalid_json", err, nil)
		return nil, errAnswered
	}
	return body, nil
}

var errAnswered = errors.New("answered")

// admission bounds the bodies being read before their signature is checked.
type admission struct {
	mu        sync.Mutex
	bytes     int64
	perAddr   map[string]int
	maxBytes  int64
	maxPerAdr int
}

// admit reserves weight bytes for a body from addr, to be given back by
// release; the answer's code is "server_busy" past the global budget,
// "rate_limited" past the address's, "" when admitted.
func (a *api) admit(addr string, weight int64) (code string) {
	ad := &a.admission
	ad.mu.Lock()
	defer ad.mu.Unlock()
	if ad.perAddr[addr] >= ad.maxPerAdr {
		return "rate_limited"
	}
	if ad.bytes+weight > ad.maxBytes {
		return "server_busy"
	}
	ad.bytes += weight
	ad.perAddr[addr]++
	return ""
}

// release gives back what admit reserved.
func (a *api) release(addr string, weight int64) {
	ad := &a.admission
	ad.mu.Lock()
	defer ad.mu.Unlock()
	ad.bytes -= weight
	if ad.perAddr[addr]--; ad.perAddr[addr] <= 0 {
		delete(ad.perAddr, addr)
	}
}

// claim marks the webhook id as used by this request's target. A repeat of
// a state-changing request (same target) goes on, to get its first answer;
// any other use of a seen id is refused. It returns what was kept under the
// id before; on a refusal it has answered and returns false.
func (a *api) claim(c *gin.Context, outlet, id, target string) (reply, bool) {
	ctx, cancel := a.Gate.StoreCtx(c.Request.Context())
	defer cancel()
	stored, first, err := a.Store.Claim(ctx, outlet, id, claimRecord(target))
	if err != nil {
		failErr(c, err, "not_found")
		return reply{}, false
	}
	if first {
		return reply{}, true
	}
	var prior reply
	_ = json.Unmarshal(stored, &prior)
	// Answers kept before targets were recorded have none: a repeat is
	// trusted to be the same request only for state-changing methods.
	sameTarget := prior.Target == target || (prior.Target == "" && c.Request.Method != http.MethodGet)
	if !sameTarget || c.Request.Method == http.MethodGet {
		fail(c, "webhook_id_reused", nil, nil)
		return reply{}, false
	}
	return prior, true
}

// claimRecord is what claiming a webhook id keeps, reply{Target: target} in
// JSON, written directly for a target that JSON writes as it is (what
// every request line gives); json.Marshal writes any other.
func claimRecord(target string) []byte {
	const open, close = `{"target":"`, `"}`
	for i := 0; i < len(target); i++ {
		if c := target[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			rec, _ := json.Marshal(reply{Target: target})
			return rec
		}
	}
	if target == "" {
		return []byte("{}")
	}
	rec := make([]byte, 0, len(open)+len(target)+len(close))
	return append(append(append(rec, open...), target...), close...)
}

// readBody reads r whole. With a declared length (at most the body limit,
// which the caller checked) it reads into one buffer of that size instead of
// growing one step by step; a body shorter than declared is an error, one
// longer than declared is read whole.
func readBody(r io.Reader, declared int64) ([]byte, error) {
	if declared <= 0 {
		return io.ReadAll(r)
	}
	buf := make([]byte, declared)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, err // shorter than declared (io.ErrUnexpectedEOF), or too large
	}
	var extra [1]byte
	m, err := io.ReadFull(r, extra[:])
	if m == 0 {
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		return nil, err
	}
	rest, err := io.ReadAll(r)
	return append(append(buf, extra[0]), rest...), err
}

func (a *api) allow(outlet string, dryRun bool) bool {
	if a.RateLimit <= 0 {
		return true
	}
	key := outlet
	if dryRun {
		key += "\x00dry" // dry runs have a bucket of their own
	}
	l, ok := a.limiters.Load(key)
	if !ok {
		l, _ = a.limiters.LoadOrStore(key, rate.NewLimiter(rate.Limit(a.RateLimit), a.RateBurst))
	}
	return l.(*rate.Limiter).Allow()
}

func outletOf(c *gin.Context) *store.Outlet { return reqOf(c).outlet }
func bodyOf(c *gin.Context) []byte          { return reqOf(c).body }

// reply is what is kept under a webhook id: the request's target and, for
// state-changing requests once answered, the answer.
type reply struct {
	Target string `json:"target,omitempty"`
	Status int    `json:"status,omitempty"`
	Body   []byte `json:"body,omitempty"`
}

// remembered makes a state-changing route answer a repeated webhook id with
// its first answer, changing nothing. (Checks do this atomically in the store.)
func (a *api) remembered(h func(*gin.Context) (int, any, bool)) gin.HandlerFunc {
	return func(c *gin.Context) {
		o, id := outletOf(c), reqOf(c).webhookID
		if r := reqOf(c).prior; r.Status != 0 {
			c.Header("Idempotent-Replayed", "true")
			c.Data(r.Status, "application/json; charset=utf-8", r.Body)
			return
		}
		status, v, done := h(c)
		if !done {
			return
		}
		body, err := json.Marshal(v)
		if err != nil {
			fail(c, "internal", err, nil)
			return
		}
		raw, _ := json.Marshal(reply{Target: reqOf(c).target, Status: status, Body: body})
		ctx, cancel := a.Gate.StoreCtx(c.Request.Context())
		defer cancel()
		if err := a.Store.Remember(ctx, o.ID, id, raw); err != nil {
			// The change is made; only the replay record is missing, and the
			// operations behind this are idempotent. Say so in the log.
			a.Log.Warn("could not remember the answer to a webhook id", "request_id", requestID(c), "webhook_id", id, "err", err)
		}
		c.Data(status, "application/json; charset=utf-8", body)
	}
}

func (a *api) check(c *gin.Context) {
	lang := langOf(c)
	var req checkRequest
	if code, fields := decodeCheck(bodyOf(c), &req, lang); code != "" {
		fail(c, code, nil, fields)
		return
	}
	if fields := req.Post.resolveID("post", lang); fields != nil {
		fail(c, "validation_failed", nil, fields)
		return
	}
	if !a.allow(outletOf(c).ID, req.DryRun) {
		fail(c, "rate_limited", nil, nil)
		return
	}
	r := reqOf(c)
	// The check claims its webhook id for this request in the same atomic
	// step as the decision: no other route can take it, and a check whose
	// id another route used is refused, changing nothing.
	claim := claimRecord(r.target)
	ans, err := a.Gate.CheckClaiming(c.Request.Context(), r.outlet, req.Post.post(), req.DryRun, r.webhookID, claim)
	if errors.Is(err, store.ErrWebhookReused) {
		fail(c, "webhook_id_reused", nil, nil)
		return
	}
	if err != nil {
		failErr(c, err, "outlet_not_found")
		return
	}
	ans.Localize(lang)
	if req.DryRun {
		a.claimDryRun(c, r.outlet.ID, r.webhookID, claim)
	}
	writeAnswer(c, ans)
}

// answerBufs holds the buffers answers are written into: c.Data copies the
// answer into the response before it returns.
var answerBufs = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// writeAnswer writes what c.JSON would (gate's TestAppendJSONAsMarshal),
// without reflection.
func writeAnswer(c *gin.Context, ans *gate.Answer) {
	buf := answerBufs.Get().(*[]byte)
	*buf = ans.AppendJSON((*buf)[:0])
	c.Data(http.StatusOK, "application/json; charset=utf-8", *buf)
	if cap(*buf) <= 64<<10 {
		answerBufs.Put(buf)
	}
}

// claimDryRun records a dry run's webhook id as used by this request, so it
// is refused on any other route (the same check may still be made with it).
// A dry run records nothing in its store call; it is answered: a failure
// here is only logged.
func (a *api) claimDryRun(c *gin.Context, outlet, id string, claim []byte) {
	ctx, cancel := a.Gate.StoreCtx(c.Request.Context())
	defer cancel()
	if _, _, err := a.Store.Claim(ctx, outlet, id, claim); err != nil {
		a.Log.Warn("could not record the webhook id of a dry run", "request_id", requestID(c), "webhook_id", id, "err", err)
	}
}

func (a *api) withdraw(c *gin.Context) (int, any, bool) {
	id := c.Param("id")
	if !posting.ValidID(id) {
		fail(c, "validation_failed", nil, map[string]string{"id": fieldMsg(c, "postid", "")})
		return 0, nil, false
	}
	ans, err := a.Gate.Withdraw(c.Request.Context(), outletOf(c), id, "cms")
	if err != nil {
		failErr(c, err, "post_not_found")
		return 0, nil, false
	}
	return http.StatusOK, ans, true
}

func (a *api) sync(c *gin.Context) (int, any, bool) {
	lang := langOf(c)
	var req syncRequest
	if code, fields := decodeJSON(bodyOf(c), &req, lang); code != "" {
		fail(c, code, nil, fields)
		return 0, nil, false
	}
	now := a.Clock.Now()
	posts := make([]gate.Post, 0, len(req.Posts))
	for i := range req.Posts {
		if fields := req.Posts[i].resolveID("posts["+strconv.Itoa(i)+"]", lang); fields != nil {
			fail(c, "validation_failed", nil, fields)
			return 0, nil, false
		}
		p := req.Posts[i].postInput.post()
		t, _ := time.Parse(time.RFC3339, req.Posts[i].PublishedAt)
		if t.After(now.Add(webhook.Tolerance)) {
			fail(c, "validation_failed", nil, map[string]string{
				"posts[" + strconv.Itoa(i) + "].published_at": fieldMsg(c, "future", ""),
			})
			return 0, nil, false
		}
		p.PublishedAt = &t
		posts = append(posts, p)
	}
	ans, err := a.Gate.Sync(c.Request.Context(), outletOf(c), posts, req.Complete, "cms")
	if err != nil {
		failErr(c, err, "outlet_not_found")
		return 0, nil, false
	}
	return http.StatusOK, ans, true
}

func (a *api) share(c *gin.Context) {
	days := 0
	if s := c.Query("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > gate.MaxSeriesDays {
			fail(c, "validation_failed", nil, map[string]string{"days": fieldMsg(c, "integer", "1–"+strconv.Itoa(gate.MaxSeriesDays))})
			return
		}
		days = n
	}
	ans, err := a.Gate.Share(c.Request.Context(), outletOf(c), days)
	if err != nil {
		failErr(c, err, "outlet_not_found")
		return
	}
	c.JSON(http.StatusOK, ans)
}

// ReportTimeout bounds the building of one report (it reads a period's
// audit log, not one key).
const ReportTimeout = 30 * time.Second

// report answers the outlet's compliance report for a period, as JSON or as
// one CSV table.
func (a *api) report(c *gin.Context) {
	p, field, rule := PeriodOf(c.Query("from"), c.Query("to"))
	if rule != "" {
		fail(c, "validation_failed", nil, map[string]string{field: fieldMsg(c, rule, strconv.Itoa(report.MaxDays))})
		return
	}
	format := c.DefaultQuery("format", "json")
	if format != "json" && format != "csv" {
		fail(c, "validation_failed", nil, map[string]string{"format": fieldMsg(c, "oneof", "json, csv")})
		return
	}
	table := c.DefaultQuery("table", report.TableSummary)
	if !slices.Contains(report.Tables, table) {
		fail(c, "validation_failed", nil, map[string]string{"table": fieldMsg(c, "oneof", strings.Join(report.Tables, ", "))})
		return
	}
	o := outletOf(c)
	ctx, cancel := context.WithTimeout(c.Request.Context(), ReportTimeout)
	defer cancel()
	b := &report.Builder{Store: a.Store, Clock: a.Clock, KeepMonths: a.ReportKeepMonths}
	r, err := b.Build(ctx, []string{o.ID}, p)
	if err != nil {
		failErr(c, err, "outlet_not_found")
		return
	}
	if format == "json" {
		c.JSON(http.StatusOK, r)
		return
	}
	lang := string(langOf(c))
	body, err := r.CSV(table, lang)
	if err != nil {
		fail(c, "internal", err, nil)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="`+report.FileName(r, o.ID, table)+`.csv"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", body)
}

// PeriodOf reads a report's period from the query's from and to; on a
// mistake it names the field and the messages.Field rule that explains it.
func PeriodOf(from, to string) (report.Period, string, string) {
	p, err := report.ParsePeriod(from, to)
	switch {
	case err == nil:
		return p, "", ""
	case errors.Is(err, report.ErrPeriodOrder):
		return p, "to", "period_order"
	case errors.Is(err, report.ErrPeriodLong):
		return p, "to", "period_long"
	case to != "" && from != "" && report.ValidDate(from):
		return p, "to", "period"
	}
	return p, "from", "period"
}

func (a *api) holds(c *gin.Context) {
	f := store.HoldFilter{Status: store.HoldStatus(c.Query("status")), Limit: 100}
	switch f.Status {
	case "", store.HoldPending, store.HoldApproved, store.HoldRejected, store.HoldCancelled:
	default:
		fail(c, "validation_failed", nil, map[string]string{"status": fieldMsg(c, "status", "")})
		return
	}
	if s := c.Query("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			fail(c, "validation_failed", nil, map[string]string{"limit": fieldMsg(c, "integer", "1–500")})
			return
		}
		f.Limit = n
	}
	if s := c.Query("before"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			fail(c, "validation_failed", nil, map[string]string{"before": fieldMsg(c, "time", "")})
			return
		}
		f.Before = t
	}
	hs, err := a.Gate.Holds(c.Request.Context(), outletOf(c), f)
	if err != nil {
		failErr(c, err, "outlet_not_found")
		return
	}
	c.JSON(http.StatusOK, gin.H{"holds": hs})
}

func (a *api) hold(c *gin.Context) {
	h, err := a.Gate.Hold(c.Request.Context(), outletOf(c), c.Param("id"))
	if err != nil {
		failErr(c, err, "hold_not_found")
		return
	}
	c.JSON(http.StatusOK, h)
}

// CMSReviewerPrefix starts the name of a reviewer who decided in the CMS.
const CMSReviewerPrefix = "cms:"

func (a *api) resolve(approve bool) func(*gin.Context) (int, any, bool) {
	return func(c *gin.Context) (int, any, bool) {
		var req resolveRequest
		if code, fields := decodeJSON(bodyOf(c), &req, langOf(c)); code != "" {
			fail(c, code, nil, fields)
			return 0, nil, false
		}
		o := outletOf(c)
		if o.ApprovalConsoleOnly {
			fail(c, "approval_console_only", nil, nil)
			return 0, nil, false
		}
		// A signed body proves only that the CMS sent it: the reviewer it
		// names is recorded as the CMS's user, never as a console user.
		h, err := a.Gate.Resolve(c.Request.Context(), o, c.Param("id"), approve, CMSReviewerPrefix+strings.TrimSpace(req.Reviewer), req.Note)
		if err != nil {
			failErr(c, err, "hold_not_found")
			return 0, nil, false
		}
		return http.StatusOK, h, true
	}
}
