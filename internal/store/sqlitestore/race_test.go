//go:build race

package sqlitestore

// The race detector slows the transpiled SQLite down some fifty times: the
// randomised tests run fewer rounds under it.
const raceEnabled = true
