package importer

import (
	"context"
	"errors"
	"fmt"

	"gatekeeper/internal/gate"
	"gatekeeper/internal/posting"
	"gatekeeper/internal/store"
	"gatekeeper/policy"
)

// PreviewRow is a row with what the classifier (and the declared tone)
// make of it, as a check would read it.
type PreviewRow struct {
	Row
	// Label is the tone the row would be counted with: the declared tone
	// when the file gives one, else the classifier's.
	Label       policy.Tone `json:"label"`
	Score       float64     `json:"score"`
	Borderline  bool        `json:"borderline,omitempty"`
	Sensational bool        `json:"sensational,omitempty"`
	// Evidence is what decided the tone (the words the classifier found).
	Evidence []policy.Evidence `json:"evidence,omitempty"`
	// OutsideWindow: the row went live before the outlet's window; it is
	// recorded (never counted again) but not counted.
	OutsideWindow bool `json:"outside_window,omitempty"`
}

// Progress is told how far a long step is: done of total.
type Progress func(done, total int)

// Post is the row as the gate reads it: a row without a title is read
// with the first line of its text as one (posting.Headline), as the console
// and the command line read a social post.
func (r *Row) Post() gate.Post {
	at := r.At
	return gate.Post{ID: r.ID, Title: posting.Headline(r.Title, r.Text), Content: r.Text, URL: r.Link, DeclaredTone: string(r.Tone), PublishedAt: &at}
}

// Preview classifies every row for outlet o. progress may be nil.
func Preview(svc *gate.Service, o *store.Outlet, f *File, progress Progress) []PreviewRow {
	out := make([]PreviewRow, len(f.Rows))
	start := svc.Clock.Now().Add(-o.Window())
	for i := range f.Rows {
		r := &f.Rows[i]
		p := r.Post()
		cls, _, subj := svc.Subject(o, &p)
		out[i] = PreviewRow{
			Row: *r, Label: cls.Tone.Label, Score: cls.Tone.Score, Borderline: cls.Tone.Borderline,
			Sensational: subj.Sensational, Evidence: cls.Tone.Evidence, OutsideWindow: !r.At.After(start),
		}
		if progress != nil && (i+1)%100 == 0 {
			progress(i+1, len(f.Rows))
		}
	}
	if progress != nil {
		progress(len(f.Rows), len(f.Rows))
	}
	return out
}

// ErrHasErrors: Apply was given a file with row errors; nothing was recorded.
var ErrHasErrors = errors.New("the file has rows with errors; nothing was imported")

// Apply records the file's posts for outlet o as one sync. With complete,
// the outlet's counted posts that went live within the file's days
// [f.From, f.To) and are not in the file are withdrawn; posts of other days
// are left alone. A file with any row error is refused whole
// (ErrHasErrors). A row listed twice counts once. progress may be nil.
func Apply(ctx context.Context, svc *gate.Service, o *store.Outlet, f *File, complete bool, actor string, progress Progress) (*gate.SyncAnswer, error) {
	if len(f.Errors) > 0 {
		return nil, ErrHasErrors
	}
	if len(f.Rows) == 0 || f.From.IsZero() || !f.To.After(f.From) {
		// Never a complete sync over an open range: it would withdraw the window.
		return nil, fmt.Errorf("import %s into %s: the file has no dated rows", f.Name, o.ID)
	}
	posts := make([]gate.Post, 0, len(f.Rows))
	for i := range f.Rows {
		if f.Rows[i].DuplicateOf == 0 {
			posts = append(posts, f.Rows[i].Post())
		}
	}
	ans, err := svc.SyncWith(ctx, o, posts, gate.SyncOptions{
		Complete: complete, From: f.From, To: f.To, Actor: actor, Progress: progress,
	})
	if err != nil {
		return nil, fmt.Errorf("import %s into %s: %w", f.Name, o.ID, err)
	}
	return ans, nil
}
