// Package evaluate runs a policy.Classifier over JSON Lines: RunClassify
// labels posts for the CLI's "classify" command, RunEval scores the
// classifier against labelled data for its "eval" command.
package evaluate

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// MaxLine is the longest input line read; longer lines are reported and skipped.
const MaxLine = 8 << 20

// lineReader yields the lines of r one at a time, reusing its buffer.
type lineReader struct {
	r    *bufio.Reader
	buf  []byte
	n    int  // number of the line last returned
	long bool // the line last returned was cut at MaxLine
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 256<<10)}
}

// next returns the next line without its end of line, or io.EOF. The slice
// is valid until the next call.
func (l *lineReader) next() ([]byte, error) {
	l.buf = l.buf[:0]
	l.long = false
	for {
		frag, err := l.r.ReadSlice('\n')
		if len(l.buf)+len(frag) <= MaxLine {
			l.buf = append(l.buf, frag...)
		} else {
			l.long = true
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("read line %d: %w", l.n+1, err)
		}
		if len(l.buf) == 0 && !l.long && errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		l.n++
		return bytes.TrimRight(l.buf, "\r\n"), nil
	}
}

// id accepts a JSON string or number.
type id string

func (i *id) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*i = id(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("id must be a string or a number")
	}
	*i = id(n.String())
	return nil
}

// post is one input line.
type post struct {
	ID         id       `json:"id"`
	Title      string   `json:"title"`
	Excerpt    string   `json:"excerpt"`
	Content    string   `json:"content"`
	Language   string   `json:"language"`
	Categories []string `json:"categories"`
	Label      string   `json:"label"` // labelled data only
	// Tone and Sensational are the regression set's finer labels: the
	// three tones, and whether the headline is click-bait.
	Tone        string `json:"tone"`
	Sensational *bool  `json:"sensational"`
}

func parsePost(line []byte) (post, error) {
	var p post
	d := json.NewDecoder(bytes.NewReader(line))
	if err := d.Decode(&p); err != nil {
		return p, fmt.Errorf("not a JSON object: %w", err)
	}
	if d.More() {
		return p, errors.New("more than one JSON value on the line")
	}
	if p.ID == "" {
		return p, errors.New("missing id")
	}
	return p, nil
}
