package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// usageHeading starts every command's help, in both languages.
const usageHeading = "Cách dùng / Usage:"

// formsOf is the lines of usage (a synopsis of every form of a command)
// that are the forms of "gatekeeper CMD SUB"; all of usage when none is.
func formsOf(usage, cmd, sub string) string {
	prefix := "gatekeeper " + cmd + " " + sub
	var out []string
	for _, l := range strings.Split(usage, "\n") {
		t := strings.TrimSpace(l)
		if t == prefix || strings.HasPrefix(t, prefix+" ") {
			out = append(out, "  "+t)
		}
	}
	if len(out) == 0 {
		return usage
	}
	return usageHeading + "\n" + strings.Join(out, "\n")
}

// printFlags lists the flags of fs the way the docs write them: --name.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if arg != "" {
			line += " " + arg
		}
		switch f.DefValue {
		case "", "false", "0", "0s", "[]":
		default:
			if arg == "string" {
				usage += fmt.Sprintf(" (default %q)", f.DefValue)
			} else {
				usage += fmt.Sprintf(" (default %s)", f.DefValue)
			}
		}
		fmt.Fprintf(w, "%s\n    \t%s\n", line, strings.ReplaceAll(usage, "\n", "\n    \t"))
	})
}

// helpWith prints the heading text, then fs's flags, if it has any.
func helpWith(w io.Writer, text string, fs *flag.FlagSet) {
	fmt.Fprintln(w, strings.TrimRight(text, "\n"))
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintln(w, "\nFlags:")
		printFlags(w, fs)
	}
}
