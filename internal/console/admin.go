package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"gatekeeper/internal/admin"
	msgs "gatekeeper/internal/messages"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

type adminOutletsData struct {
	Outlets []store.Outlet
	Form    outletForm
	Error   string
}

// categoryRow is one line of an outlet's category → tone map as typed.
type categoryRow struct {
	Name, Tone string
}

// blankCategoryRows is how many empty category lines a form offers.
const blankCategoryRows = 3

// outletForm is the outlet form's fields as typed, and the message for
// each field that was refused (in the page's language).
type outletForm struct {
	ID, Name, Timezone, Limit, WarnAt, WindowDays, MinSample, CallbackURL string
	Kind, Platform, PageURL                                               string
	Sensational, Sensitivity, Mode                                        string
	AllowPrivate                                                          bool
	Categories                                                            []categoryRow
	// Errors maps a field name (or "cat.N" for category line N) to what is
	// wrong with it.
	Errors map[string]string
}

// Err is the message for a field, "" when it is fine.
func (f outletForm) Err(field string) string { return f.Errors[field] }

// CatErr is the message for category line i.
func (f outletForm) CatErr(i int) string { return f.Errors["cat."+strconv.Itoa(i)] }

// percentField shows basis points as typed in lang: "15,5" in Vietnamese.
func percentField(lang string, bp policy.BasisPoints) string {
	s := strings.TrimSuffix(strings.TrimRight(bp.Percent(), "0"), ".")
	if lang != langEN {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

func formOf(lang string, o store.Outlet) outletForm {
	f := outletForm{ID: o.ID, Name: o.Name, Timezone: o.Timezone, Limit: percentField(lang, o.Rules.Limit),
		WarnAt: percentField(lang, o.Rules.WarnAt), WindowDays: strconv.Itoa(o.WindowDays),
		MinSample: strconv.FormatInt(o.Rules.MinSample, 10), CallbackURL: o.CallbackURL, AllowPrivate: o.AllowPrivateCallback,
		Sensational: string(o.Rules.SensationalAction), Sensitivity: string(o.Rules.SensationalSensitivity.OrDefault()),
		Mode: string(o.Rules.Mode), Kind: string(o.KindOf()), Platform: o.Platform, PageURL: o.PageURL}
	keys := make([]string, 0, len(o.CategoryTones))
	for k := range o.CategoryTones {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		f.Categories = append(f.Categories, categoryRow{Name: k, Tone: string(o.CategoryTones[k])})
	}
	return f.withBlankRows()
}

// withBlankRows appends empty category lines to fill in.
func (f outletForm) withBlankRows() outletForm {
	for range blankCategoryRows {
		f.Categories = append(f.Categories, categoryRow{})
	}
	return f
}

// maxCategoryRows bounds the category lines one form may send.
const maxCategoryRows = 500

func readOutletForm(g *gin.Context) outletForm {
	f := outletForm{
		ID: strings.TrimSpace(g.PostForm("id")), Name: strings.TrimSpace(g.PostForm("name")),
		Timezone: strings.TrimSpace(g.PostForm("timezone")), Limit: strings.TrimSpace(g.PostForm("limit")),
		WarnAt: strings.TrimSpace(g.PostForm("warn_at")), WindowDays: strings.TrimSpace(g.PostForm("window_days")),
		MinSample: strings.TrimSpace(g.PostForm("min_sample")), CallbackURL: strings.TrimSpace(g.PostForm("callback_url")),
		Sensational: strings.TrimSpace(g.PostForm("sensational")), Sensitivity: strings.TrimSpace(g.PostForm("sensitivity")),
		Mode:         strings.TrimSpace(g.PostForm("mode")),
		AllowPrivate: g.PostForm("allow_private") == "on",
		Kind:         strings.TrimSpace(g.PostForm("kind")), Platform: strings.TrimSpace(g.PostForm("platform")),
		PageURL: strings.TrimSpace(g.PostForm("page_url")),
	}
	names, tones := g.PostFormArray("cat_name"), g.PostFormArray("cat_tone")
	for i := 0; i < len(names) || i < len(tones); i++ {
		var r categoryRow
		if i < len(names) {
			r.Name = strings.Join(strings.Fields(names[i]), " ")
		}
		if i < len(tones) {
			r.Tone = strings.TrimSpace(tones[i])
		}
		f.Categories = append(f.Categories, r)
	}
	return f
}

// parsePercent reads "15", "15.5", "15,25" as basis points, exactly (a
// decimal comma, as Vietnamese writes it, is accepted).
func parsePercent(s string) (policy.BasisPoints, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", ".")
	if strings.HasPrefix(s, "+") || strings.HasPrefix(s, "-") {
		return 0, errors.New("percent")
	}
	return admin.ParsePercent(s)
}

// maxCategoryLen bounds a category name, in characters.
const maxCategoryLen = 100

// apply checks every field and, when all are fine, sets them on o (which
// admin.Validate then checks again as a whole). It fills f.Errors with one
// message per refused field and reports whether there were none.
func (f *outletForm) apply(ctx context.Context, lang string, o *store.Outlet, checkID bool) bool {
	e := map[string]string{}
	f.Errors = e
	if checkID && admin.ValidID(f.ID) != nil {
		e["id"] = tr(lang, "fe.id")
	}
	if f.Name == "" || utf8.RuneCountInString(f.Name) > 200 {
		e["name"] = tr(lang, "fe.name")
	}
	if f.Timezone == "" {
		f.Timezone = store.DefaultTimezone
	}
	if _, err := time.LoadLocation(f.Timezone); err != nil || strings.HasPrefix(f.Timezone, "/") || strings.Contains(f.Timezone, "..") {
		e["timezone"] = tr(lang, "fe.timezone")
	}
	limit, err := parsePercent(f.Limit)
	if err != nil {
		e["limit"] = tr(lang, "fe.percent")
	}
	warnAt, err := parsePercent(f.WarnAt)
	switch {
	case err != nil:
		e["warn_at"] = tr(lang, "fe.percent")
	case e["limit"] == "" && warnAt > limit:
		e["warn_at"] = tr(lang, "fe.warnabove")
	}
	days, err := strconv.Atoi(f.WindowDays)
	if err != nil || days < 1 || days > 365 {
		e["window_days"] = tr(lang, "fe.window")
	}
	if f.MinSample == "" {
		f.MinSample = "0"
	}
	minSample, err := strconv.ParseInt(f.MinSample, 10, 64)
	if err != nil || minSample < 0 || minSample > 1_000_000 {
		e["min_sample"] = tr(lang, "fe.minsample")
	}
	if f.Sensational == "" {
		f.Sensational = string(policy.SensationalWarn)
	}
	if !slices.Contains(policy.SensationalActions, policy.SensationalAction(f.Sensational)) {
		e["sensational"] = tr(lang, "fe.sensational")
	}
	if f.Sensitivity == "" {
		f.Sensitivity = string(policy.SensitivityNormal)
	}
	if !slices.Contains(policy.Sensitivities, policy.Sensitivity(f.Sensitivity)) {
		e["sensitivity"] = tr(lang, "fe.sensitivity")
	}
	if f.Mode == "" {
		f.Mode = string(policy.Enforce)
	}
	if f.Mode != string(policy.Enforce) && f.Mode != string(policy.Shadow) {
		e["mode"] = tr(lang, "fe.mode")
	}
	if f.CallbackURL != "" {
		u, err := url.Parse(f.CallbackURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(f.CallbackURL) > 2000 {
			e["callback_url"] = tr(lang, "fe.callback")
		} else {
			var bad *admin.CallbackAddressError
			if errors.As(admin.CheckCallbackAddress(ctx, f.CallbackURL, f.AllowPrivate, admin.SystemResolver), &bad) {
				e["callback_url"] = tr(lang, "fe.callback.private", bad.Addr.String())
			}
		}
	}
	// The kind's rule is admin's; each refused part is said at its field.
	kinded := *o
	admin.SetKind(&kinded, store.OutletKind(f.Kind), f.Platform, f.PageURL)
	for _, err := range admin.Problems(admin.ValidateKind(&kinded)) {
		var s *policy.InvalidSetting
		if errors.As(err, &s) {
			e[kindField[s.Code]] = tr(lang, "fe."+s.Code)
		}
	}
	cats := map[string]policy.Tone{}
	if len(f.Categories) > maxCategoryRows {
		f.Categories = f.Categories[:maxCategoryRows]
		e["categories"] = tr(lang, "fe.cat.many", maxCategoryRows)
	}
	firstLine := map[string]int{}
	for i, r := range f.Categories {
		if r.Name == "" && r.Tone == "" {
			continue
		}
		k := policy.CategoryKey(r.Name)
		tone, okTone := policy.ParseTone(r.Tone)
		switch {
		case k == "":
			e["cat."+strconv.Itoa(i)] = tr(lang, "fe.cat.name")
		case utf8.RuneCountInString(k) > maxCategoryLen:
			e["cat."+strconv.Itoa(i)] = tr(lang, "fe.cat.long", maxCategoryLen)
		case !okTone:
			e["cat."+strconv.Itoa(i)] = tr(lang, "fe.cat.tone")
		default:
			if j, dup := firstLine[k]; dup {
				e["cat."+strconv.Itoa(i)] = tr(lang, "fe.cat.dup", j+1)
				continue
			}
			firstLine[k] = i
			cats[k] = tone
		}
	}
	if len(e) > 0 {
		return false
	}
	o.Name, o.Timezone, o.WindowDays = f.Name, f.Timezone, days
	o.Rules.Limit, o.Rules.WarnAt, o.Rules.MinSample = limit, warnAt, minSample
	o.Rules.SensationalAction, o.Rules.Mode = policy.SensationalAction(f.Sensational), policy.Mode(f.Mode)
	o.Rules.SensationalSensitivity = policy.Sensitivity(f.Sensitivity)
	o.CallbackURL, o.AllowPrivateCallback = f.CallbackURL, f.AllowPrivate
	o.CategoryTones = cats
	o.Kind, o.Platform, o.PageURL = kinded.Kind, kinded.Platform, kinded.PageURL
	if err := admin.Validate(o); err != nil {
		// A rule the fields above do not cover: say it as it is.
		ml := msgs.VI
		if lang == langEN {
			ml = msgs.EN
		}
		e["_"] = tr(lang, "err.input", msgs.SettingsIn(ml, err))
		return false
	}
	return true
}

// kindField is the form field each refused part of an outlet's kind is
// said at.
var kindField = map[string]string{"kind": "kind", "social_only": "kind", "platform": "platform", "page_url": "page_url"}

// summary is the message above a refused form.
func (f outletForm) summary(lang string) string {
	if m := f.Errors["_"]; m != "" {
		return m
	}
	return tr(lang, "fe.summary", len(f.Errors))
}

func (c *Console) adminOutletsPage(g *gin.Context) {
	c.showOutlets(g, http.StatusOK, newOutletForm(langOf(g)), "")
}

func newOutletForm(lang string) outletForm {
	return formOf(lang, admin.NewOutlet("", ""))
}

func (c *Console) showOutlets(g *gin.Context, status int, f outletForm, errMsg string) {
	all, err := c.st.ListOutlets(ctx(g))
	if err != nil {
		c.storeErr(g, err)
		return
	}
	slices.SortFunc(all, func(a, b store.Outlet) int { return strings.Compare(a.ID, b.ID) })
	c.render(g, status, "admin_outlets", "admin.outlets", adminOutletsData{Outlets: all, Form: f, Error: errMsg})
}

type secretData struct {
	Outlet  store.Outlet
	Secret  string
	GraceTo *time.Time
	Loc     *time.Location
}

func (c *Console) adminCreateOutlet(g *gin.Context) {
	f := readOutletForm(g)
	lang := langOf(g)
	o := admin.NewOutlet(f.ID, f.Name)
	if !f.apply(ctx(g), lang, &o, true) {
		c.showOutlets(g, http.StatusBadRequest, f.withBlankRows(), f.summary(lang))
		return
	}
	secret, err := admin.Create(ctx(g), c.st, o, userOf(g).Username, c.now())
	if err != nil {
		if errors.Is(err, store.ErrExists) {
			f.Errors = map[string]string{"id": tr(lang, "admin.exists")}
			c.showOutlets(g, http.StatusConflict, f.withBlankRows(), tr(lang, "fe.summary", 1))
			return
		}
		c.storeErr(g, err)
		return
	}
	o, err = c.st.GetOutlet(ctx(g), o.ID)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	// The secret is shown this once; it is kept nowhere but the outlet.
	c.render(g, http.StatusOK, "secret", "admin.outlets", secretData{Outlet: o, Secret: secret, Loc: o.Location()})
}

type adminOutletData struct {
	Outlet store.Outlet
	Loc    *time.Location
	Form   outletForm
	Error  string
	Grace  string // how long a rotated-out secret keeps working by default
	// GraceChoices are the rotation's choices of grace, the default first.
	GraceChoices []graceChoice
	// Previous is how many rotated-out secrets still verify.
	Previous int
}

// graceChoice is one option of the rotation form: how long the previous
// secrets keep working (Seconds 0: they stop at once, as after a leak).
type graceChoice struct {
	Seconds int64
	Label   string
}

// graceChoices are the grace periods an admin may pick when rotating: the
// configured one, one hour, or none.
func (c *Console) graceChoices(lang string) []graceChoice {
	out := []graceChoice{{int64(c.cfg.SecretGrace / time.Second), fmtDuration(lang, c.cfg.SecretGrace)}}
	if c.cfg.SecretGrace != time.Hour {
		out = append(out, graceChoice{3600, fmtDuration(lang, time.Hour)})
	}
	return append(out, graceChoice{0, tr(lang, "of.rotate.nograce")})
}

// outletData is the admin page of an outlet.
func (c *Console) outletData(lang string, o store.Outlet, f outletForm, msg string) adminOutletData {
	return adminOutletData{Outlet: o, Loc: o.Location(), Form: f, Error: msg, Grace: fmtDuration(lang, c.cfg.SecretGrace),
		GraceChoices: c.graceChoices(lang), Previous: max(len(o.ActiveSecrets(c.now()))-1, 0)}
}

func (c *Console) adminOutletPage(g *gin.Context) {
	o, err := c.st.GetOutlet(ctx(g), g.Param("outlet"))
	if err != nil {
		c.storeErr(g, err)
		return
	}
	c.render(g, http.StatusOK, "admin_outlet", "admin.outlets", c.outletData(langOf(g), o, formOf(langOf(g), o), ""))
}

// adminUpdateOutlet saves an outlet's whole policy through admin.Update,
// which writes the outlet_update audit entry. Its secrets are untouched.
func (c *Console) adminUpdateOutlet(g *gin.Context) {
	o, err := c.st.GetOutlet(ctx(g), g.Param("outlet"))
	if err != nil {
		c.storeErr(g, err)
		return
	}
	lang := langOf(g)
	shown := o
	f := readOutletForm(g)
	f.ID = o.ID
	if !f.apply(ctx(g), lang, &o, false) {
		c.render(g, http.StatusBadRequest, "admin_outlet", "admin.outlets", c.outletData(lang, shown, f.withBlankRows(), f.summary(lang)))
		return
	}
	if err := admin.Update(ctx(g), c.st, o, userOf(g).Username, c.now()); err != nil {
		c.storeErr(g, err)
		return
	}
	c.log.Info("console: outlet updated", "outlet", o.ID, "by", userOf(g).Username)
	g.Redirect(http.StatusSeeOther, "/console/admin/outlets/"+url.PathEscape(o.ID)+"?ok=saved")
}

// adminRotateSecret makes a new current secret; the previous ones keep
// verifying for the grace the admin chose (one of graceChoices; none stops
// them at once) so the CMS can be updated without downtime.
func (c *Console) adminRotateSecret(g *gin.Context) {
	grace, ok := c.cfg.SecretGrace, false
	if v := g.PostForm("grace"); v == "" {
		ok = true // the form of an older page: the default
	} else {
		for _, ch := range c.graceChoices(langOf(g)) {
			if strconv.FormatInt(ch.Seconds, 10) == v {
				grace, ok = time.Duration(ch.Seconds)*time.Second, true
			}
		}
	}
	if !ok {
		c.errorPage(g, http.StatusBadRequest, "err.badrequest")
		return
	}
	now := c.now()
	secret, err := admin.RotateSecret(ctx(g), c.st, g.Param("outlet"), userOf(g).Username, now, grace)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	o, err := c.st.GetOutlet(ctx(g), g.Param("outlet"))
	if err != nil {
		c.storeErr(g, err)
		return
	}
	d := secretData{Outlet: o, Secret: secret, Loc: o.Location()}
	if len(o.ActiveSecrets(now)) > 1 {
		until := now.Add(grace)
		d.GraceTo = &until
	}
	c.render(g, http.StatusOK, "secret", "admin.outlets", d)
}

// adminRevokeSecrets stops every rotated-out secret at once.
func (c *Console) adminRevokeSecrets(g *gin.Context) {
	id := g.Param("outlet")
	n, err := admin.RevokePreviousSecrets(ctx(g), c.st, id, userOf(g).Username, c.now())
	if err != nil {
		c.storeErr(g, err)
		return
	}
	c.log.Info("console: previous secrets revoked", "outlet", id, "revoked", n, "by", userOf(g).Username)
	g.Redirect(http.StatusSeeOther, "/console/admin/outlets/"+url.PathEscape(id)+"?ok=revoked")
}

type adminUsersData struct {
	Users   []store.User
	Outlets []store.Outlet
	Roles   []store.Role
	Error   string
}

func (c *Console) adminUsersPage(g *gin.Context) { c.showUsers(g, http.StatusOK, "") }

func (c *Console) showUsers(g *gin.Context, status int, errMsg string) {
	users, err := c.st.ListUsers(ctx(g))
	if err != nil {
		c.storeErr(g, err)
		return
	}
	outlets, err := c.st.ListOutlets(ctx(g))
	if err != nil {
		c.storeErr(g, err)
		return
	}
	slices.SortFunc(outlets, func(a, b store.Outlet) int { return strings.Compare(a.ID, b.ID) })
	c.render(g, status, "admin_users", "admin.users", adminUsersData{Users: users, Outlets: outlets,
		Roles: []store.Role{store.RoleManager, store.RoleEditor, store.RoleAuditor, store.RoleAdmin}, Error: errMsg})
}

type passwordData struct {
	Username string
	Password string
}

// userForm reads role and outlets. The form offers only existing outlets;
// one removed since the page was drawn is left out rather than refused.
func (c *Console) userForm(g *gin.Context) (store.Role, []string) {
	var ids []string
	for _, id := range g.PostFormArray("outlets") {
		if _, err := c.st.GetOutlet(ctx(g), id); err == nil {
			ids = append(ids, id)
		}
	}
	return store.Role(g.PostForm("role")), ids
}

// accountsErr shows an Accounts error on the users page; false when err
// is nil or only a missing audit record (already logged by Accounts: the
// change is made).
func (c *Console) accountsErr(g *gin.Context, err error) bool {
	lang := langOf(g)
	switch {
	case err == nil, errors.Is(err, ErrAuditFailed):
		return false
	case errors.Is(err, ErrInvalidUsername):
		c.showUsers(g, http.StatusBadRequest, tr(lang, "err.input", "username"))
	case errors.Is(err, ErrInvalidRole):
		c.showUsers(g, http.StatusBadRequest, tr(lang, "err.input", "role"))
	case errors.Is(err, ErrUnknownOutlet):
		c.showUsers(g, http.StatusBadRequest, tr(lang, "err.input", "outlets"))
	case errors.Is(err, ErrWeakPassword):
		c.showUsers(g, http.StatusBadRequest, tr(lang, "account.weak", MinPasswordLen, MaxPasswordLen))
	case errors.Is(err, ErrUserExists):
		c.showUsers(g, http.StatusConflict, tr(lang, "admin.exists"))
	case errors.Is(err, ErrLastAdmin):
		c.showUsers(g, http.StatusConflict, tr(lang, "admin.lastadmin"))
	case errors.Is(err, ErrSelf):
		c.showUsers(g, http.StatusConflict, tr(lang, "admin.self"))
	case errors.Is(err, ErrNoUser):
		c.errorPage(g, http.StatusNotFound, "err.notfound")
	default:
		c.storeErr(g, err)
	}
	return true
}

func (c *Console) adminCreateUser(g *gin.Context) {
	role, outlets := c.userForm(g)
	pw, shown := g.PostForm("password"), false
	if pw == "" {
		pw, shown = GeneratePassword(), true
	}
	u, err := c.accounts.Add(ctx(g), userOf(g).Username, NewUser{Username: g.PostForm("username"), Role: role, Outlets: outlets, Password: pw})
	if c.accountsErr(g, err) {
		return
	}
	c.log.Info("console: user added", "username", u.Username, "role", u.Role, "by", userOf(g).Username)
	if shown {
		c.render(g, http.StatusOK, "password", "admin.users", passwordData{Username: u.Username, Password: pw})
		return
	}
	g.Redirect(http.StatusSeeOther, "/console/admin/users?ok=saved")
}

func (c *Console) adminUpdateUser(g *gin.Context) {
	role, outlets := c.userForm(g)
	if c.accountsErr(g, c.accounts.Update(ctx(g), userOf(g).Username, g.Param("user"), role, outlets)) {
		return
	}
	c.log.Info("console: user updated", "username", g.Param("user"), "role", role, "by", userOf(g).Username)
	g.Redirect(http.StatusSeeOther, "/console/admin/users?ok=saved")
}

func (c *Console) adminResetPassword(g *gin.Context) {
	pw := GeneratePassword()
	if c.accountsErr(g, c.accounts.ResetPassword(ctx(g), userOf(g).Username, g.Param("user"), pw)) {
		return
	}
	c.log.Info("console: password reset", "username", g.Param("user"), "by", userOf(g).Username)
	c.render(g, http.StatusOK, "password", "admin.users", passwordData{Username: g.Param("user"), Password: pw})
}

func (c *Console) adminDeleteUser(g *gin.Context) {
	if c.accountsErr(g, c.accounts.Remove(ctx(g), userOf(g).Username, g.Param("user"))) {
		return
	}
	c.log.Info("console: user removed", "username", g.Param("user"), "by", userOf(g).Username)
	g.Redirect(http.StatusSeeOther, "/console/admin/users?ok=deleted")
}
