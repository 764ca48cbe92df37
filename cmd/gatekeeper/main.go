// Command gatekeeper is the pre-publish gatekeeper: the webhook service, its
// console and its command-line tools. See `gatekeeper help`.
package main

import (
	"context"
	"os"
)

func main() {
	os.Exit(Main(context.Background(), os.Args[1:], &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
