package main

import (
	"context"
	"errors"

	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"

	"gatekeeper/handler"
	"gatekeeper/internal/callback"
	"gatekeeper/internal/clock"
	"gatekeeper/internal/config"
	"gatekeeper/internal/console"
	"gatekeeper/internal/gate"
	"gatekeeper/internal/metrics"
	"gatekeeper/internal/notify"
	"gatekeeper/internal/report"
	"gatekeeper/internal/review"
	"gatekeeper/internal/store"
)

// serveGCPercent is the garbage collector's pace when GOGC is not set. A
// check leaves ≈ 45 KB behind and the live heap is ≈ 12 MB, so Go's default
// (100: collect when the heap has doubled) collects about 15 times a second
// at 5,000 checks/s; 400 collects a quarter as often, for a heap goal of
// ≈ 60 MB instead of ≈ 25 MB (deploy/performance.md, round 10).
const serveGCPercent = 400

// paceGC sets the collector's pace for serving, unless the operator set
// GOGC (which then decides, as in any Go program; GOMEMLIMIT applies too).
func paceGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
}

func runServe(ctx context.Context, e *Env, args []string) error {
	cfg := config.Default()
	fs := newFlagSet(e, "serve")
	fs.Usage = func() {
		helpWith(e.Stderr, usageHeading+"\n  gatekeeper serve [flags]   (also what a bare \"gatekeeper\" runs)\n"+
			"  Runs the webhook API and the console at /console; /metrics and /debug/pprof/ only on --admin-addr. Every flag is also\n"+
			"  an environment variable and a key of the --config YAML file.", fs)
	}
	rest, err := cfg.Load(fs, args, e.Getenv, cfg.ServeFlags)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("unexpected arguments %q", rest)
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	log := newLogger(e, &cfg)
	slog.SetDefault(log)
	paceGC(e.Getenv)

	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	st, err := openStore(ctx, &cfg)
	if err != nil {
		return err
	}
	defer st.Close()

	app, err := buildApp(ctx, &cfg, st, e.Clock, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           app.engine,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	servers := []*http.Server{srv}
	errc := make(chan error, 2)
	if cfg.AdminAddr != "" {
		aln, err := net.Listen("tcp", cfg.AdminAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen on admin_addr %s: %w", cfg.AdminAddr, err)
		}
		asrv := &http.Server{
			Handler:           adminHandler(app.metrics),
			ReadHeaderTimeout: 5 * time.Second,
			// No write timeout: /debug/pprof/profile?seconds=N and /trace stream for N seconds.
			IdleTimeout: 2 * time.Minute,
		}
		servers = append(servers, asrv)
		log.Info("admin listening", "addr", aln.Addr().String(), "serves", "/metrics /debug/pprof/")
		fmt.Fprintf(e.Stderr, "admin listening on %s\n", aln.Addr().String())
		go func() { errc <- asrv.Serve(aln) }()
	}
	log.Info("gatekeeper listening", "addr", ln.Addr().String(), "store", storeName(&cfg), "version", Version)
	// A line a script can wait for, on stderr, whatever the log format.
	fmt.Fprintf(e.Stderr, "listening on %s\n", ln.Addr().String())
	consoleURL := consoleAddress(&cfg, ln.Addr())
	log.Info("review console", "url", consoleURL)
	if users, err := st.ListUsers(ctx); err == nil && len(users) == 0 {
		log.Warn("chưa có người dùng nào cho bảng điều khiển; hãy tạo quản trị viên đầu tiên / no console user yet; create the first admin",
			"command", firstAdminCommand(&cfg, gatekeeperCommand(os.Executable, exec.LookPath)))
	}

	go func() { errc <- srv.Serve(ln) }()
	for _, bg := range app.background {
		go bg(ctx)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	var errs []error
	for _, srv := range servers {
		if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, fmt.Errorf("shutdown: %w", err))
		}
	}
	return errors.Join(errs...)
}

func newLogger(e *Env, cfg *config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(e.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(e.Stderr, opts))
}

// app is the wired service.
type app struct {
	engine     http.Handler
	metrics    *metrics.Metrics // served on the admin address only
	background []func(context.Context)
}

// buildApp wires the API, the console, the metrics and the background workers
// (callback delivery, scheduled approvals, metrics refresh) on one store.
// Every part that reads the time reads clk.
func buildApp(ctx context.Context, cfg *config.Config, st store.Store, clk clock.Clock, log *slog.Logger) (*app, error) {
	version := Version
	if version == "dev" {
		version = "" // let metrics read the build information
	}
	m := metrics.New(metrics.Options{Version: version, Revision: Revision})
	st = m.WrapStore(st)
	rev := &review.Service{Store: st, Clock: clk}
	notices := notify.New(st, notify.Config{
		SMTP: notify.SMTP{Host: cfg.SMTPHost, Port: cfg.SMTPPort, TLS: cfg.SMTPTLS, Username: cfg.SMTPUsername,
			Password: cfg.SMTPPassword, From: cfg.SMTPFrom},
		WebhookURL: cfg.NotifyWebhookURL, WebhookSecret: cfg.NotifyWebhookSecret,
		RemindAfter: cfg.NotifyRemindAfter, DigestHour: cfg.NotifyDigestHour,
		PublicURL: cfg.PublicURL, Logger: log, Schedules: cfg.ReportSchedules, KeepMonths: cfg.RetentionMonths,
		Report: report.PDFOptions{Issuer: config.ReportLines(cfg.ReportIssuer), Place: cfg.ReportPlace,
			Recipients: config.ReportLines(cfg.ReportRecipients)},
		Clock: clk,
	})
	// The person who recorded a held post in the console is told of its review.
	rev.Notices = notices
	svc := &gate.Service{
		Notices:      notices,
		Store:        st,
		Classifier:   defaultClassifier(),
		Review:       rev,
		Clock:        clk,
		StoreTimeout: cfg.StoreDeadline(),
		PublicURL:    cfg.PublicURL,
		Log:          log,
		Observer:     m,
	}
	outlets := &gate.OutletCache{Store: st, TTL: cfg.OutletCacheTTL, Clock: clk}
	engine, err := handler.New(handler.Deps{
		Gate: svc, Outlets: outlets, Store: st, Log: log, Clock: clk,
		MaxBodyBytes: cfg.MaxBodyBytes, RateLimit: cfg.RateLimit, RateBurst: cfg.RateBurst,
		TrustedProxies: cfg.TrustedProxyList(), ReportKeepMonths: cfg.RetentionMonths,
		Middleware:                   []gin.HandlerFunc{m.GinMiddleware()},
		LegacySigningUntil:           cfg.LegacyDeadline(),
		MaxUnauthenticatedBytes:      cfg.MaxUnauthenticatedBytes,
		MaxUnauthenticatedPerAddress: cfg.MaxUnauthenticatedPerAddress,
		OnLegacySignature:            m.ObserveLegacySignature,
	})
	if err != nil {
		return nil, err
	}
	con := console.New(console.Config{
		Logger: log, SecureCookies: cfg.CookiesSecure(), SessionTTL: cfg.SessionTTL, Clock: clk,
		Report: report.PDFOptions{Issuer: config.ReportLines(cfg.ReportIssuer), Place: cfg.ReportPlace,
			Recipients: config.ReportLines(cfg.ReportRecipients)},
		ReportKeepMonths: cfg.RetentionMonths,
	}, console.Deps{Store: st, Review: rev, Gate: svc})
	con.Register(engine)
	worker := callback.New(st, callback.Config{Logger: log, Interval: cfg.CallbackInterval, Clock: clk, LegacySigningUntil: cfg.LegacyDeadline(),
		Senders: map[string]callback.Sender{notify.Kind: notices.Deliver}})
	bg := func(name string, run func(context.Context) error) func(context.Context) {
		return func(ctx context.Context) {
			if err := run(ctx); err != nil && ctx.Err() == nil {
				log.Error("background task stopped", "task", name, "err", err)
			}
		}
	}
	tasks := []func(context.Context){}
	if cfg.RetentionMonths > 0 {
		ret := &report.Retainer{Store: st, Clock: clk, KeepMonths: cfg.RetentionMonths, Log: log}
		tasks = append(tasks, bg("retention", func(ctx context.Context) error { return ret.Run(ctx, time.Hour) }))
	}
	return &app{engine: engine, metrics: m, background: append(tasks, []func(context.Context){
		bg("callbacks", worker.Run),
		bg("scheduled approvals", con.RunScheduler),
		bg("notices", func(ctx context.Context) error { return notices.Run(ctx, time.Minute) }),
		func(ctx context.Context) { m.RunRefresh(ctx, st, clk, 30*time.Second, log) },
	}...)}, nil
}

// consoleAddress is where a person opens the console: under the public URL
// when one is set, otherwise on the address the server listens on.
func consoleAddress(cfg *config.Config, addr net.Addr) string {
	if cfg.PublicURL != "" {
		return strings.TrimRight(cfg.PublicURL, "/") + "/console"
	}
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/console"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/console"
}

// firstAdminCommand is the command that creates the first console user on
// the store this server uses.
func firstAdminCommand(cfg *config.Config, gatekeeper string) string {
	store := "--data " + cfg.DataDir
	if cfg.RedisURL != "" {
		store = "--redis-url <GATEKEEPER_REDIS_URL>"
	}
	return gatekeeper + " user add admin --role admin " + store + " --password-stdin"
}

// buildHint builds the binary first: under `go run` (make run) there is no
// gatekeeper to run the command with.
const buildHint = "go build -o bin/gatekeeper ./cmd/gatekeeper && bin/gatekeeper"

// gatekeeperCommand is how a person runs this binary from a shell:
// "gatekeeper" when that name on the PATH is this binary, the build hint
// when it runs from a go build/go run temporary directory (which is gone
// when it stops), otherwise its own path.
func gatekeeperCommand(executable func() (string, error), lookPath func(string) (string, error)) string {
	exe, err := executable()
	if err != nil || exe == "" {
		return buildHint
	}
	for _, dir := range strings.Split(filepath.ToSlash(filepath.Dir(exe)), "/") {
		if strings.HasPrefix(dir, "go-build") {
			return buildHint
		}
	}
	if onPath, err := lookPath("gatekeeper"); err == nil && sameFile(onPath, exe) {
		return "gatekeeper"
	}
	return exe
}

// sameFile reports whether paths a and b name the same file.
func sameFile(a, b string) bool {
	if a == b {
		return true
	}
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}
