package console

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"gatekeeper/internal/testsupport/testapi"
	"gatekeeper/internal/webhook"
)

// TestWithWebhookAPI mounts the console on the webhook API's engine, as the
// service does: a signed check from the CMS is held, the manager sees it in
// the console (as the gate stored it), approves it, the CMS gets the signed
// callback, and the API reports the hold approved.
func TestWithWebhookAPI(t *testing.T) {
	e := newEnv(t, openRedis(t))
	engine, _ := testapi.Engine(t, e.st, testapi.Options{Clock: e.con.cfg.Clock, OutletTTL: time.Millisecond})
	e.con.Register(engine)
	srv := httptest.NewServer(engine)
	defer srv.Close()
	e.srv = srv // the env's helpers now talk to this engine

	body, _ := json.Marshal(map[string]any{"post": map[string]any{
		"id": "5001", "title": "Tai nạn lao động tại công trường thủy điện", "content": "<p>Một công nhân bị thương.</p>",
		"author": "phongvien.binh", "categories": []string{"Xã hội"}, "declared_tone": "negative"}})
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/outlets/"+e.a.ID+"/check", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	key, _ := webhook.DecodeSecret(e.secretA)
	webhook.SignRequest(req.Header, webhook.Target(req.Method, req.URL.RequestURI()), webhook.NewID(), e.now, body, key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var ans struct {
		Decision string `json:"decision"`
		Hold     struct {
			ID        string `json:"id"`
			ReviewURL string `json:"review_url"`
		} `json:"hold"`
	}
	json.NewDecoder(resp.Body).Decode(&ans)
	resp.Body.Close()
	if ans.Decision != "hold" || ans.Hold.ID == "" {
		t.Fatalf("check answered %d %+v", resp.StatusCode, ans)
	}

	c, csrf := e.session("mai")
	_, _, page := e.get(c, "/console/holds")
	if !strings.Contains(page, "Tai nạn lao động tại công trường thủy điện") || !strings.Contains(page, "phongvien.binh") {
		t.Fatalf("console holds: %s", textOf(page))
	}
	review := strings.TrimPrefix(ans.Hold.ReviewURL, srv.URL)
	st, _, page := e.get(c, review)
	if st != 200 || !strings.Contains(page, "Một công nhân bị thương.") || !strings.Contains(page, "Biên tập viên khai báo bài là tin tiêu cực") {
		t.Fatalf("review page %s: %d %s", review, st, textOf(page))
	}
	if st, _, _ := e.post(c, review+"/approve", url.Values{"csrf": {csrf}, "note": {"Cần thông tin cho người lao động"}}); st != http.StatusSeeOther {
		t.Fatalf("approve: %d", st)
	}
	if n, err := e.worker.RunOnce(e.ctx); err != nil || n != 1 {
		t.Fatalf("worker %d %v", n, err)
	}
	got := e.callbacks()
	if len(got) != 1 {
		t.Fatalf("CMS got %d callbacks", len(got))
	}
	if _, err := webhook.Verify(got[0].Header, got[0].Body, e.now, webhook.DeriveKey(key, webhook.PurposeCallback)); err != nil {
		t.Fatal(err)
	}
	// The API agrees.
	req, _ = http.NewRequest(http.MethodGet, srv.URL+"/v1/outlets/"+e.a.ID+"/holds/"+ans.Hold.ID, nil)
	webhook.SignRequest(req.Header, webhook.Target(req.Method, req.URL.RequestURI()), webhook.NewID(), e.now, nil, key)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `"approved"`) || !strings.Contains(string(b), "mai") {
		t.Fatalf("API hold: %d %s", resp.StatusCode, b)
	}
}
