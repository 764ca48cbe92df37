// Package config holds every setting of the gatekeeper binary in one place.
// A setting comes, weakest first, from its default, the YAML file named by
// --config (GATEKEEPER_CONFIG), its GATEKEEPER_* environment variable, and
// its command-line flag. Everything is validated at start-up: an unknown key
// or a bad value stops the program with a message naming it.
package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"gatekeeper/internal/store/redisstore"
)

// Config is every setting.
type Config struct {
	// Store
	DataDir      string        `yaml:"data"`          // embedded store directory (used when RedisURL is empty)
	RedisURL     string        `yaml:"redis_url"`     // redis://, rediss://, cluster (?addr=), redis+sentinel://
	StoreTimeout time.Duration `yaml:"store_timeout"` // deadline of one store call; 0 = 250ms on Redis, 2s embedded
	// RedisWaitReplicas is how many replicas must confirm each write (Redis
	// WAIT) before it is acknowledged; 0 = asynchronous replication.
	RedisWaitReplicas int `yaml:"redis_wait_replicas"`

	// HTTP
	Addr            string        `yaml:"addr"`
	PublicURL       string        `yaml:"public_url"` // base of links in answers (review_url) and the console
	MaxBodyBytes    int64         `yaml:"max_body_bytes"`
	OutletCacheTTL  time.Duration `yaml:"outlet_cache_ttl"`
	RateLimit       float64       `yaml:"rate_limit"` // signed requests per second per outlet (per replica); 0 = off
	RateBurst       int           `yaml:"rate_burst"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	TrustedProxies  string        `yaml:"trusted_proxies"` // comma-separated CIDRs whose X-Forwarded-For is believed

	// Console
	SecureCookies    string        `yaml:"secure_cookies"` // auto (when public_url is https), always, never
	SessionTTL       time.Duration `yaml:"session_ttl"`
	CallbackInterval time.Duration `yaml:"callback_interval"`

	// Logs
	LogFormat string `yaml:"log_format"` // json or text
	LogLevel  string `yaml:"log_level"`  // debug, info, warn, error
}

// Default returns the settings used when nothing else is said.
func Default() Config {
	return Config{
		DataDir:          "./data",
		Addr:             "127.0.0.1:8080", // a try-it run stays on this machine; containers and deploy files set their own
		MaxBodyBytes:     4 << 20,
		OutletCacheTTL:   2 * time.Second,
		RateLimit:        50,
		RateBurst:        200,
		ShutdownTimeout:  15 * time.Second,
		SecureCookies:    "auto",
		SessionTTL:       12 * time.Hour,
		CallbackInterval: 2 * time.Second,
		LogFormat:        "json",
		LogLevel:         "info",
	}
}

// StoreFlags registers the store settings (shared by every command that
// opens the store) on fs.
func (c *Config) StoreFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DataDir, "data", c.DataDir, "embedded store directory, used when no Redis URL is set (GATEKEEPER_DATA)")
	fs.StringVar(&c.RedisURL, "redis-url", c.RedisURL, "Redis URL: redis://, rediss://, redis://h1:p1?addr=h2:p2 (cluster), redis+sentinel://h1:26379,h2:26379/master (GATEKEEPER_REDIS_URL)")
	fs.DurationVar(&c.StoreTimeout, "store-timeout", c.StoreTimeout, "deadline of one store call; 0 = 250ms on Redis, 2s on the embedded store (GATEKEEPER_STORE_TIMEOUT)")
	fs.IntVar(&c.RedisWaitReplicas, "redis-wait-replicas", c.RedisWaitReplicas, "Redis replicas that must confirm each write within the store timeout, else 503; 0 = none (GATEKEEPER_REDIS_WAIT_REPLICAS)")
}

// ServeFlags registers every setting of `serve` on fs.
func (c *Config) ServeFlags(fs *flag.FlagSet) {
	c.StoreFlags(fs)
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (GATEKEEPER_ADDR)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "public base URL, for links in answers (GATEKEEPER_PUBLIC_URL)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest request body (GATEKEEPER_MAX_BODY_BYTES)")
	fs.DurationVar(&c.OutletCacheTTL, "outlet-cache-ttl", c.OutletCacheTTL, "how long an outlet's settings are cached (GATEKEEPER_OUTLET_CACHE_TTL)")
	fs.Float64Var(&c.RateLimit, "rate-limit", c.RateLimit, "signed requests per second per outlet on this replica, 0 = off (GATEKEEPER_RATE_LIMIT)")
	fs.IntVar(&c.RateBurst, "rate-burst", c.RateBurst, "burst of the per-outlet rate limit (GATEKEEPER_RATE_BURST)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "graceful shutdown deadline (GATEKEEPER_SHUTDOWN_TIMEOUT)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "comma-separated CIDRs of proxies whose X-Forwarded-For is trusted (GATEKEEPER_TRUSTED_PROXIES)")
	fs.StringVar(&c.SecureCookies, "secure-cookies", c.SecureCookies, "console cookies Secure: auto, always or never (GATEKEEPER_SECURE_COOKIES)")
	fs.DurationVar(&c.SessionTTL, "session-ttl", c.SessionTTL, "console session lifetime (GATEKEEPER_SESSION_TTL)")
	fs.DurationVar(&c.CallbackInterval, "callback-interval", c.CallbackInterval, "how often the callback outbox is polled (GATEKEEPER_CALLBACK_INTERVAL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "json or text (GATEKEEPER_LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (GATEKEEPER_LOG_LEVEL)")
}

// EnvName is the environment variable of a flag: GATEKEEPER_ + upper snake case.
func EnvName(flagName string) string {
	return "GATEKEEPER_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Load fills c from the YAML file, the environment and args, in that order of
// strength, using register to declare the flags. It returns the arguments
// left after the flags.
func (c *Config) Load(fs *flag.FlagSet, args []string, getenv func(string) string, register func(*flag.FlagSet)) ([]string, error) {
	path := getenv("GATEKEEPER_CONFIG")
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			path = v
		} else if v, ok := strings.CutPrefix(a, "-config="); ok {
			path = v
		} else if (a == "--config" || a == "-config") && i+1 < len(args) {
			path = args[i+1]
		}
	}
	if path != "" {
		if err := c.loadFile(path); err != nil {
			return nil, err
		}
	}
	var configFlag string
	fs.StringVar(&configFlag, "config", path, "YAML settings file (GATEKEEPER_CONFIG)")
	register(fs)
	// The environment, through each flag's own parser.
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "config" {
			return
		}
		if v := getenv(EnvName(f.Name)); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %v", EnvName(f.Name), v, err))
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return fs.Args(), nil
}

func (c *Config) loadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}

// ValidateStore checks the store settings.
func (c *Config) ValidateStore() error {
	var errs []error
	if c.RedisURL != "" {
		if _, err := redisstore.ParseURL(c.RedisURL); err != nil {
			errs = append(errs, fmt.Errorf("redis_url: %v", err))
		}
	} else if strings.TrimSpace(c.DataDir) == "" {
		errs = append(errs, errors.New("data: set a directory for the embedded store, or a redis_url"))
	}
	if c.RedisWaitReplicas < 0 || c.RedisWaitReplicas > 16 {
		errs = append(errs, fmt.Errorf("redis_wait_replicas %d must be between 0 and 16", c.RedisWaitReplicas))
	} else if c.RedisWaitReplicas > 0 && c.RedisURL == "" {
		errs = append(errs, errors.New("redis_wait_replicas needs a redis_url (the embedded store has no replicas)"))
	}
	if c.StoreTimeout != 0 && (c.StoreTimeout < 10*time.Millisecond || c.StoreTimeout > 30*time.Second) {
		errs = append(errs, fmt.Errorf("store_timeout %s must be 0 (automatic) or between 10ms and 30s", c.StoreTimeout))
	}
	return errors.Join(errs...)
}

// Validate checks every setting of `serve`.
func (c *Config) Validate() error {
	errs := []error{c.ValidateStore()}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr %q: %v", c.Addr, err))
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("public_url %q must be an http(s) URL", c.PublicURL))
		}
	}
	if c.MaxBodyBytes < 1024 || c.MaxBodyBytes > 64<<20 {
		errs = append(errs, fmt.Errorf("max_body_bytes %d must be between 1 KiB and 64 MiB", c.MaxBodyBytes))
	}
	if c.OutletCacheTTL < 0 || c.OutletCacheTTL > time.Minute {
		errs = append(errs, fmt.Errorf("outlet_cache_ttl %s must be between 0 and 1m", c.OutletCacheTTL))
	}
	if c.RateLimit < 0 {
		errs = append(errs, fmt.Errorf("rate_limit %v must not be negative", c.RateLimit))
	}
	if c.RateLimit > 0 && c.RateBurst < 1 {
		errs = append(errs, fmt.Errorf("rate_burst %d must be at least 1", c.RateBurst))
	}
	for _, cidr := range c.TrustedProxyList() {
		if _, _, err := net.ParseCIDR(cidr); err != nil && net.ParseIP(cidr) == nil {
			errs = append(errs, fmt.Errorf("trusted_proxies: %q is not a CIDR or IP", cidr))
		}
	}
	switch c.SecureCookies {
	case "auto", "always", "never":
	default:
		errs = append(errs, fmt.Errorf("secure_cookies %q must be auto, always or never", c.SecureCookies))
	}
	if c.SessionTTL < time.Minute {
		errs = append(errs, fmt.Errorf("session_ttl %s must be at least 1m", c.SessionTTL))
	}
	if c.CallbackInterval < 100*time.Millisecond {
		errs = append(errs, fmt.Errorf("callback_interval %s must be at least 100ms", c.CallbackInterval))
	}
	if c.LogFormat != "json" && c.LogFormat != "text" {
		errs = append(errs, fmt.Errorf("log_format %q must be json or text", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log_level %q must be debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

// StoreDeadline is the deadline of one store call: StoreTimeout, or when it
// is 0, 250ms on Redis (fail fast: the CMS retries) and 2s on the embedded
// store, which writes one fsync'd transaction at a time.
func (c *Config) StoreDeadline() time.Duration {
	switch {
	case c.StoreTimeout > 0:
		return c.StoreTimeout
	case c.RedisURL != "":
		return 250 * time.Millisecond
	}
	return 2 * time.Second
}

// TrustedProxyList splits TrustedProxies.
func (c *Config) TrustedProxyList() []string {
	var out []string
	for _, s := range strings.Split(c.TrustedProxies, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// CookiesSecure says whether console cookies carry the Secure attribute.
func (c *Config) CookiesSecure() bool {
	switch c.SecureCookies {
	case "always":
		return true
	case "never":
		return false
	}
	return strings.HasPrefix(c.PublicURL, "https://")
}
