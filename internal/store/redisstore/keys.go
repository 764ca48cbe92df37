package redisstore

// keys are an outlet's Redis keys; every one shares the hash tag {o:ID}.
type keys struct{ p string }

func keysOf(outlet string) keys { return keys{p: "{o:" + outlet + "}:"} }

// outletsKey is the set of outlet ids (in its own slot).
const outletsKey = "gk:outlets"

func (k keys) outlet() string           { return k.p + "outlet" }
func (k keys) win() string              { return k.p + "win" }
func (k keys) neg() string              { return k.p + "neg" }
func (k keys) pos() string              { return k.p + "pos" }
func (k keys) daily() string            { return k.p + "daily" }
func (k keys) post(id string) string    { return k.p + "post:" + id }
func (k keys) hold(id string) string    { return k.p + "hold:" + id }
func (k keys) holds() string            { return k.p + "holds" }
func (k keys) webhook(id string) string { return k.p + "wh:" + id }
func (k keys) reply(id string) string   { return k.p + "reply:" + id }
func (k keys) audit() string            { return k.p + "audit" }
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
