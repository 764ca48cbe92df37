// Command gatekeeper is the pre-publish gatekeeper: the webhook service, its
// console and its command-line tools. See `gatekeeper help`.
package main

import (
	"context"
	"os"

	"gatekeeper/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], &cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
