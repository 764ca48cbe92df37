package messages

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// root is the repository, from this package's directory.
const root = "../.."

// bannedTerms reads the last column of docs/glossary.md's table: the
// variants no text a person reads may use.
func bannedTerms(t *testing.T) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "docs/glossary.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	tick := regexp.MustCompile("`([^`]+)`")
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cells := strings.Split(sc.Text(), "|")
		if len(cells) < 6 || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") || strings.TrimSpace(cells[1]) == "concept" {
			continue
		}
		for _, m := range tick.FindAllStringSubmatch(cells[4], -1) {
			out = append(out, strings.ToLower(m[1]))
		}
	}
	if len(out) < 5 {
		t.Fatalf("docs/glossary.md lists %d banned variants; the table could not be read", len(out))
	}
	return out
}

// personTexts are the files whose strings people read: the message
// catalogues, the console's words and templates, the command line, and the
// WordPress plugin's code and translations.
func personTexts(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pat := range []string{
		"internal/messages/messages.go", "internal/console/i18n*.go", "internal/console/auditview.go",
		"internal/console/usercmd.go", "internal/console/admin.go", "internal/console/templates/*.html",
		"internal/admin/outlet.go", "internal/posting/*.go", "internal/importer/*.go", "policy/policy.go", "cmd/gatekeeper/*.go", "README.md",
		"plugins/wordpress/gatekeeper/*.php", "plugins/wordpress/gatekeeper/includes/*.php",
		"plugins/wordpress/gatekeeper/assets/*.js", "plugins/wordpress/gatekeeper/languages/*.po",
		"plugins/wordpress/gatekeeper/languages/*.json",
	} {
		m, err := filepath.Glob(filepath.Join(root, pat))
		if err != nil || len(m) == 0 {
			t.Fatalf("%s: no files (%v)", pat, err)
		}
		for _, f := range m {
			if !strings.HasSuffix(f, "_test.go") {
				files = append(files, f)
			}
		}
	}
	return files
}

// vietnameseText is the Vietnamese part of a file: msgstr lines of a .po,
// the first string of each {"vi", "en"} pair in Go, templates whole.
func vietnameseText(path, body string) []string {
	switch filepath.Ext(path) {
	case ".po":
		var out []string
		in := false
		for _, l := range strings.Split(body, "\n") {
			switch {
			case strings.HasPrefix(l, "msgstr"):
				in = true
			case strings.HasPrefix(l, "msgid"), strings.HasPrefix(l, "#"), l == "":
				in = false
			}
			if in {
				out = append(out, l)
			}
		}
		return out
	case ".go":
		var out []string
		for _, m := range pairVI.FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	case ".html":
		return []string{body}
	}
	return nil
}

var (
	pairVI = regexp.MustCompile(`\{"((?:[^"\\]|\\.)*)",\s*"`)
	// Vietnamese writes 16,67%: never a decimal point, never one decimal.
	badNumbers = regexp.MustCompile(`\d\.\d+\s?%|\d,\d%|\d,\d\s|tin cậy:? \d\.\d`)
)

// TestGlossary: no text a person reads uses a banned variant of a term,
// and no Vietnamese text writes a number the wrong way (docs/glossary.md).
func TestGlossary(t *testing.T) {
	banned := bannedTerms(t)
	for _, path := range personTexts(t) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, path)
		for i, line := range strings.Split(string(b), "\n") {
			low := strings.ToLower(line)
			for _, w := range banned {
				if strings.Contains(low, w) {
					t.Errorf("%s:%d uses %q (docs/glossary.md): %s", rel, i+1, w, strings.TrimSpace(line))
				}
			}
		}
		for _, s := range vietnameseText(path, string(b)) {
			if m := badNumbers.FindString(s); m != "" {
				t.Errorf("%s: Vietnamese text writes %q (want 16,67%% / 0,67): %.200s", rel, m, s)
			}
		}
	}
	// The rendered catalogue too, with real numbers.
	_, reasons := codes()
	args := ReasonArgs{After: 1667, WarnAt: 1200, Limit: 1500, Published: 3, MinSample: 20}
	for _, c := range reasons {
		if m := badNumbers.FindString(Reason(VI, c, args)); m != "" {
			t.Errorf("reason %s writes %q", c, m)
		}
	}
}
