// The command line: Main parses each sub-command's flags and calls the
// packages that do the work; main only calls Main.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"gatekeeper/internal/clock"
)

// Env is what a command may touch of the outside world.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Terminal reports whether w is a terminal; nil means: a character
	// device among the process's files.
	Terminal func(w io.Writer) bool
	// Clock tells the time to everything the command runs (the zero value
	// is the wall clock).
	Clock clock.Clock
}

func (e *Env) isTerminal(w io.Writer) bool {
	if e.Terminal != nil {
		return e.Terminal(w)
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// command is one sub-command.
type command struct {
	name, usage string
	run         func(ctx context.Context, e *Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the service (default)", runServe},
		{"outlet", "add, list, show, update, rotate-secret, revoke-secrets or remove outlets", runOutlet},
		{"user", "add, list, passwd, notices or remove console users", runUser},
		{"post", "check, record or import posts of a page without a CMS, through a running service", runPost},
		{"sign", "sign a request body for an outlet (prints curl headers)", runSign},
		{"bench", "load-test a running service with signed checks", runBench},
		{"classify", "classify JSON Lines posts from stdin", runClassify},
		{"eval", "score the classifier on labelled JSON Lines", runEval},
		{"healthcheck", "exit 0 when a running service is ready (for containers)", runHealthcheck},
		{"version", "print the version", runVersion},
	}
}

// Version and Revision are set at build time, by the Makefile and by
// deploy/Dockerfile alike: -ldflags "-X main.Version=v1.2.0 -X main.Revision=abc123".
// They are the program's only version variables: `gatekeeper version`, the
// start-up log and the build_info metric all read them.
var (
	Version  = "dev"
	Revision = ""
)

// errUsage means the words of the call were off; usage has been printed.
var errUsage = errors.New("usage")

// Main runs the command line and returns the process exit code.
//
// With no command it runs serve, and says so. "help", -h and --help list the
// commands; "help CMD [SUB]" and "CMD [SUB] --help" print that command's usage
// and flags. Help goes to standard output and exits 0.
func Main(ctx context.Context, args []string, e *Env) int {
	if e.Getenv == nil {
		e.Getenv = os.Getenv
	}
	if len(args) == 0 {
		fmt.Fprintln(e.Stderr, noCommandNotice)
	}
	name, rest := "serve", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, rest = args[0], args[1:]
	}
	if len(args) == 1 && (args[0] == "--version" || args[0] == "-version") {
		name, rest = "version", nil
	}
	if len(args) > 0 && isHelpArg(args[0]) {
		usage(e.Stdout)
		return 0
	}
	if name == "help" {
		if len(rest) == 0 {
			usage(e.Stdout)
			return 0
		}
		name, rest = rest[0], append(append([]string{}, rest[1:]...), "--help")
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		ce := e
		if wantsHelp(rest) {
			// Asked-for help is the answer, not an error: it goes to stdout.
			ce = &Env{Stdin: e.Stdin, Stdout: e.Stdout, Stderr: e.Stdout, Getenv: e.Getenv, Terminal: e.Terminal}
		}
		err := c.run(ctx, ce, rest)
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errUsage):
			return 2
		default:
			fmt.Fprintf(e.Stderr, "gatekeeper %s: %v\n", name, err)
			return 1
		}
	}
	fmt.Fprintf(e.Stderr, "gatekeeper: unknown command %q\n\n", name)
	usage(e.Stderr)
	return 2
}

// noCommandNotice is what a bare "gatekeeper" says before it serves.
const noCommandNotice = "gatekeeper: chưa có lệnh nên chạy \"gatekeeper serve\" (các lệnh khác: gatekeeper help) / " +
	"no command given: running \"gatekeeper serve\" (other commands: gatekeeper help)"

// isHelpArg reports whether a is a request for help.
func isHelpArg(a string) bool { return a == "-h" || a == "-help" || a == "--help" }

// subcommand splits "CMD SUB ARGS…" after CMD: help asked for before SUB, or
// no SUB at all, prints usage and ends the command (flag.ErrHelp, errUsage).
func subcommand(e *Env, args []string, usage string) (sub string, rest []string, err error) {
	if len(args) > 0 && isHelpArg(args[0]) {
		fmt.Fprintln(e.Stderr, usage)
		return "", nil, flag.ErrHelp
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(e.Stderr, usage)
		return "", nil, errUsage
	}
	return args[0], args[1:], nil
}

// wantsHelp reports whether args ask for help before any "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if isHelpArg(a) {
			return true
		}
	}
	return false
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Gatekeeper — giữ tỉ lệ tin tiêu cực dưới giới hạn trước khi đăng / keeps the negative-news share under the limit before publishing.")
	fmt.Fprintln(w, "\n"+usageHeading)
	fmt.Fprintln(w, "  gatekeeper <command> [flags]")
	fmt.Fprintln(w, "  gatekeeper help <command>        (or gatekeeper <command> --help): that command's usage and flags")
	fmt.Fprintln(w, "  gatekeeper                       with no command runs serve")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.usage)
	}
}

func runHealthcheck(ctx context.Context, e *Env, args []string) error {
	fs := newFlagSet(e, "healthcheck")
	url := fs.String("url", "http://127.0.0.1:8080/readyz", "URL that must answer 200")
	timeout := fs.Duration("timeout", 2*time.Second, "how long to wait")
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, *url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("not ready: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("not ready: %s", resp.Status)
	}
	return nil
}

func runVersion(_ context.Context, e *Env, _ []string) error {
	fmt.Fprintln(e.Stdout, "gatekeeper", Version)
	return nil
}

// newFlagSet returns a flag set that prints its errors to e.Stderr.
func newFlagSet(e *Env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("gatekeeper "+name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	fs.Usage = func() { helpWith(e.Stderr, usageHeading+"\n  gatekeeper "+name+" [flags]", fs) }
	return fs
}

// parseErr turns a flag parse error into errUsage (flag has printed it).
func parseErr(err error) error {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return fmt.Errorf("%w: %v", errUsage, err)
}
