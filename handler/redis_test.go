package handler_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"gatekeeper/internal/redistest"
	"gatekeeper/internal/store"
	"gatekeeper/internal/store/redisstore"
	"gatekeeper/internal/webhook"
	"gatekeeper/policy"
)

func redisStore(t *testing.T, url string) store.Store {
	t.Helper()
	st, err := redisstore.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// raceToTheLimit sends 64 negative posts at once (40 distinct ids, so 24 are
// repeats of another client's post) to an outlet at 25 negative of 200,
// spread over the given engines. Only 5 more negative posts fit under 15%:
// (25+5)/(200+5) = 14.63%, (25+6)/(200+6) = 15.05%.
func raceToTheLimit(t *testing.T, e *env, engines []http.Handler) {
	e.addOutlet("race", nil)
	e.seed("race", 200, 25, "s")
	var servers []*httptest.Server
	for _, h := range engines {
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		servers = append(servers, s)
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		verdicts = map[string]int{}
		statuses = map[int]int{}
		start    = make(chan struct{})
	)
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body := checkBody(fmt.Sprintf("c%d", i%40), "Vụ cháy chợ đêm", "negative", false)
			url := servers[i%len(servers)].URL + "/v1/outlets/race/check"
			<-start
			resp, err := postSigned(url, body, e.keys["race"], e.clock.Now())
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				statuses[-1]++
				return
			}
			statuses[resp.Status]++
			if resp.Status == 200 {
				verdicts[resp.json(t)["decision"].(string)]++
			}
		}(i)
	}
	close(start)
	wg.Wait()
	if statuses[200] != 64 {
		t.Fatalf("statuses %v, want 64 × 200", statuses)
	}
	s := e.state("race")
	if s.counts != (policy.Counts{Published: 205, Negative: 30}) {
		t.Fatalf("counted %+v, want exactly 205 published, 30 negative (verdicts %v)", s.counts, verdicts)
	}
	if s.counts.Negative*10000 > 1500*s.counts.Published {
		t.Fatalf("counted share %d/%d is past the limit", s.counts.Negative, s.counts.Published)
	}
	pending, err := e.st.ListHolds(context.Background(), "race", store.HoldFilter{Status: store.HoldPending, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 35 {
		t.Fatalf("%d pending holds, want one for each of the 35 distinct posts that did not fit (verdicts %v)", len(pending), verdicts)
	}
	t.Logf("verdicts %v", verdicts)
}

// postSigned sends a signed JSON POST over a real connection.
func postSigned(url string, body, key []byte, now time.Time) (response, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	webhook.SignHeaders(req.Header, webhook.NewID(), now, body, key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return response{Status: resp.StatusCode, Header: resp.Header, Body: b}, err
}

func TestConcurrencyThreeReplicasOneRedis(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	e := newEnv(t, redisStore(t, srv.URL()))
	var engines []http.Handler
	for i := 0; i < 3; i++ {
		engines = append(engines, newEngine(t, redisStore(t, srv.URL()), e.clock))
	}
	raceToTheLimit(t, e, engines)
}

func TestConcurrencyEmbeddedStore(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	raceToTheLimit(t, e, []http.Handler{e.engine})
}

func TestRedisDownAnswers503AndLosesNothing(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{AppendOnly: true, Fsync: "always"})
	e := newEnv(t, redisStore(t, srv.URL()))
	e.addOutlet("o", nil)
	e.seed("o", 40, 4, "s")
	if a := e.check("o", "before", "negative"); a["counted"] != true {
		t.Fatalf("before the outage: %v", a)
	}
	before := e.state("o")

	for name, stop := range map[string]func() error{"stopped": srv.Stop, "hung": srv.Pause} {
		if err := stop(); err != nil {
			t.Fatal(err)
		}
		for _, req := range []request{
			{method: "POST", path: "/v1/outlets/o/check", body: checkBody("during", "Tin", "negative", false), key: e.keys["o"]},
			{method: "GET", path: "/readyz"},
		} {
			path := req.path
			t0 := time.Now()
			r := e.do(req)
			elapsed := time.Since(t0)
			if r.Status != http.StatusServiceUnavailable || r.Header.Get("Retry-After") == "" || r.errorCode(t) != "store_unavailable" {
				t.Fatalf("%s Redis, %s: %d %s", name, path, r.Status, r.Body)
			}
			t.Logf("%s Redis: %s answered 503 in %s", name, path, elapsed)
			// Not a timing test: this bound only catches a client that waits
			// for its 5 s defaults instead of the configured deadline.
			if elapsed > 2*time.Second {
				t.Fatalf("%s Redis: 503 took %s", name, elapsed)
			}
		}
		if name == "hung" {
			if err := srv.Resume(); err != nil {
				t.Fatal(err)
			}
		} else if err := srv.Restart(); err != nil {
			t.Fatal(err)
		}
		waitReady(t, e)
		if s := e.state("o"); s.counts != before.counts {
			t.Fatalf("after the %s outage: %+v, want %+v", name, s.counts, before.counts)
		}
	}
	// The CMS retries the post it could not check: counted once.
	e.check("o", "during", "neutral")
	e.check("o", "during", "neutral")
	if s := e.state("o"); s.counts.Published != before.counts.Published+1 {
		t.Fatalf("retried post: %+v, want one more than %+v", s.counts, before.counts)
	}
}

func waitReady(t *testing.T, e *env) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r := e.do(request{method: "GET", path: "/readyz"}); r.Status == 200 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("the service did not become ready again")
}

func BenchmarkCheckRedis(b *testing.B) {
	srv := redistest.Start(b, redistest.Options{})
	st, err := redisstore.Open(context.Background(), srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	benchmarkCheck(b, st, false)
}

// BenchmarkCheckRedisProduction is BenchmarkCheckRedis with the engine wired
// as `gatekeeper serve` wires it (metrics, outlet cache, JSON logs).
func BenchmarkCheckRedisProduction(b *testing.B) {
	srv := redistest.Start(b, redistest.Options{})
	st, err := redisstore.Open(context.Background(), srv.URL())
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	benchmarkCheck(b, st, true)
}
