package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// TestHashLedgersStillRead: a ledger written as a hash (by versions before
// the ledger became one string) is read by every script, and the next write
// replaces it with the string, lifetime included.
func TestHashLedgersStillRead(t *testing.T) {
	s := open(t, sharedServer(t).URL())
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC)
	const window = 30 * 24 * time.Hour
	outlet := fmt.Sprintf("hash-ledger-%d", time.Now().UnixNano())
	k := keysOf(outlet)
	at := now.Add(-time.Hour).UnixMilli()
	// Two counted posts as an older version left them: one negative, one
	// neutral without a pos field (absent meant 0).
	for _, p := range []struct {
		id  string
		neg string
	}{{"old-neg", "1"}, {"old-neu", "0"}} {
		fields := []any{"state", "counted", "neg", p.neg, "at", strconv.FormatInt(at, 10), "day", "20261102", "hold", "", "updated", strconv.FormatInt(at, 10)}
		if err := s.rdb.HSet(ctx, k.post(p.id), fields...).Err(); err != nil {
			t.Fatal(err)
		}
		s.rdb.ZAdd(ctx, k.win(), redisZ(at, p.id))
		if p.neg == "1" {
			s.rdb.ZAdd(ctx, k.neg(), redisZ(at, p.id))
		}
	}
	rules := policy.DefaultRules()
	subject := policy.Subject{Negative: true}
	plan := policy.MakePlan(rules, subject)
	in := store.CheckInput{Outlet: outlet, PostID: "old-neg", Now: now, Window: window, Day: "20261102",
		Rules: rules, Subject: subject, Plan: plan, Actor: "t"}
	r, err := s.Check(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if r.Situation.Ledger != policy.CountedNegative || r.Before != (policy.Counts{Published: 1}) || r.After != (policy.Counts{Published: 2, Negative: 1}) {
		t.Fatalf("re-check of a hash ledger: %+v", r)
	}
	typ, _ := s.rdb.Type(ctx, k.post("old-neg")).Result()
	v, _ := s.rdb.Get(ctx, k.post("old-neg")).Result()
	l, err := ParseLedger(v)
	if typ != "string" || err != nil || l.State != "counted" || !l.Negative || l.At != at || l.Day != "20261102" || l.Updated != now.UnixMilli() {
		t.Fatalf("after the re-check the ledger is %s %q (%+v, %v)", typ, v, l, err)
	}
	if ttl, _ := s.rdb.PTTL(ctx, k.post("old-neg")).Result(); ttl <= 0 {
		t.Fatalf("rewritten ledger has no lifetime (%v)", ttl)
	}
	// The neutral one: withdrawn from its hash.
	w, err := s.Withdraw(ctx, outlet, "old-neu", now, window, "t")
	if err != nil || !w.Withdrawn {
		t.Fatalf("withdraw of a hash ledger: %+v %v", w, err)
	}
	v, _ = s.rdb.Get(ctx, k.post("old-neu")).Result()
	if l, err := ParseLedger(v); err != nil || l.State != "withdrawn" || l.Negative {
		t.Fatalf("after the withdrawal the ledger is %q (%+v, %v)", v, l, err)
	}
	if n, _ := s.rdb.ZCard(ctx, k.win()).Result(); n != 1 {
		t.Fatalf("window holds %d posts, want 1", n)
	}
}

func redisZ(at int64, member string) redis.Z { return redis.Z{Score: float64(at), Member: member} }

// TestParseLedger: the Go reading of the scripts' ledger string.
func TestParseLedger(t *testing.T) {
	l, err := ParseLedger("held|1|0|1790000000000|20261102|h1|1790000000500")
	if err != nil || l != (Ledger{State: "held", Negative: true, At: 1790000000000, Day: "20261102", Hold: "h1", Updated: 1790000000500}) {
		t.Fatalf("%+v %v", l, err)
	}
	if l, err := ParseLedger("held|0|1|||h1|5"); err != nil || l.At != 0 || !l.Positive {
		t.Fatalf("held without a go-live time: %+v %v", l, err)
	}
	for _, bad := range []string{"", "counted|0|0|1|d|", "counted|0|0|x|d||1", "counted|0|0|1|d||"} {
		if _, err := ParseLedger(bad); err == nil {
			t.Errorf("ParseLedger(%q) accepted", bad)
		}
	}
}
