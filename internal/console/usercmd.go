package console

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/store"
)

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// NormalizeUsername lower-cases a username and checks its form.
func NormalizeUsername(s string) (string, error) {
	u := strings.ToLower(strings.TrimSpace(s))
	if !usernameRE.MatchString(u) {
		return "", fmt.Errorf("tên đăng nhập %q không hợp lệ: 2–64 ký tự a-z, 0-9, . _ - / invalid username %q: 2–64 of a-z, 0-9, . _ -", s, s)
	}
	return u, nil
}

// UserUsage is the synopsis of "gatekeeper user".
const UserUsage = `Cách dùng / usage:
  gatekeeper user add USERNAME --role admin|manager|auditor [--outlets a,b] [--email ADDRESS] [--notices immediate|digest|off] --password-stdin
  gatekeeper user notices USERNAME --email ADDRESS [--notices immediate|digest|off]
  gatekeeper user list
  gatekeeper user passwd USERNAME --password-stdin
  gatekeeper user remove USERNAME
`

// UserFlags are the flags of "gatekeeper user …".
type UserFlags struct {
	Role          string
	Outlets       string
	PasswordStdin bool
	Email         string
	Notices       string
}

// Register adds the flags to fs (for a caller that parses its own flags,
// such as the store's, on the same set).
func (f *UserFlags) Register(fs *flag.FlagSet) {
	fs.StringVar(&f.Role, "role", "", "admin, manager or auditor")
	fs.StringVar(&f.Outlets, "outlets", "", "comma-separated outlet ids (managers)")
	fs.BoolVar(&f.PasswordStdin, "password-stdin", false, "read the password from the first line of standard input")
	fs.StringVar(&f.Email, "email", "", "address notices go to (held posts, reminders, warnings); empty = none")
	fs.StringVar(&f.Notices, "notices", "", "immediate (default), digest (one mail a day) or off")
}

// ParseNotices checks a user's notice settings: a bare e-mail address (or
// none) and immediate, digest or off (immediate when empty). The errors
// speak Vietnamese, then English.
func ParseNotices(email, mode string) (string, string, error) {
	email = strings.TrimSpace(email)
	if email != "" {
		a, err := mail.ParseAddress(email)
		if err != nil || a.Address != email || a.Name != "" {
			return "", "", fmt.Errorf("địa chỉ thư %q không hợp lệ / %q is not an e-mail address", email, email)
		}
	}
	switch mode = strings.TrimSpace(mode); mode {
	case "":
		mode = store.NoticesImmediate
	case store.NoticesImmediate, store.NoticesDigest, store.NoticesOff:
	default:
		return "", "", fmt.Errorf("cách nhận thông báo phải là immediate, digest hoặc off / notices must be immediate, digest or off (got %q)", mode)
	}
	return email, mode, nil
}

// UserCommand runs "gatekeeper user …" (args start after "user"): add, list,
// passwd, remove, with the flags of UserFlags anywhere after the
// subcommand. Passwords are read from stdin (first line) so they never
// appear in a process listing or shell history.
func UserCommand(ctx context.Context, args []string, st store.Store, clk clock.Clock, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, UserUsage)
		return errors.New("thiếu lệnh con / missing subcommand")
	}
	sub := args[0]
	fs := flag.NewFlagSet("user "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f UserFlags
	f.Register(fs)
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	return RunUserCommand(ctx, sub, pos, f, st, clk, stdin, stdout, stderr)
}

// RunUserCommand runs one subcommand with its positional arguments (the
// username) and parsed flags.
func RunUserCommand(ctx context.Context, sub string, pos []string, f UserFlags, st store.Store, clk clock.Clock, stdin io.Reader, stdout, stderr io.Writer) error {
	role, outlets, pwStdin := &f.Role, &f.Outlets, &f.PasswordStdin
	now := clk.Now().UTC()
	switch sub {
	case "add":
		name, err := oneUsername(pos, stderr)
		if err != nil {
			return err
		}
		r := store.Role(*role)
		if !r.Valid() {
			return fmt.Errorf("--role phải là admin, manager hoặc auditor / --role must be admin, manager or auditor (got %q)", *role)
		}
		ids, err := checkOutlets(ctx, st, *outlets)
		if err != nil {
			return err
		}
		if r == store.RoleManager && len(ids) == 0 {
			fmt.Fprintln(stderr, "cảnh báo: quản lý chưa được giao đơn vị nào (--outlets) / warning: the manager has no outlets (--outlets)")
		}
		if r != store.RoleManager && len(ids) > 0 {
			return errors.New("--outlets chỉ dành cho vai trò manager / --outlets is for the manager role only")
		}
		pw, err := readPassword(stdin, *pwStdin)
		if err != nil {
			return err
		}
		hash, err := HashPassword(pw)
		if err != nil {
			return err
		}
		email, notices, err := ParseNotices(f.Email, f.Notices)
		if err != nil {
			return err
		}
		u := store.User{Username: name, Role: r, Outlets: ids, Email: email, Notices: notices, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
		if err := st.CreateUser(ctx, u); err != nil {
			if errors.Is(err, store.ErrExists) {
				return fmt.Errorf("người dùng %q đã có / user %q already exists", name, name)
			}
			return fmt.Errorf("add user: %w", err)
		}
		auditAll(ctx, st, u.Outlets, now, "user_add", "cli", map[string]any{"username": name, "role": r})
		fmt.Fprintf(stdout, "Đã thêm người dùng %s (%s) / added user %s (%s)\n", name, r, name, r)
		return nil
	case "list":
		users, err := st.ListUsers(ctx)
		if err != nil {
			return fmt.Errorf("list users: %w", err)
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USERNAME\tROLE\tOUTLETS\tEMAIL\tNOTICES\tCREATED")
		for _, u := range users {
			notices := u.Notices
			if notices == "" {
				notices = store.NoticesImmediate
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.Username, u.Role, strings.Join(u.Outlets, ","), u.Email, notices, u.CreatedAt.UTC().Format(time.RFC3339))
		}
		return tw.Flush()
	case "notices":
		name, err := oneUsername(pos, stderr)
		if err != nil {
			return err
		}
		u, err := st.GetUser(ctx, name)
		if err != nil {
			return userErr(name, err)
		}
		if u.Email, u.Notices, err = ParseNotices(f.Email, f.Notices); err != nil {
			return err
		}
		u.UpdatedAt = now
		if err := st.UpdateUser(ctx, u); err != nil {
			return userErr(name, err)
		}
		auditAll(ctx, st, u.Outlets, now, "user_notices", "cli", map[string]any{"username": name, "notices": u.Notices, "email": u.Email != ""})
		fmt.Fprintf(stdout, "Đã lưu cách nhận thông báo của %s: %s / notices of %s: %s\n", name, u.Notices, name, u.Notices)
		return nil
	case "passwd":
		name, err := oneUsername(pos, stderr)
		if err != nil {
			return err
		}
		u, err := st.GetUser(ctx, name)
		if err != nil {
			return userErr(name, err)
		}
		pw, err := readPassword(stdin, *pwStdin)
		if err != nil {
			return err
		}
		if u.PasswordHash, err = HashPassword(pw); err != nil {
			return err
		}
		u.UpdatedAt = now
		if err := st.UpdateUser(ctx, u); err != nil {
			return userErr(name, err)
		}
		if err := st.DeleteUserSessions(ctx, name); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		auditAll(ctx, st, nil, now, "user_password_reset", "cli", map[string]any{"username": name})
		fmt.Fprintf(stdout, "Đã đổi mật khẩu của %s; mọi phiên đăng nhập đã kết thúc / password of %s changed; all sessions ended\n", name, name)
		return nil
	case "remove":
		name, err := oneUsername(pos, stderr)
		if err != nil {
			return err
		}
		u, err := st.GetUser(ctx, name)
		if err != nil {
			return userErr(name, err)
		}
		if err := st.DeleteUser(ctx, name); err != nil {
			return userErr(name, err)
		}
		auditAll(ctx, st, u.Outlets, now, "user_remove", "cli", map[string]any{"username": name})
		fmt.Fprintf(stdout, "Đã xoá người dùng %s / removed user %s\n", name, name)
		return nil
	default:
		fmt.Fprint(stderr, UserUsage)
		return fmt.Errorf("lệnh con không rõ %q / unknown subcommand %q", sub, sub)
	}
}

// oneUsername is the one USERNAME a sub-command takes, normalised.
func oneUsername(pos []string, stderr io.Writer) (string, error) {
	if len(pos) != 1 {
		fmt.Fprint(stderr, UserUsage)
		return "", errors.New("cần đúng một USERNAME / exactly one USERNAME is needed")
	}
	return NormalizeUsername(pos[0])
}

func userErr(name string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("không có người dùng %q / no user %q", name, name)
	}
	return fmt.Errorf("user %s: %w", name, err)
}

// parseInterspersed parses flags that may come before or after positional
// arguments ("add alice --role admin").
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// checkOutlets splits a comma-separated list and checks each outlet exists.
func checkOutlets(ctx context.Context, st store.Outlets, list string) ([]string, error) {
	var ids []string
	for _, id := range strings.Split(list, ",") {
		id = strings.TrimSpace(id)
		if id == "" || slices.Contains(ids, id) {
			continue
		}
		if _, err := st.GetOutlet(ctx, id); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, fmt.Errorf("không có đơn vị %q / no outlet %q", id, id)
			}
			return nil, fmt.Errorf("outlet %s: %w", id, err)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids, nil
}

// readPassword reads the first line of stdin as a new password.
func readPassword(stdin io.Reader, fromStdin bool) (string, error) {
	if !fromStdin {
		return "", errors.New("hãy truyền mật khẩu qua stdin với --password-stdin / pass the password on stdin with --password-stdin")
	}
	line, err := bufio.NewReader(io.LimitReader(stdin, 4096)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	pw := strings.TrimRight(line, "\r\n")
	if err := CheckPasswordPolicy(pw); err != nil {
		return "", err
	}
	return pw, nil
}

// AccountsLog is the audit log of account changes (every role, every
// change), beside the log of each outlet a change touches. It is not a
// valid outlet id, so it cannot clash with one.
const AccountsLog = "_accounts"

// auditAll records an account change in the accounts log and in the audit
// log of each outlet it touches. Failures are ignored: the change itself is
// already made.
func auditAll(ctx context.Context, st store.Audit, outlets []string, now time.Time, typ, actor string, detail map[string]any) {
	b := mustJSON(detail)
	for _, o := range append([]string{AccountsLog}, outlets...) {
		_ = st.AppendAudit(ctx, store.AuditEntry{Outlet: o, At: now, Type: typ, Actor: actor, Detail: b})
	}
}
