// Package bench is a load generator for the check endpoint: every request is
// a fresh post, signed with a fresh webhook id, so every request is a real
// decision. It reports requests per second and latency percentiles.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"gatekeeper/internal/webhook"
)

// Options of one run.
type Options struct {
	URL         string // base URL, e.g. http://127.0.0.1:8080
	Path        string // default /v1/outlets/OUTLET/check
	Outlet      string
	Key         []byte // decoded secret
	Concurrency int
	Duration    time.Duration
	MaxRequests int64   // 0 = no bound but Duration
	PostSize    int     // bytes of Vietnamese text per post
	Negative    float64 // share of posts declared negative
	DryRun      bool
	Seed        uint64
	// Rate, when above 0, holds a fixed rate (requests per second) instead of
	// sending as fast as the workers can: request n is due at start + n/Rate.
	// Latency is then measured from when a request was due, not from when a
	// worker got to send it, so a slow server cannot hide its queueing.
	// Concurrency must be large enough to keep up (see Result.Late).
	Rate float64
}

// Result of one run.
type Result struct {
	Requests  int64            `json:"requests"`
	Errors    int64            `json:"errors"` // transport errors
	Statuses  map[int]int64    `json:"statuses"`
	Decisions map[string]int64 `json:"decisions"`
	Elapsed   time.Duration    `json:"elapsed"`
	RPS       float64          `json:"rps"`
	// Rate is the target rate (0: as fast as possible); Late counts requests
	// sent more than a millisecond after they were due, and LateP99 is the
	// 99th percentile of how late the answered requests were sent: the part
	// of the latency percentiles (counted from when a request was due) that
	// the load generator itself added before the request left.
	Rate    float64       `json:"rate,omitempty"`
	Late    int64         `json:"late,omitempty"`
	LateP99 time.Duration `json:"late_p99,omitempty"`
	// ClientCPU is the CPU time (user + system) this process used during the
	// run, to tell the load generator's share of a shared machine.
	ClientCPU time.Duration `json:"client_cpu"`
	P50       time.Duration `json:"p50"`
	P90       time.Duration `json:"p90"`
	P99       time.Duration `json:"p99"`
	Max       time.Duration `json:"max"`
}

// String formats r on one line.
func (r Result) String() string {
	rate := ""
	if r.Rate > 0 {
		rate = fmt.Sprintf(" (target %.0f/s, %d late, sent late by %s at p99)", r.Rate, r.Late, ms(r.LateP99))
	}
	return fmt.Sprintf("%d requests in %.1fs: %.0f req/s%s, p50 %s p90 %s p99 %s max %s, statuses %v, decisions %v, transport errors %d, client CPU %.1fs",
		r.Requests, r.Elapsed.Seconds(), r.RPS, rate, ms(r.P50), ms(r.P90), ms(r.P99), ms(r.Max), r.Statuses, r.Decisions, r.Errors, r.ClientCPU.Seconds())
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

// Everyday local news, as whole sentences: a classifier reads phrases
// ("dự án", "y tế"), so random syllables would make up words ("án": a court
// case) that no real post contains.
var (
	titles = []string{
		"Khánh thành cầu mới nối hai xã vùng cao",
		"Người dân Đắk Pék phấn khởi đón mùa cà phê bội thu",
		"Huyện tổng kết chương trình xây dựng nông thôn mới",
		"Lễ hội văn hoá truyền thống thu hút đông đảo du khách",
		"Trường học vùng cao đón năm học mới",
		"Nông dân thu hoạch lúa đông xuân được mùa",
	}
	sentences = []string{
		"Người dân xã Đắk Pék phấn khởi đón mùa cà phê bội thu.",
		"Huyện tổ chức hội nghị tổng kết chương trình xây dựng nông thôn mới.",
		"Trường tiểu học khánh thành phòng học mới cho học sinh vùng cao.",
		"Tỉnh đầu tư nâng cấp tuyến đường liên xã phục vụ sản xuất.",
		"Lễ hội văn hoá truyền thống thu hút đông đảo du khách.",
		"Doanh nghiệp địa phương mở rộng xuất khẩu nông sản.",
		"Thanh niên tình nguyện giúp bà con thu hoạch lúa.",
		"Hội Phụ nữ huyện mở lớp tập huấn kỹ năng làm kinh tế.",
		"Công trình nước sạch mới phục vụ hơn năm trăm hộ dân.",
		"Đội bóng đá của xã đạt giải nhất giải thể thao huyện.",
		"Chính quyền xã đối thoại với người dân về kế hoạch phát triển kinh tế.",
		"Nhiều mô hình trồng sâm Ngọc Linh mang lại thu nhập cao.",
		"Học sinh giỏi của huyện được khen thưởng trong lễ tổng kết năm học.",
		"Các thôn vùng sâu đã có điện lưới ổn định.",
	}
	negativeTitles = []string{
		"Tai nạn giao thông nghiêm trọng trên quốc lộ 14",
		"Khởi tố vụ án lừa đảo chiếm đoạt tài sản",
		"Mưa lớn gây sạt lở đất, nhiều nhà dân bị hư hỏng",
		"Bắt giữ đối tượng trộm cắp xe máy tại chợ",
	}
	negativeSentences = []string{
		"Tai nạn giao thông làm hai người bị thương nặng.",
		"Cơ quan công an khởi tố vụ án lừa đảo chiếm đoạt tài sản.",
		"Mưa lớn gây sạt lở đất, nhiều nhà dân bị hư hỏng.",
		"Cháy rừng thiêu rụi hàng chục héc-ta rừng phòng hộ.",
		"Công an bắt giữ đối tượng trộm cắp xe máy.",
	}
)

// text joins random sentences of pool until it is at least size bytes.
func text(rng *rand.Rand, size int, pool []string) string {
	var b strings.Builder
	for b.Len() < size {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(pool[rng.IntN(len(pool))])
	}
	return b.String()
}

// Run drives the check endpoint with o.Concurrency workers.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Path == "" {
		o.Path = "/v1/outlets/" + o.Outlet + "/check"
	}
	if o.Concurrency < 1 {
		o.Concurrency = 1
	}
	tr := &http.Transport{
		MaxIdleConns: o.Concurrency, MaxIdleConnsPerHost: o.Concurrency,
		DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext,
	}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	defer tr.CloseIdleConnections()

	ctx, cancel := context.WithTimeout(ctx, o.Duration)
	defer cancel()
	var interval time.Duration
	if o.Rate > 0 {
		interval = time.Duration(float64(time.Second) / o.Rate)
	}
	var (
		seq   atomic.Int64
		late  atomic.Int64
		cpu0  = cpuTime()
		mu    sync.Mutex
		lat   []time.Duration
		sent  []time.Duration // how late each answered request was sent (with Rate)
		res   = Result{Statuses: map[int]int64{}, Decisions: map[string]int64{}}
		wg    sync.WaitGroup
		start = time.Now()
	)
	runID := fmt.Sprintf("b%x", time.Now().UnixNano()&0xffffffffff)
	rng0 := rand.New(rand.NewPCG(o.Seed, 1<<62))
	var plain, negative []template
	for range 16 {
		plain = append(plain, newTemplate(rng0, o.PostSize, false, o.DryRun))
		negative = append(negative, newTemplate(rng0, o.PostSize, true, o.DryRun))
	}
	for w := 0; w < o.Concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(o.Seed, uint64(w)))
			var local, localSent []time.Duration
			statuses := map[int]int64{}
			decisions := map[string]int64{}
			var errs int64
			for ctx.Err() == nil {
				n := seq.Add(1)
				if o.MaxRequests > 0 && n > o.MaxRequests {
					break
				}
				// A fresh post id spliced into one of the prepared bodies:
				// building and encoding 3 KB per request would make the load
				// generator the bottleneck of the baseline.
				tpl := plain[rng.IntN(len(plain))]
				if rng.Float64() < o.Negative {
					tpl = negative[rng.IntN(len(negative))]
				}
				body := tpl.with(runID + "-" + strconv.FormatInt(n, 10))
				var due time.Time
				var behind time.Duration // how late this request is sent
				if interval > 0 {
					due = start.Add(time.Duration(n-1) * interval)
					if !sleepUntil(ctx, due) {
						break
					}
					behind = time.Since(due)
					if behind > time.Millisecond {
						late.Add(1)
					}
				}
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.URL+o.Path, bytes.NewReader(body))
				if err != nil {
					errs++
					continue
				}
				// The load generator talks to a real server running on the wall
				// clock, and measures latencies: both are the wall clock's job.
				webhook.SignRequest(req.Header, webhook.Target(req.Method, req.URL.RequestURI()), webhook.NewID(), time.Now(), body, o.Key)
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				if interval > 0 {
					t0 = due
				}
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						errs++
					}
					continue
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				local = append(local, time.Since(t0))
				if interval > 0 {
					localSent = append(localSent, behind)
				}
				statuses[resp.StatusCode]++
				if d := decisionOf(raw); d != "" {
					decisions[d]++
				}
			}
			mu.Lock()
			lat = append(lat, local...)
			sent = append(sent, localSent...)
			for k, v := range statuses {
				res.Statuses[k] += v
			}
			for k, v := range decisions {
				res.Decisions[k] += v
			}
			res.Errors += errs
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	res.ClientCPU = cpuTime() - cpu0
	res.Rate, res.Late = o.Rate, late.Load()
	res.Requests = int64(len(lat))
	if len(lat) > 0 {
		slices.Sort(lat)
		res.P50, res.P90, res.P99, res.Max = quantile(lat, 0.50), quantile(lat, 0.90), quantile(lat, 0.99), lat[len(lat)-1]
		res.RPS = float64(len(lat)) / res.Elapsed.Seconds()
	}
	if len(sent) > 0 {
		slices.Sort(sent)
		res.LateP99 = quantile(sent, 0.99)
	}
	return res, nil
}

// quantile is the p-quantile of sorted (not empty).
func quantile(sorted []time.Duration, p float64) time.Duration {
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// sleepUntil waits until t; false if ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// template is a request body with the post id left out: head + id + tail.
type template struct{ head, tail []byte }

const idMark = "\x00id\x00"

func newTemplate(rng *rand.Rand, size int, negative, dryRun bool) template {
	b := buildBody(rng, idMark, size, negative, dryRun)
	mark, _ := json.Marshal(idMark)
	i := bytes.Index(b, mark)
	return template{head: b[:i+1], tail: b[i+len(mark)-1:]}
}

func (t template) with(id string) []byte {
	b := make([]byte, 0, len(t.head)+len(id)+len(t.tail))
	return append(append(append(b, t.head...), id...), t.tail...)
}

// decisionOf finds "decision":"…" in an answer without decoding all of it.
func decisionOf(raw []byte) string {
	const key = `"decision":"`
	i := bytes.Index(raw, []byte(key))
	if i < 0 {
		return ""
	}
	rest := raw[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

func buildBody(rng *rand.Rand, id string, size int, negative, dryRun bool) []byte {
	tone := "neutral"
	title := titles[rng.IntN(len(titles))]
	excerpt := text(rng, 200, sentences)
	content := text(rng, size, sentences)
	if negative {
		tone = "negative"
		title = negativeTitles[rng.IntN(len(negativeTitles))]
		excerpt = text(rng, 200, negativeSentences)
		content = text(rng, size/4, negativeSentences) + " " + text(rng, size-size/4, sentences)
	}
	// The lead says what the headline says, as in a real post (a headline
	// whose words the lead lacks reads as a teaser).
	excerpt, content = title+". "+excerpt, title+". "+content
	body, _ := json.Marshal(map[string]any{
		"post": map[string]any{
			"id": id, "title": title, "excerpt": excerpt,
			"content": "<p>" + content + "</p>", "categories": []string{"Thời sự"},
			"author": "bench", "language": "vi", "declared_tone": tone,
		},
		"dry_run": dryRun,
	})
	return body
}

// EmptyHandler is the baseline the service is measured against: a Gin
// engine in release mode whose check route reads the body and answers a
// small JSON, doing no work.
func EmptyHandler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.POST("/v1/outlets/:outlet/check", func(c *gin.Context) {
		_, _ = io.ReadAll(c.Request.Body)
		c.JSON(http.StatusOK, gin.H{"decision": "allow"})
	})
	return r
}
