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
)

// Env is what a command may touch of the outside world.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

// command is one sub-command.
type command struct {
	name, usage string
	run         func(ctx context.Context, e *Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the service (default)", runServe},
		{"outlet", "add, list, show, update, rotate-secret or remove outlets", runOutlet},
		{"user", "add, list, passwd or remove console users", runUser},
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
func Main(ctx context.Context, args []string, e *Env) int {
	if e.Getenv == nil {
		e.Getenv = os.Getenv
	}
	name, rest := "serve", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, rest = args[0], args[1:]
	}
	if name == "help" || name == "-h" || name == "--help" {
		usage(e.Stdout)
		return 0
	}
	for _, c := range commands() {
		if c.name == name {
			err := c.run(ctx, e, rest)
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
	}
	fmt.Fprintf(e.Stderr, "gatekeeper: unknown command %q\n\n", name)
	usage(e.Stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Gatekeeper — giữ tỉ lệ tin tiêu cực dưới ngưỡng trước khi đăng / keeps the negative-news share under the limit before publishing.")
	fmt.Fprintln(w, "\nUsage: gatekeeper <command> [flags]   (gatekeeper <command> -h for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.usage)
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
	return fs
}

// parseErr turns a flag parse error into errUsage (flag has printed it).
func parseErr(err error) error {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return fmt.Errorf("%w: %v", errUsage, err)
}
