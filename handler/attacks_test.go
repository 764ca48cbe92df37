package handler_test

// The attacks of the security review (docs/security.md), each performed
// against the real service on both stores: the embedded SQLite file and a
// real redis-server. Each one got through before its fix.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"gatekeeper/handler"
	"gatekeeper/internal/callback"
	"gatekeeper/internal/redistest"
	"gatekeeper/internal/review"
	"gatekeeper/internal/store"
	"gatekeeper/internal/webhook"
)

// onBothStores runs an attack against SQLite and against a real Redis.
func onBothStores(t *testing.T, attack func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) { attack(t, newEnv(t, sqliteStore(t))) })
	t.Run("redis", func(t *testing.T) {
		srv := redistest.Start(t, redistest.Options{})
		attack(t, newEnv(t, redisStore(t, srv.URL())))
	})
}

// holdTwo fills outlet a to its limit and holds two negative posts.
func holdTwo(t *testing.T, e *env) (h1, h2 string) {
	e.addOutlet("a", func(o *store.Outlet) { o.CallbackURL = "http://127.0.0.1:1/cb"; o.AllowPrivateCallback = true })
	e.seed("a", 100, 15, "s") // 15/100: the next negative post holds
	ids := []string{}
	for _, p := range []string{"n1", "n2"} {
		a := e.check("a", p, "negative")
		hold, _ := a["hold"].(map[string]any)
		if a["decision"] != "hold" || hold == nil {
			t.Fatalf("%s: %v", p, a)
		}
		ids = append(ids, hold["id"].(string))
	}
	return ids[0], ids[1]
}

// captured is a request as an eavesdropper saw it.
type captured struct {
	header http.Header
	body   []byte
}

// deliverCallbacks runs the real callback worker once against a receiver
// that records what it gets.
func deliverCallbacks(t *testing.T, e *env, outlet string) []captured {
	t.Helper()
	var (
		mu  sync.Mutex
		got []captured
	)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, captured{header: r.Header.Clone(), body: b})
		mu.Unlock()
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(recv.Close)
	ctx := context.Background()
	o, err := e.st.GetOutlet(ctx, outlet)
	if err != nil {
		t.Fatal(err)
	}
	o.CallbackURL = recv.URL + "/wp-json/gatekeeper/v1/callback"
	if err := e.st.UpdateOutlet(ctx, o); err != nil {
		t.Fatal(err)
	}
	w := callback.New(e.st, callback.Config{Clock: e.clock.Clock()})
	if _, err := w.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) == 0 {
		t.Fatal("no callback delivered")
	}
	return got
}

// replay sends a captured request again, unchanged, to method and path.
func (e *env) replay(c captured, method, path string) response {
	e.t.Helper()
	req := httptest.NewRequest(method, path, bytes.NewReader(c.body))
	for k, v := range c.header {
		req.Header[k] = v
	}
	if len(c.body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	w := httptest.NewRecorder()
	e.engine.ServeHTTP(w, req)
	if err := openAPI(e.t).check(method, path, w.Code, w.Header().Get("Content-Type"), w.Body.Bytes()); err != nil {
		e.t.Fatal(err)
	}
	return response{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
}

func (e *env) holdStatus(outlet, id string) store.Hold {
	e.t.Helper()
	h, err := e.st.GetHold(context.Background(), outlet, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// Item 1: a hold.rejected callback for H1, captured on its way to the CMS,
// sent unchanged to approve H2.
func TestAttackCallbackReplayedAsApproval(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *env) {
		h1, h2 := holdTwo(t, e)
		o, _ := e.st.GetOutlet(context.Background(), "a")
		rs := &review.Service{Store: e.st, Clock: e.clock.Clock()}
		if _, err := rs.Resolve(context.Background(), o, h1, false, "truongban", "Chưa đủ nguồn"); err != nil {
			t.Fatal(err)
		}
		cbs := deliverCallbacks(t, e, "a")
		before := e.state("a")
		r := e.replay(cbs[0], "POST", "/v1/outlets/a/holds/"+h2+"/approve")
		if r.Status < 400 {
			t.Fatalf("captured callback approved another hold: %d %s", r.Status, r.Body)
		}
		if h := e.holdStatus("a", h2); h.Status != store.HoldPending {
			t.Fatalf("H2 is %s after the replay, want pending", h.Status)
		}
		if after := e.state("a"); after.counts != before.counts {
			t.Fatalf("counts moved: %+v → %+v", before.counts, after.counts)
		}
		// The callback still verifies for the CMS, with the key derived for callbacks.
		key := webhook.DeriveKey(e.keys["a"], webhook.PurposeCallback)
		if _, err := webhook.Verify(cbs[0].header, cbs[0].body, e.clock.Now(), key); err != nil {
			t.Fatalf("callback does not verify with the callback key: %v", err)
		}
		if _, err := webhook.Verify(cbs[0].header, cbs[0].body, e.clock.Now(), e.keys["a"]); err == nil {
			t.Fatal("callback verifies with the outlet's request key")
		}
	})
}

// Item 1: a request body with fields the route does not know is refused;
// a reviewer named in a signed body is recorded as the CMS's, never as a
// console user.
func TestAttackSignedBodyWithForeignFieldsAndReviewer(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *env) {
		_, h2 := holdTwo(t, e)
		before := e.state("a")
		for _, body := range []string{
			`{"type":"hold.rejected","hold":{},"post_id":"n1","outlet":"a","reviewer":"truongban","note":"x","at":"2026-11-27T08:00:00Z"}`,
			`{"reviewer":"truongban","note":"ok","extra":1}`,
			`{"post":{"id":"z","title":"Tin"},"dry_run":false,"type":"hold.approved"}`,
		} {
			path := "/v1/outlets/a/holds/" + h2 + "/approve"
			if strings.Contains(body, `"post":`) {
				path = "/v1/outlets/a/check"
			}
			r := e.do(request{method: "POST", path: path, body: []byte(body), key: e.keys["a"]})
			if r.Status != 400 || r.errorCode(t) != "validation_failed" {
				t.Fatalf("%s: %d %s, want 400 validation_failed", body, r.Status, r.Body)
			}
		}
		if after := e.state("a"); after != before {
			t.Fatalf("refused bodies changed state: %+v → %+v", before, after)
		}
		r := e.do(request{method: "POST", path: "/v1/outlets/a/holds/" + h2 + "/approve", body: []byte(`{"reviewer":"truongban","note":"Đồng ý"}`), key: e.keys["a"]})
		if r.Status != 200 {
			t.Fatalf("CMS approval: %d %s", r.Status, r.Body)
		}
		if got := e.holdStatus("a", h2).Reviewer; got != "cms:truongban" {
			t.Fatalf("reviewer recorded as %q, want cms:truongban", got)
		}
	})
}

// Item 2: a check whose published_at lies before the window is not a way
// out of the counts.
func TestAttackBackdatedCheckSkipsCounting(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *env) {
		e.addOutlet("a", nil)
		e.seed("a", 100, 5, "s")
		if a := e.check("a", "p1", "neutral"); a["counted"] != true {
			t.Fatalf("p1: %v", a)
		}
		old := e.clock.Now().Add(-60 * 24 * time.Hour).Format(time.RFC3339)
		post := func(id string) []byte {
			b, _ := json.Marshal(map[string]any{"post": map[string]any{
				"id": id, "title": "Tai nạn giao thông", "declared_tone": "negative", "published_at": old,
			}})
			return b
		}
		// A post counted minutes ago, rewritten as negative and back-dated.
		r := e.do(request{method: "POST", path: "/v1/outlets/a/check", body: post("p1"), key: e.keys["a"]})
		if r.Status != 200 {
			t.Fatalf("re-check: %d %s", r.Status, r.Body)
		}
		if s := e.state("a"); s.counts.Negative != 6 || s.counts.Published != 101 {
			t.Fatalf("back-dated rewrite: counts %+v, want 101 published, 6 negative", s.counts)
		}
		// A post the ledger never saw, dated 60 days ago: counted now.
		r = e.do(request{method: "POST", path: "/v1/outlets/a/check", body: post("p2"), key: e.keys["a"]})
		if a := r.json(t); a["counted"] != true {
			t.Fatalf("unknown back-dated post: %v", a)
		}
		if s := e.state("a"); s.counts.Negative != 7 || s.counts.Published != 102 {
			t.Fatalf("unknown back-dated post: counts %+v, want 102 published, 7 negative", s.counts)
		}
	})
}

// Item 4: a captured signed GET, replayed as a DELETE within five minutes.
func TestAttackSignedRequestReaimed(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *env) {
		// The previous plugin's unbound signatures are still accepted.
		var legacy sync.Map
		e.engine = newEngineWith(t, e.st, e.clock, func(d *handler.Deps) {
			d.LegacySigningUntil = e.clock.Now().Add(30 * 24 * time.Hour)
			d.OnLegacySignature = func(outlet string) { legacy.Store(outlet, true) }
		})
		e.addOutlet("a", nil)
		e.seed("a", 20, 1, "s")
		e.check("a", "p1", "neutral")
		// What the plugin's "Test connection" sends, captured on the way.
		get := request{method: "GET", path: "/v1/outlets/a/share", key: e.keys["a"], webhookID: "msg_share1", legacy: true}
		hdr := e.signedHeader(get)
		if r := e.replay(captured{header: hdr}, "GET", "/v1/outlets/a/share"); r.Status != 200 {
			t.Fatalf("share: %d %s", r.Status, r.Body)
		}
		if _, seen := legacy.Load("a"); !seen {
			t.Fatal("an unbound request was accepted without being counted as legacy")
		}
		before := e.state("a")
		r := e.replay(captured{header: hdr}, "DELETE", "/v1/outlets/a/posts/p1")
		if r.Status < 400 {
			t.Fatalf("captured GET withdrew a post: %d %s", r.Status, r.Body)
		}
		// The GET itself again: every id is single-use.
		if r := e.replay(captured{header: hdr}, "GET", "/v1/outlets/a/share"); r.Status != http.StatusConflict || r.errorCode(t) != "webhook_id_reused" {
			t.Fatalf("replayed GET: %d %s, want 409 webhook_id_reused", r.Status, r.Body)
		}
		// A request bound to its target does not verify anywhere else, even unseen.
		fresh := e.signedHeader(request{method: "GET", path: "/v1/outlets/a/share", key: e.keys["a"]})
		if r := e.replay(captured{header: fresh}, "DELETE", "/v1/outlets/a/posts/p1"); r.Status != 401 {
			t.Fatalf("bound GET sent as DELETE: %d %s, want 401", r.Status, r.Body)
		}
		if after := e.state("a"); after.counts != before.counts {
			t.Fatalf("counts moved: %+v → %+v", before.counts, after.counts)
		}
		// After the legacy deadline an unbound request is refused.
		e.clock.Advance(31 * 24 * time.Hour)
		late := e.signedHeader(request{method: "GET", path: "/v1/outlets/a/share", key: e.keys["a"], legacy: true})
		if r := e.replay(captured{header: late}, "GET", "/v1/outlets/a/share"); r.Status != 401 || r.errorCode(t) != "signature_unbound" {
			t.Fatalf("unbound request after the deadline: %d %s", r.Status, r.Body)
		}
	})
}

// Item 12: ids without bounds, duplicate and case-folded JSON keys.
func TestAttackUnboundedIDsAndAmbiguousJSON(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *env) {
		_, h2 := holdTwo(t, e)
		before := e.state("a")
		long := "msg_" + strings.Repeat("x", 200<<10)
		if r := e.do(request{method: "DELETE", path: "/v1/outlets/a/posts/s-1", key: e.keys["a"], webhookID: long}); r.Status != 400 {
			t.Fatalf("200 KB webhook id: %d %s, want 400", r.Status, r.Body)
		}
		for _, body := range []string{
			`{"reviewer":"editor1","note":"ok","reviewer":"truongban"}`,
			`{"Reviewer":"truongban","note":"ok"}`,
			`{"reviewer":"truongban","NOTE":"ok"}`,
		} {
			r := e.do(request{method: "POST", path: "/v1/outlets/a/holds/" + h2 + "/approve", body: []byte(body), key: e.keys["a"]})
			if r.Status != 400 {
				t.Fatalf("%s: %d %s, want 400", body, r.Status, r.Body)
			}
		}
		for _, body := range []string{
			`{"post":{"id":"d1","title":"Tin","declared_tone":"neutral","declared_tone":"negative"}}`,
			`{"post":{"id":"d1","title":"Tin","Declared_Tone":"negative"}}`,
		} {
			r := e.do(request{method: "POST", path: "/v1/outlets/a/check", body: []byte(body), key: e.keys["a"]})
			if r.Status != 400 {
				t.Fatalf("%s: %d %s, want 400", body, r.Status, r.Body)
			}
		}
		if after := e.state("a"); after != before {
			t.Fatalf("refused requests changed state: %+v → %+v", before, after)
		}
	})
}

// Item 12: an outlet id in the path that cannot be an outlet id never
// reaches the store.
func TestAttackOutletIDReachesStore(t *testing.T) {
	rec := &recordingStore{Store: sqliteStore(t)}
	e := newEnv(t, rec)
	e.addOutlet("a", nil)
	bad := strings.Repeat("Z", 300) + "}:post:x"
	r := e.do(request{method: "GET", path: "/v1/outlets/" + bad + "/share", key: e.keys["a"]})
	if r.Status != 404 || r.errorCode(t) != "outlet_not_found" {
		t.Fatalf("bad outlet id: %d %s", r.Status, r.Body)
	}
	if ids := rec.asked(); len(ids) != 0 {
		t.Fatalf("the store was asked for outlets %q", ids)
	}
}

// recordingStore is the real store, noting which outlets were looked up.
type recordingStore struct {
	store.Store
	mu  sync.Mutex
	ids []string
}

func (s *recordingStore) GetOutlet(ctx context.Context, id string) (store.Outlet, error) {
	s.mu.Lock()
	if id != "a" {
		s.ids = append(s.ids, id)
	}
	s.mu.Unlock()
	return s.Store.GetOutlet(ctx, id)
}

func (s *recordingStore) asked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ids...)
}

// Item 10: dry runs do not use up the rate limit of real checks.
func TestAttackDryRunsStarveRealChecks(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.engine = newEngineWith(t, e.st, e.clock, func(d *handler.Deps) { d.RateLimit, d.RateBurst = 1, 20 })
	e.addOutlet("a", nil)
	limited := 0
	for i := 0; i < 40; i++ {
		r := e.do(request{method: "POST", path: "/v1/outlets/a/check", body: checkBody("d", "Tin", "neutral", true), key: e.keys["a"]})
		if r.Status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("40 dry runs against a burst of 20 were never limited")
	}
	r := e.do(request{method: "POST", path: "/v1/outlets/a/check", body: checkBody("real", "Tin", "neutral", false), key: e.keys["a"]})
	if r.Status != 200 {
		t.Fatalf("the real check after a burst of dry runs: %d %s", r.Status, r.Body)
	}
}

// countingBody counts what the handler read of a request body.
type countingBody struct {
	mu   sync.Mutex
	n    int
	left int
}

func (b *countingBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.left == 0 {
		return 0, io.EOF
	}
	n := min(len(p), b.left)
	for i := range p[:n] {
		p[i] = 'a'
	}
	b.left -= n
	b.n += n
	return n, nil
}

func (b *countingBody) read() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.n
}

// Item 8: nothing of the body is read before the headers and the timestamp
// are checked.
func TestAttackBodyReadBeforeAuthentication(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.addOutlet("a", nil)
	for _, tc := range []struct {
		name   string
		header map[string]string
		code   string
	}{
		{"unsigned", nil, "signature_missing"},
		{"stale timestamp", map[string]string{"webhook-id": "msg_1", "webhook-timestamp": "1000", "webhook-signature": "v1,AAAA"}, "signature_expired"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := &countingBody{left: 4<<20 - 1}
			req := httptest.NewRequest("POST", "/v1/outlets/a/check", body)
			req.ContentLength = 4<<20 - 1
			req.Header.Set("Content-Type", "application/json")
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			e.engine.ServeHTTP(w, req)
			if w.Code != 401 || !strings.Contains(w.Body.String(), tc.code) {
				t.Fatalf("%d %s, want 401 %s", w.Code, w.Body, tc.code)
			}
			if n := body.read(); n != 0 {
				t.Fatalf("%d bytes of the body were read before authentication", n)
			}
		})
	}
}

// Item 8: bodies still unauthenticated are capped in total and per address.
func TestAttackStalledUnauthenticatedBodies(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.engine = newEngineWith(t, e.st, e.clock, func(d *handler.Deps) {
		d.MaxUnauthenticatedBytes = 3 << 20
		d.MaxUnauthenticatedPerAddress = 2
	})
	e.addOutlet("a", nil)
	// stall starts a request whose headers look right and whose body stalls
	// after its first byte; it returns once the handler has read that byte.
	var wg sync.WaitGroup
	var writers []*io.PipeWriter
	stall := func(addr string, size int64) {
		pr, pw := io.Pipe()
		writers = append(writers, pw)
		req := httptest.NewRequest("POST", "/v1/outlets/a/check", pr)
		req.ContentLength = size
		req.RemoteAddr = addr + ":4000"
		req.Header.Set("Content-Type", "application/json")
		webhook.SignRequest(req.Header, "POST /v1/outlets/a/check", webhook.NewID(), e.clock.Now(), []byte("x"), bytes.Repeat([]byte{9}, 32))
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.engine.ServeHTTP(httptest.NewRecorder(), req)
		}()
		if _, err := pw.Write([]byte("{")); err != nil {
			t.Fatal(err)
		}
	}
	defer func() {
		for _, pw := range writers {
			pw.CloseWithError(io.ErrUnexpectedEOF)
		}
		wg.Wait()
	}()
	probe := func(addr string) response {
		req := httptest.NewRequest("POST", "/v1/outlets/a/check", strings.NewReader(`{}`))
		req.RemoteAddr = addr + ":5000"
		req.Header.Set("Content-Type", "application/json")
		webhook.SignRequest(req.Header, "POST /v1/outlets/a/check", webhook.NewID(), e.clock.Now(), []byte(`{}`), e.keys["a"])
		w := httptest.NewRecorder()
		e.engine.ServeHTTP(w, req)
		return response{Status: w.Code, Body: w.Body.Bytes()}
	}
	stall("10.0.0.1", 1<<20)
	stall("10.0.0.1", 1<<20)
	if r := probe("10.0.0.1"); r.Status != http.StatusTooManyRequests {
		t.Fatalf("third stalled body from one address: %d %s, want 429", r.Status, r.Body)
	}
	stall("10.0.0.2", 1<<20)
	if r := probe("10.0.0.3"); r.Status != http.StatusServiceUnavailable {
		t.Fatalf("past the global budget: %d %s, want 503", r.Status, r.Body)
	}
}

// A reverse proxy may strip a path prefix; the rest of the signed target must
// still name this request.
func TestSignedTargetThroughAPrefixProxy(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.addOutlet("a", nil)
	for _, tc := range []struct {
		target string
		status int
	}{
		{"GET /gatekeeper/v1/outlets/a/share", 200},
		{"GET /v1/outlets/a/share", 200},
		{"POST /gatekeeper/v1/outlets/a/share", 401},
		{"GET /gatekeeper/v1/outlets/a/holds", 401},
		{"GET /v1/outlets/a/share?days=3", 401},
		{"GET x/v1/outlets/a/share", 200}, // only the suffix is this service's
	} {
		req := httptest.NewRequest("GET", "/v1/outlets/a/share", nil)
		webhook.SignRequest(req.Header, tc.target, webhook.NewID(), e.clock.Now(), nil, e.keys["a"])
		w := httptest.NewRecorder()
		e.engine.ServeHTTP(w, req)
		if w.Code != tc.status {
			t.Errorf("signed for %q: %d %s, want %d", tc.target, w.Code, w.Body, tc.status)
		}
	}
}

// Item 3: a hold and its approval name the text that was held, so the CMS
// publishes an approval only for that text; a re-check of the held post
// with new text puts the new text (and its digest) in the hold.
func TestHeldTextDigest(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *env) {
		h1, _ := holdTwo(t, e)
		held := review.TextDigest("Tin n1", "", "<p>Nội dung bài viết.</p>")
		r := e.do(request{method: "GET", path: "/v1/outlets/a/holds/" + h1, key: e.keys["a"]})
		if got := r.json(t)["digest"]; got != held {
			t.Fatalf("hold digest %v, want %s", got, held)
		}
		// The held post edited in the CMS: checked again, the hold has the new text.
		b, _ := json.Marshal(map[string]any{"post": map[string]any{"id": "n1", "title": "Cướp tiệm vàng", "content": "<p>Khác</p>", "declared_tone": "negative"}})
		if r := e.do(request{method: "POST", path: "/v1/outlets/a/check", body: b, key: e.keys["a"]}); r.json(t)["decision"] != "hold" {
			t.Fatalf("re-check of the held post: %s", r.Body)
		}
		swapped := review.TextDigest("Cướp tiệm vàng", "", "<p>Khác</p>")
		r = e.do(request{method: "GET", path: "/v1/outlets/a/holds/" + h1, key: e.keys["a"]})
		if got := r.json(t)["digest"]; got != swapped {
			t.Fatalf("hold digest after the edit %v, want %s", got, swapped)
		}
		o, _ := e.st.GetOutlet(context.Background(), "a")
		rs := &review.Service{Store: e.st, Clock: e.clock.Clock()}
		if _, err := rs.Resolve(context.Background(), o, h1, true, "truongban", "Đồng ý"); err != nil {
			t.Fatal(err)
		}
		cbs := deliverCallbacks(t, e, "a")
		var p review.Payload
		if err := json.Unmarshal(cbs[0].body, &p); err != nil || p.Digest != swapped {
			t.Fatalf("callback digest %q (%v), want %s", p.Digest, err, swapped)
		}
	})
}

// Item 12: withdrawals and complete syncs can take the share past the
// limit (no check decides them); it is recorded in the audit.
func TestAttackWithdrawalsPastTheLimitUnrecorded(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *env) {
		e.addOutlet("a", nil)
		e.seed("a", 100, 15, "s") // 15/100: exactly the limit
		pastLimit := func() int {
			a, err := e.st.ListAudit(context.Background(), "a", store.AuditFilter{Type: "past_limit", Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			return len(a)
		}
		// Withdrawing a negative post moves the share down: nothing to record.
		if r := e.do(request{method: "DELETE", path: "/v1/outlets/a/posts/s-0", key: e.keys["a"]}); r.Status != 200 {
			t.Fatalf("withdraw: %d %s", r.Status, r.Body)
		}
		if n := pastLimit(); n != 0 {
			t.Fatalf("%d past_limit entries at 14/99", n)
		}
		// Withdrawing neutral posts: 14/98, 14/97, … 14/93 = 15.05% is past 15%.
		for i := 99; i >= 94; i-- {
			if r := e.do(request{method: "DELETE", path: "/v1/outlets/a/posts/s-" + itoa(i), key: e.keys["a"]}); r.Status != 200 {
				t.Fatalf("withdraw: %d %s", r.Status, r.Body)
			}
		}
		if s := e.state("a"); s.counts.Published != 93 || s.counts.Negative != 14 {
			t.Fatalf("counts %+v", s.counts)
		}
		if n := pastLimit(); n != 1 {
			t.Fatalf("%d past_limit entries after the share went past the limit by withdrawals, want 1", n)
		}
		// A complete sync that leaves out neutral posts.
		var posts []map[string]any
		for i := 1; i <= 60; i++ {
			posts = append(posts, map[string]any{"id": "s-" + itoa(i), "title": "Bài", "published_at": e.clock.Now().Add(-time.Hour).Format(time.RFC3339)})
		}
		b, _ := json.Marshal(map[string]any{"posts": posts, "complete": true})
		if r := e.do(request{method: "POST", path: "/v1/outlets/a/sync", body: b, key: e.keys["a"]}); r.Status != 200 {
			t.Fatalf("sync: %d %s", r.Status, r.Body)
		}
		if n := pastLimit(); n != 2 {
			t.Fatalf("%d past_limit entries after a complete sync past the limit, want 2", n)
		}
	})
}

// A check's webhook id, too, is used up: no other route takes it.
func TestCheckIDsAreSingleUse(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *env) {
		e.addOutlet("a", nil)
		body := checkBody("p1", "Tin", "neutral", false)
		if r := e.do(request{method: "POST", path: "/v1/outlets/a/check", body: body, key: e.keys["a"], webhookID: "msg_c1"}); r.Status != 200 {
			t.Fatalf("check: %d %s", r.Status, r.Body)
		}
		// The same check again is a transport retry: its first answer.
		if r := e.do(request{method: "POST", path: "/v1/outlets/a/check", body: body, key: e.keys["a"], webhookID: "msg_c1"}); r.json(t)["replayed"] != true {
			t.Fatalf("repeated check: %s", r.Body)
		}
		before := e.state("a")
		r := e.do(request{method: "DELETE", path: "/v1/outlets/a/posts/p1", key: e.keys["a"], webhookID: "msg_c1"})
		if r.Status != http.StatusConflict || r.errorCode(t) != "webhook_id_reused" {
			t.Fatalf("a check's id on a withdrawal: %d %s", r.Status, r.Body)
		}
		if after := e.state("a"); after != before {
			t.Fatalf("state changed: %+v → %+v", before, after)
		}
	})
}

// An id another route used first is refused on a check, which then changes
// nothing; a dry run's id is kept from other routes but not from the same
// check made for real.
func TestCheckRefusesIDsOfOtherRoutes(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *env) {
		e.addOutlet("a", nil)
		e.seed("a", 20, 1, "s")
		if r := e.do(request{method: "DELETE", path: "/v1/outlets/a/posts/s-3", key: e.keys["a"], webhookID: "msg_d1"}); r.Status != 200 {
			t.Fatalf("withdraw: %d %s", r.Status, r.Body)
		}
		before := e.state("a")
		r := e.do(request{method: "POST", path: "/v1/outlets/a/check", body: checkBody("p1", "Tin", "neutral", false), key: e.keys["a"], webhookID: "msg_d1"})
		if r.Status != http.StatusConflict || r.errorCode(t) != "webhook_id_reused" {
			t.Fatalf("a withdrawal's id on a check: %d %s", r.Status, r.Body)
		}
		if after := e.state("a"); after != before {
			t.Fatalf("state changed: %+v → %+v", before, after)
		}
		// A dry run, then the same check for real with the same id: counted.
		dry := e.do(request{method: "POST", path: "/v1/outlets/a/check", body: checkBody("p2", "Tin", "neutral", true), key: e.keys["a"], webhookID: "msg_c2"})
		if dry.Status != 200 || dry.json(t)["dry_run"] != true {
			t.Fatalf("dry run: %d %s", dry.Status, dry.Body)
		}
		real := e.do(request{method: "POST", path: "/v1/outlets/a/check", body: checkBody("p2", "Tin", "neutral", false), key: e.keys["a"], webhookID: "msg_c2"})
		if a := real.json(t); real.Status != 200 || a["counted"] != true || a["replayed"] == true {
			t.Fatalf("the check after its dry run: %d %s", real.Status, real.Body)
		}
		if s := e.state("a"); s.counts.Published != before.counts.Published+1 {
			t.Fatalf("counts %+v after the check, want one more than %+v", s.counts, before.counts)
		}
		// A dry run's id on another route.
		e.do(request{method: "POST", path: "/v1/outlets/a/check", body: checkBody("p3", "Tin", "neutral", true), key: e.keys["a"], webhookID: "msg_c3"})
		if r := e.do(request{method: "DELETE", path: "/v1/outlets/a/posts/s-4", key: e.keys["a"], webhookID: "msg_c3"}); r.Status != http.StatusConflict || r.errorCode(t) != "webhook_id_reused" {
			t.Fatalf("a dry run's id on a withdrawal: %d %s", r.Status, r.Body)
		}
	})
}

// A request the outlet signed for another target is refused with a code of
// its own naming both targets, in Vietnamese and English; a bad signature
// for another target stays signature_invalid (nothing is said about it).
func TestSignatureForAnotherTargetSaysSo(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.addOutlet("a", nil)
	e.addOutlet("b", nil)
	before := e.state("a")
	body := []byte(`{"posts":[],"complete":false}`)
	for _, tc := range []struct {
		lang, want string
	}{
		{"", "Chữ ký được tạo cho yêu cầu khác"},
		{"en", "The signature was made for another request"},
	} {
		h := http.Header{}
		webhook.SignRequest(h, "POST /v1/outlets/a/check", webhook.NewID(), e.clock.Now(), body, e.keys["a"])
		if tc.lang != "" {
			h.Set("Accept-Language", tc.lang)
		}
		r := e.replay(captured{header: h, body: body}, "POST", "/v1/outlets/a/sync")
		msg, _ := r.json(t)["error"].(map[string]any)["message"].(string)
		if r.Status != 401 || r.errorCode(t) != "signature_target_mismatch" || !strings.Contains(msg, tc.want) ||
			!strings.Contains(msg, `"POST /v1/outlets/a/check"`) || !strings.Contains(msg, `"POST /v1/outlets/a/sync"`) {
			t.Fatalf("lang %q: signed for check, sent to sync: %d %s", tc.lang, r.Status, r.Body)
		}
	}
	h := http.Header{}
	webhook.SignRequest(h, "POST /v1/outlets/a/check", webhook.NewID(), e.clock.Now(), body, e.keys["b"])
	if r := e.replay(captured{header: h, body: body}, "POST", "/v1/outlets/a/sync"); r.Status != 401 || r.errorCode(t) != "signature_invalid" {
		t.Fatalf("another key, another target: %d %s, want 401 signature_invalid", r.Status, r.Body)
	}
	if after := e.state("a"); after != before {
		t.Fatalf("a refused request changed the outlet: %+v → %+v", before, after)
	}
}
