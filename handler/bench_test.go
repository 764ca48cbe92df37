package handler_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"gatekeeper/handler"
	"gatekeeper/internal/clock"
	"gatekeeper/internal/config"
	"gatekeeper/internal/gate"
	"gatekeeper/internal/metrics"
	"gatekeeper/internal/review"
	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport"
	"gatekeeper/internal/testsupport/teststore"
	"gatekeeper/internal/webhook"
)

// benchmarkCheck measures the whole request path in process: signature,
// binding and validation, classification, the store's atomic check and the
// answer, on a 3 KB Vietnamese post, every request a new post.
//
// With production set, the engine is wired as `gatekeeper serve` wires it
// (metrics on the store and every request, outlets cached for the default
// 2 s, JSON request logs at info), the classifier aside.
func benchmarkCheck(b *testing.B, st store.Store, production bool) {
	e := &env{t: b, st: st, clock: clock.NewManual(benchNow), keys: map[string][]byte{}}
	if production {
		e.engine = newProductionEngine(b, st, e.clock)
	} else {
		e.engine = newEngine(b, st, e.clock)
	}
	e.addOutlet("bench", nil)
	content := strings.Repeat("Người dân xã Đắk Pék phấn khởi đón mùa cà phê bội thu. ", 55) // ~3 KB
	i := 0
	b.ReportAllocs()
	cpu0 := testsupport.CPUTime()
	for b.Loop() {
		i++
		tone := "neutral"
		if i%10 == 0 {
			tone = "negative"
		}
		body := []byte(fmt.Sprintf(`{"post": {"id": "b%d", "title": "Tin số %d", "content": %q, "declared_tone": %q}}`, i, i, content, tone))
		req := httptest.NewRequest("POST", "/v1/outlets/bench/check", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		webhook.SignRequest(req.Header, "POST /v1/outlets/bench/check", webhook.NewID(), e.clock.Now(), body, e.keys["bench"])
		w := httptest.NewRecorder()
		e.engine.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
	// CPU time of this process per check (the Redis server's is not in it):
	// unlike ns/op, it does not grow when other work shares the cores.
	b.ReportMetric(float64(testsupport.CPUTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

func BenchmarkCheckEmbedded(b *testing.B) {
	benchmarkCheck(b, teststore.SQLite(b), false)
}

// newProductionEngine is the engine as cmd/gatekeeper's buildApp wires it
// (the API part), with the neutral classifier.
func newProductionEngine(b *testing.B, st store.Store, c *clock.Manual) http.Handler {
	b.Helper()
	m := metrics.New(metrics.Options{})
	st = m.WrapStore(st)
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	svc := &gate.Service{
		Store: st, Classifier: testsupport.NeutralClassifier{}, Review: &review.Service{Store: st, Clock: c.Clock()},
		Clock: c.Clock(), StoreTimeout: storeTimeout(st), Log: log, Observer: m,
	}
	e, err := handler.New(handler.Deps{
		Gate: svc, Outlets: &gate.OutletCache{Store: st, TTL: config.Default().OutletCacheTTL}, Store: st, Log: log,
		Clock: c.Clock(), MaxBodyBytes: config.Default().MaxBodyBytes, Middleware: []gin.HandlerFunc{m.GinMiddleware()},
	})
	if err != nil {
		b.Fatal(err)
	}
	return e
}
