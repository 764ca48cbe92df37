package redisstore

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// A function is a script loaded as a Redis Function (FUNCTION LOAD, then
// FCALL): the shared prelude (lua/common.lua) runs once when the library
// loads, so its helpers are made once, not on every call as with EVALSHA
// (deploy/performance.md, round 7). The library and the function are named
// after a hash of the source, so two versions of the service on one Redis
// (a rolling upgrade) each call their own. Functions persist in RDB and AOF
// and replicate, so a promoted replica has them; a server that lacks one (a
// new or restarted master without persistence, FUNCTION FLUSH) answers
// "Function not found", and runFunction loads it there and calls again, as
// a script's EVAL follows NOSCRIPT.
type function struct {
	name    string // what FCALL calls
	library string // what FUNCTION LOAD loads
}

// newFunctions makes the functions of lua/NAME.lua: the prelude at the
// library's top, the script as the body of a function registered twice
// (its KEYS and ARGV are the function's arguments): as it is, and flagged
// no-writes, for calls that write nothing (a dry run). Redis refuses a
// function that may write, before it runs, while it refuses writes (out of
// memory under noeviction, a failed RDB save); a script without flags ran,
// so a dry run answered then, and with the flag it still does. Both are in
// one library, loaded at once.
func newFunctions(name string) (writes, readOnly *function) {
	common, body := scriptParts(name)
	src := constants.Replace(common + "\nlocal function run(KEYS, ARGV)\n" + body + "\nend\n")
	sum := sha1.Sum([]byte(src))
	id := name + "_" + hex.EncodeToString(sum[:8])
	library := "#!lua name=gatekeeper_" + id + "\n" + src +
		"redis.register_function('gk_" + id + "', run)\n" +
		"redis.register_function{function_name = 'gk_" + id + "_ro', callback = run, flags = {'no-writes'}}\n"
	return &function{name: "gk_" + id, library: library}, &function{name: "gk_" + id + "_ro", library: library}
}

// checkFunction runs a check; checkDryFunction a dry run (no-writes).
var checkFunction, checkDryFunction = newFunctions("check")

// functionMissing reports the server's answer to FCALL of a function it
// has not loaded.
func functionMissing(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), "ERR Function not found")
}

// loadFunctions loads the functions on every master the client reaches,
// best effort (runFunction loads a missing one when called).
func loadFunctions(ctx context.Context, rdb redis.UniversalClient) {
	load := func(ctx context.Context, c *redis.Client) error {
		return c.FunctionLoad(ctx, checkFunction.library).Err()
	}
	if cc, ok := rdb.(*redis.ClusterClient); ok {
		_ = cc.ForEachMaster(ctx, load)
		return
	}
	_ = rdb.FunctionLoad(ctx, checkFunction.library).Err()
}

// runFunction runs a write function as run runs a write script: FCALL,
// and with WithWaitReplicas a WAIT in the same pipeline on one connection
// to the master that owns the keys. On a single server or Sentinel the
// call goes with the calls made at the same time, and one WAIT after them
// (batch.go); on a Cluster, with the calls to the same master. A server that lacks the function gets
// FUNCTION LOAD in front of the call in the same pipeline (the load's
// "already exists", from a concurrent caller, is no error: the call's
// answer is what counts).
func (s *Store) runFunction(ctx context.Context, f *function, keys []string, args ...any) *redis.Cmd {
	waiting := s.wait > 0 && ctx.Value(noWaitKey{}) == nil
	// Batched: every call but a dry run's when checks wait for replicas
	// (a batch's WAIT is for writes).
	b, cc, err := s.batcherFor(ctx, keys[0], waiting == (s.wait > 0))
	switch {
	case err != nil:
		return redis.NewCmdResult(nil, err)
	case b != nil:
		if fc, wait := b.do(ctx, fcallCmd(ctx, f, keys, args)); !functionMissing(fc.Err()) {
			return s.waited(ctx, fc, wait, cc, b.waitTimeout)
		}
	case !waiting:
		if fc := s.rdb.FCall(ctx, f.name, keys, args...); !functionMissing(fc.Err()) {
			return fc
		}
	}
	var timeout time.Duration
	if waiting {
		var err error
		if timeout, err = s.waitTimeout(ctx); err != nil {
			return redis.NewCmdResult(nil, err)
		}
	}
	conn, cc, err := s.masterFor(ctx, keys[0])
	if err != nil {
		return redis.NewCmdResult(nil, err)
	}
	load := !waiting // without WAIT, this is the call after a miss
	fc, wait := s.fcallPipeline(ctx, conn, f, keys, args, load, waiting, timeout)
	if functionMissing(fc.Err()) && !load {
		fc, wait = s.fcallPipeline(ctx, conn, f, keys, args, true, waiting, timeout)
	}
	if !waiting {
		return fc
	}
	return s.waited(ctx, fc, wait, cc, timeout)
}

// fcallPipeline sends, in one pipeline, FUNCTION LOAD if load, the call,
// and WAIT if waiting.
func (s *Store) fcallPipeline(ctx context.Context, p pipeliner, f *function, keys []string, args []any, load, waiting bool, timeout time.Duration) (fc, wait *redis.Cmd) {
	n := 0
	if waiting {
		n = s.wait
	}
	wait = sendWithWait(ctx, p, func(pipe redis.Pipeliner) {
		if load {
			pipe.FunctionLoad(ctx, f.library)
		}
		fc = pipe.FCall(ctx, f.name, keys, args...)
	}, n, timeout)
	return fc, wait
}

// batcherFor returns the batcher for the master that owns key, if calls
// are batched (batch): the store's on a single server or Sentinel, the
// master's on a Cluster (with the cluster client, which learns the slot
// map again when a call fails for a moved slot or a lost master).
func (s *Store) batcherFor(ctx context.Context, key string, batch bool) (*batcher, *redis.ClusterClient, error) {
	if !batch || !s.batching {
		return nil, nil, nil
	}
	if s.batch != nil {
		return s.batch, nil, nil
	}
	node, cc, err := s.masterFor(ctx, key)
	if err != nil {
		return nil, cc, err
	}
	c, ok := node.(*redis.Client)
	if !ok {
		return nil, cc, nil
	}
	if b, ok := s.nodeBatches.Load(c); ok {
		return b.(*batcher), cc, nil
	}
	b, _ := s.nodeBatches.LoadOrStore(c, newBatcher(c, s.wait, s.batchWait))
	return b.(*batcher), cc, nil
}
