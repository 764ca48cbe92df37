// Package callback delivers the signed notices Gatekeeper sends to an
// outlet's CMS when a held post is approved or rejected.
//
// Notices wait in each outlet's outbox in the store (store.Callbacks), so
// they survive restarts and any replica may deliver them. A worker leases the
// due ones, POSTs each to the outlet's callback URL signed the Standard
// Webhooks way (webhook id = callback id, so the CMS can drop repeats), and
// records the attempt: delivered on a 2xx answer; otherwise tried again with
// exponential backoff and jitter until 24 hours after it was queued, then
// failed (the console can retry it by hand).
//
// The requests are guarded against server-side request forgery: redirects
// are not followed, timeouts are short, the answer read is capped, and
// private or loopback addresses are refused at dial time (after DNS, so a
// rebinding name cannot slip through) unless the outlet allows them.
package callback

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/store"
	"gatekeeper/internal/webhook"
)

// Config tunes delivery. Zero values take the defaults shown.
type Config struct {
	// Interval between looks at the outboxes (5 s).
	Interval time.Duration
	// Lease keeps a callback from other replicas while it is tried (1 min);
	// it must be longer than Timeout.
	Lease time.Duration
	// Timeout of one attempt, connection to answer (10 s).
	Timeout time.Duration
	// MaxAge is how long after queueing a callback is retried (24 h).
	MaxAge time.Duration
	// BaseDelay is the delay before the first retry (30 s); it doubles each
	// attempt up to MaxDelay (1 h), with jitter.
	BaseDelay time.Duration
	MaxDelay  time.Duration
	// Batch is the most callbacks taken from one outlet per round (20).
	Batch int
	// MaxResponse is how much of an answer is read (64 KiB).
	MaxResponse int64
	// UserAgent of the requests ("Gatekeeper-Callback/1").
	UserAgent string
	Logger    *slog.Logger
	// Clock tells the time (the zero value is the wall clock).
	Clock clock.Clock
	// LegacySigningUntil: until then callbacks also carry a signature with
	// the outlet's request key, which the previous plugin verifies.
	LegacySigningUntil time.Time
	// Senders deliver the outbox entries that are not CMS callbacks, by the
	// part of their type before the first dot ("notice" for
	// "notice.email"): same lease, retries and give-up time.
	Senders map[string]Sender
}

// Sender delivers one outbox entry; an error is a failed attempt.
type Sender func(ctx context.Context, o store.Outlet, cb store.Callback) error

func (c *Config) defaults() {
	if c.Interval <= 0 {
		c.Interval = 5 * time.Second
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.Lease <= c.Timeout {
		c.Lease = max(time.Minute, 2*c.Timeout)
	}
	if c.MaxAge <= 0 {
		c.MaxAge = 24 * time.Hour
	}
	if c.BaseDelay <= 0 {
		c.BaseDelay = 30 * time.Second
	}
	if c.MaxDelay <= 0 {
		c.MaxDelay = time.Hour
	}
	if c.Batch <= 0 {
		c.Batch = 20
	}
	if c.MaxResponse <= 0 {
		c.MaxResponse = 64 << 10
	}
	if c.UserAgent == "" {
		c.UserAgent = "Gatekeeper-Callback/1"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// Worker delivers callbacks.
type Worker struct {
	cfg    Config
	st     Store
	public *http.Client // refuses private addresses
	any    *http.Client // for outlets that allow private callbacks
	log    *slog.Logger
}

// Store is what the worker needs of a store: outlets (their callback URL
// and secrets) and the outbox.
type Store interface {
	store.Outlets
	store.Callbacks
}

// New returns a worker delivering the callbacks kept in st.
func New(st Store, cfg Config) *Worker {
	cfg.defaults()
	return &Worker{cfg: cfg, st: st, public: newClient(cfg, false), any: newClient(cfg, true), log: cfg.Logger}
}

func newClient(cfg Config, allowPrivate bool) *http.Client {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: dialControl(allowPrivate)}
	tr := &http.Transport{
		Proxy:                  nil, // a proxy would hide the real destination from the address check
		DialContext:            d.DialContext,
		TLSHandshakeTimeout:    5 * time.Second,
		ResponseHeaderTimeout:  cfg.Timeout,
		MaxIdleConns:           16,
		IdleConnTimeout:        60 * time.Second,
		MaxResponseHeaderBytes: 16 << 10,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // never follow a redirect
		},
	}
}

// Run delivers due callbacks every Interval until ctx ends.
func (w *Worker) Run(ctx context.Context) error {
	t := time.NewTicker(w.cfg.Interval)
	defer t.Stop()
	for {
		if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.log.Error("callback: round", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// RunOnce delivers the callbacks due now, outlet by outlet, and returns how
// many attempts it made.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	outlets, err := w.st.ListOutlets(ctx)
	if err != nil {
		return 0, fmt.Errorf("list outlets: %w", err)
	}
	n := 0
	var errs []error
	for _, o := range outlets {
		if ctx.Err() != nil {
			break
		}
		cbs, err := w.st.LeaseCallbacks(ctx, o.ID, w.cfg.Clock.Now(), w.cfg.Lease, w.cfg.Batch)
		if err != nil {
			errs = append(errs, fmt.Errorf("lease callbacks of %s: %w", o.ID, err))
			continue
		}
		for _, cb := range cbs {
			a := w.attempt(ctx, o, cb)
			n++
			if err := w.st.FinishCallback(ctx, o.ID, cb.ID, a); err != nil {
				errs = append(errs, fmt.Errorf("finish callback %s: %w", cb.ID, err))
			}
		}
	}
	return n, errors.Join(errs...)
}

// attempt sends one callback and says what to record.
func (w *Worker) attempt(ctx context.Context, o store.Outlet, cb store.Callback) store.CallbackAttempt {
	var err error
	kind, _, _ := strings.Cut(cb.Type, ".")
	if send, ok := w.cfg.Senders[kind]; ok {
		sctx, cancel := context.WithTimeout(ctx, w.cfg.Lease/2)
		err = send(sctx, o, cb)
		cancel()
	} else {
		err = w.send(ctx, o, cb)
	}
	now := w.cfg.Clock.Now()
	a := store.CallbackAttempt{At: now}
	if err == nil {
		a.Delivered = true
		w.log.Info("callback: delivered", "outlet", o.ID, "callback", cb.ID, "type", cb.Type, "attempt", cb.Attempts+1)
		return a
	}
	a.Error = truncate(err.Error(), 500)
	a.Next = w.nextAttempt(cb, now)
	if a.Next.IsZero() {
		w.log.Warn("callback: gave up", "outlet", o.ID, "callback", cb.ID, "attempts", cb.Attempts+1, "err", a.Error)
	} else {
		// A failed delivery is something an operator should see, even when it will be retried.
		w.log.Warn("callback: not delivered, will retry", "outlet", o.ID, "callback", cb.ID, "attempt", cb.Attempts+1, "next", a.Next, "err", a.Error)
	}
	return a
}

// nextAttempt is when to try again after a failed attempt (the
// cb.Attempts+1-th): BaseDelay·2^(attempts), capped at MaxDelay, with jitter
// in [d/2, d]; zero (give up) once MaxAge after queueing has passed. The last
// try is made at the deadline itself.
func (w *Worker) nextAttempt(cb store.Callback, now time.Time) time.Time {
	deadline := cb.CreatedAt.Add(w.cfg.MaxAge)
	if !now.Before(deadline) {
		return time.Time{}
	}
	d := w.cfg.BaseDelay
	for i := 0; i < cb.Attempts && d < w.cfg.MaxDelay; i++ {
		d *= 2
	}
	d = min(d, w.cfg.MaxDelay)
	d = d/2 + rand.N(d/2+1)
	next := now.Add(d)
	if next.After(deadline) {
		next = deadline
	}
	return next
}

// send POSTs the callback, signed with the callback key derived from the
// outlet's current secret (and from a rotated-out secret still in its grace
// period, so a CMS not yet updated keeps verifying). The outlet's request key
// itself never signs a callback (but during the legacy period), so a
// callback cannot pass for a request to the service.
func (w *Worker) send(ctx context.Context, o store.Outlet, cb store.Callback) error {
	if o.CallbackURL == "" {
		return errors.New("outlet has no callback URL")
	}
	now := w.cfg.Clock.Now()
	var keys [][]byte
	for _, s := range o.ActiveSecrets(now) {
		k, err := webhook.DecodeSecret(s.Value)
		if err != nil {
			continue
		}
		keys = append(keys, webhook.DeriveKey(k, webhook.PurposeCallback))
		if now.Before(w.cfg.LegacySigningUntil) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return errors.New("outlet has no usable secret")
	}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.CallbackURL, bytes.NewReader(cb.Payload))
	if err != nil {
		return fmt.Errorf("bad callback URL: %w", err)
	}
	if req.URL.Scheme != "https" && req.URL.Scheme != "http" {
		return fmt.Errorf("callback URL scheme %q not allowed", req.URL.Scheme)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", w.cfg.UserAgent)
	webhook.SignHeaders(req.Header, cb.ID, now, cb.Payload, keys...)
	client := w.public
	if o.AllowPrivateCallback {
		client = w.any
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, ErrForbiddenAddress) {
			return fmt.Errorf("refused: %w (set allow_private_callback to allow it)", ErrForbiddenAddress)
		}
		return fmt.Errorf("post: %w", stripURL(err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, w.cfg.MaxResponse))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	msg := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		msg += " (redirects are not followed)"
	}
	if s := strings.TrimSpace(string(body)); s != "" {
		msg += ": " + truncate(s, 200)
	}
	return errors.New(msg)
}

// stripURL drops the URL from a *url.Error (it is in the outlet settings).
func stripURL(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
