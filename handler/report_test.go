package handler_test

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The report route answers the outlet's report, signed like the other
// calls; its counts are the share route's for the same posts.
func TestReportRoute(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.addOutlet("dakglei", nil)
	e.seed("dakglei", 40, 4, "old")
	e.check("dakglei", "n1", "negative")
	e.check("dakglei", "n2", "negative")
	held := e.check("dakglei", "n3", "negative") // 7/43 is past 15%: held
	if held["decision"] != "hold" {
		t.Fatalf("n3: %v", held["decision"])
	}
	key := e.keys["dakglei"]
	share := e.do(request{method: "GET", path: "/v1/outlets/dakglei/share", key: key}).json(t)

	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	month := e.clock.Now().In(loc).Format("2006-01")
	// Yesterday and today (local): the seed went live an hour ago, which at
	// a month's first minute is last month, so a calendar month would miss it.
	from := e.clock.Now().In(loc).AddDate(0, 0, -1).Format("2006-01-02")
	to := e.clock.Now().In(loc).Format("2006-01-02")
	r := e.do(request{method: "GET", path: "/v1/outlets/dakglei/report?from=" + from + "&to=" + to, key: key})
	if r.Status != http.StatusOK {
		t.Fatalf("report: %d %s", r.Status, r.Body)
	}
	var rep struct {
		Period  struct{ From, To string }
		Outlets []struct {
			Outlet              string
			Published, Negative float64
			Rolling             struct{ Published, Negative float64 }
			Holds               struct{ Count, Pending float64 }
		}
	}
	if err := json.Unmarshal(r.Body, &rep); err != nil {
		t.Fatal(err)
	}
	o := rep.Outlets[0]
	if len(rep.Outlets) != 1 || o.Outlet != "dakglei" || !strings.HasPrefix(rep.Period.From, from) {
		t.Fatalf("report %s", r.Body)
	}
	if o.Published != share["published"] || o.Negative != share["negative"] || o.Rolling.Published != share["published"] ||
		o.Rolling.Negative != share["negative"] {
		t.Errorf("report %v/%v (rolling %v/%v), share route %v/%v", o.Negative, o.Published, o.Rolling.Negative, o.Rolling.Published, share["negative"], share["published"])
	}
	if o.Holds.Count != 1 || o.Holds.Pending != 1 {
		t.Errorf("holds %+v, want the one pending", o.Holds)
	}

	// CSV, in English.
	r = e.do(request{method: "GET", path: "/v1/outlets/dakglei/report?from=" + month + "&format=csv&table=days", key: key,
		header: map[string]string{"Accept-Language": "en"}})
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(r.Header.Get("Content-Disposition"), "gatekeeper-report-dakglei-") {
		t.Fatalf("csv: %d %v", r.Status, r.Header)
	}
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(r.Body), "\ufeff"))).ReadAll()
	if err != nil || recs[0][1] != "Date" || len(recs) < 29 {
		t.Fatalf("csv days: %v %q", err, recs)
	}
}

// Every mistake in a report request is explained, in Vietnamese unless
// English is asked for, and changes nothing.
func TestReportRouteRefusals(t *testing.T) {
	e := newEnv(t, sqliteStore(t))
	e.addOutlet("dakglei", nil)
	key := e.keys["dakglei"]
	cases := []struct {
		query, code, field, contains string
		lang                         string
	}{
		{"", "validation_failed", "from", "YYYY-MM-DD", ""},
		{"from=hôm-qua", "validation_failed", "from", "tháng YYYY-MM", ""},
		{"from=2026-11-01", "validation_failed", "from", "ngày kết thúc", ""},
		{"from=2026-11-01&to=30-11-2026", "validation_failed", "to", "YYYY-MM-DD", ""},
		{"from=2026-11-30&to=2026-11-01", "validation_failed", "to", "before the start", "en"},
		{"from=2025-01-01&to=2026-11-30", "validation_failed", "to", "400", ""},
		{"from=2026-13", "validation_failed", "from", "quarter", "en"},
		{"from=2026-11&format=xml", "validation_failed", "format", "json, csv", ""},
		{"from=2026-11&format=csv&table=all", "validation_failed", "table", "summary, days, decisions", ""},
	}
	before := e.state("dakglei")
	for _, tc := range cases {
		r := e.do(request{method: "GET", path: "/v1/outlets/dakglei/report?" + tc.query, key: key, header: map[string]string{"Accept-Language": tc.lang}})
		if r.Status != http.StatusBadRequest || r.errorCode(t) != tc.code {
			t.Errorf("%q: %d %s", tc.query, r.Status, r.Body)
			continue
		}
		fields, _ := r.json(t)["error"].(map[string]any)["fields"].(map[string]any)
		if msg, _ := fields[tc.field].(string); !strings.Contains(msg, tc.contains) {
			t.Errorf("%q: fields %v, want %s to say %q", tc.query, fields, tc.field, tc.contains)
		}
	}
	if r := e.do(request{method: "GET", path: "/v1/outlets/dakglei/report?from=2026-11"}); r.Status != http.StatusUnauthorized {
		t.Errorf("unsigned: %d %s", r.Status, r.Body)
	}
	if r := e.do(request{method: "GET", path: "/v1/outlets/nope/report?from=2026-11", key: key}); r.Status != http.StatusNotFound {
		t.Errorf("unknown outlet: %d %s", r.Status, r.Body)
	}
	if after := e.state("dakglei"); after != before {
		t.Errorf("refused report requests changed the state: %+v → %+v", before, after)
	}
}
