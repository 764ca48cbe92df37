package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrNotReplicated means a write script ran on the master but fewer
// replicas than WithWaitReplicas asks for confirmed it before the deadline.
// The write may well be applied (and may survive a failover, or not): the
// store reports store.ErrUnavailable and the caller's retry with the same
// post id and webhook id finds it recorded and changes nothing.
var ErrNotReplicated = errors.New("redisstore: write not confirmed by enough replicas")

// noWaitKey marks a context whose script writes nothing (a dry run), so
// there is nothing to wait for.
type noWaitKey struct{}

func withoutWait(ctx context.Context) context.Context {
	return context.WithValue(ctx, noWaitKey{}, true)
}

// run runs a write script. Without WithWaitReplicas it is Script.Run
// (EVALSHA, EVAL when the server lost the script). With it, the script and
// a WAIT go in one pipeline on one connection to the master that owns the
// keys: WAIT counts the replicas that acknowledged that connection's
// writes, so it confirms exactly this script's effects.
func (s *Store) run(ctx context.Context, sc *redis.Script, keys []string, args ...any) *redis.Cmd {
	if s.wait <= 0 || ctx.Value(noWaitKey{}) != nil || len(keys) == 0 {
		return sc.Run(ctx, s.rdb, keys, args...)
	}
	timeout, err := s.waitTimeout(ctx)
	if err != nil {
		return redis.NewCmdResult(nil, err)
	}
	conn, cc, err := s.masterFor(ctx, keys[0])
	if err != nil {
		return redis.NewCmdResult(nil, err)
	}
	ev, wait := s.evalWait(ctx, conn, sc, keys, args, timeout, true)
	if err := ev.Err(); err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
		ev, wait = s.evalWait(ctx, conn, sc, keys, args, timeout, false)
	}
	return s.waited(ctx, ev, wait, cc, timeout)
}

// waited is a write's answer once its WAIT has answered: the write's own
// error, or ErrNotReplicated when fewer replicas than asked confirmed it;
// wait is nil for a write sent without WAIT (a batch that waits for no
// replica), whose answer is its own. cc, the cluster client if any, learns
// the slot map again after an error that says the master moved or is gone.
func (s *Store) waited(ctx context.Context, ev, wait *redis.Cmd, cc *redis.ClusterClient, timeout time.Duration) *redis.Cmd {
	if err := ev.Err(); err != nil {
		if cc != nil && Unavailable(err) {
			// A moved slot, a demoted master or a dead node: learn the
			// new slot map now rather than at the next periodic reload.
			cc.ReloadState(ctx)
		}
		return ev
	}
	if wait == nil {
		return ev
	}
	n, err := wait.Int64()
	if err != nil {
		return redis.NewCmdResult(nil, fmt.Errorf("%w: WAIT: %w", ErrNotReplicated, err))
	}
	if n < int64(s.wait) {
		return redis.NewCmdResult(nil, fmt.Errorf("%w: %d of %d replicas within %s", ErrNotReplicated, n, s.wait, timeout))
	}
	return ev
}

// pipeliner is a client whose pipelines use one connection.
type pipeliner interface {
	Pipelined(ctx context.Context, fn func(redis.Pipeliner) error) ([]redis.Cmder, error)
}

// masterFor returns a client of the one server that owns key: on a
// cluster, the node client of the slot's master (a cluster pipeline would
// send the keyless WAIT to any node); otherwise the client itself (a plain
// or Sentinel client talks to one master). cc is the cluster client, if any.
func (s *Store) masterFor(ctx context.Context, key string) (pipeliner, *redis.ClusterClient, error) {
	cc, ok := s.rdb.(*redis.ClusterClient)
	if !ok {
		return s.rdb, nil, nil
	}
	node, err := cc.MasterForKey(ctx, key)
	if err != nil {
		cc.ReloadState(ctx)
		return nil, cc, err
	}
	return node, cc, nil
}

func (s *Store) evalWait(ctx context.Context, p pipeliner, sc *redis.Script, keys []string, args []any, timeout time.Duration, sha bool) (ev, wait *redis.Cmd) {
	wait = sendWithWait(ctx, p, func(pipe redis.Pipeliner) {
		if sha {
			ev = sc.EvalSha(ctx, pipe, keys, args...)
		} else {
			ev = sc.Eval(ctx, pipe, keys, args...)
		}
	}, s.wait, timeout)
	return ev, wait
}

// sendWithWait sends, as one pipeline on p's one connection, the commands
// queue adds and then, when n is above 0, WAIT n with timeout, which
// confirms every write before it on that connection; it returns the WAIT
// (nil without one). Each command has its own answer and error.
func sendWithWait(ctx context.Context, p pipeliner, queue func(redis.Pipeliner), n int, timeout time.Duration) (wait *redis.Cmd) {
	_, _ = p.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		queue(pipe)
		if n > 0 {
			wait = pipe.Do(ctx, "WAIT", n, timeout.Milliseconds())
		}
		return nil
	})
	return wait
}

// waitTimeout is how long WAIT may block: what is left of the call's
// deadline and of the read timeout (the reply must arrive before either),
// less 110 ms, because Redis notices a WAIT has timed out only on its next
// cron tick (every 100 ms at the default hz 10); at least a quarter of
// that. WAIT 0 would block forever, so a call with under a millisecond to
// spare fails at once. A replica that is up confirms in about a round trip
// (WAIT asks it for an acknowledgement at once), so the timeout matters
// only when one is down or far behind.
func (s *Store) waitTimeout(ctx context.Context) (time.Duration, error) {
	budget := s.readTimeout
	if budget <= 0 {
		budget = time.Second
	}
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left < budget {
			budget = left
		}
	}
	t := max(budget-110*time.Millisecond, budget/4).Truncate(time.Millisecond)
	if t < time.Millisecond {
		return 0, fmt.Errorf("%w: no time left to wait for replicas (%s)", ErrNotReplicated, budget)
	}
	return t, nil
}
