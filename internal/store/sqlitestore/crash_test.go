package sqlitestore

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gatekeeper/policy"
)

// crashChildEnv names the data directory of the child process of
// TestKill9KeepsAcknowledgedChecks; TestMain turns the test binary into that
// child when it is set.
const crashChildEnv = "GATEKEEPER_SQLITESTORE_CRASH_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		os.Exit(crashChild(dir))
	}
	os.Exit(m.Run())
}

// crashChild opens the store in dir and checks new posts from 32 goroutines
// until it is killed, printing "ack POST WEBHOOK COUNTED" for every check the
// store acknowledged, only after Check returned.
func crashChild(dir string) int {
	ctx := context.Background()
	s, err := Open(ctx, dir)
	if err != nil {
		fmt.Println("err open:", err)
		return 1
	}
	r := policy.DefaultRules()
	var (
		mu  sync.Mutex
		out = bufio.NewWriter(os.Stdout)
		seq atomic.Int64
		wg  sync.WaitGroup
	)
	for g := 0; g < 32; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := seq.Add(1)
				sub := neutral
				if n%7 == 0 {
					sub = negative
				}
				post := fmt.Sprint("k-", n)
				in := input("o", post, t0.Add(time.Duration(n)*time.Millisecond), r, sub)
				in.WebhookID = "wh-" + post
				res, err := s.Check(ctx, in)
				mu.Lock()
				if err != nil {
					fmt.Fprintln(out, "err check:", err)
				} else {
					fmt.Fprintln(out, "ack", post, in.WebhookID, in.Plan[res.Situation.Index()].Counted)
				}
				// The line leaves the process before the next check starts.
				out.Flush()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return 0
}

// TestKill9KeepsAcknowledgedChecks runs checks under concurrent load in a
// child process, kills it with SIGKILL in the middle, reopens the file and
// finds every acknowledged decision: the ledger entry with the acknowledged
// outcome and the webhook record (a replay answers it). The window's running
// counts equal the counted posts in the ledger.
func TestKill9KeepsAcknowledgedChecks(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, dir)
	addOutlet(t, s, "o", policy.DefaultRules())
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	const killAfter = 600
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := map[string]bool{} // post → counted
	sc := bufio.NewScanner(stdout)
	killed := false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || f[0] != "ack" {
			t.Errorf("child: %s", sc.Text())
			continue
		}
		acked[f[1]] = f[3] == "true"
		if len(acked) == killAfter && !killed {
			if err := cmd.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("the child stopped by itself after %d acknowledged checks: %v", len(acked), err)
	}
	if ws, ok := cmd.ProcessState.Sys().(interface{ Signaled() bool }); !ok || !ws.Signaled() {
		t.Fatalf("the child was not killed by a signal: %v", cmd.ProcessState)
	}

	s = openTest(t, dir)
	ctx := context.Background()
	var stored, counted int
	if err := s.db.QueryRow("SELECT count(*), coalesce(sum(state = 'counted'), 0) FROM posts WHERE outlet = 'o'").Scan(&stored, &counted); err != nil {
		t.Fatal(err)
	}
	t.Logf("acknowledged %d checks before SIGKILL; %d decisions stored after reopening (%d counted)", len(acked), stored, counted)
	if stored < len(acked) {
		t.Errorf("%d decisions stored, fewer than the %d acknowledged", stored, len(acked))
	}
	lost := 0
	for post, wasCounted := range acked {
		var state string
		err := s.db.QueryRow("SELECT state FROM posts WHERE outlet = 'o' AND post = ?", post).Scan(&state)
		if err != nil {
			lost++
			if lost <= 5 {
				t.Errorf("acknowledged %s: not in the ledger after SIGKILL: %v", post, err)
			}
			continue
		}
		if want := map[bool]string{true: "counted", false: "held"}[wasCounted]; state != want {
			t.Errorf("acknowledged %s as counted=%v: ledger says %s", post, wasCounted, state)
		}
		if _, ok, err := recallCheck(ctx, s.db, "o", "wh-"+post, msOf(t0)); err != nil || !ok {
			t.Errorf("acknowledged %s: no webhook record after SIGKILL (%v)", post, err)
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged decisions lost", lost, len(acked))
	}
	// The running counts survived consistent with the ledger.
	c := windowOf(t, s, "o", t0.Add(time.Hour))
	if int(c.Published) != counted {
		t.Errorf("window counts %d published, ledger has %d counted posts", c.Published, counted)
	}
}
