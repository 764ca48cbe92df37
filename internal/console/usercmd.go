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
	"strings"
	"text/tabwriter"
	"time"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/store"
)

var usernameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

// NormalizeUsername lower-cases a username and checks its form (2–64 of
// a-z, 0-9, . _ -; ErrInvalidUsername otherwise).
func NormalizeUsername(s string) (string, error) {
	u := strings.ToLower(strings.TrimSpace(s))
	if !usernameRE.MatchString(u) {
		return "", fmt.Errorf("%w %q: 2–64 of a-z, 0-9, . _ -", ErrInvalidUsername, s)
	}
	return u, nil
}

// UserUsage is the synopsis of "gatekeeper user".
const UserUsage = `Cách dùng / Usage:
  gatekeeper user add USERNAME --role admin|manager|auditor|editor [--outlets a,b] [--email ADDRESS] [--notices immediate|digest|off] --password-stdin
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
	fs.StringVar(&f.Role, "role", "", "admin, manager, auditor or editor")
	fs.StringVar(&f.Outlets, "outlets", "", "comma-separated outlet ids (managers and editors)")
	fs.BoolVar(&f.PasswordStdin, "password-stdin", false, "read the password from the first line of standard input")
	fs.StringVar(&f.Email, "email", "", "address notices go to (held posts, reminders, warnings); empty = none")
	fs.StringVar(&f.Notices, "notices", "", "immediate (default), digest (one mail a day) or off")
}

// RegisterFor adds to fs the flags sub-command sub takes (every flag for a
// sub-command it does not know, which then fails on its own).
func (f *UserFlags) RegisterFor(fs *flag.FlagSet, sub string) {
	all := flag.NewFlagSet("", flag.ContinueOnError)
	f.Register(all)
	var names []string
	switch sub {
	case "add":
		names = []string{"role", "outlets", "email", "notices", "password-stdin"}
	case "notices":
		names = []string{"email", "notices"}
	case "passwd":
		names = []string{"password-stdin"}
	case "list", "remove":
	default:
		all.VisitAll(func(fl *flag.Flag) { names = append(names, fl.Name) })
	}
	for _, n := range names {
		fl := all.Lookup(n)
		fs.Var(fl.Value, fl.Name, fl.Usage)
	}
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
// username) and parsed flags, through the same Accounts service as the
// console's admin page.
func RunUserCommand(ctx context.Context, sub string, pos []string, f UserFlags, st store.Store, clk clock.Clock, stdin io.Reader, stdout, stderr io.Writer) error {
	acc := &Accounts{Store: st, Clock: clk}
	const actor = "cli"
	switch sub {
	case "add":
		name, err := oneUsername(pos, stderr)
		if err != nil {
			return err
		}
		r := store.Role(f.Role)
		if !r.Valid() {
			return fmt.Errorf("--role phải là admin, manager, auditor hoặc editor / --role must be admin, manager, auditor or editor (got %q)", f.Role)
		}
		ids := splitList(f.Outlets)
		if r.HasOutlets() && len(ids) == 0 {
			fmt.Fprintf(stderr, "cảnh báo: %s chưa được giao đơn vị nào (--outlets) / warning: the %s has no outlets (--outlets)\n", r, r)
		}
		if !r.HasOutlets() && len(ids) > 0 {
			return errors.New("--outlets chỉ dành cho vai trò manager và editor / --outlets is for the manager and editor roles only")
		}
		email, notices, err := ParseNotices(f.Email, f.Notices)
		if err != nil {
			return err
		}
		pw, err := readPassword(stdin, f.PasswordStdin)
		if err != nil {
			return err
		}
		u, err := acc.Add(ctx, actor, NewUser{Username: name, Role: r, Outlets: ids, Email: email, Notices: notices, Password: pw})
		if u.Username != "" {
			fmt.Fprintf(stdout, "Đã thêm người dùng %s (%s) / added user %s (%s)\n", name, r, name, r)
		}
		return cliAccountsErr(err)
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
		email, notices, err := ParseNotices(f.Email, f.Notices)
		if err != nil {
			return err
		}
		err = acc.SetNotices(ctx, actor, name, email, notices)
		if err != nil && !errors.Is(err, ErrAuditFailed) {
			return cliAccountsErr(err)
		}
		u := store.User{Notices: notices}
		fmt.Fprintf(stdout, "Đã lưu cách nhận thông báo của %s: %s / notices of %s: %s\n", name, u.Notices, name, u.Notices)
		return cliAccountsErr(err)
	case "passwd":
		name, err := oneUsername(pos, stderr)
		if err != nil {
			return err
		}
		if _, err := st.GetUser(ctx, name); err != nil {
			return cliAccountsErr(acc.userErr(name, err))
		}
		pw, err := readPassword(stdin, f.PasswordStdin)
		if err != nil {
			return err
		}
		err = acc.ResetPassword(ctx, actor, name, pw)
		if err == nil || errors.Is(err, ErrAuditFailed) {
			fmt.Fprintf(stdout, "Đã đổi mật khẩu của %s; mọi phiên đăng nhập đã kết thúc / password of %s changed; all sessions ended\n", name, name)
		}
		return cliAccountsErr(err)
	case "remove":
		name, err := oneUsername(pos, stderr)
		if err != nil {
			return err
		}
		err = acc.Remove(ctx, actor, name)
		if err == nil || errors.Is(err, ErrAuditFailed) {
			fmt.Fprintf(stdout, "Đã xoá người dùng %s / removed user %s\n", name, name)
		}
		return cliAccountsErr(err)
	default:
		fmt.Fprint(stderr, UserUsage)
		return fmt.Errorf("lệnh con không rõ %q / unknown subcommand %q", sub, sub)
	}
}

// cliAccountsErr is the command line's wording of an Accounts error, in
// Vietnamese and English.
func cliAccountsErr(err error) error {
	var msg string
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrInvalidUsername):
		msg = "tên đăng nhập không hợp lệ: 2–64 ký tự a-z, 0-9, . _ - / invalid username: 2–64 of a-z, 0-9, . _ -"
	case errors.Is(err, ErrInvalidRole):
		msg = "--role phải là admin, manager, auditor hoặc editor / --role must be admin, manager, auditor or editor"
	case errors.Is(err, ErrUnknownOutlet):
		msg = "không có đơn vị này / no outlet"
	case errors.Is(err, ErrUserExists):
		msg = "người dùng đã có / user already exists"
	case errors.Is(err, ErrNoUser):
		msg = "không có người dùng này / no user"
	case errors.Is(err, ErrWeakPassword):
		msg = fmt.Sprintf("mật khẩu phải dài %d–%d ký tự / the password must be %d–%d characters long", MinPasswordLen, MaxPasswordLen, MinPasswordLen, MaxPasswordLen)
	case errors.Is(err, ErrLastAdmin):
		msg = "không thể bỏ quyền của quản trị viên cuối cùng / the last admin cannot stop being one"
	case errors.Is(err, ErrAuditFailed):
		msg = "đã thực hiện nhưng không ghi được nhật ký / done, but the audit record could not be written"
	default:
		return err
	}
	return fmt.Errorf("%s (%w)", msg, err)
}

// splitList splits a comma-separated list, trimming spaces.
func splitList(list string) []string {
	var out []string
	for _, id := range strings.Split(list, ",") {
		if id = strings.TrimSpace(id); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// oneUsername is the one USERNAME a sub-command takes, normalised.
func oneUsername(pos []string, stderr io.Writer) (string, error) {
	if len(pos) != 1 {
		fmt.Fprint(stderr, UserUsage)
		return "", errors.New("cần đúng một USERNAME / exactly one USERNAME is needed")
	}
	return NormalizeUsername(pos[0])
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
		return "", cliAccountsErr(err)
	}
	return pw, nil
}
