package redisstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/redistest"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// pipelineCounter is a go-redis hook that counts the pipelines a client
// sends and the commands in them.
type pipelineCounter struct {
	pipelines, commands, largest, waits atomic.Int64
	alone                               atomic.Int64 // INCRs sent on their own
}

func (h *pipelineCounter) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *pipelineCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if cmd.Name() == "incr" { // not the client's own (HELLO on a new connection)
			h.alone.Add(1)
		}
		return next(ctx, cmd)
	}
}
func (h *pipelineCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.pipelines.Add(1)
		h.commands.Add(int64(len(cmds)))
		for _, c := range cmds {
			if c.Name() == "wait" {
				h.waits.Add(1)
			}
		}
		for n := int64(len(cmds)); ; {
			l := h.largest.Load()
			if n <= l || h.largest.CompareAndSwap(l, n) {
				break
			}
		}
		return next(ctx, cmds)
	}
}

func newTestClient(t *testing.T, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, ReadTimeout: 2 * time.Second, MaxRetries: -1, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	return c
}

// call runs cmd through b (no WAIT).
func call(b *batcher, ctx context.Context, cmd *redis.Cmd) *redis.Cmd {
	c, _ := b.do(ctx, cmd)
	return c
}

func incr(ctx context.Context, key string) *redis.Cmd { return redis.NewCmd(ctx, "incr", key) }

// TestBatcherSendsConcurrentCallsTogether: calls made at once share
// pipelines, each gets its own answer, and none is lost or sent twice.
func TestBatcherSendsConcurrentCallsTogether(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	c := newTestClient(t, srv.Addr())
	hook := &pipelineCounter{}
	c.AddHook(hook)
	b := newBatcher(c, 0, 0)
	const workers, each = 64, 50
	ctx := context.Background()
	var wg sync.WaitGroup
	seen := make([]atomic.Bool, workers*each+1)
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				n, err := call(b, ctx, incr(ctx, "n")).Int64()
				if err != nil {
					errs <- err
					return
				}
				if n < 1 || n > workers*each || seen[n].Swap(true) {
					errs <- fmt.Errorf("answer %d given twice or out of range", n)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if sent := hook.commands.Load() + hook.alone.Load(); sent != workers*each {
		t.Fatalf("%d commands sent (%d alone), want %d", sent, hook.alone.Load(), workers*each)
	}
	if got, err := c.Get(ctx, "n").Int64(); err != nil || got != workers*each {
		t.Fatalf("n = %d, %v; want %d", got, err, workers*each)
	}
	if hook.pipelines.Load()+hook.alone.Load() >= workers*each || hook.largest.Load() < 2 {
		t.Fatalf("%d calls in %d pipelines (largest %d) and %d alone: not batched", workers*each,
			hook.pipelines.Load(), hook.largest.Load(), hook.alone.Load())
	}
	t.Logf("%d calls in %d pipelines (the largest %d) and %d alone", workers*each, hook.pipelines.Load(), hook.largest.Load(), hook.alone.Load())
}

// TestBatcherCallerLeavesOnItsContext: a caller whose context ends while
// a batch is on its way gets the context's error at once; its call is
// still sent (as a call whose reply is lost), and the queue goes on.
func TestBatcherCallerLeavesOnItsContext(t *testing.T) {
	b, _ := newTestBatcher(t)
	ctx := context.Background()
	first := heldCall(t, b, time.Second)

	short, cancel := context.WithCancel(ctx)
	cancel()
	err := call(b, short, incr(short, "n")).Err()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("a caller whose context ended got %v, want its context's error", err)
	}
	select {
	case <-first:
		t.Fatal("the caller whose context ended waited for the batch before it")
	default:
	}
	if err := <-first; err != nil {
		t.Fatalf("the first call: %v", err)
	}
	// The left call is sent in the next batch; after it, calls go on.
	n, err := call(b, ctx, incr(ctx, "n")).Int64()
	if err != nil || n != 3 {
		t.Fatalf("a call after a caller left: %d, %v; want 3 (the left call ran)", n, err)
	}
}

// TestBatcherConnectionLost: a batch whose connection is closed under it
// fails for every call in it, and the calls after it go on, on a new
// connection.
func TestBatcherConnectionLost(t *testing.T) {
	b, srv := newTestBatcher(t)
	ctx := context.Background()
	first := heldCall(t, b, 400*time.Millisecond)
	if _, err := redistest.DoString(srv.Addr(), "CLIENT", "KILL", "TYPE", "normal"); err != nil {
		t.Fatal(err)
	}
	if err := <-first; err == nil {
		t.Fatal("a call whose connection was closed succeeded")
	}
	for i := 0; i < 3; i++ {
		if err := call(b, ctx, incr(ctx, "m")).Err(); err != nil {
			t.Fatalf("a call after the lost connection: %v", err)
		}
	}
}

// newTestBatcher starts a Redis and returns a batcher on it (no WAIT).
func newTestBatcher(t *testing.T) (*batcher, *redistest.Server) {
	srv := redistest.Start(t, redistest.Options{})
	return newBatcher(newTestClient(t, srv.Addr()), 0, 0), srv
}

// heldCall pauses the server's writes for d and makes a call (INCR n)
// through b, whose answer, or error, the channel gets: it returns once
// Redis holds the call's batch.
func heldCall(t *testing.T, b *batcher, d time.Duration) <-chan error {
	t.Helper()
	ctx := context.Background()
	c := b.client.(*redis.Client)
	if err := c.Do(ctx, "client", "pause", d.Milliseconds(), "write").Err(); err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() { first <- call(b, ctx, incr(ctx, "n")).Err() }()
	waitSending(t, b, c.Options().Addr)
	return first
}

// waitSending waits until b has a batch on its way and Redis holds its
// call (a write while writes are paused counts as a blocked client).
func waitSending(t *testing.T, b *batcher, addr string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		b.mu.Lock()
		sending := b.sending
		b.mu.Unlock()
		info, err := redistest.DoString(addr, "INFO", "clients")
		if err != nil {
			t.Fatal(err)
		}
		if sending && redistest.InfoField(info, "blocked_clients") != "0" {
			return
		}
	}
	t.Fatal("no batch reached Redis")
}

// TestBatchedChecksShareOneWait: with WAIT 1, checks made at once share a
// WAIT after their batch; each is acknowledged only when the replica has
// it, and with the replica frozen every check of a batch is refused.
func TestBatchedChecksShareOneWait(t *testing.T) {
	master, replica := primaryReplica(t)
	st := openStrict(t, master.URL(), WithWaitReplicas(1))
	hook := &pipelineCounter{}
	st.Client().AddHook(hook)
	now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	o := newOutlet(t, st, now, 100, 5)
	checkAll := func(n int, prefix string, timeout time.Duration) []error {
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(context.Background(), timeout)
				defer cancel()
				_, errs[i] = st.Check(ctx, checkInput(o, fmt.Sprint(prefix, i), false, now, fmt.Sprint("msg-", prefix, i)))
			}()
		}
		wg.Wait()
		return errs
	}
	const n = 128
	for i, err := range checkAll(n, "p", 5*time.Second) {
		if err != nil {
			t.Fatalf("check %d with a live replica: %v", i, err)
		}
	}
	if w := hook.waits.Load(); w < 1 || w >= n {
		t.Fatalf("%d checks sent %d WAITs: not one per batch", n, w)
	}
	t.Logf("%d checks, %d WAITs, the largest pipeline %d", n, hook.waits.Load(), hook.largest.Load())
	wantWindow(t, st, o, now, policy.Counts{Published: 100 + n, Negative: 5})
	rc := redis.NewClient(&redis.Options{Addr: replica.Addr(), MaxRetries: -1})
	defer rc.Close()
	// Acknowledged means on the replica: read at once, without waiting.
	if got, err := rc.ZCount(context.Background(), keysOf(o.ID).win(), "(-1", "+inf").Result(); err != nil || got != 100+n {
		t.Fatalf("the replica's window has %d posts (%v), want %d", got, err, 100+n)
	}

	if err := replica.Pause(); err != nil {
		t.Fatal(err)
	}
	for i, err := range checkAll(16, "q", 250*time.Millisecond) {
		if !errors.Is(err, store.ErrUnavailable) {
			t.Fatalf("check %d with the replica frozen: %v, want ErrUnavailable", i, err)
		}
	}
	if err := replica.Resume(); err != nil {
		t.Fatal(err)
	}
}
