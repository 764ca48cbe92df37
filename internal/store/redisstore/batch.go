package redisstore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// A batcher sends the checks that arrive while one is on its way to Redis
// together, as one pipeline on one connection: one write and one read for
// the whole batch instead of one each per check, on both sides (Redis reads
// the batch in one go and answers it in one write). Redis runs the calls
// one after another as it would have; a call's answer, and its error, are
// its own. Under load this is ≈ 10–20% less of Redis's CPU per check
// (deploy/performance.md, round 10).
//
// There is no goroutine of its own: the caller that finds no batch on its
// way sends one, made of every call waiting then (its own among them); when
// it is answered and more calls are waiting, the first of them sends the
// next. So each caller sends at most one batch, and an idle store has
// nothing running.
//
// With WAIT n (--redis-wait-replicas), one WAIT follows the batch on its
// connection and confirms every call in it: the replicas' acknowledgement
// is waited for once per batch instead of once per check.
//
// A caller whose context ends while it waits gets the context's error at
// once; its call stays in the batch and may still run, exactly as a call
// whose reply is lost (the webhook id makes the CMS's retry safe). A batch
// is sent on a context without the sender's cancellation (others wait on
// it), bounded by the client's read and write timeouts. Nothing is retried.
//
// go-redis's own AutoPipeline does the same, but it is marked experimental
// and does not honour a command's context once it is queued.
type batcher struct {
	client batchClient
	// wait, when above 0, is the n of the WAIT that follows each batch,
	// with waitTimeout as its timeout.
	wait        int
	waitTimeout time.Duration

	mu      sync.Mutex
	queue   []*batchCall
	sending bool // a batch is on its way; its sender hands over to queue[0]
}

// batchClient is what a batcher sends on (a *redis.Client).
type batchClient interface {
	pipeliner
	Process(ctx context.Context, cmd redis.Cmder) error
}

// batchCall is one call in the queue. done gets true when the call is to
// send the next batch (it is still waiting), then false when its answer is
// in cmd (and the batch's WAIT in wait); a call sent in the first batch it
// joins gets only false.
type batchCall struct {
	cmd  *redis.Cmd
	wait *redis.Cmd
	done chan bool
}

// newBatcher makes a batcher that sends on client, each batch followed by
// WAIT wait waitTimeout when wait is above 0.
func newBatcher(client batchClient, wait int, waitTimeout time.Duration) *batcher {
	return &batcher{client: client, wait: wait, waitTimeout: waitTimeout}
}

// do runs cmd, batched with the calls that wait with it, and returns it
// with its answer (or the context's error), and the batch's WAIT if it
// has one (nil when the caller left before the answer).
func (b *batcher) do(ctx context.Context, cmd *redis.Cmd) (*redis.Cmd, *redis.Cmd) {
	c := &batchCall{cmd: cmd, done: make(chan bool, 2)}
	b.mu.Lock()
	b.queue = append(b.queue, c)
	if !b.sending {
		b.sending = true
		b.mu.Unlock()
		b.send(ctx)
		return cmd, c.wait
	}
	b.mu.Unlock()
	select {
	case lead := <-c.done:
		if lead {
			b.send(ctx)
		}
		return cmd, c.wait
	case <-ctx.Done():
		// The call may still be sent; if it is asked to send the next
		// batch, a goroutine does that for it, so the queue never stalls.
		go func() {
			if <-c.done {
				b.send(context.WithoutCancel(ctx))
			}
		}()
		return redis.NewCmdResult(nil, fmt.Errorf("redis: waiting for a batch: %w", ctx.Err())), nil
	}
}

// send sends every waiting call as one pipeline, hands the next batch to
// the first call that came meanwhile, and then gives each call its answer.
func (b *batcher) send(ctx context.Context) {
	b.mu.Lock()
	batch := b.queue
	b.queue = nil
	b.mu.Unlock()

	ctx = context.WithoutCancel(ctx)
	var wait *redis.Cmd
	if len(batch) == 1 && b.wait == 0 {
		_ = b.client.Process(ctx, batch[0].cmd) // alone: no pipeline to make
	} else {
		wait = sendWithWait(ctx, b.client, func(pipe redis.Pipeliner) {
			for _, c := range batch {
				_ = pipe.Process(ctx, c.cmd)
			}
		}, b.wait, b.waitTimeout)
	}
	for _, c := range batch {
		c.wait = wait
	}

	b.mu.Lock()
	if len(b.queue) > 0 {
		b.queue[0].done <- true
	} else {
		b.sending = false
	}
	b.mu.Unlock()
	for _, c := range batch {
		c.done <- false
	}
}

// fcallCmd is the command FCall sends.
func fcallCmd(ctx context.Context, f *function, keys []string, args []any) *redis.Cmd {
	a := make([]any, 0, 3+len(keys)+len(args))
	a = append(a, "fcall", f.name, len(keys))
	for _, k := range keys {
		a = append(a, k)
	}
	return redis.NewCmd(ctx, append(a, args...)...)
}
