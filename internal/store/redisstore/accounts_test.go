package redisstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gatekeeper/internal/store"
)

// TestUserSessionSetExpires: the set of a user's session ids expires with
// the last of their sessions, so users who stop signing in leave nothing.
// TestUserSessionSetExpires watches real keys expire on the Redis server's
// clock, so it reads the wall clock.
func TestUserSessionSetExpires(t *testing.T) {
	srv := sharedServer(t)
	s := open(t, srv.URL())
	ctx := context.Background()
	name := fmt.Sprintf("u%d", time.Now().UnixNano())
	now := time.Now()
	longer := now.Add(2 * time.Hour).Truncate(time.Millisecond)
	for i, exp := range []time.Time{longer, now.Add(time.Hour)} {
		se := store.Session{ID: fmt.Sprintf("%s-%d", name, i), Username: name, CSRF: "c", Created: now, Expires: exp}
		if err := s.PutSession(ctx, se); err != nil {
			t.Fatal(err)
		}
	}
	// Keys expire on the Redis server's clock, a session's key its
	// lifetime after it was put: the set with the longest-lived one.
	at, err := s.rdb.PExpireTime(ctx, userSessKey(name)).Result()
	if err != nil {
		t.Fatal(err)
	}
	longest, err := s.rdb.PExpireTime(ctx, sessKey(name+"-0")).Result()
	if err != nil {
		t.Fatal(err)
	}
	if at != longest || longest <= 0 {
		t.Fatalf("session set expires at %v, want the longest session's end %v", at, longest)
	}
	// Short sessions: the set is gone once they are.
	short := name + "-short"
	if err := s.PutSession(ctx, store.Session{ID: short, Username: short, Created: now, Expires: time.Now().Add(150 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := s.rdb.Exists(ctx, userSessKey(short)).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the session set of a user whose sessions all ended is still there")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Ending all sessions still works on a set that expired.
	if err := s.DeleteUserSessions(ctx, short); err != nil {
		t.Fatal(err)
	}
}
