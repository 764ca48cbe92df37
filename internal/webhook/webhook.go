// Package webhook signs and verifies requests the Standard Webhooks way:
// headers webhook-id, webhook-timestamp (Unix seconds) and webhook-signature
// ("v1," + base64 HMAC-SHA256 of "id.timestamp.body"; several
// space-separated signatures allowed, so a rotated secret keeps working).
//
// It uses only the standard library: the reference Go library fixes its
// tolerance and takes one secret, and the whole scheme is a few lines.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Header names.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// Tolerance is how far a timestamp may be from now, either way.
const Tolerance = 5 * time.Minute

// SecretPrefix starts every secret.
const SecretPrefix = "whsec_"

// Verification errors. All of them mean 401 to a caller.
var (
	ErrMissingHeaders = errors.New("webhook-id, webhook-timestamp and webhook-signature headers are required")
	ErrBadTimestamp   = errors.New("webhook-timestamp is not a Unix time in seconds")
	ErrTooOld         = errors.New("webhook-timestamp is too old")
	ErrTooNew         = errors.New("webhook-timestamp is too far in the future")
	ErrNoMatch        = errors.New("no signature matches")
	ErrBadSecret      = errors.New("secret must be whsec_ followed by base64 of 24 to 64 bytes")
)

// NewSecret returns a fresh random secret: "whsec_" + base64 of 32 bytes.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate secret: %w", err)
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// DecodeSecret returns the key bytes of a "whsec_" secret.
func DecodeSecret(secret string) ([]byte, error) {
	s, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, ErrBadSecret
	}
	key, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(key) < 24 || len(key) > 64 {
		return nil, ErrBadSecret
	}
	return key, nil
}

// Sign returns the "v1,…" signature of body for id and timestamp.
func Sign(key []byte, id string, ts time.Time, body []byte) string {
	return "v1," + base64.StdEncoding.EncodeToString(mac(key, id, strconv.FormatInt(ts.Unix(), 10), body))
}

// The headers' canonical forms: http.Header.Get canonicalises a key that is
// not, allocating a string on every request.
var (
	canonicalID        = http.CanonicalHeaderKey(HeaderID)
	canonicalTimestamp = http.CanonicalHeaderKey(HeaderTimestamp)
	canonicalSignature = http.CanonicalHeaderKey(HeaderSignature)
)

func mac(key []byte, id, ts string, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// SignHeaders sets the three headers on h, signing with every key given
// (several during a secret rotation).
func SignHeaders(h http.Header, id string, ts time.Time, body []byte, keys ...[]byte) {
	sigs := make([]string, 0, len(keys))
	for _, k := range keys {
		sigs = append(sigs, Sign(k, id, ts, body))
	}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, strings.Join(sigs, " "))
}

// NewID returns a fresh message id ("msg_" + 24 hex digits).
func NewID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return fmt.Sprintf("msg_%x", b)
}

// Verify checks the headers against body with any of keys, at time now. It
// returns the webhook id on success. Every comparison is constant-time.
func Verify(h http.Header, body []byte, now time.Time, keys ...[]byte) (string, error) {
	id, tsRaw, sigs := h.Get(canonicalID), h.Get(canonicalTimestamp), h.Get(canonicalSignature)
	if id == "" || tsRaw == "" || sigs == "" {
		return "", ErrMissingHeaders
	}
	ts, err := strconv.ParseInt(tsRaw, 10, 64)
	if err != nil {
		return "", ErrBadTimestamp
	}
	at := time.Unix(ts, 0)
	if now.Sub(at) > Tolerance {
		return "", ErrTooOld
	}
	if at.Sub(now) > Tolerance {
		return "", ErrTooNew
	}
	matched := 0
	for _, k := range keys {
		want := mac(k, id, tsRaw, body)
		for _, sig := range strings.Fields(sigs) {
			version, b64, ok := strings.Cut(sig, ",")
			if !ok || version != "v1" {
				continue
			}
			got, err := base64.StdEncoding.DecodeString(b64)
			if err != nil {
				continue
			}
			// hmac.Equal is constant-time; keep looking to not leak which matched.
			if hmac.Equal(got, want) {
				matched++
			}
		}
	}
	if matched == 0 {
		return "", ErrNoMatch
	}
	return id, nil
}
