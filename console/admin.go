package console

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"gatekeeper/admin"
	"gatekeeper/policy"
	"gatekeeper/store"
)

type adminOutletsData struct {
	Outlets []store.Outlet
	Form    outletForm
	Error   string
}

// outletForm is the outlet form's fields as typed.
type outletForm struct {
	ID, Name, Timezone, Limit, WarnAt, WindowDays, MinSample, CallbackURL string
	AllowPrivate                                                          bool
}

func formOf(o store.Outlet) outletForm {
	return outletForm{ID: o.ID, Name: o.Name, Timezone: o.Timezone, Limit: o.Rules.Limit.Percent(), WarnAt: o.Rules.WarnAt.Percent(),
		WindowDays: strconv.Itoa(o.WindowDays), MinSample: strconv.FormatInt(o.Rules.MinSample, 10),
		CallbackURL: o.CallbackURL, AllowPrivate: o.AllowPrivateCallback}
}

func readOutletForm(g *gin.Context) outletForm {
	return outletForm{
		ID: strings.TrimSpace(g.PostForm("id")), Name: strings.TrimSpace(g.PostForm("name")),
		Timezone: strings.TrimSpace(g.PostForm("timezone")), Limit: strings.TrimSpace(g.PostForm("limit")),
		WarnAt: strings.TrimSpace(g.PostForm("warn_at")), WindowDays: strings.TrimSpace(g.PostForm("window_days")),
		MinSample: strings.TrimSpace(g.PostForm("min_sample")), CallbackURL: strings.TrimSpace(g.PostForm("callback_url")),
		AllowPrivate: g.PostForm("allow_private") == "on",
	}
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

// apply sets the form's values on o, reporting the first bad field.
func (f outletForm) apply(o *store.Outlet) error {
	if f.Name == "" || len([]rune(f.Name)) > 200 {
		return errors.New("name")
	}
	o.Name = f.Name
	if f.Timezone == "" {
		f.Timezone = "Asia/Ho_Chi_Minh"
	}
	if _, err := time.LoadLocation(f.Timezone); err != nil {
		return errors.New("timezone")
	}
	o.Timezone = f.Timezone
	var err error
	if o.Rules.Limit, err = parsePercent(f.Limit); err != nil {
		return errors.New("limit")
	}
	if o.Rules.WarnAt, err = parsePercent(f.WarnAt); err != nil {
		return errors.New("warn_at")
	}
	if o.WindowDays, err = strconv.Atoi(f.WindowDays); err != nil {
		return errors.New("window_days")
	}
	if f.MinSample == "" {
		f.MinSample = "0"
	}
	if o.Rules.MinSample, err = strconv.ParseInt(f.MinSample, 10, 64); err != nil || o.Rules.MinSample < 0 {
		return errors.New("min_sample")
	}
	if o.Rules.SensationalAction == "" {
		o.Rules.SensationalAction = policy.Warn
	}
	if o.Rules.Mode == "" {
		o.Rules.Mode = policy.Enforce
	}
	o.CallbackURL, o.AllowPrivateCallback = f.CallbackURL, f.AllowPrivate
	return admin.Validate(o)
}

func (c *Console) adminOutletsPage(g *gin.Context) {
	c.showOutlets(g, http.StatusOK, newOutletForm(), "")
}

func newOutletForm() outletForm {
	o := store.Outlet{Rules: policy.DefaultRules(), WindowDays: 30, Timezone: "Asia/Ho_Chi_Minh"}
	return formOf(o)
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
	if err := admin.ValidID(f.ID); err != nil {
		c.showOutlets(g, http.StatusBadRequest, f, tr(lang, "err.input", "id"))
		return
	}
	o := admin.NewOutlet(f.ID, f.Name)
	if err := f.apply(&o); err != nil {
		c.showOutlets(g, http.StatusBadRequest, f, tr(lang, "err.input", err.Error()))
		return
	}
	secret, err := admin.Create(ctx(g), c.st, o, userOf(g).Username, c.now())
	if err != nil {
		if errors.Is(err, store.ErrExists) {
			c.showOutlets(g, http.StatusConflict, f, tr(lang, "admin.exists"))
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
	Form   outletForm
	Error  string
}

func (c *Console) adminOutletPage(g *gin.Context) {
	o, err := c.st.GetOutlet(ctx(g), g.Param("outlet"))
	if err != nil {
		c.storeErr(g, err)
		return
	}
	c.render(g, http.StatusOK, "admin_outlet", "admin.outlets", adminOutletData{Outlet: o, Form: formOf(o)})
}

func (c *Console) adminUpdateOutlet(g *gin.Context) {
	o, err := c.st.GetOutlet(ctx(g), g.Param("outlet"))
	if err != nil {
		c.storeErr(g, err)
		return
	}
	f := readOutletForm(g)
	f.ID = o.ID
	if err := f.apply(&o); err != nil {
		c.render(g, http.StatusBadRequest, "admin_outlet", "admin.outlets",
			adminOutletData{Outlet: o, Form: f, Error: tr(langOf(g), "err.input", err.Error())})
		return
	}
	if err := admin.Update(ctx(g), c.st, o, userOf(g).Username, c.now()); err != nil {
		c.storeErr(g, err)
		return
	}
	g.Redirect(http.StatusSeeOther, "/console/admin/outlets/"+url.PathEscape(o.ID)+"?ok=saved")
}

// adminRotateSecret makes a new current secret; the previous one keeps
// verifying for SecretGrace so the CMS can be updated without downtime.
func (c *Console) adminRotateSecret(g *gin.Context) {
	now := c.now()
	secret, err := admin.RotateSecret(ctx(g), c.st, g.Param("outlet"), userOf(g).Username, now, c.cfg.SecretGrace)
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
	if len(o.Secrets) > 1 {
		grace := now.Add(c.cfg.SecretGrace)
		d.GraceTo = &grace
	}
	c.render(g, http.StatusOK, "secret", "admin.outlets", d)
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
		Roles: []store.Role{store.RoleManager, store.RoleAuditor, store.RoleAdmin}, Error: errMsg})
}

type passwordData struct {
	Username string
	Password string
}

// userForm reads role and outlets; only existing outlets are kept.
func (c *Console) userForm(g *gin.Context) (store.Role, []string, error) {
	r := store.Role(g.PostForm("role"))
	if !r.Valid() {
		return "", nil, errors.New("role")
	}
	var ids []string
	if r == store.RoleManager {
		for _, id := range g.PostFormArray("outlets") {
			if _, err := c.st.GetOutlet(ctx(g), id); err == nil && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
		slices.Sort(ids)
	}
	return r, ids, nil
}

func (c *Console) adminCreateUser(g *gin.Context) {
	lang := langOf(g)
	name, err := NormalizeUsername(g.PostForm("username"))
	if err != nil {
		c.showUsers(g, http.StatusBadRequest, tr(lang, "err.input", "username"))
		return
	}
	role, outlets, err := c.userForm(g)
	if err != nil {
		c.showUsers(g, http.StatusBadRequest, tr(lang, "err.input", err.Error()))
		return
	}
	pw, shown := g.PostForm("password"), false
	if pw == "" {
		pw, shown = GeneratePassword(), true
	} else if CheckPasswordPolicy(pw) != nil {
		c.showUsers(g, http.StatusBadRequest, tr(lang, "account.weak", MinPasswordLen, MaxPasswordLen))
		return
	}
	hash, err := HashPassword(pw)
	if err != nil {
		c.storeErr(g, err)
		return
	}
	now := c.now()
	u := store.User{Username: name, Role: role, Outlets: outlets, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
	if err := c.st.CreateUser(ctx(g), u); err != nil {
		if errors.Is(err, store.ErrExists) {
			c.showUsers(g, http.StatusConflict, tr(lang, "admin.exists"))
			return
		}
		c.storeErr(g, err)
		return
	}
	c.log.Info("console: user added", "username", name, "role", role, "by", userOf(g).Username)
	for _, o := range outlets {
		c.audit(g, o, store.AuditEntry{Type: "user_add", Detail: mustJSON(map[string]any{"username": name, "role": role})})
	}
	if shown {
		c.render(g, http.StatusOK, "password", "admin.users", passwordData{Username: name, Password: pw})
		return
	}
	g.Redirect(http.StatusSeeOther, "/console/admin/users?ok=saved")
}

// otherAdmins counts admins other than name.
func (c *Console) otherAdmins(g *gin.Context, name string) (int, error) {
	users, err := c.st.ListUsers(ctx(g))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, u := range users {
		if u.Role == store.RoleAdmin && u.Username != name {
			n++
		}
	}
	return n, nil
}

func (c *Console) adminUpdateUser(g *gin.Context) {
	lang := langOf(g)
	u, err := c.st.GetUser(ctx(g), g.Param("user"))
	if err != nil {
		c.storeErr(g, err)
		return
	}
	role, outlets, err := c.userForm(g)
	if err != nil {
		c.showUsers(g, http.StatusBadRequest, tr(lang, "err.input", err.Error()))
		return
	}
	if u.Role == store.RoleAdmin && role != store.RoleAdmin {
		if n, err := c.otherAdmins(g, u.Username); err != nil || n == 0 {
			c.showUsers(g, http.StatusConflict, tr(lang, "admin.lastadmin"))
			return
		}
	}
	u.Role, u.Outlets, u.UpdatedAt = role, outlets, c.now()
	if err := c.st.UpdateUser(ctx(g), u); err != nil {
		c.storeErr(g, err)
		return
	}
	c.log.Info("console: user updated", "username", u.Username, "role", role, "outlets", outlets, "by", userOf(g).Username)
	g.Redirect(http.StatusSeeOther, "/console/admin/users?ok=saved")
}

func (c *Console) adminResetPassword(g *gin.Context) {
	u, err := c.st.GetUser(ctx(g), g.Param("user"))
	if err != nil {
		c.storeErr(g, err)
		return
	}
	pw := GeneratePassword()
	if u.PasswordHash, err = HashPassword(pw); err != nil {
		c.storeErr(g, err)
		return
	}
	u.UpdatedAt = c.now()
	if err := c.st.UpdateUser(ctx(g), u); err != nil {
		c.storeErr(g, err)
		return
	}
	if err := c.st.DeleteUserSessions(ctx(g), u.Username); err != nil {
		c.storeErr(g, err)
		return
	}
	c.log.Info("console: password reset", "username", u.Username, "by", userOf(g).Username)
	c.render(g, http.StatusOK, "password", "admin.users", passwordData{Username: u.Username, Password: pw})
}

func (c *Console) adminDeleteUser(g *gin.Context) {
	lang := langOf(g)
	u, err := c.st.GetUser(ctx(g), g.Param("user"))
	if err != nil {
		c.storeErr(g, err)
		return
	}
	if u.Username == userOf(g).Username {
		c.showUsers(g, http.StatusConflict, tr(lang, "admin.self"))
		return
	}
	if err := c.st.DeleteUser(ctx(g), u.Username); err != nil {
		c.storeErr(g, err)
		return
	}
	c.log.Info("console: user removed", "username", u.Username, "by", userOf(g).Username)
	for _, o := range u.Outlets {
		c.audit(g, o, store.AuditEntry{Type: "user_remove", Detail: mustJSON(map[string]any{"username": u.Username})})
	}
	g.Redirect(http.StatusSeeOther, "/console/admin/users?ok=deleted")
}
