package redisstore

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// TestScriptsHaveNoPlaceholderLeft: every name a script uses for a constant
// (WEBHOOK_TTL_MS, KEY_…) is written in.
func TestScriptsHaveNoPlaceholderLeft(t *testing.T) {
	files, err := luaFS.ReadDir("lua")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(f.Name(), ".lua")
		if name == "common" {
			continue
		}
		noPlaceholder(t, name+".lua", scriptSource(name))
	}
	noPlaceholder(t, "the check function", checkFunction.library)
}

func noPlaceholder(t *testing.T, what, src string) {
	t.Helper()
	for _, placeholder := range []string{"KEY_", "WEBHOOK_TTL_MS"} {
		if strings.Contains(src, placeholder) {
			t.Errorf("%s still says %s", what, placeholder)
		}
	}
}

// TestCheckScriptMakesTheKeysGoNames: the check script makes its keys from
// the outlet's prefix; after checks that count a post (negative and
// positive), record a webhook id with and without a claim, and hold one
// post, then count it on a recheck (cancelling its hold), the outlet has
// exactly the keys keys.go names, each of the type Go reads it as.
func TestCheckScriptMakesTheKeysGoNames(t *testing.T) {
	srv := sharedServer(t)
	s := open(t, srv.URL())
	ctx := context.Background()
	o := store.Outlet{ID: fmt.Sprintf("keys-%d", time.Now().UnixNano()), Name: "k", Rules: policy.DefaultRules(), WindowDays: 30, Timezone: "UTC"}
	if err := s.CreateOutlet(ctx, o); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC)
	check := func(post, webhook string, claim []byte, subject policy.Subject, rules policy.Rules) store.CheckResult {
		t.Helper()
		now = now.Add(time.Second)
		r, err := s.Check(ctx, store.CheckInput{Outlet: o.ID, PostID: post, Now: now, Window: o.Window(), Day: "20261102",
			Rules: rules, Subject: subject, Plan: policy.MakePlan(rules, subject), WebhookID: webhook, Claim: claim,
			Snapshot: []byte(`{}`), Actor: "editor"})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	lenient, strict := o.Rules, o.Rules
	lenient.Limit, lenient.WarnAt, lenient.MinSample = policy.Full, policy.Full, 0
	strict.Limit, strict.WarnAt, strict.MinSample = 0, 0, 0
	for _, c := range []struct {
		post, webhook string
		claim         []byte
		subject       policy.Subject
	}{{"p1", "w1", []byte(`{"c":1}`), policy.Subject{Negative: true}}, {"p2", "w2", nil, policy.Subject{Positive: true}}} {
		if r := check(c.post, c.webhook, c.claim, c.subject, lenient); r.HoldID != "" || r.After.Published != r.Before.Published+1 {
			t.Fatalf("%s under a 100%% limit: %+v", c.post, r)
		}
	}
	held := check("p3", "", nil, policy.Subject{Negative: true}, strict)
	if held.HoldID == "" {
		t.Fatalf("p3 under a 0%% limit: not held: %+v", held)
	}
	if r := check("p3", "", nil, policy.Subject{}, lenient); r.HoldID != "" {
		t.Fatalf("p3 rechecked neutral: %+v", r)
	}

	k := keysOf(o.ID)
	want := map[string]string{
		k.outlet(): "", k.win(): "zset", k.neg(): "zset", k.pos(): "zset", k.daily(): "hash", k.audit(): "stream",
		k.post("p1"): "string", k.post("p2"): "string", k.post("p3"): "string",
		k.reply("w1"): "list", k.webhook("w2"): "list",
		k.holds(): "zset", k.hold(held.HoldID): "hash",
	}
	got, err := s.rdb.Keys(ctx, k.pattern()).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range got {
		typ, ok := want[key]
		if !ok {
			t.Errorf("key %q: not one keys.go names", key)
			continue
		}
		if typ == "" {
			continue
		}
		if have := s.rdb.Type(ctx, key).Val(); have != typ {
			t.Errorf("key %q: %s, want %s", key, have, typ)
		}
	}
	for key := range want {
		if !slices.Contains(got, key) && key != k.outlet() {
			t.Errorf("key %q: missing (have %q)", key, got)
		}
	}
	if st := s.rdb.HGet(ctx, k.hold(held.HoldID), "status").Val(); st != "cancelled" {
		t.Errorf("the hold after p3's recheck: %q, want cancelled", st)
	}
}

// TestCheckKeysOfMoreOutletsThanTheMemoHolds: the check function keeps the
// keys it made for each outlet (outletKeys, lua/common.lua) and empties that
// memo when it holds keyMemoMax outlets. Two rounds of checks over more
// outlets than that each count in their own outlet's keys: the first finds
// every window empty, the second finds exactly the first's post, whether
// its outlet's keys were kept or made again after the memo was emptied.
func TestCheckKeysOfMoreOutletsThanTheMemoHolds(t *testing.T) {
	common, _ := scriptParts("check")
	m := regexp.MustCompile(`keyMemoMax = (\d+)`).FindStringSubmatch(common)
	if m == nil {
		t.Fatal("lua/common.lua: no keyMemoMax")
	}
	memoMax, _ := strconv.Atoi(m[1])
	n := memoMax + memoMax/2
	srv := sharedServer(t)
	s := open(t, srv.URL())
	ctx := context.Background()
	run := fmt.Sprintf("memo-%d-", time.Now().UnixNano())
	rules := policy.DefaultRules()
	rules.Limit, rules.WarnAt, rules.MinSample = policy.Full, policy.Full, 0
	now := time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC)
	for round, subject := range []policy.Subject{{Negative: true}, {Positive: true}} {
		for i := range n {
			r, err := s.Check(ctx, store.CheckInput{Outlet: run + strconv.Itoa(i), PostID: "p" + strconv.Itoa(round), Now: now.Add(time.Duration(round) * time.Second),
				Window: 30 * 24 * time.Hour, Day: "20261102", Rules: rules, Subject: subject, Plan: policy.MakePlan(rules, subject), Snapshot: []byte(`{}`), Actor: "editor"})
			if err != nil {
				t.Fatalf("round %d, outlet %d: %v", round, i, err)
			}
			want := policy.Counts{Published: int64(round), Negative: int64(round)}
			if r.Before != want {
				t.Fatalf("round %d, outlet %d: counts before %+v, want %+v", round, i, r.Before, want)
			}
		}
	}
}
