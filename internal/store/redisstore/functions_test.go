package redisstore

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/redistest"
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
				return true
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

// TestCheckFunctionNamesItsSource: the function and its library are named
// after a hash of the source, so another version's check function beside
// it is another name.
func TestCheckFunctionNamesItsSource(t *testing.T) {
	other := newFunction("check")
	if other.name != checkFunction.name || other.library != checkFunction.library {
		t.Fatal("the same source gave two functions")
	}
	if !strings.HasPrefix(checkFunction.library, "#!lua name=gatekeeper_check_") ||
		!strings.Contains(checkFunction.library, "redis.register_function('"+checkFunction.name+"', function(KEYS, ARGV)") {
		t.Fatalf("library head: %.200s", checkFunction.library)
	}
	id := strings.TrimPrefix(checkFunction.name, "gk_check_")
	if len(id) != 16 || !strings.Contains(checkFunction.library, "name=gatekeeper_check_"+id+"\n") {
		t.Fatalf("function %q, library head %.60q", checkFunction.name, checkFunction.library)
	}
}
