package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"

	"gatekeeper/internal/config"
	"gatekeeper/internal/console"
	"gatekeeper/internal/evaluate"
	"gatekeeper/policy"
	"gatekeeper/policy/classify"
)

// defaultClassifier is the classifier the server and the CLI share.
func defaultClassifier() policy.Classifier { return classify.Default() }

func runClassify(ctx context.Context, e *Env, args []string) error {
	fs := newFlagSet(e, "classify")
	fs.Usage = func() {
		fmt.Fprintln(e.Stderr, usageHeading+"\n  gatekeeper classify < posts.jsonl > verdicts.jsonl\n  reads JSON Lines {id, title, excerpt, content, language, categories}; writes {id, label, score, borderline, sensational, sensational_score, evidence}")
	}
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	return evaluate.RunClassify(ctx, e.Stdin, e.Stdout, e.Stderr, defaultClassifier())
}

func runEval(ctx context.Context, e *Env, args []string) error {
	fs := newFlagSet(e, "eval")
	worst := fs.Int("worst", 10, "how many of the worst misses to show")
	sens := fs.String("sensitivity", string(policy.SensitivityNormal), "the sensational flag's sensitivity to score at: low (score ≥ 0.85), normal (≥ 0.70, an outlet's default) or high (≥ 0.50)")
	fs.Usage = func() {
		helpWith(e.Stderr, usageHeading+"\n  gatekeeper eval [--worst N] [--sensitivity low|normal|high] FILE.jsonl [FILE.jsonl …]\n  scores labelled JSON Lines (tone: negative/non_negative/mixed; headlines: clickbait/not_clickbait)", fs)
	}
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errUsage
	}
	s := policy.Sensitivity(*sens)
	if !slices.Contains(policy.Sensitivities, s) {
		fmt.Fprintf(e.Stderr, "gatekeeper eval: --sensitivity %q: độ nhạy phải là low, normal hoặc high / the sensitivity must be low, normal or high\n", *sens)
		return errUsage
	}
	var errs []error
	for _, path := range fs.Args() {
		if err := evaluate.RunEval(ctx, path, e.Stdout, defaultClassifier(), evaluate.Options{Worst: *worst, Sensitivity: s}); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
		}
	}
	return errors.Join(errs...)
}

func runUser(ctx context.Context, e *Env, args []string) error {
	if len(args) > 0 && isHelpArg(args[0]) {
		fmt.Fprint(e.Stderr, console.UserUsage)
		return flag.ErrHelp
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return console.UserCommand(ctx, nil, nil, e.Clock, e.Stdin, e.Stdout, e.Stderr)
	}
	sub, args := args[0], args[1:]
	var pos []string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		pos, args = args[:1], args[1:]
	}
	cfg := config.Default()
	var uf console.UserFlags
	ufs := newFlagSet(e, "user "+sub)
	ufs.Usage = func() { helpWith(e.Stderr, formsOf(console.UserUsage, "user", sub), ufs) }
	rest, err := cfg.Load(ufs, args, e.Getenv, func(fs *flag.FlagSet) {
		cfg.StoreFlags(fs)
		uf.RegisterFor(fs, sub)
	})
	if err != nil {
		return err
	}
	if err := cfg.ValidateStore(); err != nil {
		return err
	}
	st, err := openStore(ctx, &cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	return console.RunUserCommand(ctx, sub, append(pos, rest...), uf, st, e.Clock, e.Stdin, e.Stdout, e.Stderr)
}
