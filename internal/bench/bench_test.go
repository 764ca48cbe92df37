package bench

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"gatekeeper/internal/webhook"
)

// target is a check endpoint that verifies each request and remembers its post.
type target struct {
	t    *testing.T
	key  []byte
	mu   sync.Mutex
	ids  map[string]bool
	wids map[string]bool
	neg  int
}

func (g *target) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	wid, err := webhook.Verify(r.Header, webhook.BoundPayload(webhook.Target(r.Method, r.URL.RequestURI()), body), time.Now(), g.key)
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	var req struct {
		Post struct {
			ID           string `json:"id"`
			Content      string `json:"content"`
			DeclaredTone string `json:"declared_tone"`
		} `json:"post"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Post.ID == "" || len(req.Post.Content) < 100 {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	g.mu.Lock()
	if g.ids[req.Post.ID] || g.wids[wid] {
		g.t.Errorf("post %s or webhook id %s sent twice", req.Post.ID, wid)
	}
	g.ids[req.Post.ID], g.wids[wid] = true, true
	if req.Post.DeclaredTone == "negative" {
		g.neg++
	}
	g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"decision":"allow"}`)
}

func newTarget(t *testing.T) (*target, *httptest.Server) {
	g := &target{t: t, key: []byte("0123456789abcdef0123456789abcdef"), ids: map[string]bool{}, wids: map[string]bool{}}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	return g, srv
}

func TestRunSignsFreshPosts(t *testing.T) {
	g, srv := newTarget(t)
	r, err := Run(context.Background(), Options{URL: srv.URL, Outlet: "o", Key: g.key, Concurrency: 4,
		Duration: 30 * time.Second, MaxRequests: 200, PostSize: 3000, Negative: 0.5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests != 200 || r.Statuses[200] != 200 || r.Decisions["allow"] != 200 || r.Errors != 0 {
		t.Fatalf("result %s", r)
	}
	if len(g.ids) != 200 || g.neg < 50 || g.neg > 150 {
		t.Fatalf("%d distinct posts, %d negative; want 200, about half", len(g.ids), g.neg)
	}
	if r.P50 <= 0 || r.P99 < r.P50 || r.Max < r.P99 {
		t.Fatalf("percentiles %s", r)
	}
}

// TestRunRate: with --rate, request n is not sent before start + n/rate.
func TestRunRate(t *testing.T) {
	g, srv := newTarget(t)
	const rate, d = 100, 300 * time.Millisecond
	r, err := Run(context.Background(), Options{URL: srv.URL, Outlet: "o", Key: g.key, Concurrency: 8,
		Duration: d, PostSize: 100, Rate: rate, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if max := int64(rate*d.Seconds()) + 1; r.Requests > max || r.Requests == 0 {
		t.Fatalf("%d requests in %s at %d/s, want between 1 and %d", r.Requests, d, rate, max)
	}
	if r.Rate != rate || r.Statuses[200] != r.Requests {
		t.Fatalf("result %s", r)
	}
	// Each request's latency is counted from when it was due, so it is at
	// least as long as the send was late: so are their percentiles.
	if r.LateP99 <= 0 || r.LateP99 > r.P99 {
		t.Fatalf("sent late by %s at p99, latency p99 %s: want 0 < late ≤ latency", r.LateP99, r.P99)
	}
}

// TestRunRateLateSends: a server slower than the rate makes one worker fall
// behind; the result says by how much its sends were late.
func TestRunRateLateSends(t *testing.T) {
	g, _ := newTarget(t)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(5 * time.Millisecond)
		g.ServeHTTP(w, r)
	}))
	t.Cleanup(slow.Close)
	r, err := Run(context.Background(), Options{URL: slow.URL, Outlet: "o", Key: g.key, Concurrency: 1,
		Duration: 200 * time.Millisecond, PostSize: 100, Rate: 1000, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	// Request n is due at n ms and the n-th send cannot leave before 5(n-1) ms.
	if r.Requests < 3 || r.Late < r.Requests-2 || r.LateP99 < 5*time.Millisecond {
		t.Fatalf("result %s: want every send but the first late, by 5 ms or more at p99", r)
	}
}
