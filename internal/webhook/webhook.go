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
	// HeaderTarget names the request a signature is for: "METHOD /path?query".
	// When it is present the signed payload is BoundPayload(target, body), so
	// a captured request cannot be re-aimed at another method or path.
	HeaderTarget = "webhook-target"
)

// MaxIDLength bounds a webhook id (it becomes part of a store key).
const MaxIDLength = 128

// PurposeCallback labels the key that signs Gatekeeper's callbacks to a CMS.
// Inbound requests are verified with the outlet's key itself, so a callback
// never verifies as a request to the service.
const PurposeCallback = "callback"

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
	ErrBadID          = errors.New("webhook-id must be 1 to 128 letters, digits or ._:~+/=-")
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

// DeriveKey returns the key for one purpose (PurposeCallback), derived from an
// outlet's key: HMAC-SHA256(key, "gatekeeper:" + purpose). Both ends derive it
// from the one shared secret, so no second secret has to be handed out.
func DeriveKey(key []byte, purpose string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte("gatekeeper:" + purpose))
	return h.Sum(nil)
}

// Target is the value of HeaderTarget for a request: "METHOD /path?query".
func Target(method, requestURI string) string { return method + " " + requestURI }

// BoundPayload is what is signed in place of the body when the request names
// its target: the target, a newline, the body. Any Standard Webhooks library
// signs it when given this as the payload.
func BoundPayload(target string, body []byte) []byte {
	out := make([]byte, 0, len(target)+1+len(body))
	out = append(out, target...)
	out = append(out, '\n')
	return append(out, body...)
}

// ValidID reports whether id may be used as a webhook id.
func ValidID(id string) bool {
	if id == "" || len(id) > MaxIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.IndexByte("._:~+/=-", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// Precheck checks what can be checked before the body is read: the three
// headers are there, the id is well formed and the timestamp is within
// Tolerance of now. It returns the webhook id.
func Precheck(h http.Header, now time.Time) (string, error) {
	id, tsRaw, sigs := h.Get(canonicalID), h.Get(canonicalTimestamp), h.Get(canonicalSignature)
	if id == "" || tsRaw == "" || sigs == "" {
		return "", ErrMissingHeaders
	}
	if !ValidID(id) {
		return "", ErrBadID
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
	return id, nil
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
	return macBound(key, id, ts, false, "", body)
}

// macBound is the MAC of "id.ts.body", or of "id.ts.target\nbody" when
// bound (BoundPayload), without a copy of a large body: the short parts
// before it are written in one piece.
func macBound(key []byte, id, ts string, bound bool, target string, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	n := len(id) + len(ts) + 2
	if bound {
		n += len(target) + 1
	}
	head := make([]byte, 0, n)
	head = append(append(append(append(head, id...), '.'), ts...), '.')
	if bound {
		head = append(append(head, target...), '\n')
	}
	h.Write(head)
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

// SignRequest sets the headers of a request bound to target (see
// HeaderTarget): the three Standard Webhooks headers over
// BoundPayload(target, body), and webhook-target itself.
func SignRequest(h http.Header, target, id string, ts time.Time, body []byte, keys ...[]byte) {
	SignHeaders(h, id, ts, BoundPayload(target, body), keys...)
	h.Set(HeaderTarget, target)
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
	return verifyParts(h, now, keys, false, "", body)
}

// VerifyBound is Verify of a request bound to target: the signed payload is
// BoundPayload(target, body), hashed without building it.
func VerifyBound(h http.Header, target string, body []byte, now time.Time, keys ...[]byte) (string, error) {
	return verifyParts(h, now, keys, true, target, body)
}

func verifyParts(h http.Header, now time.Time, keys [][]byte, bound bool, target string, body []byte) (string, error) {
	id, err := Precheck(h, now)
	if err != nil {
		return "", err
	}
	tsRaw, sigs := h.Get(canonicalTimestamp), h.Get(canonicalSignature)
	matched := 0
	for _, k := range keys {
		want := macBound(k, id, tsRaw, bound, target, body)
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
