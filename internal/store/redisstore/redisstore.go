// Package redisstore is Gatekeeper's production store: Redis (one server,
// Sentinel or Cluster, through go-redis's UniversalClient).
//
// Every key of an outlet carries the hash tag {o:ID}, so each operation is
// one Lua script on one slot. A check is one round trip: FCALL of a Redis
// Function (functions.go) that reads the post's ledger and the window's
// counts, evaluates the policy plan (policy.Plan.Codes) and records the
// result, atomically; the other operations are scripts (EVALSHA). Keys are
// listed in docs/design.md.
//
// Every call has a short, enforced deadline and scripts are never retried by
// the client: a failure is store.ErrUnavailable, and the caller's retry with
// the same post id and webhook id is made harmless by the ledger and the
// webhook record.
package redisstore

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/store"
)

// Defaults for the client: short, enforced deadlines (a CMS is waiting) and
// no automatic retries (a script whose reply was lost may have run).
const (
	DefaultTimeout  = 200 * time.Millisecond
	DefaultPoolSize = 16
)

// ledgerGrace is how long a post's ledger outlives the window after its last change.
const ledgerGrace = 60 * 24 * time.Hour

// Store implements store.Store on Redis.
type Store struct {
	rdb redis.UniversalClient
	// own is true when Close should close rdb.
	own bool
	// wait is how many replicas must confirm each write script (WAIT); 0 = none.
	wait int
	// readTimeout bounds one reply (it caps how long WAIT may block).
	readTimeout time.Duration
	// batching: checks made at once go to Redis together (batch.go), with
	// WAIT s.wait after each batch if s.wait > 0, waiting batchWait at most.
	batching  bool
	batchWait time.Duration
	// batch is the batcher of a single server or Sentinel; on a Cluster,
	// nodeBatches has one per master's node client (*redis.Client).
	batch       *batcher
	nodeBatches sync.Map
}

// Option configures a Store.
type Option func(*Store)

// WithWaitReplicas makes every write script wait until n replicas have
// confirmed it (Redis WAIT, on the connection that ran the script). If
// fewer confirm within the call's deadline, the call fails with
// store.ErrUnavailable even though the master applied the write: the
// caller answers 503 and the CMS's retry (same post id, same webhook id)
// finds the write already recorded and changes nothing. n = 0 waits for
// no replica (asynchronous replication).
func WithWaitReplicas(n int) Option { return func(s *Store) { s.wait = n } }

var _ store.Store = (*Store)(nil)

// Open connects to the Redis at rawURL (see ParseURL) and loads the scripts.
// The server need not be up yet: calls fail with store.ErrUnavailable until it is.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	opt, err := ParseURL(rawURL)
	if err != nil {
		return nil, err
	}
	return New(ctx, NewClient(opt), true, opts...), nil
}

// NewClient builds the go-redis client for opt:
//
//   - a cluster client when opt names several addresses or cluster mode. Its
//     view of the slots is reloaded every second (go-redis's default is
//     60 s: a killed master gives only dial errors, never MOVED, so the
//     client would keep dialling it long after a replica took over), and it
//     follows no redirect: go-redis's redirect loop also re-sends a command
//     after EOF or a timeout, which for a script whose reply was lost means
//     running it twice. MOVED, ASK and TRYAGAIN become store.ErrUnavailable
//     (the slot map reloads at once) and the caller's retry goes to the
//     right node.
//   - a Sentinel failover client when it names a master: every command goes
//     to the master the sentinels name (never a replica), and it follows
//     +switch-master.
//   - a plain client otherwise.
func NewClient(opt *redis.UniversalOptions) redis.UniversalClient {
	if opt.MasterName == "" && (opt.IsClusterMode || len(opt.Addrs) > 1) {
		co := opt.Cluster()
		co.ClusterStateReloadInterval = time.Second
		co.MaxRedirects = -1
		co.ReadOnly, co.RouteByLatency, co.RouteRandomly = false, false, false
		return redis.NewClusterClient(co)
	}
	if opt.MasterName != "" {
		fo := opt.Failover()
		fo.ReplicaOnly, fo.RouteByLatency, fo.RouteRandomly, fo.UseDisconnectedReplicas = false, false, false, false
		return redis.NewFailoverClient(fo)
	}
	return redis.NewUniversalClient(opt)
}

// New wraps a client. If own is set, Close closes it. The scripts and the
// check function are loaded now when the server is reachable (EVALSHA falls
// back to EVAL otherwise, FCALL to FUNCTION LOAD).
func New(ctx context.Context, rdb redis.UniversalClient, own bool, opts ...Option) *Store {
	s := &Store{rdb: rdb, own: own, readTimeout: DefaultTimeout}
	switch c := rdb.(type) {
	case *redis.Client:
		s.readTimeout = c.Options().ReadTimeout
	case *redis.ClusterClient:
		s.readTimeout = c.Options().ReadTimeout
	}
	for _, o := range opts {
		o(s)
	}
	// A batch's WAIT has what is left of the read timeout, as a lone
	// call's does; a caller with less time leaves on its own. (A read
	// timeout too short for any WAIT leaves each call alone, to fail as it
	// always did.)
	if t, err := s.waitTimeout(context.Background()); s.wait == 0 || err == nil {
		s.batching, s.batchWait = true, t
		if c, ok := rdb.(*redis.Client); ok {
			s.batch = newBatcher(c, s.wait, t)
		}
	}
	lctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	loadFunctions(lctx, rdb)
	for _, sc := range allScripts {
		if err := sc.Load(lctx, rdb).Err(); err != nil {
			break
		}
	}
	// Outlets created before the window sets had their marker get it now
	// (best effort, as the scripts: without it a set is only slower).
	if ids, err := rdb.SMembers(lctx, outletsKey).Result(); err == nil && len(ids) > 0 {
		_ = s.markWindows(lctx, ids...)
	}
	return s
}

// Client returns the underlying client (for health checks and tests).
func (s *Store) Client() redis.UniversalClient { return s.rdb }

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.fail("ping", s.rdb.Ping(ctx).Err())
}

// Close closes the client if the store owns it.
func (s *Store) Close() error {
	if s.own {
		return s.rdb.Close()
	}
	return nil
}

// ParseURL turns a Redis URL into client options with Gatekeeper's
// defaults (200 ms dial/read/write/pool timeouts enforced from the context,
// no retries, a pool of 16):
//
//	redis://[user:password@]host:port[/db][?option=value...]
//	rediss://...                                  TLS
//	redis://host1:port?addr=host2:port&addr=...   Cluster (seed nodes)
//	redis+sentinel://[user:password@]s1:26379,s2:26379/mymaster[/db]
//	rediss+sentinel://...                         Sentinel, TLS to the servers
//
// Query options are go-redis's (dial_timeout, read_timeout, pool_size, ...);
// a Sentinel URL also takes sentinel_username and sentinel_password.
func ParseURL(rawURL string) (*redis.UniversalOptions, error) {
	if scheme, rest, ok := strings.Cut(rawURL, "://"); ok && (scheme == "redis+sentinel" || scheme == "rediss+sentinel") {
		// A host list "h1:26379,h2:26379" is not a URL host: parse it apart.
		authority, path, _ := strings.Cut(rest, "/")
		userinfo, hosts, found := strings.Cut(authority, "@")
		if !found {
			userinfo, hosts = "", authority
		}
		if userinfo != "" {
			userinfo += "@"
		}
		u, err := url.Parse(scheme + "://" + userinfo + "sentinels/" + path)
		if err != nil {
			return nil, fmt.Errorf("redisstore: redis sentinel URL: %w", err)
		}
		u.Host = hosts
		opt, err := parseSentinel(u)
		if err != nil {
			return nil, err
		}
		applyDefaults(opt)
		return opt, nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redisstore: redis URL: %w", err)
	}
	var opt *redis.UniversalOptions
	switch u.Scheme {
	case "redis", "rediss":
		if u.Query().Has("addr") {
			co, err := redis.ParseClusterURL(rawURL)
			if err != nil {
				return nil, fmt.Errorf("redisstore: redis cluster URL: %w", err)
			}
			if co.ReadOnly || co.RouteByLatency || co.RouteRandomly {
				return nil, errors.New("redisstore: redis cluster URL: read_only, route_by_latency and route_randomly would read from replicas, which may lag the master: remove them")
			}
			opt = fromCluster(co)
		} else {
			o, err := redis.ParseURL(rawURL)
			if err != nil {
				return nil, fmt.Errorf("redisstore: redis URL: %w", err)
			}
			opt = fromSingle(o)
		}
	default:
		return nil, fmt.Errorf("redisstore: redis URL scheme %q: want redis, rediss, redis+sentinel or rediss+sentinel", u.Scheme)
	}
	applyDefaults(opt)
	return opt, nil
}

func fromSingle(o *redis.Options) *redis.UniversalOptions {
	return &redis.UniversalOptions{
		Addrs: []string{o.Addr}, DB: o.DB, Username: o.Username, Password: o.Password,
		ClientName: o.ClientName, Protocol: o.Protocol, TLSConfig: o.TLSConfig,
		DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		PoolSize: o.PoolSize, PoolTimeout: o.PoolTimeout, MinIdleConns: o.MinIdleConns, MaxIdleConns: o.MaxIdleConns,
		MaxActiveConns: o.MaxActiveConns, ConnMaxIdleTime: o.ConnMaxIdleTime, ConnMaxLifetime: o.ConnMaxLifetime,
	}
}

func fromCluster(o *redis.ClusterOptions) *redis.UniversalOptions {
	return &redis.UniversalOptions{
		Addrs: o.Addrs, IsClusterMode: true, Username: o.Username, Password: o.Password,
		ClientName: o.ClientName, Protocol: o.Protocol, TLSConfig: o.TLSConfig,
		DialTimeout: o.DialTimeout, ReadTimeout: o.ReadTimeout, WriteTimeout: o.WriteTimeout,
		PoolSize: o.PoolSize, PoolTimeout: o.PoolTimeout, MinIdleConns: o.MinIdleConns, MaxIdleConns: o.MaxIdleConns,
		MaxActiveConns: o.MaxActiveConns, ConnMaxIdleTime: o.ConnMaxIdleTime, ConnMaxLifetime: o.ConnMaxLifetime,
		MaxRedirects: o.MaxRedirects, ReadOnly: o.ReadOnly, RouteByLatency: o.RouteByLatency, RouteRandomly: o.RouteRandomly,
	}
}

// parseSentinel reads redis+sentinel://[user:pass@]h1:26379,h2:26379/master[/db][?...].
func parseSentinel(u *url.URL) (*redis.UniversalOptions, error) {
	opt := &redis.UniversalOptions{}
	for _, h := range strings.Split(u.Host, ",") {
		if h == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(h); err != nil {
			h = net.JoinHostPort(h, "26379")
		}
		opt.Addrs = append(opt.Addrs, h)
	}
	if len(opt.Addrs) == 0 {
		return nil, errors.New("redisstore: sentinel URL names no sentinel")
	}
	parts := strings.FieldsFunc(u.Path, func(r rune) bool { return r == '/' })
	switch len(parts) {
	case 2:
		db, err := strconv.Atoi(parts[1])
		if err != nil || db < 0 {
			return nil, fmt.Errorf("redisstore: sentinel URL: database %q", parts[1])
		}
		opt.DB = db
		fallthrough
	case 1:
		opt.MasterName = parts[0]
	default:
		return nil, errors.New("redisstore: sentinel URL: want redis+sentinel://host:port,host:port/master[/db]")
	}
	if u.User != nil {
		opt.Username = u.User.Username()
		opt.Password, _ = u.User.Password()
	}
	q := u.Query()
	for k, vs := range q {
		v := vs[len(vs)-1]
		var err error
		switch k {
		case "sentinel_username":
			opt.SentinelUsername = v
		case "sentinel_password":
			opt.SentinelPassword = v
		case "client_name":
			opt.ClientName = v
		case "pool_size":
			opt.PoolSize, err = strconv.Atoi(v)
		case "dial_timeout":
			opt.DialTimeout, err = parseDuration(v)
		case "read_timeout":
			opt.ReadTimeout, err = parseDuration(v)
		case "write_timeout":
			opt.WriteTimeout, err = parseDuration(v)
		case "pool_timeout":
			opt.PoolTimeout, err = parseDuration(v)
		default:
			return nil, fmt.Errorf("redisstore: sentinel URL: unknown option %q", k)
		}
		if err != nil {
			return nil, fmt.Errorf("redisstore: sentinel URL: %s=%q: %w", k, v, err)
		}
	}
	if u.Scheme == "rediss+sentinel" {
		opt.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return opt, nil
}

// parseDuration accepts "250ms" or a plain number of seconds, like go-redis.
func parseDuration(v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(v)
}

func applyDefaults(o *redis.UniversalOptions) {
	if o.DialTimeout == 0 {
		o.DialTimeout = DefaultTimeout
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = DefaultTimeout
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = DefaultTimeout
	}
	if o.PoolTimeout == 0 {
		o.PoolTimeout = DefaultTimeout
	}
	if o.PoolSize == 0 {
		o.PoolSize = DefaultPoolSize
	}
	// Deadlines from the caller's context apply to socket I/O.
	o.ContextTimeoutEnabled = true
	// Never retry: a script whose reply was lost may have run.
	o.MaxRetries = -1
	// One dial attempt per call: a refused connection fails at once.
	o.DialerRetries = 1
	// Redis 7.0 rejects CLIENT SETINFO; skip it.
	o.DisableIdentity = true
}

// errors

// fail maps an error from Redis to the store's errors.
func (s *Store) fail(op string, err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "GKNOTFOUND"):
		return fmt.Errorf("redisstore: %s: %w", op, store.ErrNotFound)
	case strings.HasPrefix(msg, "GKNOTSAFE"):
		return fmt.Errorf("redisstore: %s: %s: %w", op, strings.TrimPrefix(msg, "GKNOTSAFE "), store.ErrNotSafe)
	case strings.HasPrefix(msg, "GKCONFLICT"):
		return fmt.Errorf("redisstore: %s: %s: %w", op, strings.TrimPrefix(msg, "GKCONFLICT "), store.ErrConflict)
	}
	if Unavailable(err) {
		return fmt.Errorf("redisstore: %s: %w: %w", op, store.ErrUnavailable, err)
	}
	return fmt.Errorf("redisstore: %s: %w", op, err)
}

// unavailablePrefixes are Redis error replies that mean "cannot serve now".
var unavailablePrefixes = []string{
	"LOADING", "READONLY", "CLUSTERDOWN", "MASTERDOWN", "TRYAGAIN", "BUSY", "NOREPLICAS",
	"MISCONF", "OOM", "MOVED", "ASK", "NOSCRIPT",
}

// Unavailable reports whether err means Redis could not be reached or did
// not confirm in time: nothing is known to have been recorded.
func Unavailable(err error) bool {
	if err == nil || errors.Is(err, redis.Nil) {
		return false
	}
	if errors.Is(err, ErrNotReplicated) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, net.ErrClosed) || errors.Is(err, redis.ErrClosed) || errors.Is(err, redis.ErrPoolTimeout) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	msg := err.Error()
	for _, p := range unavailablePrefixes {
		if strings.HasPrefix(msg, p+" ") || msg == p {
			return true
		}
	}
	return strings.Contains(msg, "connection refused") || strings.Contains(msg, "i/o timeout") ||
		strings.Contains(msg, "broken pipe") || strings.Contains(msg, "connection reset")
}
