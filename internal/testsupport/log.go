package testsupport

import (
	"io"
	"log/slog"
)

// Discard is a logger that writes nowhere, for services a test builds.
func Discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
