package cli

import (
	"context"
	"errors"

	"gatekeeper/policy"
)

// defaultClassifier is the classifier the server and the CLI share.
func defaultClassifier() policy.Classifier { return policy.NeutralClassifier{} }

func runClassify(ctx context.Context, e *Env, args []string) error {
	return errors.New("not available yet")
}

func runEval(ctx context.Context, e *Env, args []string) error {
	return errors.New("not available yet")
}

func runUser(ctx context.Context, e *Env, args []string) error {
	return errors.New("not available yet")
}
