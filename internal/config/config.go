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

	"gatekeeper/internal/notify"
	"gatekeeper/internal/store/redisstore"
	"gatekeeper/internal/webhook"
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
	Addr string `yaml:"addr"`
	// AdminAddr, when set, is a second listen address for operators only:
	// /metrics and /debug/pprof/. Empty: no admin listener, and no /metrics
	// at all (never on Addr, where anyone can reach it).
	AdminAddr       string        `yaml:"admin_addr"`
	PublicURL       string        `yaml:"public_url"` // base of links in answers (review_url) and the console
	MaxBodyBytes    int64         `yaml:"max_body_bytes"`
	OutletCacheTTL  time.Duration `yaml:"outlet_cache_ttl"`
	RateLimit       float64       `yaml:"rate_limit"` // signed requests per second per outlet (per replica); 0 = off
	RateBurst       int           `yaml:"rate_burst"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	TrustedProxies  string        `yaml:"trusted_proxies"` // comma-separated CIDRs whose X-Forwarded-For is believed
	// LegacySigningUntil is the end (a date, YYYY-MM-DD, UTC) of the period in
	// which requests signed without webhook-target, and callbacks signed
	// with the request key, are still accepted; "" ends it now.
	LegacySigningUntil string `yaml:"legacy_signing_until"`
	// MaxUnauthenticatedBytes caps the request bodies read before their
	// signature is checked, all clients together.
	MaxUnauthenticatedBytes int64 `yaml:"max_unauthenticated_bytes"`
	// MaxUnauthenticatedPerAddress caps such requests per client address.
	MaxUnauthenticatedPerAddress int `yaml:"max_unauthenticated_per_address"`

	// Console
	SecureCookies    string        `yaml:"secure_cookies"` // auto (when public_url is https), always, never
	SessionTTL       time.Duration `yaml:"session_ttl"`
	CallbackInterval time.Duration `yaml:"callback_interval"`

	// Reports
	ReportIssuer     string `yaml:"report_issuer"`     // the issuing body on a PDF report, one level a line ("\n" in flags)
	ReportPlace      string `yaml:"report_place"`      // the place before the date on a PDF report
	ReportRecipients string `yaml:"report_recipients"` // "Nơi nhận" lines on a PDF report ("\n" in flags)
	// ReportSchedules mail reports monthly or quarterly (a YAML list; in a
	// flag or the environment, the same list in YAML flow style).
	ReportSchedules ScheduleList `yaml:"report_schedules"`
	// RetentionMonths is how many closed months keep their detail (audit,
	// decided holds, finished callbacks, days); older months live on as
	// report snapshots. 0 keeps everything.
	RetentionMonths int `yaml:"retention_months"`

	// Notices and mail
	SMTPHost            string        `yaml:"smtp_host"`
	SMTPPort            int           `yaml:"smtp_port"` // 0 = 587 (465 with smtp_tls tls)
	SMTPTLS             string        `yaml:"smtp_tls"`  // starttls (required), tls (implicit) or none
	SMTPUsername        string        `yaml:"smtp_username"`
	SMTPPassword        string        `yaml:"smtp_password"`
	SMTPFrom            string        `yaml:"smtp_from"`
	NotifyWebhookURL    string        `yaml:"notify_webhook_url"`
	NotifyWebhookSecret string        `yaml:"notify_webhook_secret"` // whsec_…
	NotifyRemindAfter   time.Duration `yaml:"notify_remind_after"`
	NotifyDigestHour    int           `yaml:"notify_digest_hour"`

	// Logs
	LogFormat string `yaml:"log_format"` // json or text
	LogLevel  string `yaml:"log_level"`  // debug, info, warn, error
}

// DefaultLegacySigningUntil ends the transition from the previous plugin's
// signatures (docs/security.md).
const DefaultLegacySigningUntil = "2027-03-31"

// LegacyDeadline is LegacySigningUntil as an instant (zero when empty).
func (c *Config) LegacyDeadline() time.Time {
	t, err := time.Parse(time.DateOnly, c.LegacySigningUntil)
	if err != nil {
		return time.Time{}
	}
	return t
}

// Default returns the settings used when nothing else is said.
func Default() Config {
	return Config{
		DataDir:                      "./data",
		Addr:                         "127.0.0.1:8080", // a try-it run stays on this machine; containers and deploy files set their own
		MaxBodyBytes:                 4 << 20,
		OutletCacheTTL:               2 * time.Second,
		RateLimit:                    50,
		RateBurst:                    200,
		LegacySigningUntil:           DefaultLegacySigningUntil,
		MaxUnauthenticatedBytes:      64 << 20,
		MaxUnauthenticatedPerAddress: 8,
		ShutdownTimeout:              15 * time.Second,
		SecureCookies:                "auto",
		SessionTTL:                   12 * time.Hour,
		CallbackInterval:             2 * time.Second,
		SMTPTLS:                      "starttls",
		NotifyRemindAfter:            4 * time.Hour,
		NotifyDigestHour:             7,
		RetentionMonths:              13,
		LogFormat:                    "json",
		LogLevel:                     "info",
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
	fs.StringVar(&c.AdminAddr, "admin-addr", c.AdminAddr, "operators' listen address for /metrics and /debug/pprof/, e.g. 127.0.0.1:9090; empty = off (GATEKEEPER_ADMIN_ADDR)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "public base URL, for links in answers (GATEKEEPER_PUBLIC_URL)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest request body (GATEKEEPER_MAX_BODY_BYTES)")
	fs.DurationVar(&c.OutletCacheTTL, "outlet-cache-ttl", c.OutletCacheTTL, "how long an outlet's settings are cached (GATEKEEPER_OUTLET_CACHE_TTL)")
	fs.Float64Var(&c.RateLimit, "rate-limit", c.RateLimit, "signed requests per second per outlet on this replica, 0 = off (GATEKEEPER_RATE_LIMIT)")
	fs.IntVar(&c.RateBurst, "rate-burst", c.RateBurst, "burst of the per-outlet rate limit (GATEKEEPER_RATE_BURST)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "graceful shutdown deadline (GATEKEEPER_SHUTDOWN_TIMEOUT)")
	fs.StringVar(&c.LegacySigningUntil, "legacy-signing-until", c.LegacySigningUntil, "until this date (YYYY-MM-DD, UTC) accept the previous plugin's unbound signatures; empty = never (GATEKEEPER_LEGACY_SIGNING_UNTIL)")
	fs.Int64Var(&c.MaxUnauthenticatedBytes, "max-unauthenticated-bytes", c.MaxUnauthenticatedBytes, "request bytes read before authentication, all clients together (GATEKEEPER_MAX_UNAUTHENTICATED_BYTES)")
	fs.IntVar(&c.MaxUnauthenticatedPerAddress, "max-unauthenticated-per-address", c.MaxUnauthenticatedPerAddress, "requests being read before authentication per client address (GATEKEEPER_MAX_UNAUTHENTICATED_PER_ADDRESS)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "comma-separated CIDRs of proxies whose X-Forwarded-For is trusted (GATEKEEPER_TRUSTED_PROXIES)")
	fs.StringVar(&c.SecureCookies, "secure-cookies", c.SecureCookies, "console cookies Secure: auto, always or never (GATEKEEPER_SECURE_COOKIES)")
	fs.DurationVar(&c.SessionTTL, "session-ttl", c.SessionTTL, "console session lifetime (GATEKEEPER_SESSION_TTL)")
	fs.DurationVar(&c.CallbackInterval, "callback-interval", c.CallbackInterval, "how often the callback outbox is polled (GATEKEEPER_CALLBACK_INTERVAL)")
	fs.StringVar(&c.ReportIssuer, "report-issuer", c.ReportIssuer, `issuing body on PDF reports, one level a line, \n between lines (GATEKEEPER_REPORT_ISSUER)`)
	fs.Var(&c.ReportSchedules, "report-schedules", `scheduled reports, YAML: [{outlet: dakglei, every: monthly, day: 3, to: [a@example.vn]}] (GATEKEEPER_REPORT_SCHEDULES)`)
	fs.IntVar(&c.RetentionMonths, "retention-months", c.RetentionMonths, "closed months whose detail is kept; older ones live on as report snapshots; 0 = keep everything (GATEKEEPER_RETENTION_MONTHS)")
	fs.StringVar(&c.ReportPlace, "report-place", c.ReportPlace, "place written before the date on PDF reports (GATEKEEPER_REPORT_PLACE)")
	fs.StringVar(&c.ReportRecipients, "report-recipients", c.ReportRecipients, `recipients listed on PDF reports, \n between lines (GATEKEEPER_REPORT_RECIPIENTS)`)
	fs.StringVar(&c.SMTPHost, "smtp-host", c.SMTPHost, "SMTP server for notices and reports; none = no mail (GATEKEEPER_SMTP_HOST)")
	fs.IntVar(&c.SMTPPort, "smtp-port", c.SMTPPort, "SMTP port; 0 = 587 (465 with smtp-tls tls) (GATEKEEPER_SMTP_PORT)")
	fs.StringVar(&c.SMTPTLS, "smtp-tls", c.SMTPTLS, "starttls (required), tls (implicit) or none (GATEKEEPER_SMTP_TLS)")
	fs.StringVar(&c.SMTPUsername, "smtp-username", c.SMTPUsername, "SMTP user, AUTH PLAIN over TLS (GATEKEEPER_SMTP_USERNAME)")
	fs.Var(secret{&c.SMTPPassword}, "smtp-password", "SMTP password; prefer the environment or the file (GATEKEEPER_SMTP_PASSWORD)")
	fs.StringVar(&c.SMTPFrom, "smtp-from", c.SMTPFrom, `sender, e.g. "Gatekeeper <gatekeeper@example.vn>" (GATEKEEPER_SMTP_FROM)`)
	fs.StringVar(&c.NotifyWebhookURL, "notify-webhook-url", c.NotifyWebhookURL, "URL that receives every notice as a signed POST, e.g. a chat bot (GATEKEEPER_NOTIFY_WEBHOOK_URL)")
	fs.Var(secret{&c.NotifyWebhookSecret}, "notify-webhook-secret", "whsec_… secret signing those POSTs (GATEKEEPER_NOTIFY_WEBHOOK_SECRET)")
	fs.DurationVar(&c.NotifyRemindAfter, "notify-remind-after", c.NotifyRemindAfter, "a hold still waiting this long gets a reminder (GATEKEEPER_NOTIFY_REMIND_AFTER)")
	fs.IntVar(&c.NotifyDigestHour, "notify-digest-hour", c.NotifyDigestHour, "hour (0–23, Vietnam time) of the daily digest (GATEKEEPER_NOTIFY_DIGEST_HOUR)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "json or text (GATEKEEPER_LOG_FORMAT)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (GATEKEEPER_LOG_LEVEL)")
}

// secret is a flag whose value is never shown (not in --help, not in an
// error): once entered, a secret is only used.
type secret struct{ p *string }

func (s secret) String() string { return "" }

// Set stores the value.
func (s secret) Set(v string) error {
	*s.p = v
	return nil
}

// ScheduleList is report_schedules: a YAML list, also read from a flag or
// the environment as YAML.
type ScheduleList []notify.Schedule

// String is the list as YAML flow.
func (l *ScheduleList) String() string {
	if l == nil || len(*l) == 0 {
		return ""
	}
	b, _ := yaml.Marshal([]notify.Schedule(*l))
	return strings.TrimSpace(string(b))
}

// Set reads the list from YAML.
func (l *ScheduleList) Set(v string) error {
	var out []notify.Schedule
	dec := yaml.NewDecoder(strings.NewReader(v))
	dec.KnownFields(true)
	if err := dec.Decode(&out); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("a YAML list of {outlet, every, day, to, lang}: %v", err)
	}
	*l = out
	return nil
}

// ReportLines reads a multi-line report setting: a literal "\n" (as typed in
// a flag or an environment variable) is a line break too.
func ReportLines(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, `\n`, "\n"))
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
	if c.AdminAddr != "" {
		if _, port, err := net.SplitHostPort(c.AdminAddr); err != nil {
			errs = append(errs, fmt.Errorf("admin_addr %q: %v", c.AdminAddr, err))
		} else if c.AdminAddr == c.Addr && port != "0" {
			errs = append(errs, fmt.Errorf("admin_addr %q must differ from addr", c.AdminAddr))
		}
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
	if c.LegacySigningUntil != "" {
		if _, err := time.Parse(time.DateOnly, c.LegacySigningUntil); err != nil {
			errs = append(errs, fmt.Errorf("legacy_signing_until %q must be a date YYYY-MM-DD or empty", c.LegacySigningUntil))
		}
	}
	if c.MaxUnauthenticatedBytes < c.MaxBodyBytes {
		errs = append(errs, fmt.Errorf("max_unauthenticated_bytes %d must be at least max_body_bytes %d", c.MaxUnauthenticatedBytes, c.MaxBodyBytes))
	}
	if c.MaxUnauthenticatedPerAddress < 1 {
		errs = append(errs, fmt.Errorf("max_unauthenticated_per_address %d must be at least 1", c.MaxUnauthenticatedPerAddress))
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
	switch c.SMTPTLS {
	case "starttls", "tls", "none":
	default:
		errs = append(errs, fmt.Errorf("smtp_tls %q must be starttls, tls or none", c.SMTPTLS))
	}
	if c.SMTPHost != "" && c.SMTPFrom == "" {
		errs = append(errs, errors.New("smtp_from is required with smtp_host"))
	}
	if c.SMTPUsername != "" && c.SMTPTLS == "none" {
		errs = append(errs, errors.New("smtp_username needs smtp_tls starttls or tls: a password is never sent in the clear"))
	}
	if c.SMTPPort < 0 || c.SMTPPort > 65535 {
		errs = append(errs, fmt.Errorf("smtp_port %d must be between 0 and 65535", c.SMTPPort))
	}
	if c.NotifyWebhookURL != "" {
		u, err := url.Parse(c.NotifyWebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("notify_webhook_url %q must be an http(s) URL", c.NotifyWebhookURL))
		}
		if _, err := webhook.DecodeSecret(c.NotifyWebhookSecret); err != nil {
			errs = append(errs, errors.New("notify_webhook_secret must be a whsec_ secret (gatekeeper prints one with `outlet add`)"))
		}
	}
	if c.RetentionMonths < 0 || c.RetentionMonths > 120 {
		errs = append(errs, fmt.Errorf("retention_months %d must be between 0 (keep everything) and 120", c.RetentionMonths))
	}
	for i, sc := range c.ReportSchedules {
		if err := sc.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("report_schedules[%d]: %v", i, err))
		}
	}
	if len(c.ReportSchedules) > 0 && c.SMTPHost == "" {
		errs = append(errs, errors.New("report_schedules need smtp_host: scheduled reports go by mail"))
	}
	if c.NotifyRemindAfter < time.Minute {
		errs = append(errs, fmt.Errorf("notify_remind_after %s must be at least 1m", c.NotifyRemindAfter))
	}
	if c.NotifyDigestHour < 0 || c.NotifyDigestHour > 23 {
		errs = append(errs, fmt.Errorf("notify_digest_hour %d must be between 0 and 23", c.NotifyDigestHour))
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
// store, whose writes wait for the group commit's fsync in turn.
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
