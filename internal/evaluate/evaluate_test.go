package evaluate

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gatekeeper/policy"
	"gatekeeper/policy/classify"
)

func TestRunClassify(t *testing.T) {
	in, err := os.Open(filepath.Join("testdata", "posts.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var out, errw bytes.Buffer
	err = RunClassify(context.Background(), in, &out, &errw, classify.Default())
	if err == nil || !strings.Contains(err.Error(), "3 bad lines") {
		t.Errorf("want an error for 3 bad lines, got %v", err)
	}
	for _, want := range []string{"dòng 4 ", "line 4 ", "line 5 ", "missing id", "line 6 "} {
		if !strings.Contains(errw.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errw.String())
		}
	}
	text := out.String()
	var got []Output
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var o Output
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("bad output line %q: %v", sc.Text(), err)
		}
		got = append(got, o)
	}
	if len(got) != 3 {
		t.Fatalf("want 3 output lines, got %d:\n%s", len(got), out.String())
	}
	if got[0].ID != "1" || got[0].Label != policy.Negative || len(got[0].Evidence) == 0 {
		t.Errorf("line 1: %+v", got[0])
	}
	if got[1].ID != "2" || got[1].Label == policy.Negative {
		t.Errorf("line 3 (numeric id): %+v", got[1])
	}
	if got[2].ID != "6" || !got[2].Sensational || got[2].Language != "en" {
		t.Errorf("line 7: %+v", got[2])
	}
	// Every output line carries the documented keys, evidence never null.
	first := strings.SplitN(text, "\n", 2)[0]
	for _, k := range []string{`"id"`, `"label"`, `"score"`, `"borderline"`, `"sensational"`, `"sensational_score"`, `"evidence":[`} {
		if !strings.Contains(first, k) {
			t.Errorf("output lacks %s: %s", k, first)
		}
	}
}

// genReader streams n JSON lines without holding them in memory.
type genReader struct {
	n, i int
	buf  []byte
}

func (g *genReader) Read(p []byte) (int, error) {
	for len(g.buf) == 0 {
		if g.i == g.n {
			return 0, io.EOF
		}
		g.i++
		g.buf = fmt.Appendf(g.buf[:0], `{"id":"%d","title":"Tin số %d: khai mạc hội chợ, bắt giữ kẻ trộm"}`+"\n", g.i, g.i)
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	return n, nil
}

type countWriter struct{ lines int }

func (c *countWriter) Write(p []byte) (int, error) {
	c.lines += bytes.Count(p, []byte("\n"))
	return len(p), nil
}

func TestRunClassify100kLines(t *testing.T) {
	var cw countWriter
	var errw bytes.Buffer
	if err := RunClassify(context.Background(), &genReader{n: 100000}, &cw, &errw, classify.Default()); err != nil {
		t.Fatal(err, errw.String())
	}
	if cw.lines != 100000 {
		t.Errorf("wrote %d lines, want 100000", cw.lines)
	}
}

func TestRunClassifyLongLine(t *testing.T) {
	long := `{"id":"big","title":"` + strings.Repeat("a ", MaxLine) + `"}`
	in := strings.NewReader(`{"id":"a","title":"x"}` + "\n" + long + "\n" + `{"id":"b","title":"y"}` + "\n")
	var out, errw bytes.Buffer
	err := RunClassify(context.Background(), in, &out, &errw, classify.Default())
	if err == nil || !strings.Contains(errw.String(), "line 2 ") {
		t.Errorf("want line 2 reported, err %v, stderr %q", err, errw.String())
	}
	if n := strings.Count(out.String(), "\n"); n != 2 {
		t.Errorf("want 2 output lines around the long one, got %d", n)
	}
}

func TestRunClassifyCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := RunClassify(ctx, &genReader{n: 10}, io.Discard, io.Discard, classify.Default())
	if err == nil {
		t.Error("want an error from a cancelled context")
	}
}

// fake labels a post negative when its title holds "NEG", sensational when "BAIT".
type fake struct{}

func (fake) Classify(t policy.Text) policy.Classification {
	c := policy.Classification{Language: "vi", Tone: policy.ToneResult{Label: policy.Neutral, Score: 0.8, Evidence: []policy.Evidence{}}}
	if strings.Contains(t.Title, "NEG") {
		c.Tone = policy.ToneResult{Label: policy.Negative, Score: 0.9, Evidence: []policy.Evidence{{Text: "neg", Field: "title", Weight: 1}}}
	}
	c.Sensational.Evidence = []policy.Evidence{}
	c.Sensational.Score = 0.1
	if strings.Contains(t.Title, "BAIT") {
		c.Sensational = policy.SensationalResult{Flagged: true, Score: 0.9, Evidence: []policy.Evidence{{Text: "bait", Field: "title", Weight: 1}}}
	}
	if strings.Contains(t.Title, "MILD") { // flagged at high sensitivity only
		c.Sensational = policy.SensationalResult{Flagged: true, Score: 0.6, Evidence: []policy.Evidence{{Text: "mild", Field: "title", Weight: 0.4}}}
	}
	return c
}

// The flag is read at the sensitivity asked for (normal by default), and the
// report gives the figures at every sensitivity.
func TestEvaluateSensitivity(t *testing.T) {
	rows := strings.Join([]string{
		`{"id":"1","title":"BAIT","label":"clickbait"}`,
		`{"id":"2","title":"MILD","label":"clickbait"}`,
		`{"id":"3","title":"MILD","label":"not_clickbait"}`,
		`{"id":"4","title":"plain","label":"not_clickbait"}`,
		`{"id":"5","title":"MILD","label":"non_negative"}`,
		`{"id":"6","title":"plain","label":"non_negative"}`,
	}, "\n")
	for _, tc := range []struct {
		s       policy.Sensitivity
		bait    Counts
		flagged int
		line    string
	}{
		{"", Counts{TP: 1, FN: 1, TN: 2}, 0, "sensitivity normal: 0 of 2 (0.0%)"},
		{policy.SensitivityHigh, Counts{TP: 2, FP: 1, TN: 1}, 1, "sensitivity high: 1 of 2 (50.0%)"},
		{policy.SensitivityLow, Counts{TP: 1, FN: 1, TN: 2}, 0, "sensitivity low: 0 of 2 (0.0%)"},
	} {
		rep, _, err := Evaluate(context.Background(), strings.NewReader(rows), fake{}, Options{Sensitivity: tc.s})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Bait != tc.bait || rep.Flagged != tc.flagged {
			t.Errorf("%q: click-bait %+v flagged %d, want %+v and %d", tc.s, rep.Bait, rep.Flagged, tc.bait, tc.flagged)
		}
		if *rep.BaitAt[policy.SensitivityHigh] != (Counts{TP: 2, FP: 1, TN: 1}) || rep.FlaggedAt[policy.SensitivityHigh] != 1 ||
			rep.FlaggedAt[policy.SensitivityNormal] != 0 {
			t.Errorf("%q: by sensitivity %+v %v", tc.s, *rep.BaitAt[policy.SensitivityHigh], rep.FlaggedAt)
		}
		var out bytes.Buffer
		rep.Write(&out, "rows", 0)
		for _, want := range []string{tc.line, "flag rate by sensitivity: low (≥ 0.85) 0.0%, normal (≥ 0.70) 0.0%, high (≥ 0.50) 50.0%",
			"click-bait by sensitivity: low P 1.000 R 0.500 F1 0.667; normal P 1.000 R 0.500 F1 0.667; high P 0.667 R 1.000 F1 0.800"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%q: report lacks %q:\n%s", tc.s, want, out.String())
			}
		}
	}
}

func TestEvaluateMetrics(t *testing.T) {
	rows := strings.Join([]string{
		`{"id":"1","title":"NEG","label":"negative"}`,     // TP
		`{"id":"2","title":"NEG","label":"negative"}`,     // TP
		`{"id":"3","title":"calm","label":"negative"}`,    // FN
		`{"id":"4","title":"NEG","label":"non_negative"}`, // FP
		`{"id":"5","title":"calm","label":"non_negative"}`,
		`{"id":"6","title":"NEG","label":"mixed"}`,
		`{"id":"7","title":"calm","label":"mixed"}`,
		`{"id":"8","title":"BAIT","label":"clickbait"}`,
		`{"id":"9","title":"BAIT","label":"not_clickbait"}`,
		`{"id":"10","title":"plain","label":"not_clickbait"}`,
		`{"id":"11","title":"x","label":"weird"}`,
	}, "\n")
	rep, bad, err := Evaluate(context.Background(), strings.NewReader(rows), fake{}, Options{Worst: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) != 1 || rep.Skipped != 1 {
		t.Errorf("bad lines %v, skipped %d", bad, rep.Skipped)
	}
	if rep.Tone != (Counts{TP: 2, FP: 1, FN: 1, TN: 1}) {
		t.Errorf("tone counts %+v", rep.Tone)
	}
	p, r, f := rep.Tone.PRF()
	if fmt.Sprintf("%.3f %.3f %.3f", p, r, f) != "0.667 0.667 0.667" {
		t.Errorf("tone P/R/F1 %.3f %.3f %.3f", p, r, f)
	}
	if rep.Mixed != 2 || rep.MixedNeg != 1 {
		t.Errorf("mixed %d, flagged %d", rep.Mixed, rep.MixedNeg)
	}
	if rep.Bait != (Counts{TP: 1, FP: 1, TN: 1}) {
		t.Errorf("click-bait counts %+v", rep.Bait)
	}
	var out bytes.Buffer
	rep.Write(&out, "rows", 5)
	for _, want := range []string{"precision 0.667  recall 0.667  F1 0.667", "mixed (not scored): 2 rows, 50.0% flagged negative",
		"click-bait at sensitivity normal (3 rows): precision 0.500  recall 1.000  F1 0.667", "worst misses", "neg(title +1.00)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunEvalFixtures(t *testing.T) {
	for _, name := range []string{"tone.jsonl", "clickbait.jsonl"} {
		var out bytes.Buffer
		if err := RunEval(context.Background(), filepath.Join("testdata", name), &out, classify.Default(), Options{Worst: 3}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, want := range []string{"rows scored", "F1", "worst misses"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s: report lacks %q:\n%s", name, want, out.String())
			}
		}
		t.Logf("%s:\n%s", name, out.String())
	}
	var out bytes.Buffer
	if err := RunEval(context.Background(), filepath.Join("testdata", "posts.jsonl"), &out, classify.Default(), Options{Worst: 3}); err == nil {
		t.Error("want an error for a file with bad lines")
	}
	if err := RunEval(context.Background(), filepath.Join("testdata", "missing.jsonl"), &out, classify.Default(), Options{Worst: 3}); err == nil {
		t.Error("want an error for a missing file")
	}
}
