package failover

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/redistest"
)

// LongEnv turns on the longer runs: Sentinel, WAIT on one replica per
// master with the killed node restarted, longer loads.
const LongEnv = "GATEKEEPER_FAILOVER_LONG"

func long() bool { return os.Getenv(LongEnv) == "1" }

// quiet drops go-redis's own log lines (dial failures are the point here).
type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

func TestMain(m *testing.M) {
	redis.SetLogger(quiet{})
	code := m.Run()
	CleanBuild()
	os.Exit(code)
}

// scenario is one failover run.
type scenario struct {
	name string
	// topology: "cluster" (masters × (1 + replicas)) or "sentinel"
	// (1 master, replicas, 3 sentinels).
	topology          string
	masters, replicas int
	wait              int           // --redis-wait-replicas
	restart           time.Duration // restart the killed node this long after the promotion; 0 = never
	load, faultAfter  time.Duration
}

// Load shape: 8 clients, a hard cap on requests, 16% of posts negative (so
// the share sits at the limit and holds happen), 3 gatekeeper replicas.
const (
	workers   = 8
	maxPosts  = 9000
	negShare  = 0.16
	replicas  = 3
	backfillN = 300
)

// TestFailover: kill -9 the master that owns the outlet's slot while three
// `gatekeeper serve` replicas answer signed checks, once with asynchronous
// replication on a 3+3 cluster and once with WAIT 1 on a 3+6 cluster (with
// one replica per master, WAIT 1 cannot succeed on the promoted master
// until another replica attaches, so writes to its slots stall until the
// killed node is back: the long run measures that).
func TestFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("failover test skipped in -short mode")
	}
	scenarios := []scenario{
		{name: "Cluster3x1/async", topology: "cluster", masters: 3, replicas: 1, load: 10 * time.Second, faultAfter: 3 * time.Second},
		{name: "Cluster3x2/wait1", topology: "cluster", masters: 3, replicas: 2, wait: 1, load: 10 * time.Second, faultAfter: 3 * time.Second},
	}
	if long() {
		// More kills of the default set-ups (losses without WAIT are rare
		// and need repeats to show), then Sentinel and WAIT 1 with one
		// replica per master, the killed node restarted.
		for i := 2; i <= 5; i++ {
			for _, sc := range scenarios[:2] {
				sc.name += "#" + strconv.Itoa(i)
				scenarios = append(scenarios, sc)
			}
		}
		scenarios = append(scenarios,
			scenario{name: "Cluster3x1/wait1-restart", topology: "cluster", masters: 3, replicas: 1, wait: 1, restart: 2 * time.Second, load: 25 * time.Second, faultAfter: 3 * time.Second},
			scenario{name: "Sentinel1/async", topology: "sentinel", replicas: 1, load: 12 * time.Second, faultAfter: 3 * time.Second},
			scenario{name: "Sentinel2/wait1", topology: "sentinel", replicas: 2, wait: 1, load: 12 * time.Second, faultAfter: 3 * time.Second},
		)
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) { runFailover(t, sc) })
	}
}

func runFailover(t *testing.T, sc scenario) {
	var (
		url    string
		target func() (*redistest.Server, error)
		await  func(old *redistest.Server) (*redistest.Server, error)
		outlet string
	)
	switch sc.topology {
	case "cluster":
		c := redistest.StartCluster(t, redistest.ClusterOptions{Masters: sc.masters, ReplicasPerMaster: sc.replicas})
		url = c.URL()
		var slot int
		target = func() (*redistest.Server, error) {
			var err error
			if slot, err = c.KeySlot("{o:" + outlet + "}:win"); err != nil {
				return nil, err
			}
			return c.MasterOf(slot)
		}
		await = func(old *redistest.Server) (*redistest.Server, error) {
			return c.WaitFailover(slot, old, 60*time.Second)
		}
	case "sentinel":
		s := redistest.StartSentinel(t, redistest.SentinelOptions{Replicas: sc.replicas})
		url = s.URL()
		target = s.Master
		await = func(old *redistest.Server) (*redistest.Server, error) { return s.WaitFailover(old, 60*time.Second) }
	default:
		t.Fatalf("topology %q", sc.topology)
	}
	var flags []string
	if sc.wait > 0 {
		flags = append(flags, "--redis-wait-replicas", strconv.Itoa(sc.wait))
	}
	svc := StartService(t, url, replicas, flags...)
	outlet = svc.Outlet
	backfill := svc.NewClient().Backfill(t, backfillN)

	var (
		mu                   sync.Mutex
		killAt, promotedAt   time.Time
		killed, promoted     *redistest.Server
		faultErr, restartErr error
	)
	fault := func() {
		m, err := target()
		if err != nil {
			mu.Lock()
			faultErr = err
			mu.Unlock()
			return
		}
		at := time.Now()
		if err := m.Kill(); err != nil {
			mu.Lock()
			faultErr = err
			mu.Unlock()
			return
		}
		nm, err := await(m)
		mu.Lock()
		killAt, killed, promoted, promotedAt, faultErr = at, m, nm, time.Now(), err
		mu.Unlock()
		if err == nil && sc.restart > 0 {
			time.Sleep(sc.restart)
			err := m.Restart()
			mu.Lock()
			restartErr = err
			mu.Unlock()
		}
	}
	load := svc.RunLoad(workers, sc.load, maxPosts, negShare, sc.faultAfter, fault)
	if faultErr != nil || restartErr != nil {
		t.Fatalf("fault: %v; restart: %v", faultErr, restartErr)
	}
	t.Logf("killed %s (master of the outlet's slot) at +%v; %s promoted after %v",
		killed.Addr(), killAt.Sub(load.Start).Round(time.Millisecond), promoted.Addr(), promotedAt.Sub(killAt).Round(time.Millisecond))
	verify(t, sc.name, svc, url, load, backfill, killAt, promotedAt, sc.wait > 0)
}

// TestRestart: kill -9 a single Redis (appendonly yes, appendfsync
// always) under load from three gatekeeper replicas and start it again a
// second later: every check acknowledged as counted is still counted after
// the AOF replay, and nothing is counted twice.
func TestRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("restart test skipped in -short mode")
	}
	srv := redistest.Start(t, redistest.Options{AppendOnly: true, Fsync: "always"})
	svc := StartService(t, srv.URL(), replicas)
	backfill := svc.NewClient().Backfill(t, backfillN)
	var killAt, upAt time.Time
	var faultErr error
	fault := func() {
		killAt = time.Now()
		if faultErr = srv.Kill(); faultErr != nil {
			return
		}
		time.Sleep(time.Second)
		faultErr = srv.Restart()
		upAt = time.Now()
	}
	d := 8 * time.Second
	if long() {
		d = 20 * time.Second
	}
	load := svc.RunLoad(workers, d, maxPosts, negShare, 3*time.Second, fault)
	if faultErr != nil {
		t.Fatal(faultErr)
	}
	t.Logf("redis-server killed at +%v, answering PING again %v later (AOF replayed)", killAt.Sub(load.Start).Round(time.Millisecond), upAt.Sub(killAt).Round(time.Millisecond))
	verify(t, "Single/aof-always-restart", svc, srv.URL(), load, backfill, killAt, upAt, true)
}

// verify checks the load's answers, waits for the service to answer again,
// retries every refused post once, audits Redis against what the CMS was
// told, then syncs every post the CMS published and audits again.
// mustKeep says no acknowledged decision may be lost.
func verify(t *testing.T, name string, svc *Service, url string, load *Load, backfill []*Post, t0, serverBack time.Time, mustKeep bool) {
	t.Helper()
	sum := load.Summarise(t0)
	t.Logf("%d checks in %v: statuses %v, decisions %v", len(load.Posts), load.Posts[len(load.Posts)-1].Answers[0].End.Sub(load.Start).Round(time.Millisecond), sum.StatusCounts, sum.Decisions)
	for _, e := range sum.ContractErrors {
		t.Errorf("answer breaks the contract: %s", e)
	}
	if sum.Refused == 0 {
		t.Fatal("no check was refused: the fault did not hit the outlet")
	}

	// The service recovers by itself: new posts are answered again.
	c := svc.NewClient()
	deadline := time.Now().Add(30 * time.Second)
	for {
		p := newPost(randFor(len(load.Posts)), fmt.Sprintf("probe%d", len(load.Posts)), false)
		a := c.Check(p)
		p.Answers = append(p.Answers, a)
		load.Posts = append(load.Posts, p)
		if a.Status == http.StatusOK {
			break
		}
		if a.Status != http.StatusServiceUnavailable {
			t.Fatalf("probe after the fault: %d %s", a.Status, a.Err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("the service still refuses checks %v after the fault", time.Since(t0).Round(time.Second))
		}
		time.Sleep(100 * time.Millisecond)
	}
	retried := svc.RetryRefused(load)
	for _, p := range load.Posts {
		if a := p.Last(); a.Status != http.StatusOK || a.Err != "" {
			t.Errorf("post %s after its retry: %d %s", p.ID, a.Status, a.Err)
		}
	}

	all := append(append([]*Post{}, backfill...), load.Posts...)
	audit := Compare(ReadCounts(t, url, svc.Outlet, IDs(all)), all)
	for _, x := range [][]string{audit.Unexpected, audit.HeldButIn, audit.NegMismatch, audit.Inconsistent} {
		if len(x) > 0 {
			t.Errorf("counts disagree with the answers: %v", first(x, 10))
		}
	}
	if mustKeep && len(audit.Lost) > 0 {
		t.Errorf("%d checks answered counted are not counted: %v", len(audit.Lost), first(audit.Lost, 10))
	}
	acked := 0
	for _, p := range load.Posts {
		if p.CountedAck() {
			acked++
		}
	}
	rec := "never refused"
	if sum.Refused > 0 {
		rec = fmt.Sprintf("503s from +%v to +%v, first 200 after the last 503 at +%v", sum.FirstRefused.Round(time.Millisecond), sum.LastRefused.Round(time.Millisecond), sum.Recovered.Round(time.Millisecond))
	}
	t.Logf("RESULT %s: fault→server back %v; %s; %d of %d checks refused (503), %d retried once with the same post and webhook id; %d acknowledged counted, %d of them lost",
		name, serverBack.Sub(t0).Round(time.Millisecond), rec, sum.Refused, len(load.Posts), retried, acked, len(audit.Lost))

	// The CMS sends everything it published: the counts are exact again.
	var published []*Post
	var at []time.Time
	for _, p := range all {
		if len(p.Answers) == 0 {
			continue // the backfill is already counted
		}
		if p.CountedAck() {
			published = append(published, p)
			at = append(at, p.Last().End)
		}
	}
	if err := c.Sync(published, func(i int) time.Time { return at[i] }); err != nil {
		t.Fatal(err)
	}
	after := Compare(ReadCounts(t, url, svc.Outlet, IDs(all)), all)
	if len(after.Lost) > 0 || len(after.Unexpected) > 0 || len(after.NegMismatch) > 0 || len(after.Inconsistent) > 0 {
		t.Errorf("after the sync: lost %v, unexpected %v, tone %v, inconsistent %v", first(after.Lost, 10), first(after.Unexpected, 10), first(after.NegMismatch, 10), first(after.Inconsistent, 10))
	} else {
		t.Logf("after the sync of %d published posts: the window holds exactly the %d posts the CMS published", len(published), after.Expected)
	}
}

func first(xs []string, n int) []string { return xs[:min(n, len(xs))] }

func randFor(n int) *rand.Rand { return rand.New(rand.NewPCG(uint64(n), 7)) }
