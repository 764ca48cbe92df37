package redisstore

import (
	"fmt"
	"strconv"
	"strings"
)

// keys are an outlet's Redis keys; every one shares the hash tag {o:ID}.
type keys struct{ p string }

func keysOf(outlet string) keys { return keys{p: "{o:" + outlet + "}:"} }

// The names of an outlet's keys after its prefix (those ending in ':' are
// followed by an id). The check script makes its keys from the prefix alone,
// with these names written into it (scripts.go, constants).
const (
	winKey     = "win"
	negKey     = "neg"
	posKey     = "pos"
	dailyKey   = "daily"
	auditKey   = "audit"
	holdsKey   = "holds"
	postKey    = "post:"
	holdKey    = "hold:"
	webhookKey = "wh:"
	replyKey   = "reply:"
)

// outletsKey is the set of outlet ids (in its own slot).
const outletsKey = "gk:outlets"

func (k keys) prefix() string { return k.p }

// migrationGuard is a second key the check declares beside the prefix.
// Neither is ever written. While the outlet's slot moves between Cluster
// masters, a call whose declared keys are missing is sent to the importing
// master, and that master refuses one declaring several keys it lacks with
// TRYAGAIN; with the prefix alone declared it would run the check there on
// the keys moved so far. So the check waits out a migration, as the other
// scripts, which declare all their keys, do.
func (k keys) migrationGuard() string   { return k.p + "check" }
func (k keys) outlet() string           { return k.p + "outlet" }
func (k keys) win() string              { return k.p + winKey }
func (k keys) neg() string              { return k.p + negKey }
func (k keys) pos() string              { return k.p + posKey }
func (k keys) daily() string            { return k.p + dailyKey }
func (k keys) post(id string) string    { return k.p + postKey + id }
func (k keys) hold(id string) string    { return k.p + holdKey + id }
func (k keys) holds() string            { return k.p + holdsKey }
func (k keys) webhook(id string) string { return k.p + webhookKey + id }
func (k keys) reply(id string) string   { return k.p + replyKey + id }
func (k keys) audit() string            { return k.p + auditKey }
func (k keys) outbox() string           { return k.p + "outbox" }     // zset: pending callbacks by next attempt
func (k keys) outboxRecords() string    { return k.p + "outbox:cb" }  // hash: callback records and state
func (k keys) outboxAll() string        { return k.p + "outbox:all" } // zset: every callback by creation

// pattern matches every key of the outlet (for SCAN), glob characters escaped.
func (k keys) pattern() string {
	b := make([]byte, 0, len(k.p)+2)
	for i := 0; i < len(k.p); i++ {
		switch c := k.p[i]; c {
		case '*', '?', '[', ']', '\\':
			b = append(b, '\\', c)
		default:
			b = append(b, c)
		}
	}
	return string(append(b, '*'))
}

// Ledger is a post's ledger as stored at keys.post: one string
// "state|neg|pos|at|day|hold|updated" written with its lifetime (SET … PX)
// by the scripts (lua/common.lua, ledger and putLedger). Go reads it only
// in tests and tools.
type Ledger struct {
	State    string // counted, held, rejected, withdrawn
	Negative bool
	Positive bool
	At       int64 // go-live time (Unix ms); 0 when unknown
	Day      string
	Hold     string // pending hold id
	Updated  int64  // last change (Unix ms)
}

// LedgerKey is the key of a post's ledger.
func LedgerKey(outlet, post string) string { return keysOf(outlet).post(post) }

// ParseLedger reads a stored ledger string.
func ParseLedger(v string) (Ledger, error) {
	f := strings.SplitN(v, "|", 7)
	if len(f) != 7 {
		return Ledger{}, fmt.Errorf("redisstore: ledger %q", v)
	}
	l := Ledger{State: f[0], Negative: f[1] == "1", Positive: f[2] == "1", Day: f[4], Hold: f[5]}
	var err error
	if f[3] != "" {
		if l.At, err = strconv.ParseInt(f[3], 10, 64); err != nil {
			return Ledger{}, fmt.Errorf("redisstore: ledger %q: at: %w", v, err)
		}
	}
	if l.Updated, err = strconv.ParseInt(f[6], 10, 64); err != nil {
		return Ledger{}, fmt.Errorf("redisstore: ledger %q: updated: %w", v, err)
	}
	return l, nil
}
