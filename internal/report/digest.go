package report

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"time"

	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// The report reads the audit log through events: of each entry, only what
// a figure is made of. The entries of a closed day (in the outlet's time
// zone) never change, since entries are appended at their own time (give or
// take the replicas' clock skew, see DigestDelay); so the events of each closed day are kept,
// encoded, as the day's digest (store.AuditDays), written the first time a
// report reads the day. A report then reads the digests of the closed days
// (one round trip for all of them) and only the entries of the last day or
// two, and walks the same events in the same order as it would walk the
// entries: the figures are the same by construction (TestDigestsAgree).
//
// A digest holds events, not figures: which posts of a day count as
// positive, and the themes of its negative ones, can still change after the
// day (a later withdrawal, relabel, hold or check of the same post), so the
// walk needs each post's events, not a day's total.

// DigestVersion names the digests' format. Change it with anything that
// changes what eventOf reads from an entry or how a digest encodes it: the
// digests of the old format are then never read (and go with the days
// retention trims).
const DigestVersion = "r1"

// DigestVersionOf is the version the digests of o's days are kept under:
// the format, the zone (a day's bounds are the zone's: an outlet whose zone
// changes reads none of the digests made in its old zone) and the outlet's
// creation (an outlet removed and added again under the same id never reads
// digests its predecessor's reports left, even one a report still running
// across the removal writes afterwards).
func DigestVersionOf(o *store.Outlet) string {
	return DigestVersion + "." + o.Location().String() + "." + strconv.FormatInt(o.CreatedAt.UnixMilli(), 36)
}

// eventType is an audit entry type the report reads; other types are none.
type eventType byte

const (
	evNone eventType = iota
	evCheck
	evHold
	evApprove
	evWithdraw
	evRelabel
)

func eventTypeOf(s string) eventType {
	switch s {
	case "check":
		return evCheck
	case "hold":
		return evHold
	case "approve":
		return evApprove
	case "withdraw":
		return evWithdraw
	case "relabel":
		return evRelabel
	}
	return evNone
}

// event is what the report reads of one audit entry.
type event struct {
	typ   eventType
	at    time.Time
	post  string
	hold  string // approve
	actor string // approve, withdraw, relabel
	note  string // approve, relabel
	// negSet: the entry says whether the post is negative (neg).
	negSet, neg bool
	// live: a check that found the post not counted and counted it.
	live bool
	// read: the entry carries the classifier's reading (check, hold).
	read     bool
	reading  store.Reading
	previous string // withdraw: the ledger state before
	tone     string // relabel: the new tone
}

// detail is the part of an audit entry's detail a report reads.
type detail struct {
	Situation *int           `json:"situation"`
	Negative  *bool          `json:"negative"`
	Reading   *store.Reading `json:"reading"`
	Previous  any            `json:"previous"` // a state name (withdraw); a tone on some relabels
	Note      string         `json:"note"`
	Tone      string         `json:"tone"` // a relabel's new tone
}

// eventOf reads an entry of a type the report reads (eventTypeOf ≠ evNone).
func eventOf(e *store.AuditEntry) (event, error) {
	ev := event{typ: eventTypeOf(e.Type), at: e.At, post: e.PostID}
	var d detail
	if len(e.Detail) > 0 {
		if err := json.Unmarshal(e.Detail, &d); err != nil {
			return event{}, fmt.Errorf("report: audit entry %s of %s: %w", e.ID, e.Outlet, err)
		}
	}
	if d.Negative != nil {
		ev.negSet, ev.neg = true, *d.Negative
	}
	switch ev.typ {
	case evCheck, evHold:
		if d.Reading != nil && d.Reading.Tone != "" {
			ev.read, ev.reading = true, *d.Reading
		}
		ev.live = ev.typ == evCheck && d.Situation != nil && policy.Ledger(*d.Situation/8) == policy.NotCounted
	case evApprove:
		ev.hold, ev.actor, ev.note = e.HoldID, e.Actor, d.Note
	case evWithdraw:
		ev.actor = e.Actor
		ev.previous, _ = d.Previous.(string)
	case evRelabel:
		ev.actor, ev.note, ev.tone = e.Actor, d.Note, d.Tone
	}
	return ev, nil
}

// A digest is a format byte (digestFormat), then the day's events in the
// order of their entries, each
//
//	type (1 byte) · at (varint, Unix ms) · post (string) · body length (uvarint) · body
//
// so a walk skips the body of an event it does not read. The body: flags
// (1 byte), then by type: check and hold the reading (tone, sensational in
// the flags, themes), approve hold · actor · note, withdraw actor · previous,
// relabel actor · note · tone. A string is its length (uvarint) and bytes.
const (
	flagNegSet = 1 << iota
	flagNeg
	flagLive
	flagRead
	flagSensational
)

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// appendEvent encodes ev at the end of b.
func appendEvent(b []byte, ev *event) []byte {
	b = append(b, byte(ev.typ))
	b = binary.AppendVarint(b, ev.at.UnixMilli())
	b = appendString(b, ev.post)
	var body []byte
	var flags byte
	for _, f := range []struct {
		on bool
		f  byte
	}{{ev.negSet, flagNegSet}, {ev.neg, flagNeg}, {ev.live, flagLive}, {ev.read, flagRead}, {ev.reading.Sensational, flagSensational}} {
		if f.on {
			flags |= f.f
		}
	}
	body = append(body, flags)
	switch ev.typ {
	case evCheck, evHold:
		if ev.read {
			body = appendString(body, ev.reading.Tone)
			body = binary.AppendUvarint(body, uint64(len(ev.reading.Themes)))
			for _, t := range ev.reading.Themes {
				body = appendString(body, t)
			}
		}
	case evApprove:
		body = appendString(appendString(appendString(body, ev.hold), ev.actor), ev.note)
	case evWithdraw:
		body = appendString(appendString(body, ev.actor), ev.previous)
	case evRelabel:
		body = appendString(appendString(appendString(body, ev.actor), ev.note), ev.tone)
	}
	b = binary.AppendUvarint(b, uint64(len(body)))
	return append(b, body...)
}

// digestFormat begins every digest (so an empty day's is not empty).
const digestFormat = 1

var errDigest = errors.New("report: a damaged audit digest")

// newDigestReader checks a digest's format byte. The reader works on a
// string copy of the digest: the strings it reads (post ids, actors,
// themes…) share its bytes, one allocation for the day.
func newDigestReader(b []byte) (*digestReader, error) {
	if len(b) == 0 || b[0] != digestFormat {
		return nil, errDigest
	}
	return &digestReader{s: string(b[1:])}, nil
}

// digestReader walks a digest.
type digestReader struct {
	s    string
	body string // the current event's
}

// uvarint reads an unsigned varint (encoding/binary's), ok false when damaged.
func uvarint(s string) (v uint64, n int) {
	var shift uint
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		c := s[i]
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				return 0, -1
			}
			return v | uint64(c)<<shift, i + 1
		}
		v |= uint64(c&0x7f) << shift
		shift += 7
	}
	return 0, -1
}

func (r *digestReader) uvarint() (uint64, bool) {
	v, n := uvarint(r.s)
	if n <= 0 {
		return 0, false
	}
	r.s = r.s[n:]
	return v, true
}

func (r *digestReader) str() (string, bool) {
	n, ok := r.uvarint()
	if !ok || n > uint64(len(r.s)) {
		return "", false
	}
	v := r.s[:n]
	r.s = r.s[n:]
	return v, true
}

// next reads the next event's type, time and post, leaving its body for
// decode; ok is false at the end, err when damaged.
func (r *digestReader) next() (typ eventType, atMs int64, post string, ok bool, err error) {
	if len(r.s) == 0 {
		return 0, 0, "", false, nil
	}
	typ = eventType(r.s[0])
	r.s = r.s[1:]
	ux, ok1 := r.uvarint()
	post, ok2 := r.str()
	body, ok3 := r.str()
	if !ok1 || !ok2 || !ok3 || typ == evNone || typ > evRelabel {
		return 0, 0, "", false, errDigest
	}
	atMs = int64(ux >> 1) // zigzag, as binary.AppendVarint wrote it
	if ux&1 != 0 {
		atMs = ^atMs
	}
	r.body = body
	return typ, atMs, post, true, nil
}

// decode reads the current event's body into ev (whose type, time and
// post the caller has set).
func (r *digestReader) decode(ev *event) error {
	b := digestReader{s: r.body}
	if len(b.s) == 0 {
		return errDigest
	}
	flags := b.s[0]
	b.s = b.s[1:]
	ev.negSet, ev.neg, ev.live, ev.read = flags&flagNegSet != 0, flags&flagNeg != 0, flags&flagLive != 0, flags&flagRead != 0
	ev.reading.Sensational = flags&flagSensational != 0
	str := func(s *string) bool {
		v, ok := b.str()
		*s = v
		return ok
	}
	ok := true
	switch ev.typ {
	case evCheck, evHold:
		if ev.read {
			ok = str(&ev.reading.Tone)
			n, ok1 := b.uvarint()
			ok = ok && ok1 && n <= uint64(len(b.s))
			if ok && n > 0 {
				ev.reading.Themes = make([]string, n)
				for i := range ev.reading.Themes {
					ok = ok && str(&ev.reading.Themes[i])
				}
			}
		}
	case evApprove:
		ok = str(&ev.hold) && str(&ev.actor) && str(&ev.note)
	case evWithdraw:
		ok = str(&ev.actor) && str(&ev.previous)
	case evRelabel:
		ok = str(&ev.actor) && str(&ev.note) && str(&ev.tone)
	}
	if !ok {
		return errDigest
	}
	return nil
}

// DigestDelay is how long after its end a day is closed, and digested.
// Entries are appended at their own time (the time of the request that
// makes them, read on the replica's clock), so a day's last entry arrives
// within the replicas' clock skew and a request's lifetime of its end. A
// digest is kept for good, so a late entry would be lost from every later
// report: the delay is the same generous bound the store's reads allow for
// out-of-order entries (store.AuditOrderSlack), one rule for both; its cost
// is about one more day of raw entries read per outlet.
const DigestDelay = store.AuditOrderSlack

// closedBefore is the first day in loc that is not closed at now.
func closedBefore(now time.Time, loc *time.Location) Date {
	return DateOf(now.Add(-DigestDelay).In(loc))
}

// digests returns the digests of o's days [from, to) (closed days), from
// the store where kept; the others it makes from the audit log (one read
// from the first missing day) and keeps.
func (b *Builder) digests(ctx context.Context, ds store.AuditDays, o *store.Outlet, from, to Date) ([]Date, [][]byte, error) {
	var days []Date
	var keys []string
	for d := from; d.Before(to); d = d.AddDays(1) {
		days = append(days, d)
		keys = append(keys, d.Key())
	}
	if len(days) == 0 {
		return nil, nil, nil
	}
	version := DigestVersionOf(o)
	got, err := ds.AuditDays(ctx, o.ID, version, keys)
	if err != nil {
		return nil, nil, fmt.Errorf("report: audit digests of %s: %w", o.ID, err)
	}
	if len(got) != len(days) {
		return nil, nil, fmt.Errorf("report: audit digests of %s: %d for %d days", o.ID, len(got), len(days))
	}
	first := slices.IndexFunc(got, func(b []byte) bool { return b == nil })
	if first < 0 {
		return days, got, nil
	}
	made, err := b.makeDigests(ctx, o, days[first:])
	if err != nil {
		return nil, nil, err
	}
	put := map[string][]byte{}
	for i := first; i < len(days); i++ {
		if got[i] == nil {
			got[i] = made[i-first]
			put[keys[i]] = made[i-first]
		}
	}
	// A digest not kept is made again next time: the report stands.
	if err := ds.PutAuditDays(ctx, o.ID, version, put); err != nil {
		slog.WarnContext(ctx, "report: keep audit digests", "outlet", o.ID, "days", len(put), "err", err)
	}
	return days, got, nil
}

// makeDigests encodes the events of the given consecutive closed days from
// the audit log.
func (b *Builder) makeDigests(ctx context.Context, o *store.Outlet, days []Date) ([][]byte, error) {
	loc := o.Location()
	start, end := days[0].Start(loc), days[len(days)-1].AddDays(1).Start(loc)
	es, err := b.Store.ListAudit(ctx, o.ID, store.AuditFilter{Since: start, Until: end, Limit: math.MaxInt32})
	if err != nil {
		return nil, fmt.Errorf("report: audit of %s: %w", o.ID, err)
	}
	index := make(map[string]int, len(days))
	for i, d := range days {
		index[d.Key()] = i
	}
	out := make([][]byte, len(days))
	for i := range out {
		out[i] = []byte{digestFormat} // an empty day is kept too
	}
	for i := len(es) - 1; i >= 0; i-- { // oldest first
		e := &es[i]
		if eventTypeOf(e.Type) == evNone {
			continue
		}
		j, ok := index[store.DayKey(e.At, loc)]
		if !ok {
			continue
		}
		ev, err := eventOf(e)
		if err != nil {
			return nil, err
		}
		out[j] = appendEvent(out[j], &ev)
	}
	return out, nil
}
