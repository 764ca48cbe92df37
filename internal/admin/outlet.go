// Package admin changes outlets: creating them with a fresh secret,
// updating their policy, rotating secrets with a grace period, removing
// them. The CLI and the console both use it, and every change is audited.
package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"gatekeeper/internal/posting"
	"gatekeeper/internal/store"
	"gatekeeper/internal/webhook"
	"gatekeeper/policy"
)

// Store is what outlet administration needs of a store: the outlets, and
// the audit log its changes are recorded in.
type Store interface {
	store.Outlets
	store.Audit
}

// RotationGrace is how long a rotated-out secret keeps working.
const RotationGrace = 24 * time.Hour

// ValidID reports whether id can name an outlet: 1–63 lower-case ASCII
// letters, digits or '-', starting with a letter or digit. (A loop, not a
// regular expression: it runs on every signed request; TestValidIDAsPattern
// holds it to ^[a-z0-9][a-z0-9-]{0,62}$.)
func ValidID(id string) error {
	if !validOutletID(id) {
		return policy.Invalid("admin", "id", "outlet id %q must be 1–63 lower-case letters, digits or '-', starting with a letter or digit", id)
	}
	return nil
}

func validOutletID(id string) bool {
	if id == "" || len(id) > 63 || id[0] == '-' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// ParsePercent reads "15", "15.5" or "12.00" (a percentage with at most two
// decimals) as basis points, without floating point.
func ParsePercent(s string) (policy.BasisPoints, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 {
		return 0, policy.Invalid("admin", "percent", "%q is not a percentage with at most two decimals", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err1 := strconv.ParseUint(whole, 10, 16)
	f, err2 := strconv.ParseUint(frac, 10, 8)
	if err1 != nil || err2 != nil {
		return 0, policy.Invalid("admin", "percent", "%q is not a percentage with at most two decimals", s)
	}
	bp := policy.BasisPoints(w*100 + f)
	if bp > policy.Full {
		return 0, policy.Invalid("admin", "percent_max", "%q is more than 100%%", s)
	}
	return bp, nil
}

// ParseCategoryTone reads "Pháp luật=negative".
func ParseCategoryTone(s string) (string, policy.Tone, error) {
	name, tone, ok := strings.Cut(s, "=")
	t, okTone := policy.ParseTone(tone)
	if !ok || strings.TrimSpace(name) == "" || !okTone {
		return "", "", policy.Invalid("admin", "category", "category %q must be NAME=negative|neutral|positive", s)
	}
	return policy.CategoryKey(name), t, nil
}

// Validate checks an outlet's settings.
func Validate(o *store.Outlet) error {
	var errs []error
	if err := ValidID(o.ID); err != nil {
		errs = append(errs, err)
	}
	if strings.TrimSpace(o.Name) == "" {
		errs = append(errs, policy.Invalid("admin", "name", "name is required"))
	}
	if err := o.Rules.Validate(); err != nil {
		errs = append(errs, err)
	}
	if o.WindowDays < 1 || o.WindowDays > 365 {
		errs = append(errs, policy.Invalid("admin", "window_days", "window days %d must be between 1 and 365", o.WindowDays))
	}
	if _, err := time.LoadLocation(o.Timezone); err != nil || o.Timezone == "" {
		errs = append(errs, policy.Invalid("admin", "timezone", "time zone %q is not known (e.g. Asia/Ho_Chi_Minh)", o.Timezone))
	}
	if err := ValidateKind(o); err != nil {
		errs = append(errs, err)
	}
	if o.CallbackURL != "" {
		u, err := url.Parse(o.CallbackURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			errs = append(errs, policy.Invalid("admin", "callback_url", "callback URL %q must be an http(s) URL without credentials", o.CallbackURL))
		}
	}
	return errors.Join(errs...)
}

// Problems are the separate errors Validate and ValidateKind join (err
// itself when it joins none), one for each refused setting.
func Problems(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}

// ValidateKind checks the outlet's kind and, for a social outlet, its
// platform and page address (which only a social outlet has): part of
// Validate, which the console also calls alone to word each field.
func ValidateKind(o *store.Outlet) error {
	var errs []error
	if !slices.Contains(store.OutletKinds, o.KindOf()) {
		errs = append(errs, policy.Invalid("admin", "kind", "kind %q must be website or social", o.Kind))
	}
	if o.KindOf() != store.KindSocial {
		if o.Platform != "" || o.PageURL != "" {
			errs = append(errs, policy.Invalid("admin", "social_only", "a platform and a page address are for social outlets only"))
		}
		return errors.Join(errs...)
	}
	if !slices.Contains(store.Platforms, o.Platform) {
		errs = append(errs, policy.Invalid("admin", "platform", "platform %q must be facebook, zalo, youtube, tiktok or other", o.Platform))
	}
	if _, err := posting.Canonical(o.PageURL); err != nil || o.PageURL == "" || !strings.Contains(o.PageURL, "://") {
		errs = append(errs, policy.Invalid("admin", "page_url", "page address %q must be the page's http(s) address", o.PageURL))
	}
	return errors.Join(errs...)
}

// SetKind makes o an outlet of kind (platform and page address kept for a
// social outlet, dropped for a website): the CLI and the console change
// kinds through it.
func SetKind(o *store.Outlet, kind store.OutletKind, platform, pageURL string) {
	o.Kind, o.Platform, o.PageURL = kind, strings.TrimSpace(platform), strings.TrimSpace(pageURL)
	if kind == store.KindWebsite || kind == "" {
		o.Kind, o.Platform, o.PageURL = store.KindWebsite, "", ""
	}
}

// NewOutlet returns an outlet with the default policy, window and time
// zone, a website: the one place a new outlet's settings come from.
func NewOutlet(id, name string) store.Outlet {
	return store.Outlet{
		ID: id, Name: name, Kind: store.KindWebsite, Rules: policy.DefaultRules(), WindowDays: store.DefaultWindowDays,
		Timezone: store.DefaultTimezone, CategoryTones: map[string]policy.Tone{},
	}
}

// Create stores a new outlet with a fresh secret, which it returns: the
// only time the secret is shown.
func Create(ctx context.Context, st Store, o store.Outlet, actor string, now time.Time) (string, error) {
	if err := Validate(&o); err != nil {
		return "", err
	}
	if err := CheckCallbackAddress(ctx, o.CallbackURL, o.AllowPrivateCallback, SystemResolver); err != nil {
		return "", err
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		return "", err
	}
	o.Secrets = []store.Secret{{Value: secret}}
	o.CreatedAt, o.UpdatedAt = now, now
	if err := st.CreateOutlet(ctx, o); err != nil {
		return "", fmt.Errorf("create outlet %s: %w", o.ID, err)
	}
	audit(ctx, st, o.ID, "outlet_add", actor, now, policyDetail(&o))
	return secret, nil
}

// Update stores changed settings of an existing outlet (secrets untouched).
func Update(ctx context.Context, st Store, o store.Outlet, actor string, now time.Time) error {
	if err := Validate(&o); err != nil {
		return err
	}
	if err := CheckCallbackAddress(ctx, o.CallbackURL, o.AllowPrivateCallback, SystemResolver); err != nil {
		return err
	}
	cur, err := st.GetOutlet(ctx, o.ID)
	if err != nil {
		return fmt.Errorf("update outlet %s: %w", o.ID, err)
	}
	o.Secrets, o.CreatedAt, o.UpdatedAt = cur.Secrets, cur.CreatedAt, now
	if err := st.UpdateOutlet(ctx, o); err != nil {
		return fmt.Errorf("update outlet %s: %w", o.ID, err)
	}
	audit(ctx, st, o.ID, "outlet_update", actor, now, policyDetail(&o))
	return nil
}

// RotateSecret gives the outlet a new secret. Every previous secret keeps
// working for at most grace from now (one that expires sooner keeps its own
// expiry); with no grace every previous secret stops at once, as after a
// leak. Secrets that have expired are dropped.
func RotateSecret(ctx context.Context, st Store, id, actor string, now time.Time, grace time.Duration) (string, error) {
	o, err := st.GetOutlet(ctx, id)
	if err != nil {
		return "", fmt.Errorf("rotate secret of %s: %w", id, err)
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		return "", err
	}
	until := now.Add(max(grace, 0))
	keep := []store.Secret{{Value: secret}}
	for _, s := range o.ActiveSecrets(now) {
		if s.ExpiresAt == nil || s.ExpiresAt.After(until) {
			s.ExpiresAt = &until
		}
		if s.ExpiresAt.After(now) {
			keep = append(keep, s)
		}
	}
	o.Secrets, o.UpdatedAt = keep, now
	if err := st.UpdateOutlet(ctx, o); err != nil {
		return "", fmt.Errorf("rotate secret of %s: %w", id, err)
	}
	audit(ctx, st, id, "secret_rotate", actor, now, map[string]any{"previous_valid_until": until, "previous_kept": len(keep) - 1})
	return secret, nil
}

// RevokePreviousSecrets ends every secret but the current one at once and
// returns how many still verified.
func RevokePreviousSecrets(ctx context.Context, st Store, id, actor string, now time.Time) (int, error) {
	o, err := st.GetOutlet(ctx, id)
	if err != nil {
		return 0, fmt.Errorf("revoke secrets of %s: %w", id, err)
	}
	if len(o.Secrets) == 0 {
		return 0, nil
	}
	revoked := max(len(o.ActiveSecrets(now))-1, 0)
	o.Secrets, o.UpdatedAt = o.Secrets[:1], now
	if err := st.UpdateOutlet(ctx, o); err != nil {
		return 0, fmt.Errorf("revoke secrets of %s: %w", id, err)
	}
	audit(ctx, st, id, "secret_revoke", actor, now, map[string]any{"revoked": revoked})
	return revoked, nil
}

// Remove deletes an outlet and everything recorded for it.
func Remove(ctx context.Context, st Store, id string) error {
	if err := st.DeleteOutlet(ctx, id); err != nil {
		return fmt.Errorf("remove outlet %s: %w", id, err)
	}
	return nil
}

// Public is an outlet without its secrets, for display.
func Public(o store.Outlet) map[string]any {
	cats := map[string]policy.Tone{}
	for k, v := range o.CategoryTones {
		cats[k] = v
	}
	m := map[string]any{
		"id": o.ID, "name": o.Name, "kind": o.KindOf(), "window_days": o.WindowDays, "timezone": o.Timezone,
		"limit": o.Rules.Limit.Percent(), "warn_at": o.Rules.WarnAt.Percent(),
		"min_sample": o.Rules.MinSample, "sensational_action": o.Rules.SensationalAction,
		"sensational_sensitivity": o.Rules.SensationalSensitivity.OrDefault(),
		"mode":                    o.Rules.Mode, "category_tones": cats, "callback_url": o.CallbackURL,
		"allow_private_callback": o.AllowPrivateCallback, "approval_console_only": o.ApprovalConsoleOnly, "secrets": len(o.Secrets),
		"created_at": o.CreatedAt, "updated_at": o.UpdatedAt,
	}
	if o.KindOf() == store.KindSocial {
		m["platform"], m["page_url"] = o.Platform, o.PageURL
	}
	return m
}

func policyDetail(o *store.Outlet) map[string]any {
	d := Public(*o)
	delete(d, "secrets")
	return d
}

func audit(ctx context.Context, st Store, outlet, typ, actor string, now time.Time, detail any) {
	raw, _ := json.Marshal(detail)
	if err := st.AppendAudit(ctx, store.AuditEntry{Outlet: outlet, At: now, Type: typ, Actor: actor, Detail: raw}); err != nil {
		// The change itself is made; say loudly that its record is missing.
		slog.ErrorContext(ctx, "audit record not written", "outlet", outlet, "type", typ, "err", err)
	}
}
