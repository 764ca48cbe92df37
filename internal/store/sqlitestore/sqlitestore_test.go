package sqlitestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// t0 is a fixed clock for tests: 2026-03-01 00:00 UTC.
var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

const window = 30 * 24 * time.Hour

func openTest(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func addOutlet(t testing.TB, s *Store, id string, r policy.Rules) {
	t.Helper()
	o := store.Outlet{ID: id, Name: "Outlet " + id, Rules: r, WindowDays: 30, Timezone: "Asia/Ho_Chi_Minh",
		Secrets: []store.Secret{{Value: "whsec_dGVzdA=="}}, CreatedAt: t0, UpdatedAt: t0}
	if err := s.CreateOutlet(context.Background(), o); err != nil {
		t.Fatalf("CreateOutlet(%s): %v", id, err)
	}
}

// input is a check of post at now with subject sub under rules r.
func input(outlet, post string, now time.Time, r policy.Rules, sub policy.Subject) store.CheckInput {
	return store.CheckInput{
		Outlet: outlet, PostID: post, Now: now, Window: window,
		Day:   store.DayKey(now, time.FixedZone("ICT", 7*3600)),
		Rules: r, Subject: sub, Plan: policy.MakePlan(r, sub),
		HoldID: "h-" + post, Snapshot: []byte(`{"post":"` + post + `"}`), Actor: "editor1",
	}
}

func check(t testing.TB, s *Store, in store.CheckInput) (store.CheckResult, policy.Outcome) {
	t.Helper()
	res, err := s.Check(context.Background(), in)
	if err != nil {
		t.Fatalf("Check(%s/%s): %v", in.Outlet, in.PostID, err)
	}
	return res, in.Plan[res.Situation.Index()]
}

func windowOf(t testing.TB, s *Store, outlet string, now time.Time) policy.Counts {
	t.Helper()
	c, err := s.Window(context.Background(), outlet, now, window)
	if err != nil {
		t.Fatalf("Window: %v", err)
	}
	return c
}

var (
	neutral  = policy.Subject{}
	negative = policy.Subject{Negative: true}
)

// seed counts p posts, n of them negative, one millisecond apart ending at end.
func seed(t testing.TB, s *Store, outlet string, p, n int, end time.Time) {
	t.Helper()
	var posts []store.SyncPost
	for i := 0; i < p; i++ {
		at := end.Add(-time.Duration(p-i) * time.Millisecond)
		posts = append(posts, store.SyncPost{ID: fmt.Sprintf("seed-%d", i), Negative: i < n, PublishedAt: at,
			Day: store.DayKey(at, time.UTC)})
	}
	if _, err := s.Sync(context.Background(), store.SyncInput{Outlet: outlet, Now: end, Window: window, Posts: posts}); err != nil {
		t.Fatalf("Sync: %v", err)
	}
}

func TestOpenCreatesPrivateFileInWALMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "gk")
	s := openTest(t, dir)
	addOutlet(t, s, "o", policy.DefaultRules()) // a write: the -wal and -shm files exist
	db := filepath.Join(dir, FileName)
	for path, want := range map[string]os.FileMode{dir: 0o700, db: 0o600, db + "-wal": 0o600, db + "-shm": 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", path, got, want)
		}
	}
	ctx := context.Background()
	for pragma, want := range map[string]string{
		"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "5000", "synchronous": "2",
		"user_version": fmt.Sprint(len(coreSchema)),
	} {
		var got string
		if err := s.db.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatalf("PRAGMA %s: %v", pragma, err)
		}
		if got != want {
			t.Errorf("PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestSchemaIsIdempotentAndExtensible(t *testing.T) {
	dir := t.TempDir()
	saved := extraSchema
	t.Cleanup(func() { extraSchema = saved })
	extraSchema = append(append([]string(nil), saved...),
		`CREATE TABLE test_users (name TEXT PRIMARY KEY, outlet TEXT REFERENCES outlets(id) ON DELETE CASCADE)`,
		// Not idempotent on purpose: it must run exactly once per file.
		`ALTER TABLE test_users ADD COLUMN role TEXT NOT NULL DEFAULT 'editor'`)
	for i := 0; i < 3; i++ {
		s, err := Open(context.Background(), dir)
		if err != nil {
			t.Fatalf("Open #%d: %v", i+1, err)
		}
		if _, err := s.db.Exec("INSERT INTO test_users (name, role) VALUES (?, 'manager')", fmt.Sprint("u", i)); err != nil {
			t.Errorf("insert into extra table: %v", err)
		}
		s.Close()
	}
	s := openTest(t, dir)
	var n int
	if err := s.db.QueryRow("SELECT count(*) FROM test_users").Scan(&n); err != nil || n != 3 {
		t.Errorf("test_users: %d rows, err %v; want 3", n, err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	if _, err := s.db.Exec(fmt.Sprintf("PRAGMA user_version = %d", len(coreSchema)+1)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if s2, err := Open(context.Background(), dir); err == nil {
		s2.Close()
		t.Fatal("Open of a file with a newer schema succeeded")
	}
}

func TestCheckThresholds(t *testing.T) {
	r := policy.DefaultRules()
	// 100 posts, 11 negative: a 12th gives 12/101 (allow: 1188 bp ≤ warn_at),
	// a 13th 13/102 = 1274 (warn), 14/103 = 1359, 15/104 = 1442, 16/105 = 1523 (hold).
	tests := []struct{ want []policy.Verdict }{
		{[]policy.Verdict{policy.Allow, policy.Warn, policy.Warn, policy.Warn, policy.Hold, policy.Hold}},
	}
	for _, tc := range tests {
		s := openTest(t, t.TempDir())
		addOutlet(t, s, "o", r)
		seed(t, s, "o", 100, 11, t0)
		now := t0.Add(time.Minute)
		for i, want := range tc.want {
			before := windowOf(t, s, "o", now)
			res, o := check(t, s, input("o", fmt.Sprint("n", i), now, r, negative))
			if o.Verdict != want {
				t.Fatalf("check %d at %+v: %s, want %s", i, before, o.Verdict, want)
			}
			if res.Before != before {
				t.Errorf("check %d: Before %+v, want %+v", i, res.Before, before)
			}
			after := windowOf(t, s, "o", now)
			if res.After != after {
				t.Errorf("check %d: After %+v, window now %+v", i, res.After, after)
			}
			if (o.Verdict == policy.Hold) != (res.HoldID != "") {
				t.Errorf("check %d: verdict %s with hold id %q", i, o.Verdict, res.HoldID)
			}
			if o.Verdict == policy.Hold {
				if res.EarliestSafe.IsZero() {
					t.Errorf("check %d: hold without earliest safe time", i)
				}
				if after.Negative*10000 > int64(r.Limit)*after.Published {
					t.Errorf("counted share past limit: %+v", after)
				}
			}
		}
	}
}

func TestEarliestSafeMatchesPolicy(t *testing.T) {
	r := policy.DefaultRules()
	s := openTest(t, t.TempDir())
	addOutlet(t, s, "o", r)
	// Negatives went live early in the window, non-negatives later.
	var posts []store.SyncPost
	var es []policy.WindowEntry
	for i := 0; i < 40; i++ {
		at := t0.Add(-window + time.Duration(i+1)*time.Hour)
		posts = append(posts, store.SyncPost{ID: fmt.Sprint("p", i), Negative: i < 8, PublishedAt: at, Day: "20260201"})
		es = append(es, policy.WindowEntry{AtMillis: at.UnixMilli(), Negative: i < 8})
	}
	if _, err := s.Sync(context.Background(), store.SyncInput{Outlet: "o", Now: t0, Window: window, Posts: posts}); err != nil {
		t.Fatal(err)
	}
	in := input("o", "x", t0, r, negative)
	res, o := check(t, s, in)
	if o.Verdict != policy.Hold {
		t.Fatalf("verdict %s, want hold (8/40 negative)", o.Verdict)
	}
	at, ok := policy.EarliestSafe(&in.Plan, r, es, window.Milliseconds())
	if !ok || !res.EarliestSafe.Equal(time.UnixMilli(at)) {
		t.Errorf("EarliestSafe %v, policy says %v (ok %v)", res.EarliestSafe, time.UnixMilli(at), ok)
	}
	h, err := s.GetHold(context.Background(), "o", res.HoldID)
	if err != nil {
		t.Fatal(err)
	}
	if h.EarliestSafe == nil || !h.EarliestSafe.Equal(res.EarliestSafe) || h.Before != res.Before || !h.Negative {
		t.Errorf("hold %+v does not match the check %+v", h, res)
	}
}

func TestReplayAndDryRun(t *testing.T) {
	ctx := context.Background()
	r := policy.DefaultRules()
	s := openTest(t, t.TempDir())
	addOutlet(t, s, "o", r)
	seed(t, s, "o", 10, 1, t0)

	dry := input("o", "d", t0, r, negative)
	dry.DryRun, dry.WebhookID = true, "wh-dry"
	res, o := check(t, s, dry)
	if o.Verdict != policy.Hold || res.HoldID != "" || res.EarliestSafe.IsZero() {
		t.Errorf("dry run: %s hold %q earliest %v; want hold, no hold id, a time", o.Verdict, res.HoldID, res.EarliestSafe)
	}
	if holds, _ := s.ListHolds(ctx, "o", store.HoldFilter{}); len(holds) != 0 {
		t.Errorf("dry run created %d holds", len(holds))
	}
	audit, _ := s.ListAudit(ctx, "o", store.AuditFilter{Type: "check"})
	if len(audit) != 0 {
		t.Errorf("dry run wrote %d audit entries", len(audit))
	}

	in := input("o", "p1", t0, r, neutral)
	in.WebhookID = "wh-1"
	first, _ := check(t, s, in)
	if first.Replayed {
		t.Fatal("first check replayed")
	}
	// Same webhook id, different content: the first answer, nothing changed.
	again := input("o", "p1", t0.Add(time.Second), r, negative)
	again.WebhookID = "wh-1"
	second, _ := check(t, s, again)
	if !second.Replayed || second.Before != first.Before || second.After != first.After ||
		second.Situation != first.Situation || string(second.Snapshot) != string(first.Snapshot) {
		t.Errorf("replay %+v, first %+v", second, first)
	}
	if c := windowOf(t, s, "o", t0); c != first.After {
		t.Errorf("window after replay %+v, want %+v", c, first.After)
	}
	// After WebhookTTL the id is forgotten.
	late := input("o", "p1", t0.Add(store.WebhookTTL+time.Second), r, neutral)
	late.WebhookID = "wh-1"
	if res, _ := check(t, s, late); res.Replayed {
		t.Error("replayed after WebhookTTL")
	}
}

func TestEditMovesCountAndOutsideWindow(t *testing.T) {
	ctx := context.Background()
	r := policy.DefaultRules()
	s := openTest(t, t.TempDir())
	addOutlet(t, s, "o", r)
	seed(t, s, "o", 50, 0, t0)
	now := t0.Add(time.Hour)
	check(t, s, input("o", "e", now, r, neutral))
	if c := windowOf(t, s, "o", now); c != (policy.Counts{Published: 51, Negative: 0}) {
		t.Fatalf("window %+v", c)
	}
	day := store.DayKey(now, time.FixedZone("ICT", 7*3600))
	res, o := check(t, s, input("o", "e", now.Add(time.Minute), r, negative))
	if res.Situation.Ledger != policy.CountedNonNegative || !o.Counted {
		t.Fatalf("edit: situation %+v outcome %+v", res.Situation, o)
	}
	if c := windowOf(t, s, "o", now); c != (policy.Counts{Published: 51, Negative: 1}) || res.After != c {
		t.Errorf("after edit: window %+v, result %+v", c, res.After)
	}
	d, err := s.Daily(ctx, "o", []string{day})
	if err != nil || d[0].Published != 1 || d[0].Negative != 1 {
		t.Errorf("daily %+v %v", d, err)
	}
	// 31 days later the post is outside the window: never counted again.
	later := now.Add(31 * 24 * time.Hour)
	res, o = check(t, s, input("o", "e", later, r, neutral))
	if res.Situation.Ledger != policy.CountedOutsideWindow || o.Verdict != policy.Allow {
		t.Errorf("outside: %+v %+v", res.Situation, o)
	}
	if c := windowOf(t, s, "o", later); c != (policy.Counts{}) || res.After != c {
		t.Errorf("outside: window %+v, After %+v", c, res.After)
	}
}

func TestWithdrawSyncRelabelResolve(t *testing.T) {
	ctx := context.Background()
	r := policy.DefaultRules()
	s := openTest(t, t.TempDir())
	addOutlet(t, s, "o", r)
	seed(t, s, "o", 20, 4, t0)

	if _, err := s.Withdraw(ctx, "o", "nope", t0, window, "cms"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Withdraw unknown post: %v, want ErrNotFound", err)
	}
	wr, err := s.Withdraw(ctx, "o", "seed-0", t0, window, "cms")
	if err != nil || !wr.Withdrawn || wr.Previous != store.StateCounted {
		t.Fatalf("Withdraw: %+v %v", wr, err)
	}
	wr, err = s.Withdraw(ctx, "o", "seed-0", t0, window, "cms")
	if err != nil || wr.Withdrawn || wr.Previous != store.StateWithdrawn {
		t.Errorf("Withdraw again: %+v %v", wr, err)
	}
	if c := windowOf(t, s, "o", t0); c != (policy.Counts{Published: 19, Negative: 3}) {
		t.Errorf("window %+v", c)
	}

	// A hold, then a relabel, then an approval counts it.
	res, o := check(t, s, input("o", "h1", t0, r, negative))
	if o.Verdict != policy.Hold {
		t.Fatalf("verdict %s", o.Verdict)
	}
	// Checked again while held: the same hold.
	res2, _ := check(t, s, input("o", "h1", t0.Add(time.Second), r, negative))
	if res2.HoldID != res.HoldID {
		t.Errorf("second hold %q, want the pending %q", res2.HoldID, res.HoldID)
	}
	if err := s.Relabel(ctx, "o", "h1", policy.Neutral, t0, window, "mgr", "not negative"); err != nil {
		t.Fatal(err)
	}
	if h, _ := s.GetHold(ctx, "o", res.HoldID); h.Negative {
		t.Error("relabel did not reach the pending hold")
	}
	cb := &store.Callback{ID: "cb1", Type: "hold.approved", Payload: []byte(`{}`)}
	h, err := s.Resolve(ctx, store.Resolution{Outlet: "o", HoldID: res.HoldID, Approve: true, Reviewer: "mgr",
		Note: "ok", Now: t0.Add(time.Minute), Window: window, Day: "20260301", Callback: cb})
	if err != nil || h.Status != store.HoldApproved || h.Reviewer != "mgr" || h.ResolvedAt == nil {
		t.Fatalf("Resolve: %+v %v", h, err)
	}
	if _, err := s.Resolve(ctx, store.Resolution{Outlet: "o", HoldID: res.HoldID, Now: t0}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Resolve twice: %v, want ErrConflict", err)
	}
	if c := windowOf(t, s, "o", t0.Add(time.Minute)); c != (policy.Counts{Published: 20, Negative: 3}) {
		t.Errorf("window after approve %+v", c)
	}
	if cbs, _ := s.ListCallbacks(ctx, "o", store.CallbackPending, 0); len(cbs) != 1 || cbs[0].ID != "cb1" {
		t.Errorf("callbacks %+v", cbs)
	}

	// Complete sync: seed-1..19 and h1 are counted; list only some, add one.
	sr, err := s.Sync(ctx, store.SyncInput{Outlet: "o", Now: t0.Add(time.Minute), Window: window, Complete: true,
		Posts: []store.SyncPost{
			{ID: "seed-1", Negative: true, PublishedAt: t0.Add(-time.Hour), Day: "20260228"},
			{ID: "new", PublishedAt: t0.Add(-2 * time.Hour), Day: "20260228"},
			{ID: "old", PublishedAt: t0.Add(-40 * 24 * time.Hour), Day: "20260120"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(sr.Added) != 1 || sr.Added[0] != "new" || len(sr.Outside) != 1 || sr.Outside[0] != "old" ||
		len(sr.Unchanged) != 1 || len(sr.Withdrawn) != 19 {
		t.Errorf("sync %+v", sr)
	}
	if c := windowOf(t, s, "o", t0.Add(time.Minute)); c != (policy.Counts{Published: 2, Negative: 1}) {
		t.Errorf("window after complete sync %+v", c)
	}
}

func TestCallbacksOutbox(t *testing.T) {
	ctx := context.Background()
	s := openTest(t, t.TempDir())
	addOutlet(t, s, "o", policy.DefaultRules())
	err := s.write(ctx, "test", func(tx *txn) error {
		for i := 0; i < 3; i++ {
			if err := insertCallback(ctx, tx, "o", store.Callback{ID: fmt.Sprint("c", i), Type: "hold.approved",
				CreatedAt: t0.Add(time.Duration(i) * time.Second)}, t0); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.LeaseCallbacks(ctx, "o", t0, time.Minute, 2)
	if err != nil || len(got) != 2 || got[0].ID != "c0" || got[1].ID != "c1" {
		t.Fatalf("lease: %+v %v", got, err)
	}
	// Leased ones are skipped until the lease ends.
	if got, _ := s.LeaseCallbacks(ctx, "o", t0.Add(time.Second), time.Minute, 5); len(got) != 1 || got[0].ID != "c2" {
		t.Errorf("second lease: %+v", got)
	}
	if err := s.FinishCallback(ctx, "o", "c0", store.CallbackAttempt{At: t0, Delivered: true}); err != nil {
		t.Fatal(err)
	}
	if err := s.FinishCallback(ctx, "o", "c1", store.CallbackAttempt{At: t0, Error: "503"}); err != nil {
		t.Fatal(err)
	}
	failed, _ := s.ListCallbacks(ctx, "o", store.CallbackFailed, 0)
	if len(failed) != 1 || failed[0].ID != "c1" || failed[0].Attempts != 1 || failed[0].LastError != "503" {
		t.Errorf("failed: %+v", failed)
	}
	if err := s.RetryCallback(ctx, "o", "c1", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.RetryCallback(ctx, "o", "c0", t0); !errors.Is(err, store.ErrConflict) {
		t.Errorf("retry delivered: %v", err)
	}
	if err := s.FinishCallback(ctx, "o", "zz", store.CallbackAttempt{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("finish unknown: %v", err)
	}
	if got, _ := s.LeaseCallbacks(ctx, "o", t0.Add(time.Hour), time.Minute, 5); len(got) != 2 {
		t.Errorf("after retry: %+v", got)
	}
}

func TestDeleteOutletRemovesEverything(t *testing.T) {
	ctx := context.Background()
	r := policy.DefaultRules()
	s := openTest(t, t.TempDir())
	addOutlet(t, s, "o", r)
	addOutlet(t, s, "other", r)
	seed(t, s, "o", 5, 0, t0)
	seed(t, s, "other", 5, 0, t0)
	in := input("o", "x", t0, r, negative)
	in.WebhookID = "w"
	check(t, s, in)
	if err := s.Remember(ctx, "o", "w2", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteOutlet(ctx, "o"); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"posts", "daily", "holds", "webhook_replies", "replies", "audit", "callbacks"} {
		var n int
		if err := s.db.QueryRow("SELECT count(*) FROM " + table + " WHERE outlet = 'o'").Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d rows left (%v)", table, n, err)
		}
	}
	if c := windowOf(t, s, "other", t0); c.Published != 5 {
		t.Errorf("other outlet touched: %+v", c)
	}
	if _, err := s.GetOutlet(ctx, "o"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetOutlet after delete: %v", err)
	}
}

// lockFile holds the file's write lock from another connection, as another
// process (the command line in a long transaction, a backup) would, until the
// returned function is called.
func lockFile(t *testing.T, dir string) (unlock func()) {
	t.Helper()
	other, err := sql.Open("sqlite", filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := other.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	done := false
	unlock = func() {
		if done {
			return
		}
		done = true
		conn.ExecContext(context.Background(), "ROLLBACK")
		conn.Close()
		other.Close()
	}
	t.Cleanup(unlock)
	return unlock
}

// TestLockedFileIsUnavailable: while another process holds the write lock
// past the caller's deadline, every write answers store.ErrUnavailable and
// records nothing; reads go on (WAL). Afterwards the CMS's retry (same post,
// same webhook id) counts the post exactly once.
func TestLockedFileIsUnavailable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openTest(t, dir)
	r := policy.DefaultRules()
	addOutlet(t, s, "o", r)
	seed(t, s, "o", 20, 3, t0)
	check(t, s, input("o", "counted", t0, r, neutral))
	held, _ := check(t, s, input("o", "held", t0, r, negative))
	if held.HoldID == "" {
		t.Fatal("4/21 not held")
	}
	now := t0.Add(time.Minute)
	snapshot := func() string {
		c := windowOf(t, s, "o", now)
		d, _ := s.Daily(ctx, "o", []string{"20260301"})
		hs, _ := s.ListHolds(ctx, "o", store.HoldFilter{})
		as, _ := s.ListAudit(ctx, "o", store.AuditFilter{Limit: 1000})
		cbs, _ := s.ListCallbacks(ctx, "o", "", 100)
		return fmt.Sprintf("%+v %+v %+v %d %+v", c, d, hs, len(as), cbs)
	}
	before := snapshot()

	retry := input("o", "new", now, r, neutral)
	retry.WebhookID = "msg_outage"
	writes := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Check", func(ctx context.Context) error { _, err := s.Check(ctx, retry); return err }},
		{"Withdraw", func(ctx context.Context) error {
			_, err := s.Withdraw(ctx, "o", "counted", now, window, "e")
			return err
		}},
		{"Sync", func(ctx context.Context) error {
			_, err := s.Sync(ctx, store.SyncInput{Outlet: "o", Now: now, Window: window, Complete: true})
			return err
		}},
		{"Resolve", func(ctx context.Context) error {
			_, err := s.Resolve(ctx, store.Resolution{Outlet: "o", HoldID: held.HoldID, Approve: true, Now: now, Window: window,
				Day: "20260301", Callback: &store.Callback{ID: "cb", Type: "hold.approved"}})
			return err
		}},
		{"Relabel", func(ctx context.Context) error {
			return s.Relabel(ctx, "o", "counted", policy.Negative, now, window, "m", "")
		}},
		{"AppendAudit", func(ctx context.Context) error {
			return s.AppendAudit(ctx, store.AuditEntry{Outlet: "o", At: now, Type: "x"})
		}},
		{"Remember", func(ctx context.Context) error { return s.Remember(ctx, "o", "msg_r", []byte(`{}`)) }},
		{"CreateOutlet", func(ctx context.Context) error { return s.CreateOutlet(ctx, store.Outlet{ID: "o2"}) }},
		{"LeaseCallbacks", func(ctx context.Context) error { _, err := s.LeaseCallbacks(ctx, "o", now, time.Minute, 5); return err }},
	}
	unlock := lockFile(t, dir)
	for _, w := range writes {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := w.call(ctx)
		cancel()
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s while the file is locked: %v, want ErrUnavailable", w.name, err)
		}
	}
	// Readers are not blocked by a writer in WAL mode.
	dry := input("o", "dry", now, r, negative)
	dry.DryRun = true
	if _, err := s.Check(ctx, dry); err != nil {
		t.Errorf("dry run while locked: %v", err)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping while locked: %v", err)
	}
	unlock()

	if got := snapshot(); got != before {
		t.Fatalf("refused writes changed the store:\n got %s\nwant %s", got, before)
	}
	res, err := s.Check(ctx, retry)
	if err != nil || res.Replayed {
		t.Fatalf("retry: %+v %v (a refused check's webhook id must not be recorded)", res, err)
	}
	if again, _ := s.Check(ctx, retry); !again.Replayed {
		t.Fatal("second retry not replayed")
	}
	if c := windowOf(t, s, "o", now); c != (policy.Counts{Published: 22, Negative: 3}) {
		t.Fatalf("after the retries: %+v, want 22/3", c)
	}
}

// TestMigrationAddsPositiveCounts opens a file written by the first schema
// (no positive counts), with posts in the window and a pending hold, and
// checks that the migration keeps every count and counts positive posts
// from then on.
func TestMigrationAddsPositiveCounts(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	r := policy.DefaultRules()
	full := coreSchema
	coreSchema = full[:1]
	func() {
		defer func() { coreSchema = full }()
		s := openTest(t, dir)
		addOutlet(t, s, "o", r)
		// What the first schema's code wrote (its columns only).
		for i := 0; i < 20; i++ {
			at := t0.Add(time.Duration(i) * time.Minute).UnixMilli()
			if _, err := s.db.Exec(`INSERT INTO posts (outlet, post, state, neg, at_ms, day, hold, updated_ms)
				VALUES ('o', ?, 'counted', ?, ?, '20260301', '', ?)`, fmt.Sprint("p", i), boolInt(i < 3), at, at); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.db.Exec(`INSERT INTO holds (outlet, id, post, status, created_ms, updated_ms, neg, before_p, before_n)
			VALUES ('o', 'h-held', 'held', 'pending', 1, 1, 1, 20, 3)`); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}()
	s := openTest(t, dir)
	var version int
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != len(coreSchema) {
		t.Fatalf("user_version %d (%v), want %d", version, err, len(coreSchema))
	}
	now := t0.Add(2 * time.Hour)
	if got := windowOf(t, s, "o", now); got != (policy.Counts{Published: 20, Negative: 3}) {
		t.Fatalf("window after the migration %+v", got)
	}
	if h, err := s.GetHold(ctx, "o", "h-held"); err != nil || !h.Negative || h.Positive || h.Before != (policy.Counts{Published: 20, Negative: 3}) {
		t.Fatalf("hold after the migration %+v (%v)", h, err)
	}
	check(t, s, input("o", "good", now, r, policy.Subject{Positive: true}))
	check(t, s, input("o", "p5", now, r, policy.Subject{Positive: true})) // an edit: neutral → positive
	want := policy.Counts{Published: 21, Negative: 3, Positive: 2}
	if got := windowOf(t, s, "o", now); got != want {
		t.Fatalf("window %+v, want %+v", got, want)
	}
	if got, err := scanWindow(ctx, s.db, "o", now.UnixMilli()-window.Milliseconds()); err != nil || got != want {
		t.Fatalf("posts say %+v (%v), want %+v", got, err, want)
	}
}

// TestMigrationDailyPositive opens a file written by the second schema
// (positive posts counted, the daily series without them) and checks that
// the migration gives each kept day the positive posts its ledger counts.
func TestMigrationDailyPositive(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	r := policy.DefaultRules()
	full := coreSchema
	coreSchema = full[:2]
	func() {
		defer func() { coreSchema = full }()
		s := openTest(t, dir)
		addOutlet(t, s, "o", r)
		// Day 1: 4 counted (1 negative, 2 positive) and 1 withdrawn positive; day 2: 1 positive.
		for i, p := range []struct {
			day, state string
			neg, pos   bool
		}{{"20260301", "counted", true, false}, {"20260301", "counted", false, true}, {"20260301", "counted", false, true},
			{"20260301", "counted", false, false}, {"20260301", "withdrawn", false, true}, {"20260302", "counted", false, true}} {
			at := t0.Add(time.Duration(i) * time.Minute).UnixMilli()
			if _, err := s.db.Exec(`INSERT INTO posts (outlet, post, state, neg, pos, at_ms, day, hold, updated_ms)
				VALUES ('o', ?, ?, ?, ?, ?, ?, '', ?)`, fmt.Sprint("p", i), p.state, boolInt(p.neg), boolInt(p.pos), at, p.day, at); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.db.Exec(`INSERT INTO daily (outlet, day, published, negative) VALUES ('o', '20260301', 4, 1), ('o', '20260302', 1, 0)`); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}()
	s := openTest(t, dir)
	got, err := s.Daily(ctx, "o", []string{"20260301", "20260302", "20260303"})
	want := []store.DayCount{{Day: "20260301", Published: 4, Negative: 1, Positive: 2}, {Day: "20260302", Published: 1, Positive: 1}, {Day: "20260303"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Daily after the migration %+v (%v), want %+v", got, err, want)
	}
}
