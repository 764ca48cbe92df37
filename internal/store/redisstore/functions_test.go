package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/redistest"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// hasCheckFunction reports whether the server at addr has the check
// function's library loaded.
func hasCheckFunction(t *testing.T, addr string) bool {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	libs, err := c.FunctionList(context.Background(), redis.FunctionListQuery{}).Result()
	if err != nil {
		t.Fatalf("FUNCTION LIST on %s: %v", addr, err)
	}
	for _, l := range libs {
		for _, f := range l.Functions {
			if f.Name == checkFunction.name {
				return true // and checkDryFunction, in the same library
			}
		}
	}
	return false
}

// flushFunctions drops every function of the server at addr.
func flushFunctions(t *testing.T, addr string) {
	t.Helper()
	if _, err := redistest.DoString(addr, "FUNCTION", "FLUSH"); err != nil {
		t.Fatalf("FUNCTION FLUSH on %s: %v", addr, err)
	}
}

// TestCheckLoadsItsFunction: a store loads the check function when it opens;
// a server that lost it (FUNCTION FLUSH, as a restart without persistence
// would) gets it again on the next check, which answers as if nothing had
// happened, and so does a dry run.
func TestCheckLoadsItsFunction(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	st := open(t, srv.URL())
	if !hasCheckFunction(t, srv.Addr()) {
		t.Fatal("the check function is not loaded when the store opens")
	}
	now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	o := newOutlet(t, st, now, 100, 5)
	before := []int64{100, 101, 101} // the dry run counts nothing
	for i, dry := range []bool{false, true, false} {
		flushFunctions(t, srv.Addr())
		in := checkInput(o, fmt.Sprint("p", i), false, now, fmt.Sprint("msg-", i))
		in.DryRun = dry
		r, err := st.Check(context.Background(), in)
		if err != nil {
			t.Fatalf("check %d (dry %v) after FUNCTION FLUSH: %v", i, dry, err)
		}
		if r.Before.Published != before[i] || r.Before.Negative != 5 {
			t.Fatalf("check %d: counts before %+v", i, r.Before)
		}
		if !hasCheckFunction(t, srv.Addr()) {
			t.Fatalf("check %d did not load the function", i)
		}
	}
	wantWindow(t, st, o, now, policy.Counts{Published: 102, Negative: 5})
}

// TestCheckLoadsItsFunctionWithWait: the same with WAIT 1 (the load, the
// call and WAIT in one pipeline on the master's connection): the check is
// acknowledged, and the replica has the function too (FUNCTION LOAD
// replicates, so a promoted replica can run checks at once).
func TestCheckLoadsItsFunctionWithWait(t *testing.T) {
	master, replica := primaryReplica(t)
	st := openStrict(t, master.URL(), WithWaitReplicas(1))
	now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	o := newOutlet(t, st, now, 100, 5)
	flushFunctions(t, master.Addr())
	if err := redistest.WaitReplicated(master.Addr(), 1, 20*time.Second); err != nil {
		t.Fatal(err)
	}
	if hasCheckFunction(t, replica.Addr()) {
		t.Fatal("the replica kept the function after the master's FUNCTION FLUSH")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := st.Check(ctx, checkInput(o, "p1", true, now, "msg-1")); err != nil {
		t.Fatalf("check with WAIT after FUNCTION FLUSH: %v", err)
	}
	wantWindow(t, st, o, now, policy.Counts{Published: 101, Negative: 6})
	if !hasCheckFunction(t, master.Addr()) || !hasCheckFunction(t, replica.Addr()) {
		t.Fatal("the function is not on the master and its replica after the check")
	}
}

// TestCheckFunctionNamesItsSource: the functions and their library are
// named after a hash of the source, so another version's check functions
// beside them have other names; both are in one library.
func TestCheckFunctionNamesItsSource(t *testing.T) {
	w, ro := newFunctions("check")
	if *w != *checkFunction || *ro != *checkDryFunction {
		t.Fatal("the same source gave other functions")
	}
	if checkFunction.library != checkDryFunction.library {
		t.Fatal("the check and the dry run are in two libraries")
	}
	id := strings.TrimPrefix(checkFunction.name, "gk_check_")
	if len(id) != 16 || checkDryFunction.name != checkFunction.name+"_ro" ||
		!strings.HasPrefix(checkFunction.library, "#!lua name=gatekeeper_check_"+id+"\n") {
		t.Fatalf("functions %q and %q, library head %.60q", checkFunction.name, checkDryFunction.name, checkFunction.library)
	}
	for _, reg := range []string{
		"redis.register_function('" + checkFunction.name + "', run)",
		"redis.register_function{function_name = '" + checkDryFunction.name + "', callback = run, flags = {'no-writes'}}",
	} {
		if !strings.Contains(checkFunction.library, reg) {
			t.Errorf("the library does not say %s", reg)
		}
	}
}

// TestDryRunWhileRedisRefusesWrites: a Redis over its maxmemory (under
// noeviction) refuses a check, which the gate answers 503, but still runs a
// dry run (the no-writes function) and counts nothing, and still answers a
// repeated webhook id with its first answer.
func TestDryRunWhileRedisRefusesWrites(t *testing.T) {
	srv := redistest.Start(t, redistest.Options{})
	st := open(t, srv.URL())
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
	o := newOutlet(t, st, now, 100, 5)
	if err := st.Client().ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	dry := checkInput(o, "p1", true, now, "msg-1")
	dry.DryRun = true
	r, err := st.Check(ctx, dry)
	if err != nil {
		t.Fatalf("dry run over maxmemory: %v", err)
	}
	if r.Before != (policy.Counts{Published: 100, Negative: 5}) {
		t.Fatalf("dry run over maxmemory: counts before %+v", r.Before)
	}
	if _, err := st.Check(ctx, checkInput(o, "p1", true, now, "msg-1")); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("check over maxmemory: %v, want ErrUnavailable", err)
	}
	if err := st.Client().ConfigSet(ctx, "maxmemory", "0").Err(); err != nil {
		t.Fatal(err)
	}
	wantWindow(t, st, o, now, policy.Counts{Published: 100, Negative: 5})
	first, err := st.Check(ctx, checkInput(o, "p1", true, now, "msg-1"))
	if err != nil {
		t.Fatalf("check once Redis takes writes again: %v", err)
	}
	wantWindow(t, st, o, now, policy.Counts{Published: 101, Negative: 6})

	// Over maxmemory again: the CMS repeating the checked webhook id gets
	// its first answer (it writes nothing); a new check is still refused
	// and counts nothing.
	if err := st.Client().ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	again, err := st.Check(ctx, checkInput(o, "p1", true, now, "msg-1"))
	if err != nil {
		t.Fatalf("repeated webhook id over maxmemory: %v", err)
	}
	if !again.Replayed || again.Situation != first.Situation || again.After != first.After {
		t.Fatalf("repeated webhook id over maxmemory: %+v, want the first answer replayed (%+v)", again, first)
	}
	if _, err := st.Check(ctx, checkInput(o, "p2", true, now, "msg-2")); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("new check over maxmemory: %v, want ErrUnavailable", err)
	}
	if err := st.Client().ConfigSet(ctx, "maxmemory", "0").Err(); err != nil {
		t.Fatal(err)
	}
	wantWindow(t, st, o, now, policy.Counts{Published: 101, Negative: 6})
}
