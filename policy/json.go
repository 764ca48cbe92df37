package policy

import "gatekeeper/internal/jsonappend"

// The AppendJSON methods write what json.Marshal writes of the classifier's
// results, the rules and the subject, without reflection: a check writes
// them twice (its answer and the snapshot kept for replays), and
// json.Marshal's reflection was most of what encoding them cost
// (deploy/performance.md, round 12). TestAppendJSONAsMarshal holds each to
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

// appendEvidence appends a list of evidence (nil is null).
func appendEvidence(dst []byte, ev []Evidence) []byte {
	if ev == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i := range ev {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = ev[i].AppendJSON(dst)
	}
	return append(dst, ']')
}

// AppendJSON appends r as json.Marshal writes it.
func (r *ToneResult) AppendJSON(dst []byte) []byte {
	dst = jsonappend.String(append(dst, `{"label":`...), string(r.Label))
	dst = jsonappend.Float(append(dst, `,"score":`...), r.Score)
	dst = jsonappend.Bool(append(dst, `,"borderline":`...), r.Borderline)
	dst = appendEvidence(append(dst, `,"evidence":`...), r.Evidence)
	return append(dst, '}')
}

// AppendMembers appends r's members, without braces, for a type that embeds
// it.
func (r *SensationalResult) AppendMembers(dst []byte) []byte {
	dst = jsonappend.Bool(append(dst, `"flagged":`...), r.Flagged)
	dst = jsonappend.Float(append(dst, `,"score":`...), r.Score)
	return appendEvidence(append(dst, `,"evidence":`...), r.Evidence)
}

// AppendJSON appends r as json.Marshal writes it.
func (r *SensationalResult) AppendJSON(dst []byte) []byte {
	return append(r.AppendMembers(append(dst, '{')), '}')
}

// AppendJSON appends c as json.Marshal writes it.
func (c *Classification) AppendJSON(dst []byte) []byte {
	dst = jsonappend.String(append(dst, `{"language":`...), c.Language)
	dst = c.Tone.AppendJSON(append(dst, `,"tone":`...))
	dst = c.Sensational.AppendJSON(append(dst, `,"sensational":`...))
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
