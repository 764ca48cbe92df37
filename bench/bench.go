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
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"gatekeeper/webhook"
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
}

// Result of one run.
type Result struct {
	Requests  int64            `json:"requests"`
	Errors    int64            `json:"errors"` // transport errors
	Statuses  map[int]int64    `json:"statuses"`
	Decisions map[string]int64 `json:"decisions"`
	Elapsed   time.Duration    `json:"elapsed"`
	RPS       float64          `json:"rps"`
	P50       time.Duration    `json:"p50"`
	P90       time.Duration    `json:"p90"`
	P99       time.Duration    `json:"p99"`
	Max       time.Duration    `json:"max"`
}

// String formats r on one line.
func (r Result) String() string {
	return fmt.Sprintf("%d requests in %.1fs: %.0f req/s, p50 %s p90 %s p99 %s max %s, statuses %v, decisions %v, transport errors %d",
		r.Requests, r.Elapsed.Seconds(), r.RPS, ms(r.P50), ms(r.P90), ms(r.P99), ms(r.Max), r.Statuses, r.Decisions, r.Errors)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

// words are everyday Vietnamese news words to build bodies from.
var words = strings.Fields(`người dân thành phố tỉnh huyện xã chính quyền phát triển kinh tế giáo dục
y tế văn hoá thể thao du lịch nông nghiệp công nghiệp đầu tư dự án hạ tầng giao thông trường học
bệnh viện cán bộ hội nghị chương trình kế hoạch năm nay tháng trước tăng trưởng sản xuất xuất khẩu
doanh nghiệp lễ hội truyền thống cộng đồng thanh niên phụ nữ học sinh sinh viên nghiên cứu khoa học
công nghệ môi trường nước sạch điện nông thôn mới đường sá cầu cảng sân bay mùa vụ lúa gạo cà phê`)

var negativeWords = strings.Fields(`tai nạn giao thông cháy nổ lũ lụt sạt lở tham nhũng lừa đảo
trộm cắp cướp giật ma tuý án mạng bắt giữ khởi tố điều tra thiệt hại thương vong`)

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
	var (
		seq   atomic.Int64
		mu    sync.Mutex
		lat   []time.Duration
		res   = Result{Statuses: map[int]int64{}, Decisions: map[string]int64{}}
		wg    sync.WaitGroup
		start = time.Now()
	)
	runID := fmt.Sprintf("b%x", time.Now().UnixNano()&0xffffffffff)
	for w := 0; w < o.Concurrency; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(o.Seed, uint64(w)))
			var local []time.Duration
			statuses := map[int]int64{}
			decisions := map[string]int64{}
			var errs int64
			for ctx.Err() == nil {
				n := seq.Add(1)
				if o.MaxRequests > 0 && n > o.MaxRequests {
					break
				}
				neg := rng.Float64() < o.Negative
				body := buildBody(rng, fmt.Sprintf("%s-%d", runID, n), o.PostSize, neg, o.DryRun)
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.URL+o.Path, bytes.NewReader(body))
				if err != nil {
					errs++
					continue
				}
				webhook.SignHeaders(req.Header, webhook.NewID(), time.Now(), body, o.Key)
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						errs++
					}
					continue
				}
				var ans struct {
					Decision string `json:"decision"`
				}
				raw, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				local = append(local, time.Since(t0))
				statuses[resp.StatusCode]++
				if json.Unmarshal(raw, &ans) == nil && ans.Decision != "" {
					decisions[ans.Decision]++
				}
			}
			mu.Lock()
			lat = append(lat, local...)
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
	res.Requests = int64(len(lat))
	if len(lat) > 0 {
		slices.Sort(lat)
		q := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
		res.P50, res.P90, res.P99, res.Max = q(0.50), q(0.90), q(0.99), lat[len(lat)-1]
		res.RPS = float64(len(lat)) / res.Elapsed.Seconds()
	}
	return res, nil
}

func buildBody(rng *rand.Rand, id string, size int, negative, dryRun bool) []byte {
	tone := "neutral"
	title := text(rng, 60, words)
	content := text(rng, size, words)
	if negative {
		tone = "negative"
		title = text(rng, 40, negativeWords) + " " + title
	}
	body, _ := json.Marshal(map[string]any{
		"post": map[string]any{
			"id": id, "title": title, "excerpt": text(rng, 200, words),
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
