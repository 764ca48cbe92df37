package handler_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"gatekeeper/internal/redistest"
	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport/testapi"
	"gatekeeper/policy/classify"
)

// classifierEnv is an env whose service runs the real classifier.
func classifierEnv(t *testing.T) *env { return classifierEnvOn(t, sqliteStore(t)) }

// classifierEnvOn is classifierEnv on st.
func classifierEnvOn(t *testing.T, st store.Store) *env {
	e := newEnv(t, st)
	engine, _ := testapi.Engine(t, st, testapi.Options{Classifier: classify.Default(), Clock: e.clock.Clock(), StoreTimeout: 10 * time.Second})
	e.engine = engine
	return e
}

// The service's check runs the real classifier: a clearly negative post with
// no declared tone is counted negative, and the answer shows the words.
func TestCheckUsesTheClassifier(t *testing.T) {
	e := classifierEnv(t)
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

// The text decides the language: the same Vietnamese negative post, with the
// language absent or declared vi, en, fr or EN-us (or only the site locale
// en_US), gets the same tone and decision; when the declared language was
// not the one used, the answer says so (language_detected) in the reader's
// language.
func TestDeclaredLanguageIsAHint(t *testing.T) {
	e := classifierEnv(t)
	const title = "Tai nạn giao thông nghiêm trọng khiến 3 người tử vong, hai xe bốc cháy"
	const excerpt = "Chiều qua trên quốc lộ 14, xe tải va chạm với xe khách, 3 người chết tại chỗ, nhiều người bị thương."
	cases := []struct {
		name, language, locale string
		detected               bool
	}{
		{"absent", "", "", false},
		{"vi", "vi", "", false},
		{"en", "en", "", true},
		{"fr", "fr", "", true},
		{"EN-us", "EN-us", "", true},
		{"site locale en_US", "", "en_US", false},
	}
	var first map[string]any
	for i, tc := range cases {
		outlet := "o" + itoa(i)
		// Every case on its own outlet at the same counts: 24 published, 3
		// negative, so a negative post (4/25 = 16%) is held.
		e.addOutlet(outlet, nil)
		e.seed(outlet, 24, 3, "s")
		post := map[string]any{"id": "crash", "title": title, "excerpt": excerpt}
		if tc.language != "" {
			post["language"] = tc.language
		}
		if tc.locale != "" {
			post["site_locale"] = tc.locale
		}
		body, _ := json.Marshal(map[string]any{"post": post})
		for _, accept := range []string{"vi", "en"} {
			r := e.do(request{method: "POST", path: "/v1/outlets/" + outlet + "/check", body: body, key: e.keys[outlet],
				header: map[string]string{"Accept-Language": accept}})
			if r.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", tc.name, r.Status, r.Body)
			}
			a := r.json(t)
			tone := a["tone"].(map[string]any)
			if a["language"] != "vi" || tone["label"] != "negative" || a["decision"] != "hold" {
				t.Fatalf("%s: language %v, tone %v, decision %v; want vi, negative, hold: %s", tc.name, a["language"], tone["label"], a["decision"], r.Body)
			}
			if first == nil {
				first = a
			} else if tone["score"] != first["tone"].(map[string]any)["score"] || tone["borderline"] != first["tone"].(map[string]any)["borderline"] {
				t.Errorf("%s: tone %v, without a language %v", tc.name, tone, first["tone"])
			}
			var msg string
			for _, rs := range a["reasons"].([]any) {
				if m := rs.(map[string]any); m["code"] == "language_detected" {
					msg = m["message"].(string)
				}
			}
			if (msg != "") != tc.detected {
				t.Errorf("%s: language_detected reason %q, want present=%v", tc.name, msg, tc.detected)
			}
			if tc.detected {
				want := "tiếng Việt"
				if accept == "en" {
					want = "Vietnamese"
				}
				if !strings.Contains(msg, want) || !strings.Contains(msg, tc.language) {
					t.Errorf("%s (%s): reason %q should name %q and the declared %q", tc.name, accept, msg, want, tc.language)
				}
			}
		}
	}
	// An English post declared Vietnamese is read as English.
	e.addOutlet("en", nil)
	body := []byte(`{"post": {"id": "en1", "language": "vi", "title": "Two killed as gunman opens fire at a shopping mall",
		"excerpt": "Police said the suspect was arrested after the shooting."}}`)
	a := e.do(request{method: "POST", path: "/v1/outlets/en/check", body: body, key: e.keys["en"]}).json(t)
	if a["language"] != "en" || a["tone"].(map[string]any)["label"] != "negative" {
		t.Fatalf("English post declared vi: %v %v", a["language"], a["tone"])
	}
	// A language that is not a tag is refused, with the field named.
	bad := []byte(`{"post": {"id": "x1", "title": "Tin", "language": "tiếng Việt"}}`)
	r := e.do(request{method: "POST", path: "/v1/outlets/en/check", body: bad, key: e.keys["en"]})
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "post.language") {
		t.Fatalf("bad language tag: %d %s", r.Status, r.Body)
	}
}

// TestReplayKeepsTheEvidence: a repeated webhook id gets the first answer,
// byte for byte, with the classifier's evidence for tone and headline (kept
// for the replay in the short form), on the embedded store and on Redis;
// once counted and once held.
func TestReplayKeepsTheEvidence(t *testing.T) {
	for name, st := range map[string]func(*testing.T) store.Store{
		"sqlite": sqliteStore,
		"redis":  func(t *testing.T) store.Store { return redisStore(t, redistest.Start(t, redistest.Options{}).URL()) },
	} {
		t.Run(name, func(t *testing.T) {
			e := classifierEnvOn(t, st(t))
			e.addOutlet("o", nil)
			e.seed("o", 100, 14, "s") // 15 of 101 is under 15%, 16 of 102 is not
			for i, want := range []string{"warn", "hold"} {
				body := []byte(`{"post": {"id": "r` + itoa(i) + `", "title": "SỐC: Tai nạn giao thông nghiêm trọng trên quốc lộ 14, 3 người tử vong?",
					"content": "<p>Xe khách va chạm xe tải chở gỗ, 3 người tử vong, 5 người bị thương nặng. Công an điều tra, phong tỏa hiện trường.</p>"}}`)
				req := request{method: "POST", path: "/v1/outlets/o/check", body: body, key: e.keys["o"], webhookID: "msg_replay" + itoa(i)}
				first := e.do(req)
				a := first.json(t)
				tone, headline := a["tone"].(map[string]any), a["sensational"].(map[string]any)
				if first.Status != 200 || a["decision"] != want || len(tone["evidence"].([]any)) < 3 || len(headline["evidence"].([]any)) < 2 {
					t.Fatalf("check %d: want %s with evidence: %s", i, want, first.Body)
				}
				again := e.do(req)
				if again.Status != 200 || again.json(t)["replayed"] != true {
					t.Fatalf("replay %d: %s", i, again.Body)
				}
				if got, want := strings.Replace(string(again.Body), `,"replayed":true`, "", 1), string(first.Body); got != want {
					t.Fatalf("replay %d differs:\n got %s\nwant %s", i, got, want)
				}
			}
		})
	}
}
