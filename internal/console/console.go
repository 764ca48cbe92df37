// Package console is Gatekeeper's review console: server-rendered pages
// under /console where managers approve or reject held posts, auditors
// watch every outlet's share, and admins manage outlets and users.
//
// Pages are html/template files embedded in the binary; there is no inline
// script (the Content-Security-Policy forbids it) and nothing is loaded from
// another origin, so it works offline. Sessions live in the store, so any
// replica serves any user.
package console

import (
	"context"
	"embed"
	"encoding/json"
	"io/fs"
	"log/slog"
	"net/http"
	"sync"
	"time"
	_ "time/tzdata" // outlet time zones on hosts without tzdata

	"github.com/gin-gonic/gin"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/gate"
	"gatekeeper/internal/report"
	"gatekeeper/internal/review"
	"gatekeeper/internal/store"
	"gatekeeper/policy/classify"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Config tunes the console. Zero values take the defaults shown.
type Config struct {
	// SecureCookies marks the session cookie Secure even when the request
	// did not arrive over TLS (the service runs behind a TLS proxy). Over TLS
	// it is always Secure.
	SecureCookies bool
	// TrustedOrigins may post forms to the console although they are another
	// origin (e.g. "https://cms.example.vn"); normally none.
	TrustedOrigins []string
	// SessionTTL is the longest a session lasts (12 h).
	SessionTTL time.Duration
	// SessionIdle ends a session not used for this long (2 h).
	SessionIdle time.Duration
	// UserFailures sign-in attempts for one username within FailureWindow
	// run without waiting (5); after that each attempt must wait UserDelay
	// after the previous one, doubling each time up to UserDelayMax. A
	// username is slowed down, never locked: its real user gets in after
	// at most UserDelayMax however many addresses guessed at it.
	UserFailures int64
	// UserDelay is the first wait (1 s).
	UserDelay time.Duration
	// UserDelayMax is the longest wait (1 min).
	UserDelayMax time.Duration
	// AddrFailures wrong passwords from one address within FailureWindow
	// refuse that address's sign-ins until the window ends (20).
	AddrFailures int64
	// FailureWindow is the throttling window (15 min).
	FailureWindow time.Duration
	// SchedulerInterval is how often scheduled approvals are looked for (30 s).
	SchedulerInterval time.Duration
	// SecretGrace is how long a rotated-out webhook secret keeps verifying (24 h).
	SecretGrace time.Duration
	// ExportLimit caps the rows of one CSV export (100000).
	ExportLimit int
	// Report says who issues the PDF reports.
	Report report.PDFOptions
	// ReportKeepMonths is the retention's (report.Builder.KeepMonths).
	ReportKeepMonths int
	Logger           *slog.Logger
	// Clock tells the time (the zero value is the wall clock).
	Clock clock.Clock
}

func (c *Config) defaults() {
	if c.SessionTTL <= 0 {
		c.SessionTTL = 12 * time.Hour
	}
	if c.SessionIdle <= 0 {
		c.SessionIdle = 2 * time.Hour
	}
	if c.UserFailures <= 0 {
		c.UserFailures = 5
	}
	if c.UserDelay <= 0 {
		c.UserDelay = time.Second
	}
	if c.UserDelayMax < c.UserDelay {
		c.UserDelayMax = max(time.Minute, c.UserDelay)
	}
	if c.AddrFailures <= 0 {
		c.AddrFailures = 20
	}
	if c.FailureWindow <= 0 {
		c.FailureWindow = 15 * time.Minute
	}
	if c.SchedulerInterval <= 0 {
		c.SchedulerInterval = 30 * time.Second
	}
	if c.SecretGrace <= 0 {
		c.SecretGrace = 24 * time.Hour
	}
	if c.ExportLimit <= 0 {
		c.ExportLimit = 100000
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Deps are what the console works with.
type Deps struct {
	Store store.Store
	// Review resolves holds; when nil, one is made on Store with the
	// console's clock.
	Review *review.Service
	// Gate checks and records the posts editors paste in ("Kiểm tra trước
	// khi đăng"); when nil, one is made on Store with the default classifier
	// and the console's clock.
	Gate *gate.Service
}

// Console serves the review console.
type Console struct {
	cfg    Config
	st     store.Store
	review *review.Service
	gate   *gate.Service
	// accounts administers users (the same service as `gatekeeper user`).
	accounts *Accounts
	log      *slog.Logger
	pages    map[string]*pageTemplate
	static   http.Handler
	cop      *http.CrossOriginProtection
	// stages keeps previewed imports until they are applied.
	stages importStages
	// schedMu runs the scheduled approvals one round at a time.
	schedMu sync.Mutex
}

// New builds the console. It panics if the embedded templates do not parse
// (a programming error caught by the tests).
func New(cfg Config, deps Deps) *Console {
	cfg.defaults()
	c := &Console{cfg: cfg, st: deps.Store, review: deps.Review, gate: deps.Gate, log: cfg.Logger}
	c.accounts = &Accounts{Store: deps.Store, Clock: clock.Func(c.now), Log: cfg.Logger}
	if c.review == nil {
		c.review = &review.Service{Store: deps.Store, Clock: cfg.Clock}
	}
	if c.gate == nil {
		c.gate = &gate.Service{Store: deps.Store, Classifier: classify.Default(), Review: c.review, Clock: cfg.Clock, Log: cfg.Logger}
	}
	pages, err := parsePages()
	if err != nil {
		panic(err)
	}
	c.pages = pages
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err)
	}
	c.static = http.StripPrefix("/console/static/", http.FileServerFS(sub))
	// The first sign-in with an unknown username must not be the one that
	// pays for making the dummy hash.
	go dummyHash()
	c.cop = http.NewCrossOriginProtection()
	for _, o := range cfg.TrustedOrigins {
		if err := c.cop.AddTrustedOrigin(o); err != nil {
			c.log.Error("console: trusted origin ignored", "origin", o, "err", err)
		}
	}
	return c
}

// Register mounts the console under /console on r.
func (c *Console) Register(r *gin.Engine) {
	g := r.Group("/console", c.securityHeaders, c.crossOrigin, c.loadSession)
	g.GET("/static/*file", c.serveStatic)
	g.GET("/login", c.loginPage)
	g.POST("/login", c.login)
	g.GET("/lang/:lang", c.setLang)

	a := g.Group("", c.requireUser, c.checkCSRF)
	a.GET("", c.home)
	a.GET("/", c.home)
	a.POST("/logout", c.logout)
	a.GET("/account", c.accountPage)
	a.POST("/account", c.changePassword)
	a.POST("/account/notices", c.accountNotices)
	a.GET("/holds", c.requireReviewer, c.holdsPage)
	a.GET("/overview", c.requireReviewer, c.overviewPage)
	a.GET("/audit", c.requireReviewer, c.auditPage)
	a.GET("/export", c.requireReviewer, c.exportPage)
	a.GET("/export.csv", c.requireReviewer, c.exportCSV)
	a.GET("/reports", c.requireReviewer, c.reportsPage)
	a.GET("/reports/download/:format", c.requireReviewer, c.reportDownload)

	// Checking and recording posts: editors, managers and admins.
	p := a.Group("", c.requirePoster)
	p.GET("/check", c.checkPage)
	p.POST("/check", c.checkPost)
	p.POST("/check/record", c.recordPost)
	p.GET("/mine", c.minePage)
	p.GET("/import", c.importPage)
	p.POST("/import", c.importUpload)
	p.POST("/import/apply", c.importApply)

	o := a.Group("/outlets/:outlet")
	o.GET("", c.requireOutletView, c.dashboardPage)
	o.GET("/holds/:hold", c.requireHoldView, c.holdPage)
	o.POST("/holds/:hold/approve", c.requireOutletAct, c.approve)
	o.POST("/holds/:hold/reject", c.requireOutletAct, c.reject)
	o.POST("/holds/:hold/relabel", c.requireOutletAct, c.relabel)
	o.POST("/holds/:hold/unschedule", c.requireOutletAct, c.unschedule)
	o.POST("/callbacks/:callback/retry", c.requireOutletAct, c.retryCallback)

	ad := a.Group("/admin", c.requireAdmin)
	ad.GET("/outlets", c.adminOutletsPage)
	ad.POST("/outlets", c.adminCreateOutlet)
	ad.GET("/outlets/:outlet", c.adminOutletPage)
	ad.POST("/outlets/:outlet", c.adminUpdateOutlet)
	ad.POST("/outlets/:outlet/rotate", c.adminRotateSecret)
	ad.POST("/outlets/:outlet/revoke-secrets", c.adminRevokeSecrets)
	ad.GET("/users", c.adminUsersPage)
	ad.POST("/users", c.adminCreateUser)
	ad.POST("/users/:user", c.adminUpdateUser)
	ad.POST("/users/:user/password", c.adminResetPassword)
	ad.POST("/users/:user/delete", c.adminDeleteUser)
}

func (c *Console) now() time.Time { return c.cfg.Clock.Now() }

func (c *Console) serveStatic(g *gin.Context) {
	g.Header("Cache-Control", "public, max-age=3600")
	c.static.ServeHTTP(g.Writer, g.Request)
}

// securityHeaders sets the headers every console response carries.
func (c *Console) securityHeaders(g *gin.Context) {
	h := g.Writer.Header()
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
	h.Set("Cache-Control", "no-store")
	if g.Request.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	g.Next()
}

// crossOrigin refuses cross-origin state-changing requests (Sec-Fetch-Site
// and Origin, Go's http.CrossOriginProtection).
func (c *Console) crossOrigin(g *gin.Context) {
	if err := c.cop.Check(g.Request); err != nil {
		c.log.Warn("console: cross-origin request refused", "path", g.Request.URL.Path,
			"origin", g.Request.Header.Get("Origin"), "sec_fetch_site", g.Request.Header.Get("Sec-Fetch-Site"))
		c.errorPage(g, http.StatusForbidden, "err.crossorigin")
		return
	}
	g.Next()
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		return []byte("{}")
	}
	return b
}

// storeErr renders a store error: 404 for ErrNotFound, 409 for ErrConflict,
// 503 otherwise.
func (c *Console) storeErr(g *gin.Context, err error) {
	switch store.KindOf(err) {
	case store.KindNotFound:
		c.errorPage(g, http.StatusNotFound, "err.notfound")
	case store.KindConflict:
		c.errorPage(g, http.StatusConflict, "err.conflict")
	default:
		c.log.Error("console: store", "path", g.Request.URL.Path, "err", err)
		g.Header("Retry-After", "5")
		c.errorPage(g, http.StatusServiceUnavailable, "err.store")
	}
}

// ctx returns the request's context.
func ctx(g *gin.Context) context.Context { return g.Request.Context() }
