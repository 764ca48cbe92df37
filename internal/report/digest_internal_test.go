package report

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"gatekeeper/internal/store"
)

// randomEvent is an event as eventOf could read it: only the fields its type keeps.
func randomEvent(rng *rand.Rand) event {
	str := func() string {
		if rng.IntN(4) == 0 {
			return ""
		}
		return fmt.Sprintf("s%d·ệ", rng.IntN(1000))
	}
	ev := event{typ: eventType(1 + rng.IntN(int(evRelabel))), at: time.UnixMilli(rng.Int64N(8e12) - 4e12).UTC(), post: str()}
	ev.negSet = rng.IntN(2) == 0
	ev.neg = ev.negSet && rng.IntN(2) == 0
	switch ev.typ {
	case evCheck, evHold:
		ev.live = ev.typ == evCheck && rng.IntN(2) == 0
		if ev.read = rng.IntN(3) > 0; ev.read {
			ev.reading = store.Reading{Tone: "t" + str(), Sensational: rng.IntN(2) == 0}
			for range rng.IntN(3) {
				ev.reading.Themes = append(ev.reading.Themes, str())
			}
		}
	case evApprove:
		ev.hold, ev.actor, ev.note = str(), str(), str()
	case evWithdraw:
		ev.actor, ev.previous = str(), str()
	case evRelabel:
		ev.actor, ev.note, ev.tone = str(), str(), str()
	}
	return ev
}

// A digest reads back the events it was made of, in order; a damaged one
// is an error, never a panic or a wrong event read as right.
func TestDigestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		evs := make([]event, rng.IntN(30))
		dg := []byte{digestFormat}
		for i := range evs {
			evs[i] = randomEvent(rng)
			dg = appendEvent(dg, &evs[i])
		}
		rd, err := newDigestReader(dg)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; ; i++ {
			typ, at, post, ok, err := rd.next()
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				if i != len(evs) {
					t.Fatalf("%d events read of %d", i, len(evs))
				}
				break
			}
			got := event{typ: typ, at: time.UnixMilli(at).UTC(), post: post}
			if err := rd.decode(&got); err != nil {
				t.Fatal(err)
			}
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", evs[i]) {
				t.Fatalf("event %d:\n got %+v\nwant %+v", i, got, evs[i])
			}
		}
		// Every truncation and a flipped byte: an error or events, never a panic.
		for cut := range len(dg) {
			walkDamaged(t, dg[:cut])
		}
		if len(dg) > 1 {
			d := append([]byte(nil), dg...)
			d[1+rng.IntN(len(d)-1)] ^= 0xff
			walkDamaged(t, d)
		}
	}
	if _, err := newDigestReader(nil); !errors.Is(err, errDigest) {
		t.Errorf("an empty digest: %v", err)
	}
	if _, err := newDigestReader([]byte{digestFormat + 1}); !errors.Is(err, errDigest) {
		t.Errorf("another format: %v", err)
	}
}

func walkDamaged(t *testing.T, dg []byte) {
	t.Helper()
	rd, err := newDigestReader(dg)
	if err != nil {
		return
	}
	for {
		typ, at, post, ok, err := rd.next()
		if err != nil || !ok {
			return
		}
		ev := event{typ: typ, at: time.UnixMilli(at).UTC(), post: post}
		if err := rd.decode(&ev); err != nil {
			return
		}
	}
}

// Date.Key is store.DayKey of the day's noon, and Before its order, for
// every day of several years.
func TestDateKey(t *testing.T) {
	prev := Date{}
	for at := time.Date(1999, 12, 25, 12, 0, 0, 0, time.UTC); at.Year() < 2031; at = at.AddDate(0, 0, 1) {
		d := DateOf(at)
		if got, want := d.Key(), store.DayKey(at, time.UTC); got != want {
			t.Fatalf("%v: key %s, want %s", d, got, want)
		}
		if prev != (Date{}) && (!prev.Before(d) || d.Before(prev) || d.Before(d)) {
			t.Fatalf("%v before %v: %v", prev, d, prev.Before(d))
		}
		prev = d
	}
}
