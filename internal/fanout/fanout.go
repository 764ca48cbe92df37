// Package fanout runs the same read for many outlets at once: the console's
// overview and the all-outlets report read each outlet's window, series,
// audit and holds, and one outlet after another a province of 500 outlets
// would wait for 500 × several round trips in turn.
package fanout

import "sync"

// Workers is how many reads Each runs at once by default: enough to keep
// Redis and the decoding busy, few enough not to crowd other callers.
const Workers = 8

// Each calls fn(i) for every i in [0, n), at most workers at a time (Workers
// when workers ≤ 0), and waits for all of them. It returns the error of the
// lowest i that failed; once one has failed, calls not yet started are
// skipped.
func Each(n, workers int, fn func(i int) error) error {
	if workers <= 0 {
		workers = Workers
	}
	workers = min(workers, n)
	errs := make([]error, n)
	var (
		mu     sync.Mutex
		next   int
		failed bool
		wg     sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				stop := failed || i >= n
				mu.Unlock()
				if stop {
					return
				}
				if err := fn(i); err != nil {
					errs[i] = err
					mu.Lock()
					failed = true
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
