package redisstore

import (
	"bytes"
	"context"
	"fmt"
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

// TestDecodeAnswer: the counts are read from the detail the script formats,
// whatever the tail the caller made (a webhook id with colons and digits).
func TestDecodeAnswer(t *testing.T) {
	detail := `{"situation":9,"before":{"published":10,"negative":2,"positive":3},"after":{"published":11,"negative":3,"positive":3},"earliest_safe_ms":-1,"negative":true,"positive":false,"webhook_id":"msg:123:-4","reading":{"tone":"negative"}}`
	r, err := decodeAnswer("w", "", detail, true, false)
	if err != nil || r.Situation.Index() != 9 || r.Before != (policy.Counts{Published: 10, Negative: 2, Positive: 3}) ||
		r.After != (policy.Counts{Published: 11, Negative: 3, Positive: 3}) || !r.EarliestSafe.IsZero() {
		t.Fatalf("%+v %v", r, err)
	}
	held := `{"situation":1,"before":{"published":10,"negative":2,"positive":3},"after":{"published":10,"negative":2,"positive":3},"earliest_safe_ms":1790000000000,"negative":true,"positive":false,"webhook_id":"","reading":{}}`
	if r, err := decodeAnswer("h", "h1", held, true, false); err != nil || r.HoldID != "h1" || r.EarliestSafe.UnixMilli() != 1790000000000 || r.After != r.Before {
		t.Fatalf("hold: %+v %v", r, err)
	}
	// Counts after that do not follow from the verdict are refused.
	if _, err := decodeAnswer("a", "", held, true, false); err == nil {
		t.Fatal("an allow that did not count the post was accepted")
	}
	if _, err := decodeAnswer("a", "", `{"situation":0}`, false, false); err == nil {
		t.Fatal("a short detail was accepted")
	}
}

// TestCheckRecordsOfEarlierVersionsStillRead: a check's id recorded as
// earlier versions kept it (the record under keys.webhook, the claim alone
// under keys.reply) is a replay of its first answer and changes nothing; a
// check now keeps both under keys.reply, the claim, a newline, the record,
// and other routes' Claim and Recall see the claim alone.
func TestCheckRecordsOfEarlierVersionsStillRead(t *testing.T) {
	st := open(t, sharedServer(t).URL())
	ctx := context.Background()
	now := testsupport.Now(t, time.Date(2026, 11, 2, 3, 4, 5, 0, time.UTC))
	o := newOutlet(t, st, now, 20, 2)
	k := keysOf(o.ID)
	claim := []byte(`{"target":"POST /v1/outlets/` + o.ID + `/check"}`)
	elsewhere := []byte(`{"target":"DELETE /v1/outlets/x/posts/p1"}`)
	in := checkInput(o, "p1", false, now, "msg-old")
	in.Claim = claim
	first, err := st.Check(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := st.rdb.Get(ctx, k.reply("msg-old")).Bytes()
	head, rec, ok := bytes.Cut(kept, []byte("\n"))
	if err != nil || !ok || !bytes.Equal(head, claim) || st.rdb.Exists(ctx, k.webhook("msg-old")).Val() != 0 {
		t.Fatalf("a check keeps %q (%v) under its claim key, want the claim, a newline, the record, and nothing under %s", kept, err, k.webhook("msg-old"))
	}
	for _, f := range []func() ([]byte, bool, error){
		func() ([]byte, bool, error) { return st.Recall(ctx, o.ID, "msg-old") },
		func() ([]byte, bool, error) {
			b, first, err := st.Claim(ctx, o.ID, "msg-old", elsewhere)
			return b, !first, err
		},
	} {
		if got, ok, err := f(); err != nil || !ok || !bytes.Equal(got, claim) {
			t.Fatalf("Recall/Claim of a checked id = %q, %t, %v; want %s", got, ok, err, claim)
		}
	}

	// The same id as an earlier version recorded it.
	ttl := store.WebhookTTL
	if err := st.rdb.Set(ctx, k.webhook("msg-old"), rec, ttl).Err(); err != nil {
		t.Fatal(err)
	}
	if err := st.rdb.Set(ctx, k.reply("msg-old"), claim, ttl).Err(); err != nil {
		t.Fatal(err)
	}
	again, err := st.Check(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Replayed || again.Before != first.Before || again.After != first.After || again.Situation != first.Situation {
		t.Fatalf("a check recorded in the earlier form: %+v, want a replay of %+v", again, first)
	}
	wantWindow(t, st, o, now, policy.Counts{Published: 21, Negative: 2})
	if got, _ := st.rdb.Get(ctx, k.reply("msg-old")).Bytes(); !bytes.Equal(got, claim) {
		t.Fatalf("the replay rewrote the claim key: %q", got)
	}
}
