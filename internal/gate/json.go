package gate

import (
	"fmt"

	"gatekeeper/internal/jsonappend"
)

// AppendJSON appends the answer as json.Marshal writes it, without
// reflection: it is written once per check (deploy/performance.md, round
// 12). TestAppendJSONAsMarshal holds it to json.Marshal, field by field.
func (a *Answer) AppendJSON(dst []byte) []byte {
	dst = jsonappend.String(append(dst, `{"decision":`...), string(a.Decision))
	dst = jsonappend.Bool(append(dst, `,"counted":`...), a.Counted)
	dst = jsonappend.String(append(dst, `,"post_id":`...), a.PostID)
	dst = jsonappend.String(append(dst, `,"language":`...), a.Language)
	dst = a.Tone.AppendJSON(append(dst, `,"tone":`...))
	dst = a.Sensational.AppendJSON(append(dst, `,"sensational":`...))
	dst = a.Share.AppendJSON(append(dst, `,"share":`...))
	dst = a.Headroom.AppendJSON(append(dst, `,"headroom":`...))
	dst = jsonappend.List(append(dst, `,"reasons":`...), a.Reasons, (*Reason).AppendJSON)
	if a.Hold != nil {
		dst = a.Hold.AppendJSON(append(dst, `,"hold":`...))
	}
	dst = jsonappend.String(append(dst, `,"mode":`...), string(a.Mode))
	if a.Would != "" {
		dst = jsonappend.String(append(dst, `,"would":`...), string(a.Would))
	}
	if a.DryRun {
		dst = append(dst, `,"dry_run":true`...)
	}
	if a.Replayed {
		dst = append(dst, `,"replayed":true`...)
	}
	return append(dst, '}')
}

// AppendJSON appends r as json.Marshal writes it.
func (r *Reason) AppendJSON(dst []byte) []byte {
	dst = jsonappend.String(append(dst, `{"code":`...), r.Code)
	dst = jsonappend.String(append(dst, `,"message":`...), r.Message)
	return append(dst, '}')
}

// AppendJSON appends s as json.Marshal writes it.
func (s *Share) AppendJSON(dst []byte) []byte {
	dst = jsonappend.Int(append(dst, `{"window_days":`...), int64(s.WindowDays))
	dst = jsonappend.Int(append(dst, `,"published":`...), s.Published)
	dst = jsonappend.Int(append(dst, `,"negative":`...), s.Negative)
	dst = jsonappend.Float(append(dst, `,"before":`...), s.Before)
	dst = jsonappend.Float(append(dst, `,"after":`...), s.After)
	dst = jsonappend.Float(append(dst, `,"limit":`...), s.Limit)
	dst = jsonappend.Float(append(dst, `,"warn_at":`...), s.WarnAt)
	dst = jsonappend.Float(append(dst, `,"positive_before":`...), s.PositiveBefore)
	dst = jsonappend.Float(append(dst, `,"positive_after":`...), s.PositiveAfter)
	dst = jsonappend.Int(append(dst, `,"positive":`...), s.Positive)
	dst = jsonappend.Bool(append(dst, `,"positive_expected_dominant":`...), s.ExpectedDominant)
	dst = jsonappend.Bool(append(dst, `,"positive_dominant":`...), s.Dominant)
	return append(dst, '}')
}

// AppendJSON appends s as json.Marshal writes it.
func (s *SensationalAnswer) AppendJSON(dst []byte) []byte {
	dst = s.SensationalResult.AppendMembers(append(dst, '{'))
	dst = jsonappend.String(append(dst, `,"sensitivity":`...), string(s.Sensitivity))
	dst = jsonappend.Float(append(dst, `,"threshold":`...), s.Threshold)
	dst = jsonappend.String(append(dst, `,"action":`...), string(s.Action))
	return append(dst, '}')
}

// AppendJSON appends h as json.Marshal writes it.
func (h *HoldRef) AppendJSON(dst []byte) []byte {
	dst = append(dst, '{')
	if h.ID != "" {
		dst = jsonappend.String(append(dst, `"id":`...), h.ID)
		dst = append(dst, ',')
	}
	if h.ReviewURL != "" {
		dst = jsonappend.String(append(dst, `"review_url":`...), h.ReviewURL)
		dst = append(dst, ',')
	}
	dst = jsonappend.StringPtr(append(dst, `"earliest_safe_at":`...), h.EarliestSafeAt)
	return append(dst, '}')
}

// appendRest appends what json.Marshal writes of s after its post: the
// members from "classification" on and the closing brace; when compact, with
// the evidence in its short form (policy.Evidence.AppendCompactJSON).
func (s *Snapshot) appendRest(dst []byte, compact bool) []byte {
	dst = append(dst, `"classification":`...)
	if compact {
		dst = s.Classification.AppendCompactJSON(dst)
	} else {
		dst = s.Classification.AppendJSON(dst)
	}
	if len(s.Notes) > 0 {
		dst = jsonappend.Strings(append(dst, `,"notes":`...), s.Notes)
	}
	dst = s.Rules.AppendJSON(append(dst, `,"rules":`...))
	dst = s.Subject.AppendJSON(append(dst, `,"subject":`...))
	dst = jsonappend.Int(append(dst, `,"window_days":`...), int64(s.WindowDays))
	if s.DryRun {
		dst = append(dst, `,"dry_run":true`...)
	}
	if s.Submitter != "" {
		dst = jsonappend.String(append(dst, `,"submitter":`...), s.Submitter)
	}
	return append(dst, '}')
}

// appendJSON appends p as json.Marshal writes it; like Marshal, it fails on
// a published_at whose year is outside 0–9999.
func (p *Post) appendJSON(dst []byte) ([]byte, error) {
	dst = jsonappend.String(append(dst, `{"id":`...), p.ID)
	dst = jsonappend.String(append(dst, `,"title":`...), p.Title)
	for _, m := range [...]struct{ key, v string }{
		{`,"excerpt":`, p.Excerpt}, {`,"content":`, p.Content}, {`,"url":`, p.URL}, {`,"link":`, p.Link},
	} {
		if m.v != "" {
			dst = jsonappend.String(append(dst, m.key...), m.v)
		}
	}
	if len(p.Categories) > 0 {
		dst = jsonappend.Strings(append(dst, `,"categories":`...), p.Categories)
	}
	if len(p.Tags) > 0 {
		dst = jsonappend.Strings(append(dst, `,"tags":`...), p.Tags)
	}
	for _, m := range [...]struct{ key, v string }{
		{`,"author":`, p.Author}, {`,"language":`, p.Language}, {`,"site_locale":`, p.SiteLocale}, {`,"declared_tone":`, p.DeclaredTone},
	} {
		if m.v != "" {
			dst = jsonappend.String(append(dst, m.key...), m.v)
		}
	}
	if p.PublishedAt != nil {
		t, err := p.PublishedAt.MarshalJSON()
		if err != nil {
			return dst, fmt.Errorf("published_at: %w", err)
		}
		dst = append(append(dst, `,"published_at":`...), t...)
	}
	return append(dst, '}'), nil
}
