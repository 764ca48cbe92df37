package handler_test

import (
	"bytes"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport/teststore"
	"gatekeeper/internal/webhook"
)

// benchmarkCheck measures the whole request path in process: signature,
// binding and validation, classification, the store's atomic check and the
// answer, on a 3 KB Vietnamese post, every request a new post.
func benchmarkCheck(b *testing.B, st store.Store) {
	e := &env{t: b, st: st, clock: clock.NewManual(benchNow), keys: map[string][]byte{}}
	e.engine = newEngine(b, st, e.clock)
	e.addOutlet("bench", nil)
	content := strings.Repeat("Người dân xã Đắk Pék phấn khởi đón mùa cà phê bội thu. ", 55) // ~3 KB
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		tone := "neutral"
		if i%10 == 0 {
			tone = "negative"
		}
		body := []byte(fmt.Sprintf(`{"post": {"id": "b%d", "title": "Tin số %d", "content": %q, "declared_tone": %q}}`, i, i, content, tone))
		req := httptest.NewRequest("POST", "/v1/outlets/bench/check", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		webhook.SignHeaders(req.Header, webhook.NewID(), e.clock.Now(), body, e.keys["bench"])
		w := httptest.NewRecorder()
		e.engine.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("%d %s", w.Code, w.Body)
		}
	}
}

func BenchmarkCheckEmbedded(b *testing.B) {
	benchmarkCheck(b, teststore.SQLite(b))
}
