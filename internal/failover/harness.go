// Package failover drives the real gatekeeper binary through Redis failures
// and checks what the product promises: every answer is a correct 200 or a
// 503 (never an allow the counts do not hold, with WAIT), the service
// recovers by itself, no post is counted twice, and a CMS sync of what it
// published makes the counts exact again.
//
// A run builds the binary (or uses GATEKEEPER_BIN), starts several
// `gatekeeper serve` processes on one Redis topology behind a round-robin
// reverse proxy on loopback, sends a bounded load of signed checks for one
// outlet, and calls a fault (kill -9 of the master that owns the outlet's
// slot, or of a single server that is then restarted) part-way through. The
// tests are in failover_test.go.
package failover

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/store/redisstore"
	"gatekeeper/internal/webhook"
)

// BinaryEnv may name a gatekeeper binary built beforehand.
const BinaryEnv = "GATEKEEPER_BIN"

var (
	buildOnce sync.Once
	buildBin  string
	buildErr  error
)

// Binary returns the gatekeeper binary: GATEKEEPER_BIN, or `go build
// ./cmd/gatekeeper` into a temporary directory (once per test binary).
func Binary(tb testing.TB) string {
	tb.Helper()
	if b := os.Getenv(BinaryEnv); b != "" {
		return b
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gatekeeper-failover-")
		if err != nil {
			buildErr = err
			return
		}
		buildBin = filepath.Join(dir, "gatekeeper")
		out, err := exec.Command("go", "build", "-o", buildBin, "gatekeeper/cmd/gatekeeper").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./cmd/gatekeeper: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatal(buildErr)
	}
	return buildBin
}

// CleanBuild removes the binary Binary built (call it from TestMain).
func CleanBuild() {
	if buildBin != "" {
		os.RemoveAll(filepath.Dir(buildBin))
	}
}

// Service is several `gatekeeper serve` processes behind one proxy.
type Service struct {
	URL    string // the proxy
	Outlet string
	Key    []byte
	bin    string
	env    []string
}

// StartService creates an outlet on redisURL (gatekeeper outlet add) and
// starts replicas `gatekeeper serve` processes with extra flags, behind a
// round-robin reverse proxy. Everything stops when the test ends.
func StartService(t *testing.T, redisURL string, replicas int, flags ...string) *Service {
	t.Helper()
	bin := Binary(t)
	s := &Service{bin: bin, Outlet: fmt.Sprintf("fo%d", time.Now().UnixNano()%1e9)}
	s.env = append(os.Environ(), "GATEKEEPER_REDIS_URL="+redisURL)
	out, err := s.command(context.Background(), "outlet", "add", s.Outlet, "--name", "Cổng thông tin thử nghiệm", "--json").Output()
	if err != nil {
		t.Fatalf("gatekeeper outlet add: %v %s", err, exitText(err))
	}
	var created struct{ Secret string }
	if err := json.Unmarshal(out, &created); err != nil {
		t.Fatalf("outlet add answered %q: %v", out, err)
	}
	if s.Key, err = webhook.DecodeSecret(created.Secret); err != nil {
		t.Fatal(err)
	}
	var backends []*url.URL
	for i := range replicas {
		addr := startServe(t, s, i, flags)
		backends = append(backends, &url.URL{Scheme: "http", Host: addr})
	}
	var next atomic.Uint64
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DialContext: (&net.Dialer{Timeout: time.Second}).DialContext}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(backends[next.Add(1)%uint64(len(backends))])
		},
		Transport: tr,
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(func() { srv.Close(); tr.CloseIdleConnections() })
	s.URL = srv.URL
	return s
}

func exitText(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

func (s *Service) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, s.bin, args...)
	cmd.Env = s.env
	return cmd
}

// startServe starts one replica on a free port and waits for its
// "listening on" line.
func startServe(t *testing.T, s *Service, i int, flags []string) string {
	t.Helper()
	log := filepath.Join(t.TempDir(), fmt.Sprintf("serve%d.log", i))
	f, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--rate-limit", "0", "--log-format", "text", "--log-level", "error"}, flags...)
	cmd := s.command(context.Background(), args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); f.Close(); close(done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			b, _ := os.ReadFile(log)
			if len(b) > 3000 {
				b = b[len(b)-3000:]
			}
			t.Logf("gatekeeper serve #%d log (end):\n%s", i, b)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		b, _ := os.ReadFile(log)
		if _, rest, ok := strings.Cut(string(b), "listening on "); ok {
			addr, _, _ := strings.Cut(rest, "\n")
			return strings.TrimSpace(addr)
		}
		select {
		case <-done:
			t.Fatalf("gatekeeper serve exited at start:\n%s", b)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatal("gatekeeper serve did not listen within 30 s")
	return ""
}

// Post is a post the "CMS" published or tried to publish.
type Post struct {
	ID        string
	WebhookID string
	Negative  bool
	Title     string
	Content   string
	// Answers in order: the first, and the retry when the first was 503.
	Answers []Answer
}

// Answer is what one request got.
type Answer struct {
	Start, End time.Time
	Status     int
	Err        string // transport error or a contract violation
	Decision   string
	Counted    bool
	Borderline bool
	Published  int64 // the window before this post (share.published)
	Negative   int64
	RetryAfter string
}

// Last is the post's final answer.
func (p *Post) Last() Answer { return p.Answers[len(p.Answers)-1] }

// CountedAck reports whether the CMS was told the post is counted.
func (p *Post) CountedAck() bool {
	a := p.Last()
	return a.Status == http.StatusOK && a.Counted
}

// Sentences a local news site publishes; the classifier reads them as
// clearly positive or neutral, or clearly negative.
var (
	goodTitles = []string{
		"Khánh thành trường học mới ở xã Đắk Pék",
		"Lễ hội truyền thống thu hút đông đảo du khách",
		"Nông dân phấn khởi vì mùa vụ lúa gạo bội thu",
		"Thanh niên tình nguyện giúp người dân xây nhà văn hoá",
		"Huyện phát triển du lịch cộng đồng gắn với văn hoá địa phương",
	}
	goodParagraphs = []string{
		"Người dân vui mừng đón năm học mới với phòng học khang trang.",
		"Chính quyền xã phối hợp với nhà trường tổ chức lễ khai giảng trang trọng.",
		"Dự án hạ tầng giao thông giúp bà con đi lại thuận tiện hơn.",
		"Chương trình đã trao nhiều suất học bổng cho học sinh nghèo vượt khó.",
	}
	badTitles = []string{
		"Tai nạn giao thông nghiêm trọng trên quốc lộ 14 làm hai người tử vong",
		"Khởi tố vụ án tham nhũng tại ban quản lý dự án",
		"Sạt lở đất vùi lấp nhà dân sau mưa lũ kéo dài",
		"Bắt giữ đối tượng lừa đảo chiếm đoạt tài sản",
	}
	badParagraphs = []string{
		"Vụ tai nạn khiến nhiều người bị thương, thiệt hại nặng về tài sản.",
		"Cơ quan điều tra đã khởi tố bị can và tạm giam để điều tra.",
		"Mưa lũ gây sạt lở, thiệt hại lớn cho người dân trong vùng.",
	}
)

func newPost(rng *rand.Rand, id string, negative bool) *Post {
	titles, paras := goodTitles, goodParagraphs
	if negative {
		titles, paras = badTitles, badParagraphs
	}
	var content strings.Builder
	for range 6 {
		content.WriteString("<p>" + paras[rng.IntN(len(paras))] + "</p>")
	}
	return &Post{ID: id, WebhookID: webhook.NewID(), Negative: negative, Title: titles[rng.IntN(len(titles))], Content: content.String()}
}

func (p *Post) tone() string {
	if p.Negative {
		return "negative"
	}
	return "neutral"
}

// Client sends signed requests through the proxy.
type Client struct {
	S    *Service
	HTTP *http.Client
}

// NewClient returns a client with its own connections.
func (s *Service) NewClient() *Client {
	return &Client{S: s, HTTP: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}}
}

func (c *Client) post(path string, body []byte, webhookID string) (*http.Response, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, c.S.URL+path, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	webhook.SignRequest(req.Header, webhook.Target(req.Method, req.URL.RequestURI()), webhookID, time.Now(), body, c.S.Key)
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp, raw, err
}

// Check sends the post (with its webhook id, so a retry is the same
// request) and checks the answer against the rules.
func (c *Client) Check(p *Post) Answer {
	body, _ := json.Marshal(map[string]any{"post": map[string]any{
		"id": p.ID, "title": p.Title, "content": p.Content, "declared_tone": p.tone(), "language": "vi", "categories": []string{"Thời sự"},
	}})
	a := Answer{Start: time.Now()}
	resp, raw, err := c.post("/v1/outlets/"+c.S.Outlet+"/check", body, p.WebhookID)
	a.End = time.Now()
	if err != nil {
		a.Err = "transport: " + err.Error()
		return a
	}
	a.Status = resp.StatusCode
	a.RetryAfter = resp.Header.Get("Retry-After")
	switch resp.StatusCode {
	case http.StatusServiceUnavailable:
		if a.RetryAfter == "" {
			a.Err = "503 without Retry-After"
		}
		return a
	case http.StatusOK:
	default:
		a.Err = fmt.Sprintf("status %d: %.300s", resp.StatusCode, raw)
		return a
	}
	var ans struct {
		Decision string `json:"decision"`
		Counted  bool   `json:"counted"`
		PostID   string `json:"post_id"`
		Tone     struct {
			Label      string `json:"label"`
			Borderline bool   `json:"borderline"`
		} `json:"tone"`
		Share struct {
			Published int64   `json:"published"`
			Negative  int64   `json:"negative"`
			After     float64 `json:"after"`
			Limit     float64 `json:"limit"`
		} `json:"share"`
	}
	if err := json.Unmarshal(raw, &ans); err != nil {
		a.Err = fmt.Sprintf("200 with %.200s: %v", raw, err)
		return a
	}
	a.Decision, a.Counted, a.Borderline = ans.Decision, ans.Counted, ans.Tone.Borderline
	a.Published, a.Negative = ans.Share.Published, ans.Share.Negative
	a.Err = verdictError(p, a, ans.PostID, ans.Tone.Label)
	return a
}

// verdictError checks a 200 against the decision rules (limit 15%): a
// negative post is held exactly when (N+1)/(P+1) > 15%; a non-negative,
// non-borderline post is never held; counted is "not held".
func verdictError(p *Post, a Answer, postID, label string) string {
	if postID != p.ID {
		return fmt.Sprintf("answer for post %q, sent %q", postID, p.ID)
	}
	switch a.Decision {
	case "allow", "warn", "hold":
	default:
		return fmt.Sprintf("decision %q", a.Decision)
	}
	if a.Counted != (a.Decision != "hold") {
		return fmt.Sprintf("decision %s with counted=%t", a.Decision, a.Counted)
	}
	if p.Negative {
		if label != "negative" {
			return fmt.Sprintf("declared negative, classified %s", label)
		}
		over := (a.Negative+1)*10000 > 1500*(a.Published+1)
		if over != (a.Decision == "hold") {
			return fmt.Sprintf("negative post with P=%d N=%d answered %s", a.Published, a.Negative, a.Decision)
		}
	} else if a.Decision == "hold" && !a.Borderline {
		return "non-negative post held"
	}
	return ""
}

// Backfill syncs n posts (negative every tenth) published over the last
// days, so the outlet starts from real counts, and returns them.
func (c *Client) Backfill(t *testing.T, n int) []*Post {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var posts []*Post
	for i := range n {
		posts = append(posts, newPost(rng, "b"+strconv.Itoa(i), i%10 == 0))
	}
	now := time.Now()
	if err := c.Sync(posts, func(i int) time.Time { return now.Add(-time.Duration(n-i) * time.Minute) }); err != nil {
		t.Fatal(err)
	}
	return posts
}

// Sync sends posts to the sync endpoint in chunks (complete=false), each
// retried on 503 for up to 20 s.
func (c *Client) Sync(posts []*Post, publishedAt func(i int) time.Time) error {
	const chunk = 500
	for lo := 0; lo < len(posts); lo += chunk {
		var list []map[string]any
		for i := lo; i < min(lo+chunk, len(posts)); i++ {
			p := posts[i]
			list = append(list, map[string]any{"id": p.ID, "title": p.Title, "content": p.Content, "declared_tone": p.tone(),
				"language": "vi", "categories": []string{"Thời sự"}, "published_at": publishedAt(i).UTC().Format(time.RFC3339)})
		}
		body, _ := json.Marshal(map[string]any{"posts": list, "complete": false})
		deadline := time.Now().Add(20 * time.Second)
		for {
			resp, raw, err := c.post("/v1/outlets/"+c.S.Outlet+"/sync", body, webhook.NewID())
			if err == nil && resp.StatusCode == http.StatusOK {
				break
			}
			if err == nil && resp.StatusCode != http.StatusServiceUnavailable {
				return fmt.Errorf("sync: status %d: %.300s", resp.StatusCode, raw)
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("sync still failing after 20 s: %v %v", err, resp)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return nil
}

// Load is the outcome of a bounded load.
type Load struct {
	Posts []*Post
	Start time.Time
}

// RunLoad runs workers clients sending new posts (share negative) until
// d has passed or max posts were sent. fault runs once, faultAfter into
// the load or as soon as a third of max posts are answered, whichever
// comes first: a machine fast enough to answer them all within faultAfter
// still meets the fault with two thirds of the load to come.
func (s *Service) RunLoad(workers int, d time.Duration, max int64, negative float64, faultAfter time.Duration, fault func()) *Load {
	l := &Load{Start: time.Now()}
	var (
		mu       sync.Mutex
		seq      atomic.Int64
		answered atomic.Int64
		wg       sync.WaitGroup
		third    = make(chan struct{})
	)
	stop := l.Start.Add(d)
	if fault != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTimer(faultAfter)
			defer t.Stop()
			select {
			case <-t.C:
			case <-third:
			}
			fault()
		}()
	}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := s.NewClient()
			rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for time.Now().Before(stop) {
				n := seq.Add(1)
				if n > max {
					return
				}
				p := newPost(rng, fmt.Sprintf("p%d-%d", w, n), rng.Float64() < negative)
				a := c.Check(p)
				p.Answers = append(p.Answers, a)
				mu.Lock()
				l.Posts = append(l.Posts, p)
				mu.Unlock()
				if answered.Add(1) == max/3 {
					close(third)
				}
				if a.Status != http.StatusOK {
					// A CMS keeps the post waiting and moves on; this
					// client pauses a little (shorter than Retry-After, so
					// recovery is seen to within 100 ms).
					time.Sleep(100 * time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	slices.SortFunc(l.Posts, func(a, b *Post) int { return a.Answers[0].End.Compare(b.Answers[0].End) })
	return l
}

// Outage summarises the 503s of a load around a fault at t0.
type Outage struct {
	Refused              int
	FirstRefused         time.Duration // after t0
	LastRefused          time.Duration
	Recovered            time.Duration // first 200 after the last 503, after t0
	OKBeforeRecovery     int           // 200s between the fault and the last 503 (other slots, or in-flight)
	ContractErrors       []string
	AnswersAfterRecovery int
	RefusedAfterRecovery int
	TransportErrors      int
	StatusCounts         map[int]int
	Decisions            map[string]int
}

// Summarise reads the load's first answers against a fault at t0.
func (l *Load) Summarise(t0 time.Time) Outage {
	o := Outage{StatusCounts: map[int]int{}, Decisions: map[string]int{}}
	var last time.Time
	for _, p := range l.Posts {
		a := p.Answers[0]
		o.StatusCounts[a.Status]++
		if a.Status == http.StatusOK {
			o.Decisions[a.Decision]++
		}
		if a.Err != "" {
			if a.Status == 0 {
				o.TransportErrors++
			}
			if len(o.ContractErrors) < 20 {
				o.ContractErrors = append(o.ContractErrors, p.ID+": "+a.Err)
			}
		}
		if a.Status == http.StatusServiceUnavailable {
			o.Refused++
			if o.Refused == 1 {
				o.FirstRefused = a.End.Sub(t0)
			}
			if a.End.After(last) {
				last = a.End
			}
		}
	}
	if o.Refused == 0 {
		return o
	}
	o.LastRefused = last.Sub(t0)
	for _, p := range l.Posts {
		a := p.Answers[0]
		if a.Status == http.StatusOK && a.End.After(t0) && a.End.Before(last) {
			o.OKBeforeRecovery++
		}
		if a.Start.After(last) {
			o.AnswersAfterRecovery++
			if a.Status != http.StatusOK {
				o.RefusedAfterRecovery++
			}
			if a.Status == http.StatusOK && (o.Recovered == 0 || a.End.Sub(t0) < o.Recovered) {
				o.Recovered = a.End.Sub(t0)
			}
		}
	}
	return o
}

// RetryRefused retries every post whose last answer was not a 200, once,
// with the same post id and webhook id (as the CMS does).
func (s *Service) RetryRefused(l *Load) (retried int) {
	c := s.NewClient()
	for _, p := range l.Posts {
		if p.Last().Status != http.StatusOK {
			p.Answers = append(p.Answers, c.Check(p))
			retried++
		}
	}
	return retried
}

// Counts is what Redis holds for the outlet.
type Counts struct {
	Win, Neg         map[string]bool
	DailyP, DailyN   int64
	CountedLedger    int // posts whose ledger state is counted
	LedgerNotCounted []string
}

// ReadCounts reads the outlet's window, negative set, daily totals and the
// ledger state of every post in ids, straight from Redis.
func ReadCounts(t *testing.T, redisURL, outlet string, ids []string) Counts {
	t.Helper()
	opt, err := redisstore.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	opt.ReadTimeout, opt.WriteTimeout, opt.DialTimeout = 5*time.Second, 5*time.Second, 5*time.Second
	rdb := redisstore.NewClient(opt)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p := "{o:" + outlet + "}:"
	var c Counts
	var win, neg []string
	var daily map[string]string
	for attempt := 0; ; attempt++ {
		win, err = rdb.ZRange(ctx, p+"win", 0, -1).Result()
		if err == nil {
			neg, err = rdb.ZRange(ctx, p+"neg", 0, -1).Result()
		}
		if err == nil {
			daily, err = rdb.HGetAll(ctx, p+"daily").Result()
		}
		if err == nil || attempt == 50 {
			break
		}
		time.Sleep(100 * time.Millisecond) // a failover may still be settling
	}
	if err != nil {
		t.Fatalf("read the outlet's counts: %v", err)
	}
	c.Win, c.Neg = set(win), set(neg)
	delete(c.Win, redisstore.WindowMarker) // a member of the sets, no post
	delete(c.Neg, redisstore.WindowMarker)
	for k, v := range daily {
		n, _ := strconv.ParseInt(v, 10, 64)
		switch {
		case strings.HasSuffix(k, ":p"):
			c.DailyP += n
		case strings.HasSuffix(k, ":n"):
			c.DailyN += n
		}
	}
	cmds, err := rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for _, id := range ids {
			pipe.Get(ctx, p+"post:"+id)
		}
		return nil
	})
	if err != nil && err != redis.Nil {
		t.Fatalf("read the ledger: %v", err)
	}
	for i, cmd := range cmds {
		v, _ := cmd.(*redis.StringCmd).Result()
		if l, err := redisstore.ParseLedger(v); err == nil && l.State == "counted" {
			c.CountedLedger++
		} else if c.Win[ids[i]] {
			c.LedgerNotCounted = append(c.LedgerNotCounted, ids[i])
		}
	}
	return c
}

func set(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// Audit compares Redis with what the CMS was told. Expected is every post
// answered counted (and the backfill).
type Audit struct {
	Expected     int
	Lost         []string // answered counted, not in the window
	Unexpected   []string // in the window, never answered counted
	HeldButIn    []string // last answer hold, yet in the window
	NegMismatch  []string // in the window with the wrong tone
	Inconsistent []string // window, negative set, daily totals or ledger disagree
}

// Compare audits c against the posts.
func Compare(c Counts, posts []*Post) Audit {
	var a Audit
	want := map[string]*Post{}
	for _, p := range posts {
		if len(p.Answers) == 0 || p.CountedAck() {
			want[p.ID] = p
		}
	}
	a.Expected = len(want)
	for id := range want {
		if !c.Win[id] {
			a.Lost = append(a.Lost, id)
		}
	}
	for _, p := range posts {
		if len(p.Answers) > 0 && p.Last().Status == http.StatusOK && !p.Last().Counted && c.Win[p.ID] {
			a.HeldButIn = append(a.HeldButIn, p.ID)
		}
	}
	for id := range c.Win {
		p, ok := want[id]
		if !ok {
			a.Unexpected = append(a.Unexpected, id)
			continue
		}
		if c.Neg[id] != p.Negative {
			a.NegMismatch = append(a.NegMismatch, id)
		}
	}
	for id := range c.Neg {
		if !c.Win[id] {
			a.Inconsistent = append(a.Inconsistent, "negative but not in the window: "+id)
		}
	}
	if int64(len(c.Win)) != c.DailyP || int64(len(c.Neg)) != c.DailyN {
		a.Inconsistent = append(a.Inconsistent, fmt.Sprintf("window %d/%d posts, daily totals %d/%d", len(c.Win), len(c.Neg), c.DailyP, c.DailyN))
	}
	for _, id := range c.LedgerNotCounted {
		a.Inconsistent = append(a.Inconsistent, "in the window, ledger not counted: "+id)
	}
	slices.Sort(a.Lost)
	slices.Sort(a.Unexpected)
	return a
}

// IDs lists the posts' ids.
func IDs(posts []*Post) []string {
	out := make([]string, len(posts))
	for i, p := range posts {
		out[i] = p.ID
	}
	return out
}
