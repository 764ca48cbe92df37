package handler_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"gatekeeper/internal/admin"
	"gatekeeper/internal/webhook"
)

// TestRotateWithoutGraceRevokesEveryPreviousSecret is the attack of a leaked
// secret: the outlet rotates (24 h of grace), the old secret leaks, the
// operator rotates again with no grace to shut it out. Every previous secret
// stops verifying at once: the leaked one as well as the middle one.
func TestRotateWithoutGraceRevokesEveryPreviousSecret(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.addOutlet("o", nil)
	leaked := e.keys["o"]
	ctx := context.Background()
	middleSecret, err := admin.RotateSecret(ctx, e.st, "o", "test", e.clock.Now(), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	middle, _ := webhook.DecodeSecret(middleSecret)
	e.clock.Advance(time.Hour)
	newSecret, err := admin.RotateSecret(ctx, e.st, "o", "test", e.clock.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	current, _ := webhook.DecodeSecret(newSecret)
	for _, k := range []struct {
		name string
		key  []byte
		want int
	}{{"leaked", leaked, http.StatusUnauthorized}, {"middle", middle, http.StatusUnauthorized}, {"new", current, http.StatusOK}} {
		if r := e.do(request{method: "GET", path: "/v1/outlets/o/share", key: k.key}); r.Status != k.want {
			t.Errorf("%s secret after a rotation with no grace: %d, want %d", k.name, r.Status, k.want)
		}
	}
}

// TestRotateGraceAppliesToEveryPreviousSecret: a second rotation within the
// first one's grace shortens every previous secret to the new grace (never
// lengthens one).
func TestRotateGraceAppliesToEveryPreviousSecret(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.addOutlet("o", nil)
	first := e.keys["o"]
	ctx := context.Background()
	s2, err := admin.RotateSecret(ctx, e.st, "o", "test", e.clock.Now(), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	second, _ := webhook.DecodeSecret(s2)
	e.clock.Advance(time.Hour)
	if _, err := admin.RotateSecret(ctx, e.st, "o", "test", e.clock.Now(), 48*time.Hour); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(22*time.Hour + 59*time.Minute)
	for name, k := range map[string][]byte{"first": first, "second": second} {
		if r := e.do(request{method: "GET", path: "/v1/outlets/o/share", key: k}); r.Status != http.StatusOK {
			t.Errorf("%s secret within its grace: %d", name, r.Status)
		}
	}
	e.clock.Advance(2 * time.Minute) // the first rotation's grace is over; the second's is not
	if r := e.do(request{method: "GET", path: "/v1/outlets/o/share", key: first}); r.Status != http.StatusUnauthorized {
		t.Errorf("first secret past its own grace: %d, want 401 (a later rotation does not lengthen it)", r.Status)
	}
	if r := e.do(request{method: "GET", path: "/v1/outlets/o/share", key: second}); r.Status != http.StatusOK {
		t.Errorf("second secret within the second grace: %d", r.Status)
	}
}

// TestRevokePreviousSecrets: an explicit revoke stops a rotated-out secret
// within its grace.
func TestRevokePreviousSecrets(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.addOutlet("o", nil)
	old := e.keys["o"]
	s, err := rotate(e, "o")
	if err != nil {
		t.Fatal(err)
	}
	current, _ := webhook.DecodeSecret(s)
	if r := e.do(request{method: "GET", path: "/v1/outlets/o/share", key: old}); r.Status != http.StatusOK {
		t.Fatalf("old secret within its grace: %d", r.Status)
	}
	n, err := admin.RevokePreviousSecrets(context.Background(), e.st, "o", "test", e.clock.Now())
	if err != nil || n != 1 {
		t.Fatalf("RevokePreviousSecrets = %d, %v; want 1", n, err)
	}
	if r := e.do(request{method: "GET", path: "/v1/outlets/o/share", key: old}); r.Status != http.StatusUnauthorized {
		t.Errorf("old secret after revoke: %d, want 401", r.Status)
	}
	if r := e.do(request{method: "GET", path: "/v1/outlets/o/share", key: current}); r.Status != http.StatusOK {
		t.Errorf("current secret after revoke: %d", r.Status)
	}
}
