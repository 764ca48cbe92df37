// Package testsupport holds helpers shared by the tests of several packages.
// Nothing in the program imports it.
package testsupport

import (
	"os"
	"testing"
	"time"
)

// NowEnv names the variable that pins the instant every time-relative test
// runs at (RFC 3339), so a whole run can be repeated at a month's end, at
// midnight or on New Year's Eve: GATEKEEPER_TEST_NOW=2026-12-31T23:59:30+07:00.
const NowEnv = "GATEKEEPER_TEST_NOW"

// Now is the instant a test runs at: GATEKEEPER_TEST_NOW when set, otherwise
// the fixed instant the test chose. Never the wall clock, so a test gives the
// same result at any hour. Fixtures are placed relative to it and expected
// results computed from it.
func Now(t testing.TB, fallback time.Time) time.Time {
	t.Helper()
	v := os.Getenv(NowEnv)
	if v == "" {
		return fallback
	}
	at, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		t.Fatalf("%s=%q: want an RFC 3339 time such as 2026-12-31T23:59:30+07:00: %v", NowEnv, v, err)
	}
	return at
}
