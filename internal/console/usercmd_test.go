package console

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"gatekeeper/internal/clock"
	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport"
	"gatekeeper/policy"
)

func TestUserCommand(t *testing.T) {
	st := openSQLite(t)
	ctx := context.Background()
	now := testsupport.Now(t, envNow)
	if err := st.CreateOutlet(ctx, store.Outlet{ID: "dakglei", Name: "Đắk Glei", Rules: policy.DefaultRules(), WindowDays: 30,
		Timezone: "Asia/Ho_Chi_Minh", CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	run := func(stdin string, args ...string) (string, error) {
		var out, errb bytes.Buffer
		err := UserCommand(ctx, args, st, clock.Fixed(now), strings.NewReader(stdin), &out, &errb)
		return out.String() + errb.String(), err
	}
	for _, tc := range []struct {
		stdin   string
		args    []string
		wantErr string
	}{
		{"mat-khau-du-dai\n", []string{"add", "Mai", "--role", "manager", "--outlets", "dakglei", "--password-stdin"}, ""},
		{"mat-khau-du-dai\n", []string{"add", "--role", "admin", "quantri", "--password-stdin"}, ""},
		{"mat-khau-du-dai\n", []string{"add", "bientap", "--role", "editor", "--outlets", "dakglei", "--password-stdin"}, ""},
		{"mat-khau-du-dai\n", []string{"add", "bientap2", "--role", "editor", "--outlets", "khong-co", "--password-stdin"}, "no outlet"},
		{"mat-khau-du-dai\n", []string{"add", "kt2", "--role", "auditor", "--outlets", "dakglei", "--password-stdin"}, "manager and editor roles only"},
		{"mat-khau-du-dai\n", []string{"add", "mai", "--role", "manager", "--password-stdin"}, "already exists"},
		{"mat-khau-du-dai\n", []string{"add", "lan", "--role", "boss", "--password-stdin"}, "--role must be"},
		{"mat-khau-du-dai\n", []string{"add", "lan", "--role", "manager", "--outlets", "khong-co", "--password-stdin"}, "no outlet"},
		{"ngan\n", []string{"add", "lan", "--role", "auditor", "--password-stdin"}, "10–256"},
		{"mat-khau-du-dai\n", []string{"add", "lan", "--role", "auditor"}, "--password-stdin"},
		{"mat-khau-du-dai\n", []string{"add", "x", "--role", "auditor", "--password-stdin"}, "invalid username"},
		{"", []string{"frobnicate"}, "unknown subcommand"},
	} {
		out, err := run(tc.stdin, tc.args...)
		if tc.wantErr == "" && err != nil {
			t.Errorf("%v: %v (%s)", tc.args, err, out)
		}
		if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%v: error %v, want %q", tc.args, err, tc.wantErr)
		}
	}
	u, err := st.GetUser(ctx, "mai")
	if err != nil || u.Role != store.RoleManager || strings.Join(u.Outlets, ",") != "dakglei" || !VerifyPassword(u.PasswordHash, "mat-khau-du-dai") {
		t.Fatalf("mai = %+v, %v", u, err)
	}
	if ed, err := st.GetUser(ctx, "bientap"); err != nil || ed.Role != store.RoleEditor || strings.Join(ed.Outlets, ",") != "dakglei" {
		t.Fatalf("bientap = %+v, %v", ed, err)
	}
	out, err := run("", "list")
	if err != nil || !strings.Contains(out, "mai") || !strings.Contains(out, "quantri") || !strings.Contains(out, "dakglei") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if strings.Contains(out, "argon2") {
		t.Fatal("list shows password hashes")
	}
	// passwd ends sessions.
	if err := st.PutSession(ctx, store.Session{ID: "s1", Username: "mai", Created: now, Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := run("mat-khau-moi-dai\r\n", "passwd", "mai", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	u, _ = st.GetUser(ctx, "mai")
	if !VerifyPassword(u.PasswordHash, "mat-khau-moi-dai") {
		t.Fatal("password not changed (or the CR kept)")
	}
	if _, err := st.GetSession(ctx, "s1", now); err == nil {
		t.Fatal("session survived passwd")
	}
	if _, err := run("", "remove", "mai"); err != nil {
		t.Fatal(err)
	}
	if _, err := run("", "remove", "mai"); err == nil || !strings.Contains(err.Error(), "no user") {
		t.Fatalf("second remove: %v", err)
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("mật khẩu có dấu 123")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %s", h)
	}
	if !VerifyPassword(h, "mật khẩu có dấu 123") || VerifyPassword(h, "mật khẩu có dấu 124") {
		t.Fatal("verify")
	}
	h2, _ := HashPassword("mật khẩu có dấu 123")
	if h2 == h {
		t.Fatal("no salt")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "plain"} {
		if VerifyPassword(bad, "x") {
			t.Errorf("%q verified", bad)
		}
	}
}
