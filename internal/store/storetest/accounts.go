package storetest

import (
	"context"
	"errors"
	"slices"
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

func testLoginFailures(t *testing.T, open func(*testing.T) store.Store) {
	ctx := context.Background()
	st := open(t)
	key := newID("user:")
	now := testsupport.Now(t, T0)
	if n, _, err := st.LoginFailures(ctx, key, now); err != nil || n != 0 {
		t.Fatalf("LoginFailures of a new key = %d, %v; want 0", n, err)
	}
	var reset time.Time
	for i := int64(1); i <= 3; i++ {
		n, r, err := st.AddLoginFailure(ctx, key, now.Add(time.Duration(i)*time.Second), 10*time.Minute)
		if err != nil || n != i {
			t.Fatalf("AddLoginFailure #%d = %d, %v", i, n, err)
		}
		if i == 1 {
			reset = r
		} else if !r.Equal(reset) {
			t.Fatalf("the window moved: reset %v, then %v (a fixed window ends 10 min after the first failure)", reset, r)
		}
	}
	if want := now.Add(time.Second + 10*time.Minute); reset.Sub(want).Abs() > time.Second {
		t.Fatalf("reset = %v, want about %v", reset, want)
	}
	if n, r, err := st.LoginFailures(ctx, key, now.Add(5*time.Minute)); err != nil || n != 3 || !r.Equal(reset) {
		t.Fatalf("LoginFailures = %d, %v, %v; want 3, %v", n, r, err, reset)
	}
	// Another key is independent.
	if n, _, _ := st.LoginFailures(ctx, key+"x", now); n != 0 {
		t.Fatalf("another key has %d failures", n)
	}
	// After the window the count is forgotten and a new window starts.
	later := reset.Add(time.Second)
	if n, _, err := st.LoginFailures(ctx, key, later); err != nil || n != 0 {
		t.Fatalf("LoginFailures after the window = %d, %v; want 0", n, err)
	}
	if n, r, err := st.AddLoginFailure(ctx, key, later, 10*time.Minute); err != nil || n != 1 || r.Sub(later.Add(10*time.Minute)).Abs() > time.Second {
		t.Fatalf("AddLoginFailure after the window = %d, %v, %v; want 1 and a new window", n, r, err)
	}
	if err := st.ResetLoginFailures(ctx, key); err != nil {
		t.Fatalf("ResetLoginFailures: %v", err)
	}
	if n, _, err := st.LoginFailures(ctx, key, later); err != nil || n != 0 {
		t.Fatalf("LoginFailures after reset = %d, %v; want 0", n, err)
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
