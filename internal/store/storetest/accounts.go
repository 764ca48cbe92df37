package storetest

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport"
)

// Accounts: users, sessions, sign-in failure counters and scheduled
// approvals (store.Accounts). Usernames, session ids and counter keys are
// random, so stores shared between subtests stay independent.

func testUsers(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	name := newID("u-")
	u := store.User{Username: name, Role: store.RoleManager, Outlets: []string{"a", "b"},
		PasswordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", CreatedAt: T0, UpdatedAt: T0}
	if _, err := st.GetUser(ctx, name); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetUser of an unknown user = %v, want ErrNotFound", err)
	}
	if err := st.UpdateUser(ctx, u); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("UpdateUser of an unknown user = %v, want ErrNotFound", err)
	}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if err := st.CreateUser(ctx, u); !errors.Is(err, store.ErrExists) {
		t.Fatalf("second CreateUser = %v, want ErrExists", err)
	}
	got, err := st.GetUser(ctx, name)
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if got.Username != name || got.Role != store.RoleManager || !slices.Equal(got.Outlets, u.Outlets) ||
		got.PasswordHash != u.PasswordHash || !got.CreatedAt.Equal(T0) {
		t.Fatalf("GetUser = %+v, want %+v", got, u)
	}
	u.Role, u.Outlets, u.UpdatedAt = store.RoleAuditor, nil, T0.Add(time.Hour)
	if err := st.UpdateUser(ctx, u); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	if got, _ := st.GetUser(ctx, name); got.Role != store.RoleAuditor || len(got.Outlets) != 0 || !got.UpdatedAt.Equal(u.UpdatedAt) {
		t.Fatalf("after UpdateUser: %+v", got)
	}
	other := store.User{Username: newID("u-"), Role: store.RoleAdmin, PasswordHash: "x", CreatedAt: T0, UpdatedAt: T0}
	if err := st.CreateUser(ctx, other); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	all, err := st.ListUsers(ctx)
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	var names []string
	for _, x := range all {
		names = append(names, x.Username)
	}
	if !slices.Contains(names, name) || !slices.Contains(names, other.Username) || !slices.IsSorted(names) {
		t.Fatalf("ListUsers = %v: want both users, sorted", names)
	}
	if err := st.DeleteUser(ctx, name); err != nil {
		t.Fatalf("DeleteUser: %v", err)
	}
	if _, err := st.GetUser(ctx, name); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetUser after DeleteUser = %v, want ErrNotFound", err)
	}
	if err := st.DeleteUser(ctx, name); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second DeleteUser = %v, want ErrNotFound", err)
	}
}

func testSessions(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	name := newID("u-")
	if err := st.CreateUser(ctx, store.User{Username: name, Role: store.RoleAdmin, PasswordHash: "x", CreatedAt: T0}); err != nil {
		t.Fatal(err)
	}
	now := testsupport.Now(t, T0)
	s1 := store.Session{ID: newID("s-"), Username: name, CSRF: "tok1", Created: now, Expires: now.Add(time.Hour)}
	s2 := store.Session{ID: newID("s-"), Username: name, CSRF: "tok2", Created: now, Expires: now.Add(time.Hour)}
	for _, s := range []store.Session{s1, s2} {
		if err := st.PutSession(ctx, s); err != nil {
			t.Fatalf("PutSession: %v", err)
		}
	}
	got, err := st.GetSession(ctx, s1.ID, now)
	if err != nil {
		t.Fatalf("GetSession: %v", err)
	}
	if got.ID != s1.ID || got.Username != name || got.CSRF != "tok1" || !got.Expires.Equal(s1.Expires.Truncate(time.Millisecond)) && !got.Expires.Equal(s1.Expires) {
		t.Fatalf("GetSession = %+v, want %+v", got, s1)
	}
	// Expired at a later now.
	if _, err := st.GetSession(ctx, s1.ID, now.Add(2*time.Hour)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetSession after expiry = %v, want ErrNotFound", err)
	}
	// Extended.
	s1.Expires = now.Add(3 * time.Hour)
	if err := st.PutSession(ctx, s1); err != nil {
		t.Fatalf("PutSession (extend): %v", err)
	}
	if _, err := st.GetSession(ctx, s1.ID, now.Add(2*time.Hour)); err != nil {
		t.Fatalf("GetSession after extension: %v", err)
	}
	if err := st.DeleteSession(ctx, s1.ID); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	if _, err := st.GetSession(ctx, s1.ID, now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetSession after DeleteSession = %v, want ErrNotFound", err)
	}
	if err := st.DeleteSession(ctx, s1.ID); err != nil {
		t.Fatalf("DeleteSession of a gone session: %v", err)
	}
	// Ending all of a user's sessions, and deleting the user, leaves none.
	s3 := store.Session{ID: newID("s-"), Username: name, CSRF: "tok3", Created: now, Expires: now.Add(time.Hour)}
	if err := st.PutSession(ctx, s3); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteUserSessions(ctx, name); err != nil {
		t.Fatalf("DeleteUserSessions: %v", err)
	}
	for _, id := range []string{s2.ID, s3.ID} {
		if _, err := st.GetSession(ctx, id, now); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("GetSession after DeleteUserSessions = %v, want ErrNotFound", err)
		}
	}
	s4 := store.Session{ID: newID("s-"), Username: name, CSRF: "tok4", Created: now, Expires: now.Add(time.Hour)}
	if err := st.PutSession(ctx, s4); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteUser(ctx, name); err != nil {
		t.Fatal(err)
	}
	if _, err := st.GetSession(ctx, s4.ID, now); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetSession after DeleteUser = %v, want ErrNotFound", err)
	}
}

func testLoginAttempts(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	key := newID("addr:")
	now := testsupport.Now(t, T0).Truncate(time.Millisecond)
	limited := store.LoginRule{Limit: 3, Window: 10 * time.Minute}
	for i := int64(1); i <= 3; i++ {
		a, err := st.ReserveLoginAttempt(ctx, key, now.Add(time.Duration(i)*time.Second), limited)
		if err != nil || !a.Allowed || a.Count != i {
			t.Fatalf("ReserveLoginAttempt #%d = %+v, %v; want allowed, count %d", i, a, err, i)
		}
	}
	// The limit: refused until the fixed window (from the first attempt) ends,
	// and a refusal changes nothing.
	reset := now.Add(time.Second + 10*time.Minute)
	for range 2 {
		a, err := st.ReserveLoginAttempt(ctx, key, now.Add(5*time.Minute), limited)
		if err != nil || a.Allowed || a.Count != 3 || !a.RetryAt.Equal(reset) {
			t.Fatalf("ReserveLoginAttempt past the limit = %+v, %v; want refused, count 3, retry at %v", a, err, reset)
		}
	}
	// Another key is independent.
	if a, err := st.ReserveLoginAttempt(ctx, key+"x", now, limited); err != nil || !a.Allowed || a.Count != 1 {
		t.Fatalf("another key = %+v, %v", a, err)
	}
	// A released attempt can be taken again.
	if err := st.ReleaseLoginAttempt(ctx, key); err != nil {
		t.Fatalf("ReleaseLoginAttempt: %v", err)
	}
	if a, err := st.ReserveLoginAttempt(ctx, key, now.Add(6*time.Minute), limited); err != nil || !a.Allowed || a.Count != 3 {
		t.Fatalf("after a release = %+v, %v; want allowed, count 3", a, err)
	}
	// After the window the count starts over.
	if a, err := st.ReserveLoginAttempt(ctx, key, reset, limited); err != nil || !a.Allowed || a.Count != 1 {
		t.Fatalf("after the window = %+v, %v; want allowed, count 1", a, err)
	}
	if err := st.ResetLoginAttempts(ctx, key); err != nil {
		t.Fatalf("ResetLoginAttempts: %v", err)
	}
	if a, err := st.ReserveLoginAttempt(ctx, key, reset, limited); err != nil || a.Count != 1 {
		t.Fatalf("after a reset = %+v, %v; want count 1", a, err)
	}
	// Releasing a key with nothing reserved is harmless.
	if err := st.ReleaseLoginAttempt(ctx, newID("addr:")); err != nil {
		t.Fatalf("ReleaseLoginAttempt of a new key: %v", err)
	}

	// Delays: after the n-th attempt the next waits Delays[n-1] (the last
	// entry from then on); a refused attempt does not move the wait.
	user := newID("user:")
	slow := store.LoginRule{Window: time.Hour, Delays: []time.Duration{0, 2 * time.Second, 4 * time.Second}}
	at := now
	for i, wait := range []time.Duration{0, 2 * time.Second, 4 * time.Second, 4 * time.Second} {
		a, err := st.ReserveLoginAttempt(ctx, user, at, slow)
		if err != nil || !a.Allowed || a.Count != int64(i+1) {
			t.Fatalf("attempt %d at +%v = %+v, %v; want allowed", i+1, at.Sub(now), a, err)
		}
		if wait > 0 {
			early := at.Add(wait - time.Millisecond)
			a, err := st.ReserveLoginAttempt(ctx, user, early, slow)
			if err != nil || a.Allowed || !a.RetryAt.Equal(at.Add(wait)) {
				t.Fatalf("attempt %d too early = %+v, %v; want refused until %v", i+2, a, err, at.Add(wait))
			}
		}
		at = at.Add(wait)
	}
}

// testLoginAttemptsAtOnce: simultaneous reservations are counted one after
// another, so no more are allowed than the limit.
func testLoginAttemptsAtOnce(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	key := newID("addr:")
	now := testsupport.Now(t, T0)
	rule := store.LoginRule{Limit: 5, Window: 10 * time.Minute}
	var allowed atomic.Int64
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			a, err := st.ReserveLoginAttempt(ctx, key, now, rule)
			if err != nil {
				t.Error(err)
				return
			}
			if a.Allowed {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != rule.Limit {
		t.Fatalf("%d of 40 simultaneous attempts allowed, want the limit %d", n, rule.Limit)
	}
}

func testScheduledApprovals(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	ctx := e.ctx
	o2 := e.createOutlet()
	a1 := store.ScheduledApproval{Outlet: e.o.ID, HoldID: newID("h-"), At: T0.Add(2 * time.Hour), Reviewer: "mai", Note: "đủ điều kiện", CreatedAt: T0}
	a2 := store.ScheduledApproval{Outlet: e.o.ID, HoldID: newID("h-"), At: T0.Add(time.Hour), Reviewer: "lan", Note: "ok", CreatedAt: T0}
	a3 := store.ScheduledApproval{Outlet: o2.ID, HoldID: newID("h-"), At: T0.Add(90 * time.Minute), Reviewer: "lan", Note: "ok", CreatedAt: T0}
	for _, a := range []store.ScheduledApproval{a1, a2, a3} {
		if err := e.st.ScheduleApproval(ctx, a); err != nil {
			t.Fatalf("ScheduleApproval: %v", err)
		}
	}
	list, err := e.st.ListScheduledApprovals(ctx, e.o.ID)
	if err != nil {
		t.Fatalf("ListScheduledApprovals: %v", err)
	}
	if len(list) != 2 || list[0].HoldID != a2.HoldID || list[1].HoldID != a1.HoldID {
		t.Fatalf("ListScheduledApprovals = %+v, want a2, a1", list)
	}
	if got := list[1]; got.Reviewer != "mai" || got.Note != "đủ điều kiện" || !got.At.Equal(a1.At) || got.Outlet != e.o.ID {
		t.Fatalf("scheduled approval = %+v, want %+v", got, a1)
	}
	mine := func(due []store.ScheduledApproval) []string {
		var ids []string
		for _, a := range due {
			if a.Outlet == e.o.ID || a.Outlet == o2.ID {
				ids = append(ids, a.HoldID)
			}
		}
		return ids
	}
	due, err := e.st.DueApprovals(ctx, T0.Add(95*time.Minute), 1000)
	if err != nil {
		t.Fatalf("DueApprovals: %v", err)
	}
	if ids := mine(due); !slices.Equal(ids, []string{a2.HoldID, a3.HoldID}) {
		t.Fatalf("DueApprovals = %v, want [a2 a3] earliest first", ids)
	}
	// Replacing moves it.
	a2.At = T0.Add(3 * time.Hour)
	if err := e.st.ScheduleApproval(ctx, a2); err != nil {
		t.Fatal(err)
	}
	due, _ = e.st.DueApprovals(ctx, T0.Add(95*time.Minute), 1000)
	if ids := mine(due); !slices.Equal(ids, []string{a3.HoldID}) {
		t.Fatalf("DueApprovals after rescheduling = %v, want [a3]", ids)
	}
	if err := e.st.CancelScheduledApproval(ctx, o2.ID, a3.HoldID); err != nil {
		t.Fatalf("CancelScheduledApproval: %v", err)
	}
	if err := e.st.CancelScheduledApproval(ctx, o2.ID, a3.HoldID); err != nil {
		t.Fatalf("second CancelScheduledApproval: %v", err)
	}
	due, _ = e.st.DueApprovals(ctx, T0.Add(4*time.Hour), 1000)
	if ids := mine(due); !slices.Equal(ids, []string{a1.HoldID, a2.HoldID}) {
		t.Fatalf("DueApprovals = %v, want [a1 a2]", ids)
	}
	all, err := e.st.ListScheduledApprovals(ctx, "")
	if err != nil {
		t.Fatalf("ListScheduledApprovals(all): %v", err)
	}
	if ids := mine(all); len(ids) != 2 {
		t.Fatalf("ListScheduledApprovals(all) has %v of this test's, want 2", ids)
	}
	// Deleting the outlet drops its scheduled approvals.
	if err := e.st.DeleteOutlet(ctx, e.o.ID); err != nil {
		t.Fatal(err)
	}
	if list, err := e.st.ListScheduledApprovals(ctx, e.o.ID); err != nil || len(list) != 0 {
		t.Fatalf("ListScheduledApprovals after DeleteOutlet = %+v, %v; want none", list, err)
	}
}
