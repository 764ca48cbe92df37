package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"gatekeeper/internal/config"
	"gatekeeper/internal/webhook"
)

const signUsage = usageHeading + `
  gatekeeper sign [--secret whsec_… | GATEKEEPER_SECRET] [--id ID] --target "METHOD /path" [FILE|-]
  gatekeeper sign [--secret …] --send URL [--method DELETE] [--lang vi|en] [FILE|-]
  Prints the Standard Webhooks headers and webhook-target for the body in FILE
  (stdin when FILE is - or absent), one per line, for curl -H @FILE. The
  signature is bound to the target, e.g. --target "POST /v1/outlets/a/check".
  With --send URL it sends the signed request itself and prints the answer:
  POST with FILE as the body, GET without FILE (--method DELETE to withdraw).
  The answer's body goes to stdout (indented on a terminal), the HTTP status
  line to stderr.`

// outletKey is the signing key of --secret, or of GATEKEEPER_SECRET when the
// flag is empty.
func outletKey(e *Env, secret string) ([]byte, error) {
	if secret == "" {
		secret = e.Getenv(config.EnvName("secret"))
	}
	if secret == "" {
		return nil, errors.New("thiếu khoá bí mật của đơn vị: --secret whsec_… hoặc GATEKEEPER_SECRET / no secret: give --secret whsec_… or set GATEKEEPER_SECRET (printed once by `gatekeeper outlet add`)")
	}
	key, err := webhook.DecodeSecret(secret)
	if err != nil {
		return nil, fmt.Errorf("--secret: %w", err)
	}
	return key, nil
}

func runSign(ctx context.Context, e *Env, args []string) error {
	fs := newFlagSet(e, "sign")
	fs.Usage = func() { helpWith(e.Stderr, signUsage, fs) }
	secret := fs.String("secret", "", "the outlet's secret (or GATEKEEPER_SECRET)")
	id := fs.String("id", "", "webhook-id (a fresh one when empty)")
	send := fs.String("send", "", "send the signed request to this URL and print the answer")
	method := fs.String("method", "", "HTTP method for --send (POST with a body, GET without)")
	lang := fs.String("lang", "", "Accept-Language for --send (vi or en)")
	target := fs.String("target", "", `the request the signature is for, "METHOD /path?query" (taken from --send and --method when sending)`)
	if err := fs.Parse(args); err != nil {
		return parseErr(err)
	}
	key, err := outletKey(e, *secret)
	if err != nil {
		return err
	}
	var body []byte
	switch path := fs.Arg(0); {
	case fs.NArg() > 1:
		return errors.New("give at most one FILE")
	case path == "" && *send != "":
		// --send without FILE: a request with no body (GET, DELETE); "-" reads stdin
	case path == "" || path == "-":
		body, err = io.ReadAll(e.Stdin)
	default:
		body, err = os.ReadFile(path)
	}
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if *id == "" {
		*id = webhook.NewID()
	}
	h := http.Header{}
	if *send == "" {
		if *target == "" {
			return errors.New(`--target "METHOD /path" is required: the signature binds the method and path`)
		}
		webhook.SignRequest(h, *target, *id, e.Clock.Now(), body, key)
		for _, k := range []string{webhook.HeaderID, webhook.HeaderTimestamp, webhook.HeaderSignature, webhook.HeaderTarget} {
			fmt.Fprintf(e.Stdout, "%s: %s\n", k, h.Get(k))
		}
		return nil
	}
	m := strings.ToUpper(*method)
	if m == "" {
		m = http.MethodPost
		if len(body) == 0 {
			m = http.MethodGet
		}
	}
	req, err := http.NewRequestWithContext(ctx, m, *send, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("--send: %w", err)
	}
	sent := webhook.Target(m, req.URL.RequestURI())
	if *target != "" && *target != sent {
		// The signature is bound to what is sent; signing anything else would be refused by the service.
		return fmt.Errorf("--target %q disagrees with --send and --method, which send %q: leave --target out when sending (it is taken from the URL and method)", *target, sent)
	}
	webhook.SignRequest(h, sent, *id, e.Clock.Now(), body, key)
	req.Header = h
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	if *lang != "" {
		req.Header.Set("Accept-Language", *lang)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return fmt.Errorf("send: %w", err)
	}
	defer resp.Body.Close()
	// The status line goes to stderr, the body alone to stdout, so a pipe
	// gets JSON a program can read.
	fmt.Fprintf(e.Stderr, "HTTP %s\n", resp.Status)
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if e.isTerminal(e.Stdout) {
		answer = indentJSON(answer)
	}
	e.Stdout.Write(bytes.TrimRight(answer, "\n"))
	fmt.Fprintln(e.Stdout)
	if resp.StatusCode >= 400 {
		return fmt.Errorf("the service answered %s", resp.Status)
	}
	return nil
}

// indentJSON indents a JSON body for a person; anything else is returned as is.
func indentJSON(b []byte) []byte {
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return b
	}
	return out.Bytes()
}
