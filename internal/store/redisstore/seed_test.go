package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/internal/testsupport"
	"gatekeeper/policy"
)

// TestSeedReadsBack: what Seed writes reads back through the store's API as
// if the posts had been checked (window, daily series, audit, holds), and
// checks on top of it count exactly: the seeding the province benchmark
// (make bench-scale) relies on.
func TestSeedReadsBack(t *testing.T) {
	s := open(t, sharedServer(t).URL())
	ctx := context.Background()
	now := testsupport.Now(t, time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC))
	base := fmt.Sprintf("seed%d", time.Now().UnixNano())
	var outlets []store.Outlet
	for i := range 2 {
		outlets = append(outlets, store.Outlet{ID: fmt.Sprintf("%s-%d", base, i), Name: "seed", Rules: policy.DefaultRules(), WindowDays: 30,
			Timezone: "Asia/Ho_Chi_Minh", CreatedAt: now.AddDate(0, 0, -70)})
	}
	spec := SeedSpec{Outlets: outlets, Now: now, Days: 70, PerDay: 10, NegativePerMille: 150, PositivePerMille: 300, HoldPerMille: 200}
	res, err := Seed(ctx, s, spec)
	if err != nil {
		t.Fatal(err)
	}
	// What the spec says, worked out here: post i goes live at
	// first + (i+1)·step; the share patterns as documented.
	o := outlets[1]
	step := int64(24*time.Hour/time.Millisecond) / 10
	first := now.UnixMilli() - 70*24*int64(time.Hour/time.Millisecond)
	cutoff := now.UnixMilli() - o.Window().Milliseconds()
	var want policy.Counts
	perDay := map[string]store.DayCount{}
	holds, pending, negSeen := 0, 0, 0
	var inWindow []string
	for i := range 700 {
		at := first + int64(i+1)*step
		neg := (i*150)/1000 != ((i+1)*150)/1000
		pos := !neg && (i*300)/1000 != ((i+1)*300)/1000
		held := false
		if neg {
			held = (negSeen*200)/1000 != ((negSeen+1)*200)/1000
			negSeen++
		}
		if held {
			holds++
			if at > now.UnixMilli()-24*3600*1000 {
				pending++
			}
			continue
		}
		d := store.DayKey(time.UnixMilli(at), o.Location())
		dc := perDay[d]
		dc.Day = d
		dc.Published++
		if neg {
			dc.Negative++
		} else if pos {
			dc.Positive++
		}
		perDay[d] = dc
		if at > cutoff {
			want.Published++
			if neg {
				want.Negative++
			} else if pos {
				want.Positive++
				inWindow = append(inWindow, fmt.Sprint("s", i))
			}
		}
	}
	if res.Posts != 1400 || res.Holds != 2*holds || res.Counted != 2*(700-holds) || res.AuditEntries < res.Posts {
		t.Fatalf("seed result %+v (holds %d)", res, holds)
	}
	got, err := s.Window(ctx, o.ID, now, o.Window())
	if err != nil || got != want {
		t.Fatalf("window %+v (%v), want %+v", got, err, want)
	}
	var days []string
	for d := range perDay {
		days = append(days, d)
	}
	series, err := s.Daily(ctx, o.ID, days)
	if err != nil {
		t.Fatal(err)
	}
	for _, dc := range series {
		if w := perDay[dc.Day]; dc != w {
			t.Fatalf("day %s: %+v, want %+v", dc.Day, dc, w)
		}
	}
	hs, err := s.ListHolds(ctx, o.ID, store.HoldFilter{Status: store.HoldPending, Limit: 1000})
	if err != nil || len(hs) != pending || pending == 0 {
		t.Fatalf("%d pending holds (%v), want %d", len(hs), err, pending)
	}
	es, err := s.ListAudit(ctx, o.ID, store.AuditFilter{Since: now.Add(-24 * time.Hour), Limit: 1000})
	if err != nil || len(es) < 10 {
		t.Fatalf("%d audit entries in the last day (%v)", len(es), err)
	}
	var d struct {
		Before  policy.Counts `json:"before"`
		Reading store.Reading `json:"reading"`
	}
	if err := json.Unmarshal(es[0].Detail, &d); err != nil || d.Reading.Tone == "" || d.Before.Published == 0 {
		t.Fatalf("audit detail %s: %+v %v", es[0].Detail, d, err)
	}
	// A check on top: an edit of a seeded positive post in the window is
	// already counted; a new post is counted once.
	rules := o.Rules
	plan := policy.MakePlan(rules, policy.Subject{Positive: true})
	r, err := s.Check(ctx, store.CheckInput{Outlet: o.ID, PostID: inWindow[len(inWindow)-1], Now: now, Window: o.Window(), Day: store.DayKey(now, o.Location()),
		Rules: rules, Subject: policy.Subject{Positive: true}, Plan: plan, Actor: "t"})
	wantBefore := want
	wantBefore.Published--
	wantBefore.Positive--
	if err != nil || r.Situation.Ledger != policy.CountedNonNegative || r.Before != wantBefore || r.After != want {
		t.Fatalf("re-check of a seeded post: %+v %v (want before %+v)", r, err, wantBefore)
	}
	r, err = s.Check(ctx, store.CheckInput{Outlet: o.ID, PostID: "new", Now: now, Window: o.Window(), Day: store.DayKey(now, o.Location()),
		Rules: rules, Subject: policy.Subject{Positive: true}, Plan: plan, Actor: "t"})
	if err != nil || r.Situation.Ledger != policy.NotCounted || r.Before != want || r.After.Published != want.Published+1 {
		t.Fatalf("new post on seeded history: %+v %v", r, err)
	}
}
