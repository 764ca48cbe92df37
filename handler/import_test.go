package handler_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"gatekeeper/handler"
	"gatekeeper/internal/posting"
	"gatekeeper/policy"
	"gatekeeper/policy/classify"
)

// TestCheckByLink: a post with a link and no id gets the id made from the
// link, so the same link (in another form) is one post; a post with neither
// and a hostile link are refused with the field named, changing nothing.
func TestCheckByLink(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.addOutlet("xa", nil)
	send := func(post map[string]any, dryRun bool) response {
		b, _ := json.Marshal(map[string]any{"post": post, "dry_run": dryRun})
		return e.do(request{method: "POST", path: "/v1/outlets/xa/check", body: b, key: e.keys["xa"], header: map[string]string{"Accept-Language": "en"}})
	}
	want, _ := posting.PostID("https://facebook.com/xa/posts/7", "")
	r := send(map[string]any{"title": "Chào xuân", "link": "https://www.facebook.com/xa/posts/7/?fbclid=abc"}, false)
	if r.Status != 200 || r.json(t)["post_id"] != want || r.json(t)["counted"] != true {
		t.Fatalf("check by link: %d %s", r.Status, r.Body)
	}
	r = send(map[string]any{"title": "Chào xuân", "link": "https://m.facebook.com/xa/posts/7"}, false)
	if r.Status != 200 || r.json(t)["post_id"] != want {
		t.Fatalf("the same link again: %d %s", r.Status, r.Body)
	}
	if s := e.state("xa"); s.counts.Published != 1 {
		t.Fatalf("the same link twice counted %d times", s.counts.Published)
	}
	before := e.state("xa")
	for post, field := range map[string]string{
		`{"title": "x"}`: "post.id",
		`{"title": "x", "link": "javascript:alert(1)"}`:    "post.link",
		`{"title": "x", "link": "https://a.vn/\u0000"}`:    "post.link",
		`{"title": "x", "id": "bad id", "link": "a.vn/1"}`: "post.id",
		// A link given with an id is a link all the same (posting.PostID).
		`{"title": "x", "id": "fb-1", "link": "javascript:alert(1)"}`: "post.link",
	} {
		var p map[string]any
		json.Unmarshal([]byte(post), &p)
		r := send(p, false)
		fields, _ := r.json(t)["error"].(map[string]any)["fields"].(map[string]any)
		if r.Status != 400 || fields[field] == nil {
			t.Errorf("%s: %d %s, want 400 naming %s", post, r.Status, r.Body, field)
		}
	}
	if s := e.state("xa"); s != before {
		t.Fatalf("refused checks changed %+v → %+v", before, s)
	}
}

// TestImport: a preview lists every row's label and every refused row's
// line and reason, recording nothing; applying a file with a bad row is
// refused whole (422); a good file is applied as one sync, again is a
// replay, and a file of the wrong type is refused.
func TestImport(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	// The real classifier: the preview shows its labels and evidence.
	e.engine = newEngineWith(t, e.st, e.clock, func(d *handler.Deps) { d.Gate.Classifier = classify.New() })
	e.addOutlet("xa", nil)
	now := e.clock.Now().In(time.FixedZone("ICT", 7*3600))
	day := func(n int) string { return now.AddDate(0, 0, -n).Format("02/01/2006") + " 08:00" }
	good := "Ngày;Nội dung;Liên kết;Sắc thái\n" +
		day(3) + ";Tai nạn giao thông nghiêm trọng trên quốc lộ 14 làm một người tử vong;https://facebook.com/xa/posts/1;\n" +
		day(2) + ";\"Ngày hội đại đoàn kết\ntoàn dân tộc\";https://facebook.com/xa/posts/2;tích cực\n" +
		day(1) + ";Lịch tiếp công dân;https://zalo.me/s/1/?zarsrc=30;\n"
	bad := good + "hôm qua;x;javascript:alert(1);buồn\n"
	imp := func(body, query, ctype string) response {
		return e.do(request{method: "POST", path: "/v1/outlets/xa/import" + query, body: []byte(body), key: e.keys["xa"],
			header: map[string]string{"Content-Type": ctype}})
	}
	before := e.state("xa")
	r := imp(bad, "?dry_run=true", "text/csv; charset=utf-8")
	a := r.json(t)
	if r.Status != 200 || a["rows"].(float64) != 4 || a["posts"].(float64) != 3 || len(a["preview"].([]any)) != 3 || len(a["errors"].([]any)) != 3 {
		t.Fatalf("preview: %d %s", r.Status, r.Body)
	}
	first := a["preview"].([]any)[0].(map[string]any)
	if first["label"] != string(policy.Negative) || first["line"].(float64) != 2 || len(first["evidence"].([]any)) == 0 {
		t.Fatalf("preview row: %v", first)
	}
	for _, x := range a["errors"].([]any) {
		if x.(map[string]any)["line"].(float64) != 6 || x.(map[string]any)["message"] == "" {
			t.Fatalf("row error: %v", x)
		}
	}
	r = imp(bad, "?complete=true", "text/csv")
	if r.Status != http.StatusUnprocessableEntity || r.errorCode(t) != "import_invalid" || len(r.json(t)["error"].(map[string]any)["rows"].([]any)) != 3 {
		t.Fatalf("a file with a bad row: %d %s", r.Status, r.Body)
	}
	if s := e.state("xa"); s != before {
		t.Fatalf("a preview and a refused import changed %+v → %+v", before, s)
	}
	id := "wh_import_1"
	r = e.do(request{method: "POST", path: "/v1/outlets/xa/import?complete=true", body: []byte(good), key: e.keys["xa"], webhookID: id,
		header: map[string]string{"Content-Type": "text/csv"}})
	if r.Status != 200 || len(r.json(t)["result"].(map[string]any)["added"].([]any)) != 3 {
		t.Fatalf("import: %d %s", r.Status, r.Body)
	}
	if s := e.state("xa"); s.counts.Published != 3 || s.counts.Negative != 1 || s.counts.Positive != 1 {
		t.Fatalf("after the import: %+v", s.counts)
	}
	r = e.do(request{method: "POST", path: "/v1/outlets/xa/import?complete=true", body: []byte(good), key: e.keys["xa"], webhookID: id,
		header: map[string]string{"Content-Type": "text/csv"}})
	if r.Status != 200 || r.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %v", r.Status, r.Header)
	}
	// Signatures: none, another outlet's key, a preview's signature sent as
	// an import, a changed file — each refused, nothing recorded.
	e.addOutlet("other", nil)
	before = e.state("xa")
	csvHeader := map[string]string{"Content-Type": "text/csv"}
	if r := e.do(request{method: "POST", path: "/v1/outlets/xa/import", body: []byte(good), header: csvHeader}); r.Status != 401 {
		t.Fatalf("unsigned import: %d %s", r.Status, r.Body)
	}
	if r := e.do(request{method: "POST", path: "/v1/outlets/xa/import", body: []byte(good), key: e.keys["other"], header: csvHeader}); r.errorCode(t) != "signature_invalid" {
		t.Fatalf("another outlet's key: %d %s", r.Status, r.Body)
	}
	h := e.signedHeader(request{method: "POST", path: "/v1/outlets/xa/import?dry_run=true", body: []byte(good), key: e.keys["xa"]})
	for _, tc := range []struct{ path, body, code string }{
		{"/v1/outlets/xa/import?complete=true", good, "signature_target_mismatch"},
		{"/v1/outlets/xa/import?dry_run=true", good + day(1) + ";Bài chèn thêm;https://a.vn/x;\n", "signature_invalid"},
	} {
		req := httptest.NewRequest("POST", tc.path, strings.NewReader(tc.body))
		for k, v := range h {
			req.Header[k] = v
		}
		req.Header.Set("Content-Type", "text/csv")
		w := httptest.NewRecorder()
		e.engine.ServeHTTP(w, req)
		if w.Code != 401 || !strings.Contains(w.Body.String(), tc.code) {
			t.Errorf("%s: %d %s, want %s", tc.path, w.Code, w.Body, tc.code)
		}
	}
	if s := e.state("xa"); s != before {
		t.Fatalf("refused imports changed %+v → %+v", before, s)
	}
	for _, tc := range []struct{ body, query, ctype, code string }{
		{good, "", "application/json", "unsupported_import_type"},
		{good, "?dry_run=yes", "text/csv", "validation_failed"},
		{"a;b\n1;2\n", "", "text/csv", "import_invalid"},
		{"PK\x03\x04junk", "?dry_run=true", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "import_invalid"},
	} {
		if r := imp(tc.body, tc.query, tc.ctype); r.errorCode(t) != tc.code {
			t.Errorf("%q %s %s: %d %s, want %s", tc.body[:min(10, len(tc.body))], tc.query, tc.ctype, r.Status, r.Body, tc.code)
		}
	}
}
