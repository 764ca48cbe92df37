package evaluate

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"gatekeeper/policy"
)

// Output is one line RunClassify writes.
type Output struct {
	ID                  string            `json:"id"`
	Language            string            `json:"language"`
	Label               policy.Tone       `json:"label"`
	Score               float64           `json:"score"`
	Borderline          bool              `json:"borderline"`
	Sensational         bool              `json:"sensational"`
	SensationalScore    float64           `json:"sensational_score"`
	Evidence            []policy.Evidence `json:"evidence"`
	SensationalEvidence []policy.Evidence `json:"sensational_evidence"`
}

// RunClassify reads JSON Lines of posts {id, title, excerpt, content,
// language, categories} from in and writes one Output line per post to out,
// streaming. A line that cannot be read (bad JSON, no id, longer than
// MaxLine) is reported on errw with its line number and skipped; blank lines
// are ignored. It returns an error at the end if any line was bad, so a
// command exits non-zero, and stops early when ctx is done.
func RunClassify(ctx context.Context, in io.Reader, out, errw io.Writer, c policy.Classifier) error {
	lr := newLineReader(in)
	w := bufio.NewWriterSize(out, 64<<10)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	bad, firstBad, done := 0, 0, 0
	for {
		if done%256 == 0 {
			if err := ctx.Err(); err != nil {
				w.Flush()
				return fmt.Errorf("classify: stopped at line %d: %w", lr.n, err)
			}
		}
		line, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			w.Flush()
			return fmt.Errorf("classify: %w", err)
		}
		if isBlank(line) {
			continue
		}
		var p post
		if lr.long {
			err = fmt.Errorf("line longer than %d bytes", MaxLine)
		} else {
			p, err = parsePost(line)
		}
		if err != nil {
			bad++
			if firstBad == 0 {
				firstBad = lr.n
			}
			fmt.Fprintf(errw, "dòng %d bị bỏ qua / line %d skipped: %v\n", lr.n, lr.n, err)
			continue
		}
		r := c.Classify(policy.Text{Title: p.Title, Excerpt: p.Excerpt, Content: p.Content,
			Categories: p.Categories, Language: p.Language})
		o := Output{ID: string(p.ID), Language: r.Language, Label: r.Tone.Label, Score: r.Tone.Score,
			Borderline: r.Tone.Borderline, Sensational: r.Sensational.Flagged,
			SensationalScore: r.Sensational.Score, Evidence: nonNil(r.Tone.Evidence),
			SensationalEvidence: nonNil(r.Sensational.Evidence)}
		if err := enc.Encode(&o); err != nil {
			return fmt.Errorf("classify: write: %w", err)
		}
		done++
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("classify: write: %w", err)
	}
	if bad > 0 {
		return fmt.Errorf("classify: %d bad lines (first: line %d)", bad, firstBad)
	}
	return nil
}

func nonNil(e []policy.Evidence) []policy.Evidence {
	if e == nil {
		return []policy.Evidence{}
	}
	return e
}

func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}
