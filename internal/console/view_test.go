package console

import (
	"io/fs"
	"regexp"
	"testing"
)

func TestTemplatesParse(t *testing.T) {
	pages, err := parsePages()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"login", "error", "holds", "hold", "dashboard", "overview", "audit", "export",
		"account", "admin_outlets", "admin_outlet", "admin_users", "secret", "password", "check", "mine", "import", "import_run"} {
		if pages[name] == nil {
			t.Errorf("page %s missing", name)
		}
	}
}

// Every message key a template names literally is in the catalogue, in
// both languages.
func TestTemplateKeysTranslated(t *testing.T) {
	re := regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	err := fs.WalkDir(templateFS, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(templateFS, path)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			msg, ok := messages[m[1]]
			if !ok || msg[0] == "" || msg[1] == "" {
				t.Errorf("%s: key %q not translated", path, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
