package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"gatekeeper/handler"
	"gatekeeper/internal/admin"
	"gatekeeper/internal/clock"
	"gatekeeper/internal/store"
	"gatekeeper/internal/store/sqlitestore"
	"gatekeeper/internal/testsupport"
	"gatekeeper/internal/testsupport/testapi"
	"gatekeeper/internal/testsupport/teststore"
	"gatekeeper/internal/webhook"
	"gatekeeper/policy"
)

// env is one test's service: a real store behind the real Gin engine.
type env struct {
	t      testing.TB
	st     store.Store
	clock  *clock.Manual // shared by the test's service instances
	engine http.Handler
	keys   map[string][]byte // outlet id → key
}

func sqliteStore(t *testing.T) store.Store { return teststore.SQLite(t) }

// storeTimeout is the service's deadline per store call: Redis's default;
// the embedded store serialises its writes (one fsync each), so a burst of 64
// checks at once needs longer than a lone editor ever will.
func storeTimeout(st store.Store) time.Duration {
	if _, ok := st.(*sqlitestore.Store); ok {
		return 10 * time.Second
	}
	return 250 * time.Millisecond
}

var benchNow = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

func newEnv(t *testing.T, st store.Store) *env {
	t.Helper()
	c := clock.NewManual(testsupport.Now(t, benchNow))
	return &env{t: t, st: st, clock: c, engine: newEngine(t, st, c), keys: map[string][]byte{}}
}

func newEngine(t testing.TB, st store.Store, c *clock.Manual) http.Handler {
	t.Helper()
	return newEngineWith(t, st, c, nil)
}

// newEngineWith is newEngine with its dependencies changed by edit.
func newEngineWith(t testing.TB, st store.Store, c *clock.Manual, edit func(*handler.Deps)) http.Handler {
	t.Helper()
	e, _ := testapi.Engine(t, st, testapi.Options{Clock: c.Clock(), StoreTimeout: storeTimeout(st), Edit: edit})
	return e
}

// addOutlet creates an outlet with the default policy, changed by edit.
func (e *env) addOutlet(id string, edit func(*store.Outlet)) {
	e.t.Helper()
	o := admin.NewOutlet(id, "Báo "+id)
	if edit != nil {
		edit(&o)
	}
	secret, err := admin.Create(context.Background(), e.st, o, "test", e.clock.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	key, err := webhook.DecodeSecret(secret)
	if err != nil {
		e.t.Fatal(err)
	}
	e.keys[id] = key
}

type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("answer is not JSON (%d): %s", r.Status, r.Body)
	}
	return m
}

func (r response) errorCode(t testing.TB) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

// request is one HTTP call; sign says with which key and webhook id.
type request struct {
	method, path string
	body         []byte
	key          []byte // nil: unsigned
	webhookID    string
	at           time.Time // signature time; zero: the clock's now
	header       map[string]string
	// legacy signs the previous way, without binding method and path.
	legacy bool
}

// signedHeader returns the signature headers of r.
func (e *env) signedHeader(r request) http.Header {
	h := http.Header{}
	id := r.webhookID
	if id == "" {
		id = webhook.NewID()
	}
	at := r.at
	if at.IsZero() {
		at = e.clock.Now()
	}
	if r.legacy {
		webhook.SignHeaders(h, id, at, r.body, r.key)
	} else {
		webhook.SignRequest(h, webhook.Target(r.method, r.path), id, at, r.body, r.key)
	}
	return h
}

func (e *env) do(r request) response {
	e.t.Helper()
	req := httptest.NewRequest(r.method, r.path, bytes.NewReader(r.body))
	if r.method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.key != nil {
		for k, v := range e.signedHeader(r) {
			req.Header[k] = v
		}
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.engine.ServeHTTP(w, req)
	if err := openAPI(e.t).check(r.method, r.path, w.Code, w.Header().Get("Content-Type"), w.Body.Bytes()); err != nil {
		e.t.Fatal(err)
	}
	return response{Status: w.Code, Header: w.Header(), Body: w.Body.Bytes()}
}

func checkBody(id, title, tone string, dryRun bool) []byte {
	post := map[string]any{"id": id, "title": title, "content": "<p>Nội dung bài viết.</p>", "author": "bientapvien"}
	if tone != "" {
		post["declared_tone"] = tone
	}
	b, _ := json.Marshal(map[string]any{"post": post, "dry_run": dryRun})
	return b
}

// check sends a signed check and returns the answer.
func (e *env) check(outlet, id, tone string) map[string]any {
	e.t.Helper()
	r := e.do(request{method: "POST", path: "/v1/outlets/" + outlet + "/check", body: checkBody(id, "Tin "+id, tone, false), key: e.keys[outlet]})
	if r.Status != http.StatusOK {
		e.t.Fatalf("check %s: %d %s", id, r.Status, r.Body)
	}
	return r.json(e.t)
}

// seed records posts published at the clock's now through the sync route.
func (e *env) seed(outlet string, published, negative int, prefix string) {
	e.t.Helper()
	var posts []map[string]any
	for i := 0; i < published; i++ {
		tone := "neutral"
		if i < negative {
			tone = "negative"
		}
		posts = append(posts, map[string]any{
			"id": prefix + "-" + itoa(i), "title": "Bài " + itoa(i), "declared_tone": tone,
			"published_at": e.clock.Now().Add(-time.Hour).Format(time.RFC3339),
		})
	}
	b, _ := json.Marshal(map[string]any{"posts": posts})
	r := e.do(request{method: "POST", path: "/v1/outlets/" + outlet + "/sync", body: b, key: e.keys[outlet]})
	if r.Status != http.StatusOK {
		e.t.Fatalf("sync: %d %s", r.Status, r.Body)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// state is everything a refused request must leave unchanged.
type state struct {
	counts policy.Counts
	audit  int
	holds  int
}

func (e *env) state(outlet string) state {
	e.t.Helper()
	ctx := context.Background()
	o, err := e.st.GetOutlet(ctx, outlet)
	if err != nil {
		e.t.Fatal(err)
	}
	c, err := e.st.Window(ctx, outlet, e.clock.Now(), o.Window())
	if err != nil {
		e.t.Fatal(err)
	}
	a, err := e.st.ListAudit(ctx, outlet, store.AuditFilter{Limit: 10000})
	if err != nil {
		e.t.Fatal(err)
	}
	h, err := e.st.ListHolds(ctx, outlet, store.HoldFilter{Limit: 10000})
	if err != nil {
		e.t.Fatal(err)
	}
	return state{c, len(a), len(h)}
}

func rotate(e *env, outlet string) (string, error) {
	return admin.RotateSecret(context.Background(), e.st, outlet, "test", e.clock.Now(), admin.RotationGrace)
}
