package redistest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// CallgrindEnv set to 1, with BinaryEnv naming a wrapper that runs
// redis-server under valgrind --tool=callgrind
// (deploy/scripts/redis-callgrind.sh), makes benchmarks count the server's
// instructions (CallgrindDump): deterministic, unlike any timing on a shared
// machine. CallgrindEnv + "_KEEP" = DIR keeps each dump as DIR/NAME.callgrind
// for callgrind_annotate.
const CallgrindEnv = "GATEKEEPER_CALLGRIND"

// CallgrindDump asks the server's callgrind for a dump, which also zeroes
// its counters, and returns the instructions counted since the last dump;
// ok is false when the server does not run under callgrind (CallgrindEnv).
// name names the kept copy, if one is asked for.
func (s *Server) CallgrindDump(name string) (instructions int64, ok bool, err error) {
	if os.Getenv(CallgrindEnv) != "1" {
		return 0, false, nil
	}
	pid := strconv.Itoa(s.Pid())
	if out, err := exec.Command("callgrind_control", "-d", pid).CombinedOutput(); err != nil {
		return 0, false, fmt.Errorf("redistest: callgrind_control -d %s: %v: %s", pid, err, out)
	}
	files, _ := filepath.Glob(filepath.Join(s.Dir(), "callgrind.out."+pid+".*"))
	newest, last := "", -1
	for _, f := range files {
		if n, err := strconv.Atoi(f[strings.LastIndexByte(f, '.')+1:]); err == nil && n > last {
			newest, last = f, n
		}
	}
	data, err := os.ReadFile(newest)
	if err != nil {
		return 0, false, fmt.Errorf("redistest: callgrind dump of %s: %w", pid, err)
	}
	if keep := os.Getenv(CallgrindEnv + "_KEEP"); keep != "" {
		name = strings.NewReplacer("/", "_", " ", "_").Replace(name)
		if err := os.WriteFile(filepath.Join(keep, name+".callgrind"), data, 0o644); err != nil {
			return 0, false, fmt.Errorf("redistest: keep callgrind dump: %w", err)
		}
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, found := strings.CutPrefix(line, "totals: "); found {
			n, err := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n, err == nil, err
		}
	}
	return 0, false, fmt.Errorf("redistest: no totals in %s", newest)
}
