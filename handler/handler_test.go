package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/internal/webhook"
	"gatekeeper/policy"
)

func TestAllowWarnHoldWalkthrough(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.addOutlet("dakglei", nil)
	e.seed("dakglei", 100, 10, "old") // 10 negative of 100

	// 11/101 = 10.89%: allow.
	a := e.check("dakglei", "p1", "negative")
	if a["decision"] != "allow" || a["counted"] != true {
		t.Fatalf("first negative: %v", a)
	}
	share := a["share"].(map[string]any)
	if share["published"].(float64) != 100 || share["negative"].(float64) != 10 || share["before"].(float64) != 0.1 || share["after"].(float64) != 0.1089 {
		t.Fatalf("share: %v", share)
	}
	// Up to 12%: allow; then warn until 15.00%; then hold.
	var verdicts []string
	for i := 2; i <= 8; i++ {
		verdicts = append(verdicts, e.check("dakglei", "p"+itoa(i), "negative")["decision"].(string))
	}
	// After p1: 11/101. p2 12/102=11.76 allow, p3 13/103=12.62 warn, p4 14/104=13.46 warn,
	// p5 15/105=14.29 warn, p6 16/106=15.09 hold, p7 hold, p8 hold.
	want := []string{"allow", "warn", "warn", "warn", "hold", "hold", "hold"}
	if strings.Join(verdicts, ",") != strings.Join(want, ",") {
		t.Fatalf("verdicts %v, want %v", verdicts, want)
	}
	h := e.check("dakglei", "p9", "negative")
	hold, _ := h["hold"].(map[string]any)
	if h["counted"] != false || hold == nil || hold["id"] == "" || !strings.Contains(hold["review_url"].(string), "/console/outlets/dakglei/holds/") {
		t.Fatalf("hold answer: %v", h)
	}
	head := h["headroom"].(map[string]any)
	if head["negative_left"].(float64) != 0 || head["non_negative_needed"].(float64) < 1 {
		t.Fatalf("headroom: %v", head)
	}
	reasons := h["reasons"].([]any)
	first := reasons[0].(map[string]any)
	if first["code"] != "share_over_limit" || !strings.Contains(first["message"].(string), "giới hạn 15,00%") {
		t.Fatalf("reasons: %v", reasons)
	}
	if s := e.state("dakglei"); s.counts.Published != 105 || s.counts.Negative != 15 {
		t.Fatalf("counted %+v, want 105 published, 15 negative", s.counts)
	}
	// A non-negative post is always allowed and makes room.
	if a := e.check("dakglei", "n1", "positive"); a["decision"] != "allow" || a["counted"] != true {
		t.Fatalf("positive post: %v", a)
	}
}

func TestEnglishMessages(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.addOutlet("o1", nil)
	r := e.do(request{method: "POST", path: "/v1/outlets/o1/check", body: checkBody("1", "Tin", "negative", false), key: e.keys["o1"], header: map[string]string{"Accept-Language": "en-US,en;q=0.9"}})
	msg := r.json(t)["reasons"].([]any)[0].(map[string]any)["message"].(string)
	if !strings.Contains(msg, "past the 15.00% limit") {
		t.Fatalf("English reason: %q", msg)
	}
	r = e.do(request{method: "POST", path: "/v1/outlets/o1/check", body: []byte(`{`), key: e.keys["o1"], header: map[string]string{"Accept-Language": "en"}})
	if m := r.json(t)["error"].(map[string]any)["message"].(string); !strings.Contains(m, "not valid JSON") {
		t.Fatalf("English error: %q", m)
	}
}

func TestRefusedRequestsChangeNothing(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.addOutlet("a", nil)
	e.addOutlet("b", nil)
	e.seed("a", 20, 1, "s")
	good := checkBody("x1", "Tin mới", "negative", false)
	now := e.clock.Now()
	big := bytes.Repeat([]byte("a"), 4<<20+10)
	tests := []struct {
		name   string
		req    request
		status int
		code   string
		field  string
	}{
		{"no signature", request{method: "POST", path: "/v1/outlets/a/check", body: good}, 401, "signature_missing", ""},
		{"bad signature", request{method: "POST", path: "/v1/outlets/a/check", body: good, key: bytes.Repeat([]byte{7}, 32)}, 401, "signature_invalid", ""},
		{"another outlet's secret", request{method: "POST", path: "/v1/outlets/a/check", body: good, key: e.keys["b"]}, 401, "signature_invalid", ""},
		{"expired", request{method: "POST", path: "/v1/outlets/a/check", body: good, key: e.keys["a"], at: now.Add(-6 * time.Minute)}, 401, "signature_expired", ""},
		{"from the future", request{method: "POST", path: "/v1/outlets/a/check", body: good, key: e.keys["a"], at: now.Add(6 * time.Minute)}, 401, "signature_expired", ""},
		{"malformed JSON", request{method: "POST", path: "/v1/outlets/a/check", body: []byte(`{"post": {`), key: e.keys["a"]}, 400, "invalid_json", ""},
		{"missing title", request{method: "POST", path: "/v1/outlets/a/check", body: []byte(`{"post": {"id": "9"}}`), key: e.keys["a"]}, 400, "validation_failed", "post.title"},
		{"blank title", request{method: "POST", path: "/v1/outlets/a/check", body: []byte(`{"post": {"id": "9", "title": "   "}}`), key: e.keys["a"]}, 400, "validation_failed", "post.title"},
		{"missing post", request{method: "POST", path: "/v1/outlets/a/check", body: []byte(`{}`), key: e.keys["a"]}, 400, "validation_failed", "post"},
		{"wrong type", request{method: "POST", path: "/v1/outlets/a/check", body: []byte(`{"post": {"id": 9, "title": "x"}}`), key: e.keys["a"]}, 400, "validation_failed", "post.id"},
		{"bad tone", request{method: "POST", path: "/v1/outlets/a/check", body: []byte(`{"post": {"id": "9", "title": "x", "declared_tone": "sad"}}`), key: e.keys["a"]}, 400, "validation_failed", "post.declared_tone"},
		{"bad post id", request{method: "POST", path: "/v1/outlets/a/check", body: []byte(`{"post": {"id": "a b", "title": "x"}}`), key: e.keys["a"]}, 400, "validation_failed", "post.id"},
		{"oversize body", request{method: "POST", path: "/v1/outlets/a/check", body: big, key: e.keys["a"]}, 413, "body_too_large", ""},
		{"not JSON", request{method: "POST", path: "/v1/outlets/a/check", body: good, key: e.keys["a"], header: map[string]string{"Content-Type": "text/plain"}}, 415, "unsupported_media_type", ""},
		{"unknown outlet", request{method: "POST", path: "/v1/outlets/nope/check", body: good, key: e.keys["a"]}, 404, "outlet_not_found", ""},
		{"sync in the future", request{method: "POST", path: "/v1/outlets/a/sync", body: []byte(`{"posts": [{"id": "f", "title": "x", "published_at": "2030-01-01T00:00:00Z"}]}`), key: e.keys["a"]}, 400, "validation_failed", "posts[0].published_at"},
		{"sync without published_at", request{method: "POST", path: "/v1/outlets/a/sync", body: []byte(`{"posts": [{"id": "f", "title": "x"}]}`), key: e.keys["a"]}, 400, "validation_failed", "posts[0].published_at"},
		{"withdraw unknown post", request{method: "DELETE", path: "/v1/outlets/a/posts/never", key: e.keys["a"]}, 404, "post_not_found", ""},
		{"approve unknown hold", request{method: "POST", path: "/v1/outlets/a/holds/h_x/approve", body: []byte(`{"reviewer": "m", "note": "ok"}`), key: e.keys["a"]}, 404, "hold_not_found", ""},
		{"approve without note", request{method: "POST", path: "/v1/outlets/a/holds/h_x/approve", body: []byte(`{"reviewer": "m"}`), key: e.keys["a"]}, 400, "validation_failed", "note"},
		{"bad hold status filter", request{method: "GET", path: "/v1/outlets/a/holds?status=maybe", key: e.keys["a"]}, 400, "validation_failed", "status"},
		{"unknown route", request{method: "GET", path: "/v2/nothing"}, 404, "not_found", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := e.state("a")
			r := e.do(tc.req)
			if r.Status != tc.status || r.errorCode(t) != tc.code {
				t.Fatalf("got %d %s, want %d %s: %s", r.Status, r.errorCode(t), tc.status, tc.code, r.Body)
			}
			errObj := r.json(t)["error"].(map[string]any)
			if msg, _ := errObj["message"].(string); msg == "" || strings.Contains(msg, "goroutine") {
				t.Fatalf("message: %q", msg)
			}
			if tc.field != "" {
				fields, _ := errObj["fields"].(map[string]any)
				if _, ok := fields[tc.field]; !ok {
					t.Fatalf("fields %v lack %q", fields, tc.field)
				}
			}
			if after := e.state("a"); after != before {
				t.Fatalf("state changed: %+v → %+v", before, after)
			}
		})
	}
}

func TestRepeatedWebhookIDAndPostID(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.addOutlet("o", nil)
	e.seed("o", 50, 2, "s")
	body := checkBody("p1", "Tin", "negative", false)
	first := e.do(request{method: "POST", path: "/v1/outlets/o/check", body: body, key: e.keys["o"], webhookID: "msg_same"})
	after1 := e.state("o")
	second := e.do(request{method: "POST", path: "/v1/outlets/o/check", body: body, key: e.keys["o"], webhookID: "msg_same"})
	if second.Status != 200 || second.json(t)["replayed"] != true {
		t.Fatalf("replay: %s", second.Body)
	}
	a, b := first.json(t), second.json(t)
	delete(b, "replayed")
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Fatalf("replayed answer differs:\n%s\n%s", ja, jb)
	}
	if e.state("o") != after1 {
		t.Fatalf("a replay changed the state")
	}
	// Same post id, new webhook id: an edit with the same tone moves nothing.
	third := e.check("o", "p1", "negative")
	if third["decision"] != "allow" || third["reasons"].([]any)[0].(map[string]any)["code"] != "already_counted" {
		t.Fatalf("re-check: %v", third)
	}
	if s := e.state("o"); s.counts != after1.counts {
		t.Fatalf("re-check changed counts %+v → %+v", after1.counts, s.counts)
	}
	// An edit that makes it non-negative moves the count.
	e.check("o", "p1", "positive")
	if s := e.state("o"); s.counts.Negative != after1.counts.Negative-1 || s.counts.Published != after1.counts.Published {
		t.Fatalf("tone change: %+v → %+v", after1.counts, s.counts)
	}
}

func TestDryRunRecordsNothing(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.addOutlet("o", nil)
	before := e.state("o")
	r := e.do(request{method: "POST", path: "/v1/outlets/o/check", body: checkBody("d1", "Tin", "negative", true), key: e.keys["o"]})
	a := r.json(t)
	if a["decision"] != "hold" || a["counted"] != false || a["dry_run"] != true {
		t.Fatalf("dry run: %v", a)
	}
	if e.state("o") != before {
		t.Fatal("a dry run changed the state")
	}
}

func TestWithdrawSyncAndShare(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.addOutlet("o", nil)
	e.seed("o", 10, 1, "s")
	e.seed("o", 10, 1, "s") // idempotent
	if s := e.state("o"); s.counts != (policy.Counts{Published: 10, Negative: 1}) {
		t.Fatalf("after two identical syncs: %+v", s.counts)
	}
	w := func() map[string]any {
		r := e.do(request{method: "DELETE", path: "/v1/outlets/o/posts/s-0", key: e.keys["o"]})
		if r.Status != 200 {
			t.Fatalf("withdraw: %d %s", r.Status, r.Body)
		}
		return r.json(t)
	}
	if a := w(); a["withdrawn"] != true {
		t.Fatalf("withdraw: %v", a)
	}
	if a := w(); a["withdrawn"] != false || a["previous_state"] != "withdrawn" {
		t.Fatalf("second withdraw: %v", a)
	}
	if s := e.state("o"); s.counts != (policy.Counts{Published: 9, Negative: 0}) {
		t.Fatalf("after withdraw: %+v", s.counts)
	}
	r := e.do(request{method: "GET", path: "/v1/outlets/o/share", key: e.keys["o"]})
	sh := r.json(t)
	if r.Status != 200 || sh["published"].(float64) != 9 || len(sh["daily"].([]any)) != 31 {
		t.Fatalf("share: %d %v", r.Status, sh)
	}
	// complete: counted posts the CMS no longer lists are withdrawn.
	b, _ := json.Marshal(map[string]any{"complete": true, "posts": []map[string]any{
		{"id": "s-1", "title": "x", "published_at": e.clock.Now().Add(-time.Hour).Format(time.RFC3339)},
	}})
	r = e.do(request{method: "POST", path: "/v1/outlets/o/sync", body: b, key: e.keys["o"]})
	if r.Status != 200 || len(r.json(t)["withdrawn"].([]any)) != 8 {
		t.Fatalf("complete sync: %s", r.Body)
	}
}

func TestHoldApproveAndReject(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.addOutlet("o", nil)
	e.seed("o", 20, 3, "s")
	h1 := e.check("o", "n1", "negative")["hold"].(map[string]any)["id"].(string)
	h2 := e.check("o", "n2", "negative")["hold"].(map[string]any)["id"].(string)
	r := e.do(request{method: "GET", path: "/v1/outlets/o/holds?status=pending", key: e.keys["o"]})
	if hs := r.json(t)["holds"].([]any); len(hs) != 2 {
		t.Fatalf("pending holds: %s", r.Body)
	}
	before := e.state("o")
	approve := e.do(request{method: "POST", path: "/v1/outlets/o/holds/" + h1 + "/approve", body: []byte(`{"reviewer": "truongphong", "note": "Tin cần thiết cho người dân"}`), key: e.keys["o"]})
	if approve.Status != 200 || approve.json(t)["status"] != "approved" {
		t.Fatalf("approve: %d %s", approve.Status, approve.Body)
	}
	if s := e.state("o"); s.counts.Negative != before.counts.Negative+1 || s.counts.Published != before.counts.Published+1 {
		t.Fatalf("approve must count the post: %+v → %+v", before.counts, s.counts)
	}
	again := e.do(request{method: "POST", path: "/v1/outlets/o/holds/" + h1 + "/reject", body: []byte(`{"reviewer": "m", "note": "x"}`), key: e.keys["o"]})
	if again.Status != 409 || again.errorCode(t) != "hold_not_pending" {
		t.Fatalf("second resolution: %d %s", again.Status, again.Body)
	}
	reject := e.do(request{method: "POST", path: "/v1/outlets/o/holds/" + h2 + "/reject", body: []byte(`{"reviewer": "truongphong", "note": "Chưa phù hợp"}`), key: e.keys["o"]})
	if reject.Status != 200 || reject.json(t)["status"] != "rejected" {
		t.Fatalf("reject: %s", reject.Body)
	}
	got := e.do(request{method: "GET", path: "/v1/outlets/o/holds/" + h2, key: e.keys["o"]}).json(t)
	if got["note"] != "Chưa phù hợp" || got["post"].(map[string]any)["title"] != "Tin n2" {
		t.Fatalf("hold view: %v", got)
	}
}

func TestSecretRotationGrace(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.addOutlet("o", nil)
	old := e.keys["o"]
	secret, err := rotate(e, "o")
	if err != nil {
		t.Fatal(err)
	}
	newKey, _ := webhook.DecodeSecret(secret)
	for _, k := range [][]byte{old, newKey} {
		if r := e.do(request{method: "GET", path: "/v1/outlets/o/share", key: k}); r.Status != 200 {
			t.Fatalf("during the grace period: %d", r.Status)
		}
	}
	e.clock.Advance(24*time.Hour + time.Second)
	if r := e.do(request{method: "GET", path: "/v1/outlets/o/share", key: old}); r.Status != 401 {
		t.Fatalf("old secret after the grace period: %d", r.Status)
	}
	if r := e.do(request{method: "GET", path: "/v1/outlets/o/share", key: newKey}); r.Status != 200 {
		t.Fatalf("new secret: %d", r.Status)
	}
}

func TestReadiness(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := e.do(request{method: "GET", path: p}); r.Status != http.StatusOK {
			t.Fatalf("%s: %d", p, r.Status)
		}
	}
}

// An edit of a post the ledger knows went live before the window is not
// counted. (What the CMS says of its date is not what decides: the ledger's
// go-live time is; see TestAttackBackdatedCheckSkipsCounting.)
func TestEditOfAPostFromBeforeTheWindow(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.addOutlet("o", nil)
	old := e.clock.Now().Add(-45 * 24 * time.Hour).Format(time.RFC3339)
	sync := []byte(`{"posts": [{"id": "old1", "title": "Bài cũ", "published_at": "` + old + `"}]}`)
	if r := e.do(request{method: "POST", path: "/v1/outlets/o/sync", body: sync, key: e.keys["o"]}); r.Status != 200 {
		t.Fatalf("sync: %d %s", r.Status, r.Body)
	}
	body := []byte(`{"post": {"id": "old1", "title": "Bài cũ sửa lỗi chính tả", "declared_tone": "negative"}}`)
	before := e.state("o")
	r := e.do(request{method: "POST", path: "/v1/outlets/o/check", body: body, key: e.keys["o"]})
	a := r.json(t)
	if a["decision"] != "allow" || a["counted"] != false || a["reasons"].([]any)[0].(map[string]any)["code"] != "outside_window" {
		t.Fatalf("edit of an old post: %s", r.Body)
	}
	if e.state("o").counts != before.counts {
		t.Fatal("an old post was counted")
	}
}

// After every refused check, the post it named is still unknown to the
// ledger: withdrawing it is a 404.
func TestRefusedChecksLeaveNoLedgerEntry(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.addOutlet("a", nil)
	e.addOutlet("b", nil)
	body := checkBody("ghost", "Tin", "negative", false)
	for _, r := range []request{
		{method: "POST", path: "/v1/outlets/a/check", body: body},
		{method: "POST", path: "/v1/outlets/a/check", body: body, key: e.keys["b"]},
		{method: "POST", path: "/v1/outlets/a/check", body: body, key: e.keys["a"], at: e.clock.Now().Add(-time.Hour)},
		{method: "POST", path: "/v1/outlets/a/check", body: []byte(`{"post": {"id": "ghost", "title": 5}}`), key: e.keys["a"]},
	} {
		if got := e.do(r); got.Status < 400 {
			t.Fatalf("accepted: %s", got.Body)
		}
	}
	if r := e.do(request{method: "DELETE", path: "/v1/outlets/a/posts/ghost", key: e.keys["a"]}); r.Status != 404 {
		t.Fatalf("the ledger knows a post only refused requests named: %d %s", r.Status, r.Body)
	}
}

func TestOneDayWindow(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.addOutlet("o", func(o *store.Outlet) { o.WindowDays = 1 })
	old := e.clock.Now().Add(-25 * time.Hour).Format(time.RFC3339)
	recent := e.clock.Now().Add(-23 * time.Hour).Format(time.RFC3339)
	b, _ := json.Marshal(map[string]any{"posts": []map[string]any{
		{"id": "old", "title": "x", "declared_tone": "negative", "published_at": old},
		{"id": "r1", "title": "x", "published_at": recent},
		{"id": "r2", "title": "x", "published_at": recent},
	}})
	r := e.do(request{method: "POST", path: "/v1/outlets/o/sync", body: b, key: e.keys["o"]})
	if out := r.json(t)["outside_window"].([]any); len(out) != 1 || out[0] != "old" {
		t.Fatalf("sync: %s", r.Body)
	}
	if c := e.state("o").counts; c != (policy.Counts{Published: 2, Negative: 0}) {
		t.Fatalf("one-day window: %+v", c)
	}
	// One hour later the two recent posts have left the window too.
	e.clock.Advance(90 * time.Minute)
	sh := e.do(request{method: "GET", path: "/v1/outlets/o/share", key: e.keys["o"]}).json(t)
	if sh["published"].(float64) != 0 {
		t.Fatalf("after the window moved: %v", sh)
	}
}

// panicStore fails the way a bug would.
type panicStore struct{ store.Store }

func (panicStore) Check(context.Context, store.CheckInput) (store.CheckResult, error) {
	panic("a bug in the store")
}

func TestPanicsBecomeA500WithRequestID(t *testing.T) {
	st := sqliteStore(t)
	e := newEnv(t, st)
	e.addOutlet("o", nil)
	e.engine = newEngine(t, panicStore{st}, e.clock)
	r := e.do(request{method: "POST", path: "/v1/outlets/o/check", body: checkBody("1", "Tin", "", false), key: e.keys["o"]})
	errObj := r.json(t)["error"].(map[string]any)
	if r.Status != 500 || errObj["code"] != "internal" || errObj["request_id"] == "" || strings.Contains(string(r.Body), "bug") || strings.Contains(string(r.Body), "goroutine") {
		t.Fatalf("panic answer: %d %s", r.Status, r.Body)
	}
	if r.Header.Get("X-Request-ID") != errObj["request_id"] {
		t.Fatalf("request id header %q vs body %v", r.Header.Get("X-Request-ID"), errObj["request_id"])
	}
}
