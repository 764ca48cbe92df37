package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"gatekeeper/internal/store"
)

// testAuditDays: digests are kept per version and day, never replaced (the
// first writer's stays, also when writers race), missing days read as nil,
// other outlets and versions are apart, Trim deletes the trimmed days' of
// every version, DeleteOutlet all of them, and an unknown outlet is refused.
func testAuditDays(t *testing.T, open func(*testing.T) store.Store) {
	e := newEnv(t, open)
	other := e.createOutlet()
	days := []string{"20261101", "20261102", "20261103"}
	read := func(outlet, version string, days ...string) []string {
		t.Helper()
		bs, err := e.st.AuditDays(e.ctx, outlet, version, days)
		if err != nil {
			t.Fatal(err)
		}
		if len(bs) != len(days) {
			t.Fatalf("%d digests for %d days", len(bs), len(days))
		}
		out := make([]string, len(bs))
		for i, b := range bs {
			if b == nil {
				out[i] = "<nil>"
			} else {
				out[i] = string(b)
			}
		}
		return out
	}
	want := func(what string, got []string, w ...string) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("%s: %q, want %q", what, got, w)
		}
	}
	want("nothing kept", read(e.o.ID, "v1", days...), "<nil>", "<nil>", "<nil>")
	want("no days asked", read(e.o.ID, "v1"))
	put := func(outlet, version string, m map[string][]byte) {
		t.Helper()
		if err := e.st.PutAuditDays(e.ctx, outlet, version, m); err != nil {
			t.Fatal(err)
		}
	}
	put(e.o.ID, "v1", map[string][]byte{"20261101": []byte("a\x00\xff1"), "20261103": []byte("c1")})
	put(e.o.ID, "v1", map[string][]byte{"20261101": []byte("a2"), "20261102": []byte("b2")}) // 1 Nov kept: only 2 Nov is new
	put(e.o.ID, "v2", map[string][]byte{"20261101": []byte("new format")})
	put(other.ID, "v1", map[string][]byte{"20261101": []byte("other")})
	put(e.o.ID, "v1", nil)
	want("kept, the first writer's", read(e.o.ID, "v1", days...), "a\x00\xff1", "b2", "c1")
	want("out of order, twice", read(e.o.ID, "v1", "20261103", "20261101", "20261103", "20261031"), "c1", "a\x00\xff1", "c1", "<nil>")
	want("another version", read(e.o.ID, "v2", days...), "new format", "<nil>", "<nil>")
	want("another outlet", read(other.ID, "v1", days...), "other", "<nil>", "<nil>")
	want("an unknown outlet", read("no-such-outlet", "v1", days...), "<nil>", "<nil>", "<nil>")
	wantErr(t, "digests of an unknown outlet", e.st.PutAuditDays(e.ctx, "no-such-outlet", "v1", map[string][]byte{"20261101": []byte("x")}), store.ErrNotFound)

	// Writers racing on the same day: one digest, one of theirs, read alike.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := e.st.PutAuditDays(e.ctx, e.o.ID, "v1", map[string][]byte{"20261110": fmt.Appendf(nil, "w%d", i)}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	first := read(e.o.ID, "v1", "20261110")[0]
	if len(first) != 2 || first[0] != 'w' {
		t.Errorf("raced day: %q", first)
	}
	want("raced day read again", read(e.o.ID, "v1", "20261110"), first)

	// Trim: days before 2 Nov go, of every version; the other outlet keeps its own.
	loc := e.o.Location()
	cut := time.Date(2026, 11, 2, 0, 0, 0, 0, loc)
	if _, err := e.st.Trim(e.ctx, e.o.ID, cut, store.DayKey(cut, loc)); err != nil {
		t.Fatal(err)
	}
	want("v1 after trim", read(e.o.ID, "v1", days...), "<nil>", "b2", "c1")
	want("v2 after trim", read(e.o.ID, "v2", days...), "<nil>", "<nil>", "<nil>")
	want("the other outlet after trim", read(other.ID, "v1", "20261101"), "other")

	// DeleteOutlet takes them all; the same id again starts without.
	if err := e.st.DeleteOutlet(e.ctx, e.o.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.st.CreateOutlet(e.ctx, e.o); err != nil {
		t.Fatal(err)
	}
	want("after DeleteOutlet", read(e.o.ID, "v1", days...), "<nil>", "<nil>", "<nil>")
}
