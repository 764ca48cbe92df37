package main

import (
	"net/http"
	"net/http/pprof"

	"gatekeeper/internal/metrics"
)

// adminHandler is what the admin address (--admin-addr) serves, for
// operators only: Prometheus metrics at /metrics (every outlet's share is in
// them, so they are never on the public address) and Go's profiler at
// /debug/pprof/ (e.g. go tool pprof http://ADMIN/debug/pprof/profile?seconds=30).
func adminHandler(m *metrics.Metrics) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.HandleFunc("/debug/pprof/", pprof.Index) // also heap, goroutine, allocs, block, mutex, threadcreate
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("Gatekeeper admin: /metrics, /debug/pprof/\n"))
	})
	return mux
}
