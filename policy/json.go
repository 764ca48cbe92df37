package policy

import (
	"bytes"
	"encoding/json"
	"fmt"

	"gatekeeper/internal/jsonappend"
)

// The AppendJSON methods write what json.Marshal writes of the classifier's
// results, the rules and the subject, without reflection: a check writes
// them twice (its answer and the snapshot kept for replays), and
// json.Marshal's reflection was most of what encoding them cost
// (deploy/performance.md, round 12). Counts' is the one the Redis store's
// audit reader writes a check's counts with (round 13). TestAppendJSONAsMarshal holds each to
// json.Marshal, field by field.

// AppendJSON appends e as json.Marshal writes it.
func (e *Evidence) AppendJSON(dst []byte) []byte {
	dst = jsonappend.String(append(dst, `{"text":`...), e.Text)
	dst = jsonappend.String(append(dst, `,"field":`...), e.Field)
	dst = jsonappend.Float(append(dst, `,"weight":`...), e.Weight)
	if e.Folded {
		dst = append(dst, `,"folded":true`...)
	}
	if e.Cue != "" {
		dst = jsonappend.String(append(dst, `,"cue":`...), e.Cue)
	}
	if e.Theme != "" {
		dst = jsonappend.String(append(dst, `,"theme":`...), e.Theme)
	}
	return append(dst, '}')
}

// AppendCompactJSON appends e in its short form, the one a check's inputs
// are kept in for replays (where every byte costs Redis, deploy/
// performance.md round 12): an array [text, field, weight, theme, cue,
// folded] without its trailing empty members, ["tử vong","content",1.8253,
// "violence"] for {"text":"tử vong","field":"content","weight":1.8253,
// "theme":"violence"}. UnmarshalJSON reads both forms.
func (e *Evidence) AppendCompactJSON(dst []byte) []byte {
	dst = jsonappend.String(append(dst, '['), e.Text)
	dst = jsonappend.String(append(dst, ','), e.Field)
	dst = jsonappend.Float(append(dst, ','), e.Weight)
	switch {
	case e.Folded:
		dst = jsonappend.String(append(dst, ','), e.Theme)
		dst = jsonappend.String(append(dst, ','), e.Cue)
		dst = append(dst, ",true"...)
	case e.Cue != "":
		dst = jsonappend.String(append(dst, ','), e.Theme)
		dst = jsonappend.String(append(dst, ','), e.Cue)
	case e.Theme != "":
		dst = jsonappend.String(append(dst, ','), e.Theme)
	}
	return append(dst, ']')
}

// UnmarshalJSON reads evidence in either form: the object json.Marshal
// writes, or the array AppendCompactJSON writes.
func (e *Evidence) UnmarshalJSON(b []byte) error {
	if b = bytes.TrimLeft(b, " \t\r\n"); len(b) == 0 || b[0] != '[' {
		type object Evidence // without this method
		return json.Unmarshal(b, (*object)(e))
	}
	var m [6]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	var v Evidence
	for i, dst := range []any{&v.Text, &v.Field, &v.Weight, &v.Theme, &v.Cue, &v.Folded} {
		if m[i] == nil {
			break
		}
		if err := json.Unmarshal(m[i], dst); err != nil {
			return fmt.Errorf("evidence member %d: %w", i, err)
		}
	}
	*e = v
	return nil
}

// appendEvidence appends a list of evidence (nil is null), each in its
// short form when compact.
func appendEvidence(dst []byte, ev []Evidence, compact bool) []byte {
	if compact {
		return jsonappend.List(dst, ev, (*Evidence).AppendCompactJSON)
	}
	return jsonappend.List(dst, ev, (*Evidence).AppendJSON)
}

// AppendJSON appends r as json.Marshal writes it.
func (r *ToneResult) AppendJSON(dst []byte) []byte { return r.appendJSON(dst, false) }

func (r *ToneResult) appendJSON(dst []byte, compact bool) []byte {
	dst = jsonappend.String(append(dst, `{"label":`...), string(r.Label))
	dst = jsonappend.Float(append(dst, `,"score":`...), r.Score)
	dst = jsonappend.Bool(append(dst, `,"borderline":`...), r.Borderline)
	dst = appendEvidence(append(dst, `,"evidence":`...), r.Evidence, compact)
	return append(dst, '}')
}

// AppendMembers appends r's members, without braces, for a type that embeds
// it.
func (r *SensationalResult) AppendMembers(dst []byte) []byte { return r.appendMembers(dst, false) }

func (r *SensationalResult) appendMembers(dst []byte, compact bool) []byte {
	dst = jsonappend.Bool(append(dst, `"flagged":`...), r.Flagged)
	dst = jsonappend.Float(append(dst, `,"score":`...), r.Score)
	return appendEvidence(append(dst, `,"evidence":`...), r.Evidence, compact)
}

// AppendJSON appends r as json.Marshal writes it.
func (r *SensationalResult) AppendJSON(dst []byte) []byte {
	return append(r.AppendMembers(append(dst, '{')), '}')
}

// AppendJSON appends c as json.Marshal writes it.
func (c *Classification) AppendJSON(dst []byte) []byte { return c.appendJSON(dst, false) }

// AppendCompactJSON appends c as AppendJSON does but with its evidence in
// the short form (Evidence.AppendCompactJSON); json.Unmarshal reads it back.
func (c *Classification) AppendCompactJSON(dst []byte) []byte { return c.appendJSON(dst, true) }

func (c *Classification) appendJSON(dst []byte, compact bool) []byte {
	dst = jsonappend.String(append(dst, `{"language":`...), c.Language)
	dst = c.Tone.appendJSON(append(dst, `,"tone":`...), compact)
	dst = append(c.Sensational.appendMembers(append(dst, `,"sensational":{`...), compact), '}')
	return append(dst, '}')
}

// AppendJSON appends r as json.Marshal writes it.
func (r *Rules) AppendJSON(dst []byte) []byte {
	dst = jsonappend.Int(append(dst, `{"Limit":`...), int64(r.Limit))
	dst = jsonappend.Int(append(dst, `,"WarnAt":`...), int64(r.WarnAt))
	dst = jsonappend.Int(append(dst, `,"MinSample":`...), r.MinSample)
	dst = jsonappend.String(append(dst, `,"SensationalAction":`...), string(r.SensationalAction))
	if r.SensationalSensitivity != "" {
		dst = jsonappend.String(append(dst, `,"SensationalSensitivity":`...), string(r.SensationalSensitivity))
	}
	dst = jsonappend.String(append(dst, `,"Mode":`...), string(r.Mode))
	return append(dst, '}')
}

// AppendJSON appends s as json.Marshal writes it.
func (s *Subject) AppendJSON(dst []byte) []byte {
	dst = jsonappend.Bool(append(dst, `{"Negative":`...), s.Negative)
	if s.Positive {
		dst = append(dst, `,"Positive":true`...)
	}
	dst = jsonappend.Bool(append(dst, `,"Borderline":`...), s.Borderline)
	dst = jsonappend.Bool(append(dst, `,"Sensational":`...), s.Sensational)
	return append(dst, '}')
}

// AppendJSON appends h as json.Marshal writes it.
func (h *Headroom) AppendJSON(dst []byte) []byte {
	dst = jsonappend.IntPtr(append(dst, `{"negative_left":`...), h.NegativeLeft)
	dst = jsonappend.IntPtr(append(dst, `,"non_negative_needed":`...), h.NonNegativeNeeded)
	return append(dst, '}')
}

// AppendJSON appends c as json.Marshal writes it.
func (c *Counts) AppendJSON(dst []byte) []byte {
	dst = jsonappend.Int(append(dst, `{"published":`...), c.Published)
	dst = jsonappend.Int(append(dst, `,"negative":`...), c.Negative)
	dst = jsonappend.Int(append(dst, `,"positive":`...), c.Positive)
	return append(dst, '}')
}
