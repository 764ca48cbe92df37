package handler_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"gatekeeper/handler"
	"gatekeeper/internal/gate"
	"gatekeeper/internal/review"
	"gatekeeper/policy/classify"
)

// The service's check runs the real classifier: a clearly negative post with
// no declared tone is counted negative, and the answer shows the words.
func TestCheckUsesTheClassifier(t *testing.T) {
	st := sqliteStore(t)
	e := newEnv(t, st)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := &gate.Service{
		Store: st, Classifier: classify.Default(), Review: &review.Service{Store: st, Clock: e.clock.Clock()},
		Clock: e.clock.Clock(), StoreTimeout: 10 * time.Second, Log: log,
	}
	engine, err := handler.New(handler.Deps{Gate: svc, Outlets: &gate.OutletCache{Store: st}, Store: st, Log: log, Clock: e.clock.Clock(), MaxBodyBytes: 4 << 20})
	if err != nil {
		t.Fatal(err)
	}
	e.engine = engine
	e.addOutlet("o", nil)
	e.seed("o", 100, 0, "s")
	before := e.state("o").counts
	body := []byte(`{"post": {"id": "acc1", "title": "Tai nạn giao thông nghiêm trọng, 3 người tử vong",
		"content": "<p>Xe tải t&ocirc;ng xe m&aacute;y tr&ecirc;n quốc lộ 14, ba người chết tại chỗ. Công an đang điều tra.</p>"}}`)
	r := e.do(request{method: "POST", path: "/v1/outlets/o/check", body: body, key: e.keys["o"]})
	a := r.json(t)
	tone := a["tone"].(map[string]any)
	if tone["label"] != "negative" || len(tone["evidence"].([]any)) == 0 || a["counted"] != true {
		t.Fatalf("a clearly negative post: %s", r.Body)
	}
	if after := e.state("o").counts; after.Negative != before.Negative+1 {
		t.Fatalf("counted %+v → %+v, want one more negative", before, after)
	}
	// A plainly positive one is not negative.
	body = []byte(`{"post": {"id": "pos1", "title": "Học sinh huyện Đắk Glei đoạt giải nhất cuộc thi khoa học kỹ thuật"}}`)
	if a := e.do(request{method: "POST", path: "/v1/outlets/o/check", body: body, key: e.keys["o"]}).json(t); a["tone"].(map[string]any)["label"] == "negative" {
		t.Fatalf("a positive post classified negative: %v", a["tone"])
	}
}
