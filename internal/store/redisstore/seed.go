package redisstore

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// SeedSpec describes the synthetic history Seed writes: for capacity
// benchmarks (make bench-scale), which need a province's year in seconds, not
// the hours the API would take.
type SeedSpec struct {
	// Outlets are created (they must not exist yet) and given the history.
	Outlets []store.Outlet
	// Now is the end of the history; Days how many days before it it covers.
	Now  time.Time
	Days int
	// PerDay posts a day per outlet, spread evenly over the day.
	PerDay int
	// NegativePerMille and PositivePerMille of the posts are negative and
	// positive (spread evenly); HoldPerMille of the negative ones were held:
	// rejected an hour later, or still pending when held in the last day.
	NegativePerMille, PositivePerMille, HoldPerMille int
}

// SeedResult counts what Seed wrote.
type SeedResult struct {
	Posts, Counted, Holds, AuditEntries int
}

// seedBatch is how many commands one pipeline carries.
const seedBatch = 4096

// Seed writes spec's history straight into the keys the scripts keep, as
// they would have left them had every post been checked through the API at
// its go-live time: the window's sorted sets, the daily series, the ledgers
// that have not expired yet (with the lifetime left), holds, and an audit
// entry for every check, hold and rejection, with the details the scripts
// write (reading, counts before and after). Pipelined, one outlet after
// another. The audit stream's ids are the entries' times, so an outlet's
// stream must be empty. TestSeedReadsBack checks the store's API reads the
// result as it reads what checks wrote.
func Seed(ctx context.Context, s *Store, spec SeedSpec) (SeedResult, error) {
	var res SeedResult
	if spec.Days <= 0 || spec.PerDay <= 0 {
		return res, errors.New("redisstore: seed: days and posts a day must be positive")
	}
	for _, o := range spec.Outlets {
		if err := s.CreateOutlet(ctx, o); err != nil {
			return res, fmt.Errorf("redisstore: seed: %w", err)
		}
		if err := seedOutlet(ctx, s, o, spec, &res); err != nil {
			return res, fmt.Errorf("redisstore: seed %s: %w", o.ID, err)
		}
	}
	return res, nil
}

type seedEvent struct {
	at     int64
	fields []any
}

func seedOutlet(ctx context.Context, s *Store, o store.Outlet, spec SeedSpec, res *SeedResult) error {
	k := keysOf(o.ID)
	loc := o.Location()
	now := ms(spec.Now)
	window := o.Window().Milliseconds()
	ledgerLife := window + ledgerGrace.Milliseconds()
	n := spec.Days * spec.PerDay
	step := int64(24*time.Hour/time.Millisecond) / int64(spec.PerDay)
	first := now - int64(spec.Days)*24*int64(time.Hour/time.Millisecond)

	pipe := s.rdb.Pipeline()
	queued := 0
	flush := func(force bool) error {
		if queued == 0 || (!force && queued < seedBatch) {
			return nil
		}
		_, err := pipe.Exec(ctx)
		queued = 0
		return err
	}
	add := func(c redis.Cmder) { queued++ }

	type post struct {
		at       int64
		neg, pos bool
		held     bool
	}
	posts := make([]post, n)
	negSeen := 0
	for i := range posts {
		p := post{at: first + int64(i+1)*step}
		p.neg = (i*spec.NegativePerMille)/1000 != ((i+1)*spec.NegativePerMille)/1000
		p.pos = !p.neg && (i*spec.PositivePerMille)/1000 != ((i+1)*spec.PositivePerMille)/1000
		if p.neg {
			p.held = (negSeen*spec.HoldPerMille)/1000 != ((negSeen+1)*spec.HoldPerMille)/1000
			negSeen++
		}
		posts[i] = p
	}
	// The window's counts before each post, kept with two pointers (only
	// counted posts are in the window).
	var events []seedEvent
	daily := map[string][3]int64{}
	var win policy.Counts
	lo := 0
	for i, p := range posts {
		for ; lo < i; lo++ {
			q := posts[lo]
			if q.at > p.at-window {
				break
			}
			if !q.held {
				win.Published--
				if q.neg {
					win.Negative--
				} else if q.pos {
					win.Positive--
				}
			}
		}
		id := "s" + strconv.Itoa(i)
		tone, themes := "neutral", []string(nil)
		switch {
		case p.neg:
			tone, themes = "negative", []string{"accident"}
		case p.pos:
			tone = "positive"
		}
		// The audit entry's tail as a check writes it (detailTail).
		tail := detailTail(store.CheckInput{Subject: policy.Subject{Negative: p.neg, Positive: p.pos},
			Reading: store.Reading{Tone: tone, Themes: themes}})
		atS := strconv.FormatInt(p.at, 10)
		day := store.DayKey(fromMs(p.at), loc)
		res.Posts++
		if p.held {
			res.Holds++
			hid := "h" + id
			pending := p.at > now-24*int64(time.Hour/time.Millisecond)
			status, ledgerState := string(store.HoldRejected), "rejected"
			if pending {
				status, ledgerState = string(store.HoldPending), "held"
			}
			f := []any{"id", hid, "post", id, "status", status, "created", atS, "updated", atS, "neg", "1", "pos", "0",
				"bp", win.Published, "bn", win.Negative, "bg", win.Positive, "es", "-1", "snap", `{"post":{"id":"` + id + `"}}`}
			// The audit entry as the check script writes it (its counts and tail).
			counts := fmt.Sprintf("1,%d,%d,%d,-1,n", win.Published, win.Negative, win.Positive)
			events = append(events, seedEvent{p.at, []any{"type", "hold", "at", atS, "post", id, "hold", hid, "actor", "seed", "decision", "hold", "counts", counts, "tail", tail}})
			hold := ""
			if !pending {
				resolved := p.at + int64(time.Hour/time.Millisecond)
				rs := strconv.FormatInt(resolved, 10)
				f = append(f, "reviewer", "seed", "note", "", "resolved", rs, "updated", rs)
				events = append(events, seedEvent{resolved, []any{"type", "reject", "at", rs, "post", id, "hold", hid, "actor", "seed", "detail", `{"note":""}`}})
			} else {
				hold = hid
			}
			add(pipe.HSet(ctx, k.hold(hid), f...))
			add(pipe.ZAdd(ctx, k.holds(), redis.Z{Score: float64(p.at), Member: hid}))
			if left := p.at + ledgerLife - now; left > 0 {
				add(pipe.Set(ctx, k.post(id), ledgerState+"|1|0|"+"|"+"|"+hold+"|"+atS, time.Duration(left)*time.Millisecond))
			}
		} else {
			res.Counted++
			negF, posF := "0", "0"
			if p.neg {
				negF = "1"
			} else if p.pos {
				posF = "1"
			}
			decision, code := "allow", 0
			if p.neg && policy.SituationAt(o.Rules, policy.NotCounted, win).OverWarn {
				decision, code = "warn", 2
			}
			counts := fmt.Sprintf("%d,%d,%d,%d,-1,%s", code, win.Published, win.Negative, win.Positive, toneCode(p.neg, p.pos))
			events = append(events, seedEvent{p.at, []any{"type", "check", "at", atS, "post", id, "hold", "", "actor", "seed", "decision", decision, "counts", counts, "tail", tail}})
			if p.at > now-window {
				z := redis.Z{Score: float64(p.at), Member: id}
				add(pipe.ZAdd(ctx, k.win(), z))
				if p.neg {
					add(pipe.ZAdd(ctx, k.neg(), z))
				} else if p.pos {
					add(pipe.ZAdd(ctx, k.pos(), z))
				}
			}
			if left := p.at + ledgerLife - now; left > 0 {
				add(pipe.Set(ctx, k.post(id), "counted|"+negF+"|"+posF+"|"+atS+"|"+day+"||"+atS, time.Duration(left)*time.Millisecond))
			}
			d := daily[day]
			d[0]++
			if p.neg {
				d[1]++
			} else if p.pos {
				d[2]++
			}
			daily[day] = d
			win = afterCounts(win, policy.Situation{Ledger: policy.NotCounted}, true, p.neg, p.pos)
		}
		if err := flush(false); err != nil {
			return err
		}
	}
	for day, d := range daily {
		add(pipe.HSet(ctx, k.daily(), day+":p", d[0], day+":n", d[1], day+":pos", d[2]))
	}
	// The audit stream in time order, ids from the entries' times.
	slices.SortStableFunc(events, func(a, b seedEvent) int { return cmp.Compare(a.at, b.at) })
	last, seq := int64(-1), 0
	for _, e := range events {
		if e.at == last {
			seq++
		} else {
			last, seq = e.at, 0
		}
		add(pipe.XAdd(ctx, &redis.XAddArgs{Stream: k.audit(), ID: strconv.FormatInt(e.at, 10) + "-" + strconv.Itoa(seq), Values: e.fields}))
		res.AuditEntries++
		if err := flush(false); err != nil {
			return err
		}
	}
	return flush(true)
}
