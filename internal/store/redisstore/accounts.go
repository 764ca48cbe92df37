package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/store"
)

// The console's accounts (store.Accounts). Users, sessions and sign-in
// failure counters share the hash tag {gk:acct}, so the scripts below run on
// Cluster; a scheduled approval lives with its outlet ({o:ID}:sched), so it
// goes when the outlet is deleted.
//
//	{gk:acct}:users          set     usernames
//	{gk:acct}:user:NAME      string  the user as JSON
//	{gk:acct}:sess:ID        string  a session as JSON, expiring at its end
//	{gk:acct}:usess:NAME     set     a user's session ids
//	{gk:acct}:fail:KEY       hash    count, reset (Unix ms), expiring at reset
//	{o:ID}:sched             zset    hold id by approval time (Unix ms)
//	{o:ID}:sched:doc         hash    hold id → the scheduled approval as JSON
//
// Expiry in Redis is only clean-up: sessions and counters are judged
// against the caller's now, like every other time in the store.
const acct = "{gk:acct}:"

func userKey(name string) string     { return acct + "user:" + name }
func sessKey(id string) string       { return acct + "sess:" + id }
func userSessKey(name string) string { return acct + "usess:" + name }
func failKey(key string) string      { return acct + "fail:" + key }

const usersKey = acct + "users"

func (k keys) sched() string    { return k.p + "sched" }
func (k keys) schedDoc() string { return k.p + "sched:doc" }

// createUserScript: KEYS user, users; ARGV json, name.
var createUserScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
return 1`)

// updateUserScript: KEYS user; ARGV json.
var updateUserScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
return 1`)

// deleteUserScript: KEYS user, users, usess; ARGV name, session key prefix.
var deleteUserScript = redis.NewScript(`
local n = redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[1])
for _, id in ipairs(redis.call('SMEMBERS', KEYS[3])) do redis.call('DEL', ARGV[2] .. id) end
redis.call('DEL', KEYS[3])
return n`)

// endSessionsScript: KEYS usess; ARGV session key prefix.
var endSessionsScript = redis.NewScript(`
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do redis.call('DEL', ARGV[1] .. id) end
redis.call('DEL', KEYS[1])
return 1`)

// putSessionScript: KEYS sess, usess; ARGV json, id, lifetime (ms),
// session key prefix. The key lives for the session's lifetime on the
// Redis server's clock; whether it is still valid is decided by GetSession
// on the caller's clock, so a caller's clock that differs from Redis's
// (a test's pinned instant) never loses a live session. Ids of sessions that are gone leave the user's set,
// so it holds only live sessions (and the one just added); the set itself
// expires with the last of them, so a user who never signs in again leaves
// nothing behind.
var putSessionScript = redis.NewScript(`
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('EXISTS', ARGV[4] .. id) == 0 then redis.call('SREM', KEYS[2], id) end
end
redis.call('SADD', KEYS[2], ARGV[2])
local at = redis.call('PEXPIRETIME', KEYS[1])
for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local t = redis.call('PEXPIRETIME', ARGV[4] .. id)
  if t > at then at = t end
end
redis.call('PEXPIREAT', KEYS[2], at)
return 1`)

// reserveScript: KEYS fail; ARGV now (ms), window (ms), limit, then the
// delays (ms) of store.LoginRule. Returns {allowed 0/1, count, at (ms)}:
// the time to retry at when refused, the end of the wait when allowed.
var reserveScript = redis.NewScript(`
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local v = redis.call('HMGET', KEYS[1], 'count', 'reset', 'nb')
local count, reset, nb = tonumber(v[1]), tonumber(v[2]), tonumber(v[3]) or 0
if count == nil or reset == nil or reset <= now then
  count, reset, nb = 0, now + window, 0
end
if limit > 0 and count >= limit then
  return {0, count, reset}
end
if nb > now then
  return {0, count, nb}
end
count = count + 1
local ndelays = #ARGV - 3
if ndelays > 0 then
  nb = now + tonumber(ARGV[3 + math.min(count, ndelays)])
else
  nb = 0
end
redis.call('HSET', KEYS[1], 'count', count, 'reset', reset, 'nb', nb)
-- A relative expiry: the caller's clock decides, not the server's.
redis.call('PEXPIRE', KEYS[1], math.max(reset, nb) - now)
return {1, count, nb}`)

// releaseScript: KEYS fail. Takes one attempt back, never below zero.
var releaseScript = redis.NewScript(`
local c = tonumber(redis.call('HGET', KEYS[1], 'count'))
if c ~= nil and c > 0 then
  redis.call('HSET', KEYS[1], 'count', c - 1)
end
return 0`)

// CreateUser adds a user; store.ErrExists when the username is taken.
func (s *Store) CreateUser(ctx context.Context, u store.User) error {
	if u.Username == "" {
		return errors.New("redisstore: create user: empty username")
	}
	b, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("redisstore: create user: %w", err)
	}
	n, err := s.run(ctx, createUserScript, []string{userKey(u.Username), usersKey}, b, u.Username).Int()
	if err != nil {
		return s.fail("create user", err)
	}
	if n == 0 {
		return fmt.Errorf("redisstore: user %s: %w", u.Username, store.ErrExists)
	}
	return nil
}

// UpdateUser replaces a user; store.ErrNotFound when there is none.
func (s *Store) UpdateUser(ctx context.Context, u store.User) error {
	b, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("redisstore: update user: %w", err)
	}
	n, err := s.run(ctx, updateUserScript, []string{userKey(u.Username)}, b).Int()
	if err != nil {
		return s.fail("update user", err)
	}
	if n == 0 {
		return fmt.Errorf("redisstore: user %s: %w", u.Username, store.ErrNotFound)
	}
	return nil
}

// GetUser returns a user; store.ErrNotFound when there is none.
func (s *Store) GetUser(ctx context.Context, username string) (store.User, error) {
	b, err := s.rdb.Get(ctx, userKey(username)).Bytes()
	if errors.Is(err, redis.Nil) {
		return store.User{}, fmt.Errorf("redisstore: user %s: %w", username, store.ErrNotFound)
	}
	if err != nil {
		return store.User{}, s.fail("get user", err)
	}
	var u store.User
	if err := json.Unmarshal(b, &u); err != nil {
		return store.User{}, fmt.Errorf("redisstore: user %s: %w", username, err)
	}
	return u, nil
}

// ListUsers returns every user, by username.
func (s *Store) ListUsers(ctx context.Context) ([]store.User, error) {
	names, err := s.rdb.SMembers(ctx, usersKey).Result()
	if err != nil {
		return nil, s.fail("list users", err)
	}
	sort.Strings(names)
	out := []store.User{}
	if len(names) == 0 {
		return out, nil
	}
	ks := make([]string, len(names))
	for i, n := range names {
		ks[i] = userKey(n)
	}
	vals, err := s.rdb.MGet(ctx, ks...).Result()
	if err != nil {
		return nil, s.fail("list users", err)
	}
	for _, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue
		}
		var u store.User
		if err := json.Unmarshal([]byte(str), &u); err != nil {
			return nil, fmt.Errorf("redisstore: list users: %w", err)
		}
		out = append(out, u)
	}
	return out, nil
}

// DeleteUser removes a user and ends their sessions; store.ErrNotFound when there is none.
func (s *Store) DeleteUser(ctx context.Context, username string) error {
	n, err := s.run(ctx, deleteUserScript, []string{userKey(username), usersKey, userSessKey(username)}, username, acct+"sess:").Int()
	if err != nil {
		return s.fail("delete user", err)
	}
	if n == 0 {
		return fmt.Errorf("redisstore: user %s: %w", username, store.ErrNotFound)
	}
	return nil
}

// PutSession stores or replaces a session until s.Expires.
func (s *Store) PutSession(ctx context.Context, se store.Session) error {
	if se.ID == "" {
		return errors.New("redisstore: put session: empty id")
	}
	b, err := json.Marshal(se)
	if err != nil {
		return fmt.Errorf("redisstore: put session: %w", err)
	}
	err = s.run(ctx, putSessionScript, []string{sessKey(se.ID), userSessKey(se.Username)},
		b, se.ID, sessionLifetime(se).Milliseconds(), acct+"sess:").Err()
	return s.fail("put session", err)
}

// sessionLifetime is how long a session's key is kept: from its creation to
// its expiry on the caller's clock (at least a millisecond). A refreshed
// session keeps its key a little longer than it stays valid, never shorter.
func sessionLifetime(se store.Session) time.Duration {
	created := se.Created
	if created.IsZero() {
		created = time.Now() // a caller that gave no creation time
	}
	return max(se.Expires.Sub(created), time.Millisecond)
}

// GetSession returns a session that has not expired at now.
func (s *Store) GetSession(ctx context.Context, id string, now time.Time) (store.Session, error) {
	b, err := s.rdb.Get(ctx, sessKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return store.Session{}, fmt.Errorf("redisstore: session: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Session{}, s.fail("get session", err)
	}
	var se store.Session
	if err := json.Unmarshal(b, &se); err != nil {
		return store.Session{}, fmt.Errorf("redisstore: session: %w", err)
	}
	if !se.Expires.After(now) {
		return store.Session{}, fmt.Errorf("redisstore: session: %w", store.ErrNotFound)
	}
	return se, nil
}

// DeleteSession ends one session.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	return s.fail("delete session", s.rdb.Del(ctx, sessKey(id)).Err())
}

// DeleteUserSessions ends every session of a user.
func (s *Store) DeleteUserSessions(ctx context.Context, username string) error {
	return s.fail("delete user sessions", s.run(ctx, endSessionsScript, []string{userSessKey(username)}, acct+"sess:").Err())
}

// ReserveLoginAttempt takes one sign-in attempt under key, atomically.
func (s *Store) ReserveLoginAttempt(ctx context.Context, key string, now time.Time, rule store.LoginRule) (store.LoginAttempt, error) {
	args := []any{now.UnixMilli(), rule.Window.Milliseconds(), rule.Limit}
	for _, d := range rule.Delays {
		args = append(args, d.Milliseconds())
	}
	v, err := s.run(ctx, reserveScript, []string{failKey(key)}, args...).Int64Slice()
	if err != nil {
		return store.LoginAttempt{}, s.fail("reserve login attempt", err)
	}
	if len(v) != 3 {
		return store.LoginAttempt{}, fmt.Errorf("redisstore: reserve login attempt: unexpected reply %v", v)
	}
	a := store.LoginAttempt{Allowed: v[0] == 1, Count: v[1]}
	if !a.Allowed {
		a.RetryAt = time.UnixMilli(v[2]).UTC()
	}
	return a, nil
}

// ReleaseLoginAttempt gives back one reserved attempt under key.
func (s *Store) ReleaseLoginAttempt(ctx context.Context, key string) error {
	return s.fail("release login attempt", s.run(ctx, releaseScript, []string{failKey(key)}).Err())
}

// ResetLoginAttempts forgets every attempt under key.
func (s *Store) ResetLoginAttempts(ctx context.Context, key string) error {
	return s.fail("reset login attempts", s.rdb.Del(ctx, failKey(key)).Err())
}

// ScheduleApproval stores or replaces a hold's scheduled approval.
func (s *Store) ScheduleApproval(ctx context.Context, a store.ScheduledApproval) error {
	if a.Outlet == "" || a.HoldID == "" {
		return errors.New("redisstore: schedule approval: empty id")
	}
	b, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("redisstore: schedule approval: %w", err)
	}
	k := keysOf(a.Outlet)
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, k.sched(), redis.Z{Score: float64(a.At.UnixMilli()), Member: a.HoldID})
		p.HSet(ctx, k.schedDoc(), a.HoldID, b)
		return nil
	})
	return s.fail("schedule approval", err)
}

// scheduledOf returns an outlet's scheduled approvals up to maxMs (all when
// maxMs is nil), earliest first.
func (s *Store) scheduledOf(ctx context.Context, outlet string, maxMs *int64, n int) ([]store.ScheduledApproval, error) {
	k := keysOf(outlet)
	rng := &redis.ZRangeBy{Min: "-inf", Max: "+inf"}
	if maxMs != nil {
		rng.Max = strconv.FormatInt(*maxMs, 10)
	}
	if n > 0 {
		rng.Count = int64(n)
	}
	ids, err := s.rdb.ZRangeByScore(ctx, k.sched(), rng).Result()
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	docs, err := s.rdb.HMGet(ctx, k.schedDoc(), ids...).Result()
	if err != nil {
		return nil, err
	}
	var out []store.ScheduledApproval
	for _, d := range docs {
		str, ok := d.(string)
		if !ok {
			continue
		}
		var a store.ScheduledApproval
		if err := json.Unmarshal([]byte(str), &a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func (s *Store) scheduled(ctx context.Context, op, outlet string, maxMs *int64, n int) ([]store.ScheduledApproval, error) {
	outlets := []string{outlet}
	if outlet == "" {
		var err error
		if outlets, err = s.rdb.SMembers(ctx, outletsKey).Result(); err != nil {
			return nil, s.fail(op, err)
		}
	}
	out := []store.ScheduledApproval{}
	for _, o := range outlets {
		as, err := s.scheduledOf(ctx, o, maxMs, n)
		if err != nil {
			return nil, s.fail(op, err)
		}
		out = append(out, as...)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.Before(out[j].At)
		}
		if out[i].Outlet != out[j].Outlet {
			return out[i].Outlet < out[j].Outlet
		}
		return out[i].HoldID < out[j].HoldID
	})
	if n > 0 && len(out) > n {
		out = out[:n]
	}
	return out, nil
}

// DueApprovals returns up to n scheduled approvals due at now, earliest
// first, looking at every outlet.
func (s *Store) DueApprovals(ctx context.Context, now time.Time, n int) ([]store.ScheduledApproval, error) {
	if n <= 0 {
		n = 100
	}
	ms := now.UnixMilli()
	return s.scheduled(ctx, "due approvals", "", &ms, n)
}

// ListScheduledApprovals returns an outlet's (or every outlet's) scheduled approvals.
func (s *Store) ListScheduledApprovals(ctx context.Context, outlet string) ([]store.ScheduledApproval, error) {
	return s.scheduled(ctx, "list scheduled approvals", outlet, nil, 0)
}

// CancelScheduledApproval removes a hold's scheduled approval.
func (s *Store) CancelScheduledApproval(ctx context.Context, outlet, holdID string) error {
	k := keysOf(outlet)
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, k.sched(), holdID)
		p.HDel(ctx, k.schedDoc(), holdID)
		return nil
	})
	return s.fail("cancel scheduled approval", err)
}
