package policy

import "fmt"

// InvalidSetting is a setting refused by validation (here and in the
// packages that check an outlet's other settings). Its Error is plain
// English with the refusing package's prefix; an edge words it in the
// reader's language from Code and Args (messages.Setting).
type InvalidSetting struct {
	Pkg    string // the refusing package: "policy", "admin"
	Code   string // stable: "limit", "warn_at", "timezone", …
	Args   []any  // the values the message names, in order
	Format string // the English sentence, a fmt format over Args
}

// Invalid makes an InvalidSetting.
func Invalid(pkg, code, format string, args ...any) *InvalidSetting {
	return &InvalidSetting{Pkg: pkg, Code: code, Args: args, Format: format}
}

// English is the sentence without the package prefix.
func (e *InvalidSetting) English() string { return fmt.Sprintf(e.Format, e.Args...) }

func (e *InvalidSetting) Error() string { return e.Pkg + ": " + e.English() }
