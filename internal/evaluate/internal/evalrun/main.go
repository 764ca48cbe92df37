// Command evalrun scores the embedded classifier on labelled JSON Lines
// files, the same as "gatekeeper eval FILE":
//
//	go run ./internal/evaluate/internal/evalrun [-worst 20] [-sensitivity normal] FILE...
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"

	"gatekeeper/internal/evaluate"
	"gatekeeper/policy"
	"gatekeeper/policy/classify"
)

func main() {
	worst := flag.Int("worst", 20, "how many of the worst misses to show")
	sens := flag.String("sensitivity", "normal", "the sensational flag's sensitivity: low, normal or high")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	c := classify.Default()
	code := 0
	for i, path := range flag.Args() {
		if i > 0 {
			fmt.Println()
		}
		if err := evaluate.RunEval(ctx, path, os.Stdout, c, evaluate.Options{Worst: *worst, Sensitivity: policy.Sensitivity(*sens)}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			code = 1
		}
	}
	os.Exit(code)
}
