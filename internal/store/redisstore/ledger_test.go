package redisstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport"
	"gatekeeper/policy"
)

// TestHashLedgersStillRead: a ledger written as a hash (by versions before
// the ledger became one string) is read by every script, and the next write
// replaces it with the string, lifetime included.
func TestHashLedgersStillRead(t *testing.T) {
	s := open(t, sharedServer(t).URL())
	ctx := context.Background()
	now := testsupport.Now(t, time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC))
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

// TestWindowSetsAreSkipLists: an outlet's window sets carry the marker from
// creation, so they are skip lists however few posts they hold; the marker
// is never counted nor pruned; an outlet created before the marker gets it
// when a store opens.
func TestWindowSetsAreSkipLists(t *testing.T) {
	s := open(t, sharedServer(t).URL())
	ctx := context.Background()
	now := testsupport.Now(t, time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC))
	o := store.Outlet{ID: fmt.Sprintf("marker-%d", time.Now().UnixNano()), Name: "m", Rules: policy.DefaultRules(), WindowDays: 30, Timezone: "Asia/Ho_Chi_Minh"}
	o.Rules.Limit, o.Rules.WarnAt = policy.Full, policy.Full // nothing held: every post counts
	if err := s.CreateOutlet(ctx, o); err != nil {
		t.Fatal(err)
	}
	k := keysOf(o.ID)
	encodings := func() string {
		var out []string
		for _, key := range []string{k.win(), k.neg(), k.pos()} {
			enc, err := s.rdb.ObjectEncoding(ctx, key).Result()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, enc)
		}
		return fmt.Sprint(out)
	}
	if got := encodings(); got != "[skiplist skiplist skiplist]" {
		t.Fatalf("new outlet's sets: %s", got)
	}
	// Checks over two windows, every one pruning (one in pruneEvery asks).
	for i := range 3 * pruneEvery {
		at := now.Add(time.Duration(i) * 48 * time.Hour)
		subj := policy.Subject{Negative: i%3 == 0, Positive: i%3 == 1}
		if _, err := s.Check(ctx, store.CheckInput{Outlet: o.ID, PostID: fmt.Sprint("p", i), Now: at, Window: o.Window(), Day: store.DayKey(at, o.Location()),
			Rules: o.Rules, Subject: subj, Plan: policy.MakePlan(o.Rules, subj), Actor: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	end := now.Add(time.Duration(3*pruneEvery-1) * 48 * time.Hour)
	c, err := s.Window(ctx, o.ID, end, o.Window())
	if err != nil || c != (policy.Counts{Published: 15, Negative: 5, Positive: 5}) {
		t.Fatalf("window %+v %v, want 15 posts, 5 negative, 5 positive", c, err)
	}
	if got := encodings(); got != "[skiplist skiplist skiplist]" {
		t.Fatalf("after checks and pruning: %s", got)
	}
	if n, _ := s.rdb.ZCard(ctx, k.win()).Result(); n > 15+1+pruneEvery {
		t.Fatalf("win holds %d members: not pruned", n)
	}
	// An outlet from before the marker: a store opening adds it.
	for _, key := range []string{k.win(), k.neg(), k.pos()} {
		if n, _ := s.rdb.ZRem(ctx, key, WindowMarker).Result(); n != 1 {
			t.Fatalf("%s: the marker was pruned", key)
		}
	}
	New(ctx, s.rdb, false)
	for _, key := range []string{k.win(), k.neg(), k.pos()} {
		if sc, err := s.rdb.ZScore(ctx, key, WindowMarker).Result(); err != nil || sc != WindowMarkerScore {
			t.Fatalf("%s: marker %v %v after a store opened", key, sc, err)
		}
	}
}

// TestDecodeAnswer: the check script's counts give the situation, the
// counts before and after and the earliest safe time; malformed counts are
// refused.
func TestDecodeAnswer(t *testing.T) {
	for _, c := range []struct {
		code, counts string
		situation    int
		before       policy.Counts
		after        policy.Counts
		es           int64
	}{
		{"w", "9,10,2,3,-1,n", 9, policy.Counts{Published: 10, Negative: 2, Positive: 3}, policy.Counts{Published: 11, Negative: 3, Positive: 3}, -1},
		{"a", "0,10,2,3,-1,p", 0, policy.Counts{Published: 10, Negative: 2, Positive: 3}, policy.Counts{Published: 11, Negative: 2, Positive: 4}, -1},
		{"a", "0,10,2,3,-1,u", 0, policy.Counts{Published: 10, Negative: 2, Positive: 3}, policy.Counts{Published: 11, Negative: 2, Positive: 3}, -1},
		// Held: nothing counted.
		{"h", "1,10,2,3,1790000000000,n", 1, policy.Counts{Published: 10, Negative: 2, Positive: 3}, policy.Counts{Published: 10, Negative: 2, Positive: 3}, 1790000000000},
		// Counted before the window (ledger 3): it no longer weighs.
		{"a", "24,10,2,3,-1,n", 24, policy.Counts{Published: 10, Negative: 2, Positive: 3}, policy.Counts{Published: 10, Negative: 2, Positive: 3}, -1},
	} {
		r, _, err := decodeAnswer(c.code, "h1", c.counts)
		if err != nil || r.Situation.Index() != c.situation || r.Before != c.before || r.After != c.after || r.HoldID != "h1" {
			t.Errorf("%s %s: %+v %v", c.code, c.counts, r, err)
			continue
		}
		if (c.es < 0) != r.EarliestSafe.IsZero() || (c.es >= 0 && r.EarliestSafe.UnixMilli() != c.es) {
			t.Errorf("%s %s: earliest safe %v, want %d", c.code, c.counts, r.EarliestSafe, c.es)
		}
	}
	for _, bad := range []string{"", "0", "0,1,2,3,-1", "0,1,2,3,-1,x", "0,1,2,3,-1,nn", "0,1,a,3,-1,u", "0,1,2,3,,u", "40,1,2,3,-1,u", "-1,1,2,3,-1,u"} {
		if r, _, err := decodeAnswer("a", "", bad); err == nil {
			t.Errorf("counts %q accepted: %+v", bad, r)
		}
	}
}

// earlierDetail is a check's audit detail as the check script wrote it
// before it kept the counts (lua/check.lua until round 13 of
// deploy/performance.md): its own working of the counts after, so that
// checkDetail is held to what was written, not to afterCounts.
func earlierDetail(sit int, p, n, g, es int64, tone byte, decision, tail string) string {
	pa, na, ga := p, n, g
	counted := decision == "allow" || decision == "warn"
	if counted && sit/8 != 3 {
		pa = p + 1
		if tone == 'n' {
			na = n + 1
		} else if tone == 'p' {
			ga = g + 1
		}
	}
	return fmt.Sprintf(`{"situation":%d,"before":{"published":%d,"negative":%d,"positive":%d},"after":{"published":%d,"negative":%d,"positive":%d},"earliest_safe_ms":%d,%s`,
		sit, p, n, g, pa, na, ga, es, tail)
}

// TestCheckDetailAsEarlierVersionsWroteIt: the audit detail read from a
// check's counts and tail is, byte for byte, the JSON the check script
// wrote before, for every situation, verdict and tone.
func TestCheckDetailAsEarlierVersionsWroteIt(t *testing.T) {
	tail := `"negative":true,"positive":false,"webhook_id":"msg:1,2","reading":{"tone":"negative","themes":["crime"]}}`
	rng := rand.New(rand.NewPCG(1, 2))
	for sit := range policy.PlanSize {
		for _, decision := range []string{"allow", "warn", "hold"} {
			for _, tone := range []byte("npu") {
				p := rng.Int64N(1_000_000)
				n, g := rng.Int64N(p+1), rng.Int64N(p+1)
				es := int64(-1)
				if decision == "hold" {
					es = 1_790_000_000_000 + rng.Int64N(1e9)
				}
				counts := fmt.Sprintf("%d,%d,%d,%d,%d,%c", sit, p, n, g, es, tone)
				got, err := checkDetail(counts, decision, tail)
				if want := earlierDetail(sit, p, n, g, es, tone, decision, tail); err != nil || string(got) != want {
					t.Fatalf("%s %s:\n got %s %v\nwant %s", counts, decision, got, err, want)
				}
				if !json.Valid(got) {
					t.Fatalf("%s: not JSON: %s", counts, got)
				}
			}
		}
	}
	for _, bad := range []string{"0,1,2", "40,1,2,3,-1,u", "-1,1,2,3,-1,u"} {
		if _, err := checkDetail(bad, "allow", tail); err == nil {
			t.Fatalf("counts %q accepted", bad)
		}
	}
}

// TestCheckAuditDetail: a check's audit entry, read back, has the detail
// its answer gives: the situation, the counts before and after, the
// earliest safe time, then the tail the caller made; an entry of the
// earlier form (the detail JSON itself) reads as it was written.
func TestCheckAuditDetail(t *testing.T) {
	st := open(t, sharedServer(t).URL())
	ctx := context.Background()
	now := testsupport.Now(t, time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC))
	o := newOutlet(t, st, now, 20, 2)
	positive := checkInput(o, "p1", false, now, "msg-1")
	positive.Subject.Positive, positive.Plan = true, policy.MakePlan(o.Rules, policy.Subject{Positive: true})
	positive.Reading = store.Reading{Tone: "positive", Themes: []string{"development"}}
	ins := []store.CheckInput{positive, checkInput(o, "p2", true, now.Add(time.Second), "")}
	// Negative posts until one is held.
	for i := 3; i < 12; i++ {
		ins = append(ins, checkInput(o, "p"+strconv.Itoa(i), true, now.Add(time.Duration(i)*time.Second), "msg-"+strconv.Itoa(i)))
	}
	want := map[string]string{}
	held := false
	for _, in := range ins {
		r, err := st.Check(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		es := int64(-1)
		if !r.EarliestSafe.IsZero() {
			es = r.EarliestSafe.UnixMilli()
		}
		want[in.PostID] = fmt.Sprintf(`{"situation":%d,"before":{"published":%d,"negative":%d,"positive":%d},"after":{"published":%d,"negative":%d,"positive":%d},"earliest_safe_ms":%d,%s`,
			r.Situation.Index(), r.Before.Published, r.Before.Negative, r.Before.Positive, r.After.Published, r.After.Negative, r.After.Positive, es, detailTail(in))
		if r.HoldID != "" {
			held = true
			break
		}
	}
	if !held {
		t.Fatal("no check was held")
	}
	old := `{"situation":0,"before":{"published":1,"negative":0,"positive":0},"after":{"published":2,"negative":0,"positive":0},"earliest_safe_ms":-1,"negative":false,"positive":false,"webhook_id":"","reading":{}}`
	if err := st.rdb.XAdd(ctx, &redis.XAddArgs{Stream: keysOf(o.ID).audit(), Values: []any{"type", "check", "at", now.UnixMilli(), "post", "old",
		"hold", "", "actor", "editor", "decision", "allow", "detail", old}}).Err(); err != nil {
		t.Fatal(err)
	}
	want["old"] = old
	entries, err := st.ListAudit(ctx, o.ID, store.AuditFilter{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, e := range entries {
		w, ok := want[e.PostID]
		if !ok || (e.Type != "check" && e.Type != "hold") {
			continue
		}
		seen++
		if string(e.Detail) != w {
			t.Errorf("%s (%s): detail\n got %s\nwant %s", e.PostID, e.Type, e.Detail, w)
		}
	}
	if seen != len(want) {
		t.Fatalf("%d of %d entries read", seen, len(want))
	}
}

// TestCheckRecordsOfEarlierVersionsStillRead: a check keeps its record
// under keys.reply as a list, its claim first, which other routes' Claim
// and Recall read; an id recorded as earlier versions kept it (the claim, a
// newline and the record under keys.reply; or the record under
// keys.webhook and the claim alone under keys.reply) is a replay of its
// first answer and changes nothing.
func TestCheckRecordsOfEarlierVersionsStillRead(t *testing.T) {
	st := open(t, sharedServer(t).URL())
	ctx := context.Background()
	now := testsupport.Now(t, time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC))
	o := newOutlet(t, st, now, 20, 2)
	k := keysOf(o.ID)
	claim := []byte(`{"target":"POST /v1/outlets/` + o.ID + `/check"}`)
	elsewhere := []byte(`{"target":"DELETE /v1/outlets/x/posts/p1"}`)
	in := checkInput(o, "p1", false, now, "msg-old")
	in.Claim, in.Snapshot = claim, []byte(`{"post":{"id":"p1"}}`)
	first, err := st.Check(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := st.rdb.LRange(ctx, k.reply("msg-old"), 0, -1).Result()
	if err != nil || len(kept) != 5 || kept[0] != string(claim) || kept[1] != "a" || kept[4] != string(in.Snapshot) ||
		st.rdb.Exists(ctx, k.webhook("msg-old")).Val() != 0 {
		t.Fatalf("a check keeps %q (%v) under its claim key, want {claim, code, hold id, counts, snapshot}, and nothing under %s", kept, err, k.webhook("msg-old"))
	}
	if ttl := st.rdb.PTTL(ctx, k.reply("msg-old")).Val(); ttl <= store.WebhookTTL-time.Minute || ttl > store.WebhookTTL {
		t.Fatalf("the record lives %v, want %v", ttl, store.WebhookTTL)
	}
	recallAndClaimSee := func(want []byte) {
		t.Helper()
		for _, f := range []func() ([]byte, bool, error){
			func() ([]byte, bool, error) { return st.Recall(ctx, o.ID, "msg-old") },
			func() ([]byte, bool, error) {
				b, first, err := st.Claim(ctx, o.ID, "msg-old", elsewhere)
				return b, !first, err
			},
		} {
			if got, ok, err := f(); err != nil || !ok || !bytes.Equal(got, want) {
				t.Fatalf("Recall/Claim of a checked id = %q, %t, %v; want %s", got, ok, err, want)
			}
		}
	}
	recallAndClaimSee(claim)
	again, err := st.Check(ctx, in)
	if err != nil || !again.Replayed || again.Before != first.Before || again.After != first.After || again.Situation != first.Situation ||
		!bytes.Equal(again.Snapshot, in.Snapshot) {
		t.Fatalf("a repeat: %+v %v, want a replay of %+v", again, err, first)
	}
	other := in
	other.Claim = elsewhere
	if _, err := st.Check(ctx, other); !errors.Is(err, store.ErrWebhookReused) {
		t.Fatalf("the id under another claim: %v, want ErrWebhookReused", err)
	}

	// The record as the version before kept it: the claim, a newline, and
	// "code,hold id", the audit detail and the snapshot, a line each.
	detail := earlierDetail(first.Situation.Index(), first.Before.Published, first.Before.Negative, first.Before.Positive, -1, 'u', "allow", detailTail(in))
	rec := "a,\n" + detail + "\n" + string(in.Snapshot)
	ttl := store.WebhookTTL
	if err := st.rdb.Set(ctx, k.reply("msg-old"), string(claim)+"\n"+rec, ttl).Err(); err != nil {
		t.Fatal(err)
	}
	recallAndClaimSee(claim)
	replayed := func(form string) {
		t.Helper()
		again, err := st.Check(ctx, in)
		if err != nil || !again.Replayed || again.Before != first.Before || again.After != first.After || again.Situation != first.Situation ||
			!bytes.Equal(again.Snapshot, in.Snapshot) {
			t.Fatalf("a check recorded %s: %+v %v, want a replay of %+v", form, again, err, first)
		}
		wantWindow(t, st, o, now, policy.Counts{Published: 21, Negative: 2})
	}
	replayed("in the string form")
	if _, err := st.Check(ctx, other); !errors.Is(err, store.ErrWebhookReused) {
		t.Fatalf("the id under another claim, string form: %v, want ErrWebhookReused", err)
	}

	// As the versions before that kept it: the record under keys.webhook,
	// the claim alone under keys.reply.
	if err := st.rdb.Set(ctx, k.webhook("msg-old"), rec, ttl).Err(); err != nil {
		t.Fatal(err)
	}
	if err := st.rdb.Set(ctx, k.reply("msg-old"), claim, ttl).Err(); err != nil {
		t.Fatal(err)
	}
	replayed("under keys.webhook")
	if got, _ := st.rdb.Get(ctx, k.reply("msg-old")).Bytes(); !bytes.Equal(got, claim) {
		t.Fatalf("the replay rewrote the claim key: %q", got)
	}

	// The claim alone, no record (a dry run's): the check is made and its
	// record replaces the claim.
	in2 := checkInput(o, "p2", false, now.Add(time.Second), "msg-2")
	in2.Claim = claim
	if err := st.rdb.Set(ctx, k.reply("msg-2"), claim, ttl).Err(); err != nil {
		t.Fatal(err)
	}
	r2, err := st.Check(ctx, in2)
	if err != nil || r2.Replayed {
		t.Fatalf("a check of a claimed id without a record: %+v %v", r2, err)
	}
	if typ := st.rdb.Type(ctx, k.reply("msg-2")).Val(); typ != "list" {
		t.Fatalf("the claim key after the check: %s, want the record (a list)", typ)
	}
	if again, err := st.Check(ctx, in2); err != nil || !again.Replayed || again.After != r2.After {
		t.Fatalf("a repeat: %+v %v, want a replay of %+v", again, err, r2)
	}

	// Without a claim the record goes under keys.webhook, as a list.
	in3 := checkInput(o, "p3", false, now.Add(2*time.Second), "msg-3")
	r3, err := st.Check(ctx, in3)
	if err != nil || st.rdb.Type(ctx, k.webhook("msg-3")).Val() != "list" || st.rdb.Exists(ctx, k.reply("msg-3")).Val() != 0 {
		t.Fatalf("a check without a claim: %+v %v; keys.webhook %s", r3, err, st.rdb.Type(ctx, k.webhook("msg-3")).Val())
	}
	if again, err := st.Check(ctx, in3); err != nil || !again.Replayed || again.After != r3.After {
		t.Fatalf("a repeat without a claim: %+v %v, want a replay of %+v", again, err, r3)
	}
	wantWindow(t, st, o, now.Add(2*time.Second), policy.Counts{Published: 23, Negative: 2})
}
