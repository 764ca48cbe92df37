package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"gatekeeper/internal/bench"
	"gatekeeper/internal/config"
	"gatekeeper/internal/webhook"
)

const benchUsage = usageHeading + `
  gatekeeper bench --url http://127.0.0.1:8080 --outlet ID [--secret whsec_… | GATEKEEPER_SECRET]
                   [--concurrency 32] [--duration 10s] [--rate 0] [--post-size 3000] [--negative 0.1] [--json]
      every request is a new post with a fresh webhook id; --rate N holds N requests
      per second (latency counted from when each request was due) instead of
      sending as fast as --concurrency clients can, and says how late the sends
      themselves were (the load generator's own share of the latency).
  gatekeeper bench empty-server --addr 127.0.0.1:8099
      runs the baseline: an empty Gin handler on the same route, to compare against.`

func runBench(ctx context.Context, e *Env, args []string) error {
	if len(args) > 0 && args[0] == "empty-server" {
		fs := newFlagSet(e, "bench empty-server")
		addr := fs.String("addr", "127.0.0.1:8099", "listen address")
		if err := fs.Parse(args[1:]); err != nil {
			return parseErr(err)
		}
		srv := &http.Server{Addr: *addr, Handler: bench.EmptyHandler(), ReadHeaderTimeout: 5 * time.Second}
		go func() { <-ctx.Done(); srv.Close() }()
		fmt.Fprintf(e.Stderr, "empty handler on %s\n", *addr)
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}
	fs := newFlagSet(e, "bench")
	fs.Usage = func() { helpWith(e.Stderr, benchUsage, fs) }
	var o bench.Options
	var secret string
	var asJSON bool
	fs.StringVar(&o.URL, "url", "http://127.0.0.1:8080", "base URL of the service")
	fs.StringVar(&o.Outlet, "outlet", "", "outlet id")
	fs.StringVar(&secret, "secret", "", "the outlet's secret (or GATEKEEPER_SECRET)")
	fs.IntVar(&o.Concurrency, "concurrency", 32, "concurrent clients")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "how long to run (at most 10m)")
	fs.Int64Var(&o.MaxRequests, "requests", 0, "stop after this many requests (0 = run for --duration)")
	fs.Float64Var(&o.Rate, "rate", 0, "requests per second to hold (0 = as fast as possible)")
	fs.IntVar(&o.PostSize, "post-size", 3000, "bytes of Vietnamese text per post")
	fs.Float64Var(&o.Negative, "negative", 0.1, "share of posts declared negative (0–1)")
	fs.BoolVar(&o.DryRun, "dry-run", false, "send dry runs (nothing recorded)")
	fs.BoolVar(&asJSON, "json", false, "print the result as JSON")
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if secret == "" {
		secret = e.Getenv(config.EnvName("secret"))
	}
	key, err := webhook.DecodeSecret(secret)
	switch {
	case o.Outlet == "":
		return errors.New("--outlet is required")
	case err != nil:
		return fmt.Errorf("--secret: %w", err)
	case o.Duration <= 0 || o.Duration > 10*time.Minute:
		return errors.New("--duration must be between 0 and 10m")
	case o.Negative < 0 || o.Negative > 1:
		return errors.New("--negative must be between 0 and 1")
	case o.Concurrency < 1 || o.Concurrency > 4096:
		return errors.New("--concurrency must be between 1 and 4096")
	case o.Rate < 0 || o.Rate > 1e6:
		return errors.New("--rate must be between 0 (as fast as possible) and 1000000")
	}
	o.Key = key
	o.Seed = uint64(time.Now().UnixNano())
	r, err := bench.Run(ctx, o)
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(e.Stdout).Encode(r)
	}
	fmt.Fprintln(e.Stdout, r)
	return nil
}
