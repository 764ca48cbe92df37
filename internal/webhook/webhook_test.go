package webhook

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The example from the Standard Webhooks specification's test vectors.
func TestSignMatchesTheSpecification(t *testing.T) {
	key, err := DecodeSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
	if err != nil {
		t.Fatal(err)
	}
	got := Sign(key, "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func headers(id string, ts time.Time, sig string) http.Header {
	h := http.Header{}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, sig)
	return h
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	k1, k2, other := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32), bytes.Repeat([]byte{3}, 32)
	body := []byte(`{"post":{"id":"1","title":"Tin"}}`)
	good := Sign(k1, "msg_1", now, body)
	tests := []struct {
		name string
		h    http.Header
		body []byte
		keys [][]byte
		want error
	}{
		{"valid", headers("msg_1", now, good), body, [][]byte{k1}, nil},
		{"second of two keys (rotation)", headers("msg_1", now, good), body, [][]byte{k2, k1}, nil},
		{"one of several signatures", headers("msg_1", now, "v1,AAAA "+Sign(k2, "msg_1", now, body)+" v1a,xyz"), body, [][]byte{k2}, nil},
		{"4 minutes old", headers("msg_1", now.Add(-4*time.Minute), Sign(k1, "msg_1", now.Add(-4*time.Minute), body)), body, [][]byte{k1}, nil},
		{"6 minutes old", headers("msg_1", now.Add(-6*time.Minute), Sign(k1, "msg_1", now.Add(-6*time.Minute), body)), body, [][]byte{k1}, ErrTooOld},
		{"6 minutes ahead", headers("msg_1", now.Add(6*time.Minute), Sign(k1, "msg_1", now.Add(6*time.Minute), body)), body, [][]byte{k1}, ErrTooNew},
		{"wrong key", headers("msg_1", now, good), body, [][]byte{other}, ErrNoMatch},
		{"body changed", headers("msg_1", now, good), append([]byte(" "), body...), [][]byte{k1}, ErrNoMatch},
		{"id changed", headers("msg_2", now, good), body, [][]byte{k1}, ErrNoMatch},
		{"wrong version", headers("msg_1", now, "v2,"+good[3:]), body, [][]byte{k1}, ErrNoMatch},
		{"not base64", headers("msg_1", now, "v1,@@@"), body, [][]byte{k1}, ErrNoMatch},
		{"no keys", headers("msg_1", now, good), body, nil, ErrNoMatch},
		{"missing signature", headers("msg_1", now, ""), body, [][]byte{k1}, ErrMissingHeaders},
		{"timestamp not a number", func() http.Header { h := headers("msg_1", now, good); h.Set(HeaderTimestamp, "soon"); return h }(), body, [][]byte{k1}, ErrBadTimestamp},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := Verify(tc.h, tc.body, now, tc.keys...)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
			if err == nil && id != "msg_1" {
				t.Fatalf("id %q", id)
			}
		})
	}
}

func TestSecrets(t *testing.T) {
	s, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if k, err := DecodeSecret(s); err != nil || len(k) != 32 {
		t.Fatalf("fresh secret %q: %v", s, err)
	}
	for _, bad := range []string{"", "whsec_", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not base64!", "whsec_" + base64.StdEncoding.EncodeToString([]byte("short"))} {
		if _, err := DecodeSecret(bad); err == nil {
			t.Errorf("DecodeSecret(%q) accepted", bad)
		}
	}
}

// Verify never panics and never accepts a header it was not given a
// signature for, whatever the headers hold.
func FuzzVerify(f *testing.F) {
	f.Add("msg_1", "1800000000", "v1,abc", []byte("{}"))
	f.Add("", "", "", []byte(nil))
	f.Add("msg_1", "-1", "v1, v1,,, v1a,x", []byte("x"))
	key := bytes.Repeat([]byte{9}, 32)
	now := time.Unix(1_800_000_000, 0)
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := http.Header{}
		h.Set(HeaderID, id)
		h.Set(HeaderTimestamp, ts)
		h.Set(HeaderSignature, sig)
		if _, err := Verify(h, body, now, key); err == nil {
			// Only a real signature can pass.
			want := mac(key, id, ts, body)
			if !bytes.Contains([]byte(sig), []byte(base64.StdEncoding.EncodeToString(want))) {
				t.Fatalf("accepted a signature it did not make: %q", sig)
			}
		}
	})
}

func TestBoundRequests(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	key := bytes.Repeat([]byte{1}, 32)
	body := []byte(`{"a":1}`)
	h := http.Header{}
	SignRequest(h, "POST /v1/outlets/a/check", "msg_1", now, body, key)
	if h.Get(HeaderTarget) != "POST /v1/outlets/a/check" {
		t.Fatalf("target header %q", h.Get(HeaderTarget))
	}
	if _, err := Verify(h, BoundPayload("POST /v1/outlets/a/check", body), now, key); err != nil {
		t.Fatalf("bound payload: %v", err)
	}
	if _, err := VerifyBound(h, "POST /v1/outlets/a/check", body, now, key); err != nil {
		t.Fatalf("VerifyBound: %v", err)
	}
	if _, err := VerifyBound(h, "POST /v1/outlets/a/sync", body, now, key); !errors.Is(err, ErrNoMatch) {
		t.Fatalf("VerifyBound of another target: %v", err)
	}
	for _, other := range [][]byte{body, BoundPayload("DELETE /v1/outlets/a/posts/1", body), BoundPayload("POST /v1/outlets/b/check", body)} {
		if _, err := Verify(h, other, now, key); !errors.Is(err, ErrNoMatch) {
			t.Fatalf("%q verified: %v", other, err)
		}
	}
	// Any Standard Webhooks signer produces it when given the bound payload.
	if got, want := h.Get(HeaderSignature), Sign(key, "msg_1", now, []byte("POST /v1/outlets/a/check\n"+string(body))); got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
}

func TestDeriveKey(t *testing.T) {
	key := bytes.Repeat([]byte{1}, 32)
	cb := DeriveKey(key, PurposeCallback)
	if bytes.Equal(cb, key) || len(cb) != 32 || bytes.Equal(cb, DeriveKey(key, "other")) {
		t.Fatalf("derived key %x", cb)
	}
	if !bytes.Equal(cb, DeriveKey(key, PurposeCallback)) {
		t.Fatal("derivation is not deterministic")
	}
	// The same value in PHP: base64_encode(hash_hmac('sha256', 'gatekeeper:callback', str_repeat("\x01", 32), true)).
	if got := base64.StdEncoding.EncodeToString(cb); got != derivedVector {
		t.Fatalf("derived key %s, want %s", got, derivedVector)
	}
}

func TestPrecheckIDs(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, tc := range []struct {
		id   string
		want error
	}{
		{"msg_2a9f", nil},
		{"msg_p5jXN8AQM9LWM0D4loKWxJek", nil},
		{"a.b:c~d+e/f=g-h_", nil},
		{strings.Repeat("x", MaxIDLength), nil},
		{strings.Repeat("x", MaxIDLength+1), ErrBadID},
		{"msg 1", ErrBadID},
		{"msg\n1", ErrBadID},
		{"msg_é", ErrBadID},
		{"{o:x}*", ErrBadID},
	} {
		_, err := Precheck(headers(tc.id, now, "v1,AAAA"), now)
		if !errors.Is(err, tc.want) && !(tc.want == nil && err == nil) {
			t.Errorf("Precheck(%q) = %v, want %v", tc.id, err, tc.want)
		}
	}
}

// derivedVector is DeriveKey(32 × 0x01, PurposeCallback), computed by PHP's
// hash_hmac too: the plugin derives the same key.
const derivedVector = "CGWM/VuQHn4avAWFm0zHYs92/OTIuFwWeuDJEWtXccw="
