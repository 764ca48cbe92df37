package console

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport"
)

// loginT0 is when the sign-in tests run (testsupport.Now may move it).
var loginT0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

// signIn posts the sign-in form from addr (X-Forwarded-For; the test router
// trusts it) and returns the status and the Retry-After header.
func (e *env) signIn(user, password, addr string) (int, string) {
	e.t.Helper()
	form := url.Values{"username": {user}, "password": {password}}
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/console/login", strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", addr)
	resp, err := anonymous().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// TestLoginAttemptsAreReservedBeforeHashing is the race of a burst: 60
// wrong passwords for one user from one address at once. Each attempt is
// reserved in the store before its password is derived, so no more are
// tried than the limits allow. The right password, sent after the burst
// while the clock stands still, waits like any other: knowing it does not
// skip the throttle. (It is not sent inside the burst: a sign-in that
// succeeds starts the username over, so the bound would depend on when the
// scheduler ran it.)
func TestLoginAttemptsAreReservedBeforeHashing(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		// The clock stands still during the burst, so no wait runs out.
		e.con.cfg.Clock = clock.Fixed(testsupport.Now(t, loginT0))
		limit := min(e.con.cfg.AddrFailures, e.con.cfg.UserFailures)
		before := derivations.Load()
		var wg sync.WaitGroup
		var mu sync.Mutex
		statuses := map[int]int{}
		for i := range 60 {
			pw := "sai-mat-khau-" + strconv.Itoa(i)
			wg.Go(func() {
				st, _ := e.signIn("victim", pw, "198.51.100.9")
				mu.Lock()
				statuses[st]++
				mu.Unlock()
			})
		}
		wg.Wait()
		tried := derivations.Load() - before
		if tried > limit {
			t.Errorf("%d passwords were derived for 60 simultaneous sign-ins; the limits allow %d (answers %v)", tried, limit, statuses)
		}
		if statuses[http.StatusTooManyRequests] < 60-int(limit) {
			t.Errorf("answers %v: want at least %d refused with 429", statuses, 60-limit)
		}
		for code := range statuses {
			if code != http.StatusTooManyRequests && code != http.StatusUnauthorized {
				t.Errorf("answers %v: unexpected %d", statuses, code)
			}
		}
		before = derivations.Load()
		if code, after := e.signIn("victim", testPassword, "198.51.100.9"); code != http.StatusTooManyRequests || after == "" {
			t.Errorf("the right password after the burst: %d (Retry-After %q), want 429 with Retry-After", code, after)
		}
		if n := derivations.Load() - before; n != 0 {
			t.Errorf("the right password after the burst was derived %d times while throttled", n)
		}
	})
}

// TestLoginFailuresFromManyAddressesDoNotLockOut: five wrong passwords for
// one username from five addresses slow its sign-ins down for seconds, in
// growing steps; they do not lock the real user out, and no password at all
// is needed to cause it, so a long lock would be a denial of service.
func TestLoginFailuresFromManyAddressesDoNotLockOut(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		clk := clock.NewManual(testsupport.Now(t, loginT0))
		e.con.cfg.Clock = clk.Clock()
		var waits []time.Duration
		for i := range 8 {
			addr := "203.0.113." + strconv.Itoa(10+i)
			code, after := e.signIn("victim", "sai-mat-khau-1", addr)
			if code == http.StatusTooManyRequests {
				secs, err := strconv.Atoi(after)
				if err != nil || secs <= 0 {
					t.Fatalf("attempt %d: 429 with Retry-After %q", i, after)
				}
				if wait := time.Duration(secs) * time.Second; wait > time.Minute {
					t.Fatalf("attempt %d from a fresh address: the username is locked for %v", i, wait)
				}
				waits = append(waits, time.Duration(secs)*time.Second)
				clk.Advance(time.Duration(secs) * time.Second)
				code, _ = e.signIn("victim", "sai-mat-khau-1", addr)
			}
			if code != http.StatusUnauthorized {
				t.Fatalf("attempt %d from %s: %d, want 401 (tried after waiting)", i, addr, code)
			}
		}
		if len(waits) == 0 {
			t.Fatalf("eight wrong passwords for one username were never slowed down")
		}
		for i := 1; i < len(waits); i++ {
			if waits[i] <= waits[i-1] && waits[i] < e.con.cfg.UserDelayMax {
				t.Errorf("waits %v do not grow", waits)
			}
		}
		// The real user, from their own address, waits at most the longest
		// delay and then signs in.
		code, after := e.signIn("victim", testPassword, "192.0.2.44")
		if code == http.StatusTooManyRequests {
			secs, _ := strconv.Atoi(after)
			if wait := time.Duration(secs) * time.Second; wait > time.Minute {
				t.Fatalf("the real user is told to wait %v after others' wrong passwords", wait)
			}
			clk.Advance(time.Duration(secs) * time.Second)
			code, _ = e.signIn("victim", testPassword, "192.0.2.44")
		}
		if code != http.StatusSeeOther {
			t.Fatalf("the real user's sign-in: %d, want 303", code)
		}
		// Signed in: the username's count starts over.
		if code, _ := e.signIn("victim", "sai-mat-khau-2", "203.0.113.99"); code != http.StatusUnauthorized {
			t.Fatalf("a wrong password after a good sign-in: %d, want 401 (not slowed)", code)
		}
	})
}

// TestLoginAddressLimitStays: one address is refused past its limit for the
// whole window, whichever usernames it tries, and a good sign-in from it
// does not count against it.
func TestLoginAddressLimitStays(t *testing.T) {
	eachStore(t, func(t *testing.T, st store.Store) {
		e := newEnv(t, st)
		clk := clock.NewManual(testsupport.Now(t, loginT0))
		e.con.cfg.Clock = clk.Clock()
		const addr = "198.51.100.77"
		for range 3 {
			if code, _ := e.signIn("victim", testPassword, addr); code != http.StatusSeeOther {
				t.Fatalf("good sign-in: %d", code)
			}
		}
		for i := range e.con.cfg.AddrFailures {
			if code, _ := e.signIn("user"+strconv.Itoa(int(i)), "sai-mat-khau-1", addr); code != http.StatusUnauthorized {
				t.Fatalf("wrong password %d: %d, want 401", i, code)
			}
		}
		code, after := e.signIn("victim", testPassword, addr)
		if code != http.StatusTooManyRequests {
			t.Fatalf("past the address limit: %d, want 429", code)
		}
		if secs, _ := strconv.Atoi(after); time.Duration(secs)*time.Second < e.con.cfg.FailureWindow-time.Minute {
			t.Fatalf("address refused for %ss, want about the window %v", after, e.con.cfg.FailureWindow)
		}
		clk.Advance(e.con.cfg.FailureWindow + time.Second)
		if code, _ := e.signIn("victim", testPassword, addr); code != http.StatusSeeOther {
			t.Fatalf("after the window: %d, want 303", code)
		}
	})
}

// TestUserDelays: the table of waits per attempt of one username.
func TestUserDelays(t *testing.T) {
	for _, tc := range []struct {
		free      int64
		base, max time.Duration
		want      []time.Duration
	}{
		{5, time.Second, time.Minute, []time.Duration{0, 0, 0, 0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second,
			16 * time.Second, 32 * time.Second, time.Minute}},
		{1, 10 * time.Second, 30 * time.Second, []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second}},
		{2, time.Minute, time.Minute, []time.Duration{0, time.Minute}},
	} {
		got := userDelays(tc.free, tc.base, tc.max)
		if len(got) != len(tc.want) {
			t.Errorf("userDelays(%d, %v, %v) = %v, want %v", tc.free, tc.base, tc.max, got, tc.want)
			continue
		}
		for i := range got {
			if got[i] != tc.want[i] {
				t.Errorf("userDelays(%d, %v, %v) = %v, want %v", tc.free, tc.base, tc.max, got, tc.want)
				break
			}
		}
	}
}
