package console

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/store"
)

// TestAccountsSameFromCLIAndConsole: a user added from the command line and
// one added on the console's admin page leave the same audit records (the
// same logs, type and detail), since both go through Accounts.
func TestAccountsSameFromCLIAndConsole(t *testing.T) {
	e := newEnv(t, openSQLite(t))
	var out, errb bytes.Buffer
	if err := UserCommand(e.ctx, []string{"add", "quanly1", "--role", "manager", "--outlets", e.a.ID, "--password-stdin"},
		e.st, clock.Real(), strings.NewReader("mat-khau-du-dai-1\n"), &out, &errb); err != nil {
		t.Fatalf("cli add: %v %s", err, errb.String())
	}
	c, csrf := e.session("admin")
	if st, _, body := e.post(c, "/console/admin/users", url.Values{"csrf": {csrf}, "username": {"quanly2"}, "role": {"manager"},
		"outlets": {e.a.ID}, "password": {"mat-khau-du-dai-2"}}); st >= 400 {
		t.Fatalf("console add: %d %s", st, textOf(body))
	}
	for _, log := range []string{AccountsLog, e.a.ID} {
		es, err := e.st.ListAudit(e.ctx, log, store.AuditFilter{Type: "user_add"})
		if err != nil || len(es) != 2 {
			t.Fatalf("%s: %d user_add records, %v; want one per user", log, len(es), err)
		}
		// Newest first: the console's, then the command line's.
		web, cli := es[0], es[1]
		if cli.Actor != "cli" || web.Actor != "admin" {
			t.Errorf("%s: actors %q, %q", log, cli.Actor, web.Actor)
		}
		if got, want := strings.ReplaceAll(string(cli.Detail), "quanly1", "X"), strings.ReplaceAll(string(web.Detail), "quanly2", "X"); got != want {
			t.Errorf("%s: the command line records %s, the console %s", log, got, want)
		}
	}
}

// failingAudit is a store whose audit log cannot be written.
type failingAudit struct{ store.Store }

func (failingAudit) AppendAudit(context.Context, store.AuditEntry) error {
	return errors.New("disk full")
}

// TestAccountsAuditFailureIsReported: the change is made, and the missing
// record is logged at error level and reported (ErrAuditFailed), from the
// service and from the command line; never dropped in silence.
func TestAccountsAuditFailureIsReported(t *testing.T) {
	st := failingAudit{openSQLite(t)}
	var logged bytes.Buffer
	acc := &Accounts{Store: st, Log: slog.New(slog.NewTextHandler(&logged, nil))}
	ctx := context.Background()
	u, err := acc.Add(ctx, "admin", NewUser{Username: "Tuan", Role: store.RoleAuditor, Password: "mat-khau-du-dai-1"})
	if !errors.Is(err, ErrAuditFailed) || u.Username != "tuan" {
		t.Fatalf("Add = %+v, %v; want the user and ErrAuditFailed", u, err)
	}
	if _, err := st.GetUser(ctx, "tuan"); err != nil {
		t.Fatalf("the user was not added: %v", err)
	}
	if !strings.Contains(logged.String(), "level=ERROR") || !strings.Contains(logged.String(), "user_add") {
		t.Fatalf("audit failure not logged: %s", logged.String())
	}
	err = UserCommand(ctx, []string{"remove", "tuan"}, st, clock.Real(), strings.NewReader(""), io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "audit record could not be written") {
		t.Fatalf("cli remove with a failing audit log: %v", err)
	}
	if _, err := st.GetUser(ctx, "tuan"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the user was not removed: %v", err)
	}
}
