package redisstore

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestParseURL(t *testing.T) {
	cases := []struct {
		url        string
		addrs      []string
		db         int
		master     string
		cluster    bool
		tls        bool
		user, pass string
		read       time.Duration
		pool       int
	}{
		{url: "redis://127.0.0.1:6379/2", addrs: []string{"127.0.0.1:6379"}, db: 2, read: DefaultTimeout, pool: DefaultPoolSize},
		{url: "rediss://u:p@redis.example.vn:6380", addrs: []string{"redis.example.vn:6380"}, tls: true, user: "u", pass: "p", read: DefaultTimeout, pool: DefaultPoolSize},
		{url: "redis://localhost:6379/0?read_timeout=500ms&pool_size=8", addrs: []string{"localhost:6379"}, read: 500 * time.Millisecond, pool: 8},
		{url: "redis://10.0.0.1:7000?addr=10.0.0.2:7000&addr=10.0.0.3:7000", addrs: []string{"10.0.0.1:7000", "10.0.0.2:7000", "10.0.0.3:7000"}, cluster: true, read: DefaultTimeout, pool: DefaultPoolSize},
		{url: "redis+sentinel://:secret@s1:26379,s2:26379,s3/gatekeeper/1?sentinel_password=sp", addrs: []string{"s1:26379", "s2:26379", "s3:26379"}, master: "gatekeeper", db: 1, pass: "secret", read: DefaultTimeout, pool: DefaultPoolSize},
		{url: "rediss+sentinel://s1:26379/mymaster", addrs: []string{"s1:26379"}, master: "mymaster", tls: true, read: DefaultTimeout, pool: DefaultPoolSize},
	}
	for _, tc := range cases {
		t.Run(tc.url, func(t *testing.T) {
			o, err := ParseURL(tc.url)
			if err != nil {
				t.Fatal(err)
			}
			if jsonOf(o.Addrs) != jsonOf(tc.addrs) || o.DB != tc.db || o.MasterName != tc.master || o.IsClusterMode != tc.cluster ||
				(o.TLSConfig != nil) != tc.tls || o.Username != tc.user || o.Password != tc.pass || o.ReadTimeout != tc.read || o.PoolSize != tc.pool {
				t.Fatalf("options %+v", o)
			}
			if !o.ContextTimeoutEnabled || o.MaxRetries != -1 || o.DialTimeout == 0 || o.WriteTimeout == 0 || o.PoolTimeout == 0 {
				t.Fatalf("defaults not applied: %+v", o)
			}
			if tc.master == "gatekeeper" && o.SentinelPassword != "sp" {
				t.Fatalf("sentinel password %q", o.SentinelPassword)
			}
		})
	}
	for _, bad := range []string{"http://x", "redis+sentinel:///m", "redis+sentinel://s1/", "redis+sentinel://s1/m/x", "redis+sentinel://s1/m?bogus=1", "redis://x?bogus=1",
		"redis://a:1?addr=b:1&read_only=true", "redis://a:1?addr=b:1&route_randomly=true", "redis://a:1?addr=b:1&route_by_latency=true"} {
		if _, err := ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) accepted", bad)
		}
	}
}

// TestNewClient: the settings that decide how a failover goes.
func TestNewClient(t *testing.T) {
	opt, err := ParseURL("redis://127.0.0.1:7000?addr=127.0.0.1:7001")
	if err != nil {
		t.Fatal(err)
	}
	c := NewClient(opt)
	defer c.Close()
	cc, ok := c.(*redis.ClusterClient)
	if !ok {
		t.Fatalf("cluster URL gave %T", c)
	}
	co := cc.Options()
	if co.ClusterStateReloadInterval != time.Second || co.MaxRedirects != 0 || co.MaxRetries > 0 ||
		co.ReadOnly || co.RouteByLatency || co.RouteRandomly || !co.ContextTimeoutEnabled || co.ReadTimeout != DefaultTimeout {
		t.Fatalf("cluster options %+v", co)
	}

	opt, err = ParseURL("redis+sentinel://127.0.0.1:26379/gk")
	if err != nil {
		t.Fatal(err)
	}
	c = NewClient(opt)
	defer c.Close()
	fc, ok := c.(*redis.Client)
	if !ok {
		t.Fatalf("sentinel URL gave %T", c)
	}
	// A failover client is a plain client whose dialler asks the sentinels
	// for the master; no retries, enforced deadlines.
	if o := fc.Options(); o.MaxRetries > 0 || !o.ContextTimeoutEnabled || o.ReadTimeout != DefaultTimeout {
		t.Fatalf("sentinel options %+v", o)
	}

	opt, err = ParseURL("redis://127.0.0.1:6379/0")
	if err != nil {
		t.Fatal(err)
	}
	c = NewClient(opt)
	defer c.Close()
	if o := c.(*redis.Client).Options(); o.MaxRetries > 0 || !o.ContextTimeoutEnabled {
		t.Fatalf("single options %+v", o)
	}
}

func TestKeysPattern(t *testing.T) {
	if got := keysOf(`a*b?[c]\`).pattern(); got != `{o:a\*b\?\[c\]\\}:*` {
		t.Fatalf("pattern %s", got)
	}
	if k := keysOf("dakglei"); k.post("42") != "{o:dakglei}:post:42" || k.win() != "{o:dakglei}:win" || k.hold("h1") != "{o:dakglei}:hold:h1" {
		t.Fatal(k)
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestNeeded: the one reader of a script's "run me again with these keys"
// answer, for the check and for every other script that may need holds.
func TestNeeded(t *testing.T) {
	for _, tc := range []struct {
		err   error
		ids   []string
		again bool
	}{
		{nil, nil, false},
		{errors.New("GKNEED"), nil, true},
		{errors.New("GKNEED h1"), []string{"h1"}, true},
		{errors.New("GKNEED h1 h2"), []string{"h1", "h2"}, true},
		{errors.New("ERR unknown command"), nil, false},
		{errors.New("NOSCRIPT No matching script"), nil, false},
	} {
		ids, again := needed(tc.err)
		if again != tc.again || strings.Join(ids, ",") != strings.Join(tc.ids, ",") {
			t.Errorf("needed(%v) = %v, %v; want %v, %v", tc.err, ids, again, tc.ids, tc.again)
		}
	}
}
