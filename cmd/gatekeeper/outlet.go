package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"gatekeeper/internal/admin"
	"gatekeeper/internal/config"
	"gatekeeper/internal/messages"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

const outletUsage = usageHeading + `
  gatekeeper outlet add ID --name NAME [--kind social --platform P --page-url URL] [policy flags] [--json]
  gatekeeper outlet list [--json]
  gatekeeper outlet show ID [--json]
  gatekeeper outlet update ID [policy flags]
  gatekeeper outlet rotate-secret ID [--grace 24h] [--json]
  gatekeeper outlet revoke-secrets ID
  gatekeeper outlet remove ID --yes
Every form also takes the store flags (--data, --redis-url, --config) and works
whether or not a server is running. The policy flags: gatekeeper outlet add --help
(update takes the same, and --clear-categories); each form's flags: gatekeeper outlet FORM --help.`

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// outletFlags are the policy flags of add and update; set records which were given.
type outletFlags struct {
	name, limit, warnAt, timezone, sensational, sensitivity, mode, callbackURL string
	kind, platform, pageURL                                                    string
	windowDays                                                                 int
	minSample                                                                  int64
	allowPrivate                                                               bool
	consoleOnly                                                                bool
	categories                                                                 stringList
	clearCategories                                                            bool
	asJSON                                                                     bool
}

func (f *outletFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.name, "name", "", "display name of the outlet")
	def := admin.NewOutlet("", "")
	fs.StringVar(&f.kind, "kind", string(def.Kind), "website (a CMS calls the webhook) or social (a page on a social network)")
	fs.StringVar(&f.platform, "platform", "", "a social outlet's network: facebook, zalo, youtube, tiktok or other")
	fs.StringVar(&f.pageURL, "page-url", "", "a social outlet's public page address, e.g. https://www.facebook.com/ubndxa")
	fs.StringVar(&f.limit, "limit", def.Rules.Limit.Percent(), "negative share limit, percent (two decimals at most)")
	fs.StringVar(&f.warnAt, "warn-at", def.Rules.WarnAt.Percent(), "warn above this negative share, percent")
	fs.IntVar(&f.windowDays, "window-days", def.WindowDays, "window length in days (1–365)")
	fs.StringVar(&f.timezone, "timezone", def.Timezone, "time zone for days, display and reports")
	fs.Int64Var(&f.minSample, "min-sample", def.Rules.MinSample, "below this many posts in the window, would-be holds are warned")
	fs.StringVar(&f.sensational, "sensational", string(def.Rules.SensationalAction), "action for a sensational headline: note (a reason line only), warn or hold")
	fs.StringVar(&f.sensitivity, "sensational-sensitivity", string(def.Rules.SensationalSensitivity), "how readily a headline is sensational: low (score ≥ 0.85), normal (≥ 0.70) or high (≥ 0.50)")
	fs.StringVar(&f.mode, "mode", string(def.Rules.Mode), "enforce, or shadow (record, but always answer allow)")
	fs.Var(&f.categories, "category", `map a category to a tone, e.g. "Pháp luật=negative" (repeatable)`)
	fs.StringVar(&f.callbackURL, "callback-url", "", "URL of the CMS that receives approvals and rejections")
	fs.BoolVar(&f.allowPrivate, "allow-private-callback", false, "let the callback URL be a loopback or private address")
	fs.BoolVar(&f.consoleOnly, "approval-console-only", false, "resolve holds in the console only: the CMS may not approve or reject")
}

// apply writes the flags that were given (all of them for add) onto o.
func (f *outletFlags) apply(o *store.Outlet, given map[string]bool, all bool) error {
	set := func(name string) bool { return all || given[name] }
	var errs []error
	if set("name") {
		o.Name = f.name
	}
	if set("kind") || set("platform") || set("page-url") {
		kind, platform, page := o.KindOf(), o.Platform, o.PageURL
		if set("kind") {
			kind = store.OutletKind(strings.TrimSpace(f.kind))
		}
		if set("platform") {
			platform = f.platform
		}
		if set("page-url") {
			page = f.pageURL
		}
		if kind != store.KindSocial && (given["platform"] || given["page-url"]) {
			// Refused by admin.Validate, not silently dropped.
			o.Kind, o.Platform, o.PageURL = kind, platform, page
		} else {
			admin.SetKind(o, kind, platform, page)
		}
	}
	if set("limit") {
		bp, err := admin.ParsePercent(f.limit)
		if err != nil {
			errs = append(errs, fmt.Errorf("--limit: %w", worded(err)))
		}
		o.Rules.Limit = bp
	}
	if set("warn-at") {
		bp, err := admin.ParsePercent(f.warnAt)
		if err != nil {
			errs = append(errs, fmt.Errorf("--warn-at: %w", worded(err)))
		}
		o.Rules.WarnAt = bp
	}
	if set("window-days") {
		o.WindowDays = f.windowDays
	}
	if set("timezone") {
		o.Timezone = f.timezone
	}
	if set("min-sample") {
		o.Rules.MinSample = f.minSample
	}
	if set("sensational") {
		o.Rules.SensationalAction = policy.SensationalAction(f.sensational)
	}
	if set("sensational-sensitivity") {
		o.Rules.SensationalSensitivity = policy.Sensitivity(f.sensitivity)
	}
	if set("mode") {
		o.Rules.Mode = policy.Mode(f.mode)
	}
	if set("callback-url") {
		o.CallbackURL = f.callbackURL
	}
	if set("allow-private-callback") {
		o.AllowPrivateCallback = f.allowPrivate
	}
	if set("approval-console-only") {
		o.ApprovalConsoleOnly = f.consoleOnly
	}
	if f.clearCategories || o.CategoryTones == nil {
		o.CategoryTones = map[string]policy.Tone{}
	}
	for _, c := range f.categories {
		k, t, err := admin.ParseCategoryTone(c)
		if err != nil {
			errs = append(errs, fmt.Errorf("--category: %w", worded(err)))
			continue
		}
		o.CategoryTones[k] = t
	}
	return errors.Join(errs...)
}

func runOutlet(ctx context.Context, e *Env, args []string) error {
	sub, args, err := subcommand(e, args, outletUsage)
	if err != nil {
		return err
	}
	var id string
	if sub != "list" && !wantsHelp(args) {
		if len(args) == 0 || strings.HasPrefix(args[0], "-") {
			fmt.Fprintf(e.Stderr, "gatekeeper outlet %s: the outlet ID comes first\n\n%s\n", sub, outletUsage)
			return errUsage
		}
		id, args = args[0], args[1:]
	}
	cfg := config.Default()
	fs := newFlagSet(e, "outlet "+sub)
	fs.Usage = func() { helpWith(e.Stderr, formsOf(outletUsage, "outlet", sub), fs) }
	var of outletFlags
	var grace time.Duration
	var yes bool
	rest, err := cfg.Load(fs, args, e.Getenv, func(fs *flag.FlagSet) {
		cfg.StoreFlags(fs)
		switch sub {
		case "add":
			of.register(fs)
			fs.BoolVar(&of.asJSON, "json", false, "print JSON")
		case "update":
			of.register(fs)
			fs.BoolVar(&of.clearCategories, "clear-categories", false, "drop the existing category map first")
		case "revoke-secrets":
		case "rotate-secret":
			fs.DurationVar(&grace, "grace", admin.RotationGrace, "how long every previous secret keeps working (0: they stop at once)")
			fs.BoolVar(&of.asJSON, "json", false, "print JSON")
		case "remove":
			fs.BoolVar(&yes, "yes", false, "really remove the outlet and everything recorded for it")
		default:
			fs.BoolVar(&of.asJSON, "json", false, "print JSON")
		}
	})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("unexpected arguments %q", rest)
	}
	if err := cfg.ValidateStore(); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

	st, err := openStore(ctx, &cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	now := e.Clock.Now()
	actor := "cli:" + e.Getenv("USER")

	switch sub {
	case "add":
		if !given["name"] {
			return errors.New("cần --name (tên đơn vị) / --name is required")
		}
		o := admin.NewOutlet(id, "")
		if err := of.apply(&o, given, true); err != nil {
			return err
		}
		secret, err := admin.Create(ctx, st, o, actor, now)
		if err != nil {
			return worded(err)
		}
		if of.asJSON {
			return json.NewEncoder(e.Stdout).Encode(map[string]string{"id": id, "secret": secret})
		}
		fmt.Fprintf(e.Stdout, "Đã tạo đơn vị / Outlet created: %s\nKhoá bí mật (chỉ hiện một lần) / Secret (shown once):\n%s\n", id, secret)
		return nil
	case "update":
		o, err := st.GetOutlet(ctx, id)
		if err != nil {
			return fmt.Errorf("outlet %s: %w", id, err)
		}
		if err := of.apply(&o, given, false); err != nil {
			return err
		}
		if err := admin.Update(ctx, st, o, actor, now); err != nil {
			return worded(err)
		}
		fmt.Fprintf(e.Stdout, "Đã cập nhật / Updated: %s\n", id)
		return nil
	case "rotate-secret":
		secret, err := admin.RotateSecret(ctx, st, id, actor, now, grace)
		if err != nil {
			return err
		}
		if of.asJSON {
			return json.NewEncoder(e.Stdout).Encode(map[string]string{"id": id, "secret": secret, "previous_valid_until": now.Add(grace).Format(time.RFC3339)})
		}
		if grace <= 0 {
			fmt.Fprintf(e.Stdout, "Khoá mới (chỉ hiện một lần) / New secret (shown once):\n%s\nMọi khoá cũ đã dừng / Every previous secret has stopped\n", secret)
			return nil
		}
		fmt.Fprintf(e.Stdout, "Khoá mới (chỉ hiện một lần) / New secret (shown once):\n%s\nCác khoá cũ còn dùng được đến / The previous secrets work until %s\n", secret, now.Add(grace).Format(time.RFC3339))
		return nil
	case "revoke-secrets":
		n, err := admin.RevokePreviousSecrets(ctx, st, id, actor, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "Đã thu hồi %d khoá cũ; chỉ khoá hiện tại còn dùng được / Revoked %d previous secrets; only the current one works\n", n, n)
		return nil
	case "remove":
		if !yes {
			return errors.New("xoá đơn vị sẽ xoá số liệu, bài bị giữ và nhật ký của đơn vị; thêm --yes để xác nhận / removing an outlet deletes its counts, holds and audit log; add --yes to confirm")
		}
		if err := admin.Remove(ctx, st, id); err != nil {
			return err
		}
		fmt.Fprintf(e.Stdout, "Đã xoá / Removed: %s\n", id)
		return nil
	case "show":
		o, err := st.GetOutlet(ctx, id)
		if err != nil {
			return fmt.Errorf("outlet %s: %w", id, err)
		}
		return printOutlets(e, []store.Outlet{o}, of.asJSON, true)
	case "list":
		all, err := st.ListOutlets(ctx)
		if err != nil {
			return err
		}
		sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
		return printOutlets(e, all, of.asJSON, false)
	}
	fmt.Fprintf(e.Stderr, "gatekeeper outlet: unknown sub-command %q\n\n%s\n", sub, outletUsage)
	return errUsage
}

func printOutlets(e *Env, outlets []store.Outlet, asJSON, one bool) error {
	if asJSON {
		enc := json.NewEncoder(e.Stdout)
		enc.SetIndent("", "  ")
		if one {
			return enc.Encode(admin.Public(outlets[0]))
		}
		out := make([]map[string]any, 0, len(outlets))
		for _, o := range outlets {
			out = append(out, admin.Public(o))
		}
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(e.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tKIND\tLIMIT\tWARN\tWINDOW\tMODE\tTIMEZONE\tCALLBACK / PAGE")
	for _, o := range outlets {
		kind, where := string(o.KindOf()), o.CallbackURL
		if o.KindOf() == store.KindSocial {
			kind, where = kind+":"+o.Platform, o.PageURL
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s%%\t%s%%\t%dd\t%s\t%s\t%s\n", o.ID, o.Name, kind, o.Rules.Limit.Percent(), o.Rules.WarnAt.Percent(), o.WindowDays, o.Rules.Mode, o.Timezone, where)
	}
	return tw.Flush()
}

// worded is err with every refused setting in it said in Vietnamese and
// English (the domain packages say it in English only); other errors as
// they are.
func worded(err error) error {
	var s *policy.InvalidSetting
	if err == nil || !errors.As(err, &s) {
		return err
	}
	return errors.New(messages.Settings(err))
}
