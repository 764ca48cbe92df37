// Package redistest runs a real redis-server for tests: a private process on a
// free loopback port with its own temporary directory, stopped and removed
// when the test ends.
//
//	s := redistest.Start(t, redistest.Options{AppendOnly: true, Fsync: "always"})
//	client := redis.NewClient(&redis.Options{Addr: s.Addr()})
//
// Stop (SIGTERM), Kill (SIGKILL) and Restart (same port and directory, so an
// append-only file survives) let tests take the server away and bring it back.
//
// When redis-server is not installed the test is skipped, or fails when the
// environment sets GATEKEEPER_REQUIRE_ALL=1 (as CI does).
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ErrNotInstalled is returned by StartServer when no redis-server binary is found.
var ErrNotInstalled = errors.New("redis-server is not installed (Debian: apt-get install -y redis-server)")

// RequireEnv is the environment variable that turns a missing redis-server
// into a test failure instead of a skip.
const RequireEnv = "GATEKEEPER_REQUIRE_ALL"

// BinaryEnv may name the redis-server binary to use.
const BinaryEnv = "GATEKEEPER_REDIS_SERVER"

// ReadyTimeout bounds how long Start waits for the server to answer PING.
const ReadyTimeout = 15 * time.Second

// Options configure the server.
type Options struct {
	// AppendOnly turns on the append-only file (appendonly yes).
	AppendOnly bool
	// Fsync is appendfsync: "always", "everysec" (default) or "no".
	Fsync string
	// Config holds extra redis.conf lines, e.g. "maxmemory 64mb".
	Config []string
}

// Server is a running (or stopped) redis-server.
type Server struct {
	bin  string
	dir  string
	port int
	opts Options

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{} // closed when cmd has exited
	ownsDir bool
}

// Binary returns the path of the redis-server binary, or ErrNotInstalled.
func Binary() (string, error) {
	if b := os.Getenv(BinaryEnv); b != "" {
		if _, err := os.Stat(b); err != nil {
			return "", fmt.Errorf("%s=%s: %w", BinaryEnv, b, ErrNotInstalled)
		}
		return b, nil
	}
	if _, err := os.Stat("/usr/bin/redis-server"); err == nil {
		return "/usr/bin/redis-server", nil
	}
	if b, err := exec.LookPath("redis-server"); err == nil {
		return b, nil
	}
	return "", ErrNotInstalled
}

// Required reports whether a missing redis-server must fail tests.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// Start starts a server for the test and stops it (and removes its
// directory) when the test and its subtests end. It skips the test when
// redis-server is missing, or fails it when GATEKEEPER_REQUIRE_ALL=1.
func Start(tb testing.TB, o Options) *Server {
	tb.Helper()
	s, err := StartServer(o)
	if errors.Is(err, ErrNotInstalled) {
		if Required() {
			tb.Fatalf("redistest: %v; %s=1 requires it", err, RequireEnv)
		}
		tb.Skipf("redistest: %v; skipping (set %s=1 to fail instead)", err, RequireEnv)
	}
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(func() {
		if tb.Failed() {
			if tail := s.LogTail(20); tail != "" {
				tb.Logf("redistest: last lines of %s:\n%s", s.LogPath(), tail)
			}
		}
		if err := s.Close(); err != nil {
			tb.Errorf("redistest: %v", err)
		}
	})
	return s
}

// StartServer starts a server without a *testing.T (for TestMain). The
// caller must call Close. It returns an error wrapping ErrNotInstalled when
// redis-server is missing.
func StartServer(o Options) (*Server, error) {
	switch o.Fsync {
	case "":
		o.Fsync = "everysec"
	case "always", "everysec", "no":
	default:
		return nil, fmt.Errorf("redistest: appendfsync %q must be always, everysec or no", o.Fsync)
	}
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		return nil, fmt.Errorf("redistest: temp dir: %w", err)
	}
	s := &Server{bin: bin, dir: dir, opts: o, ownsDir: true}
	// A free port can be taken between probing and binding; try a few.
	for attempt := 0; ; attempt++ {
		s.port, err = freePort()
		if err == nil {
			err = s.start()
		}
		if err == nil {
			return s, nil
		}
		if attempt == 4 {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

// MustStartMain is StartServer for TestMain: it prints why and exits with
// status 1 when the server cannot start and GATEKEEPER_REQUIRE_ALL=1 (or on
// any error other than a missing binary). It returns nil when redis-server
// is missing and not required: the caller then runs without Redis and tests
// needing it skip.
func MustStartMain(o Options) *Server {
	s, err := StartServer(o)
	if errors.Is(err, ErrNotInstalled) && !Required() {
		fmt.Fprintf(os.Stderr, "redistest: %v; tests that need it are skipped (set %s=1 to fail instead)\n", err, RequireEnv)
		return nil
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "redistest: %v\n", err)
		os.Exit(1)
	}
	return s
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("redistest: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Port is the server's TCP port.
func (s *Server) Port() int { return s.port }

// URL is a redis:// URL for database 0.
func (s *Server) URL() string { return "redis://" + s.Addr() + "/0" }

// Dir is the server's working directory (its AOF and RDB files live there).
func (s *Server) Dir() string { return s.dir }

// LogPath is the server's log file.
func (s *Server) LogPath() string { return filepath.Join(s.dir, "redis.log") }

func (s *Server) confPath() string { return filepath.Join(s.dir, "redis.conf") }

func (s *Server) writeConf() error {
	appendonly := "no"
	if s.opts.AppendOnly {
		appendonly = "yes"
	}
	lines := []string{
		"bind 127.0.0.1",
		"port " + strconv.Itoa(s.port),
		"dir " + s.dir,
		"daemonize no",
		"protected-mode yes",
		"save \"\"",
		"appendonly " + appendonly,
		"appendfsync " + s.opts.Fsync,
		"logfile " + s.LogPath(),
		"loglevel notice",
		"databases 16",
	}
	lines = append(lines, s.opts.Config...)
	return os.WriteFile(s.confPath(), []byte(strings.Join(lines, "\n")+"\n"), 0o600)
}

// start launches the process and waits until it answers PING.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("redistest: server already running")
	}
	if err := s.writeConf(); err != nil {
		return fmt.Errorf("redistest: write config: %w", err)
	}
	cmd := exec.Command(s.bin, s.confPath())
	cmd.Dir = s.dir
	// The server dies with the test binary, even if cleanup never runs.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redistest: start %s: %w", s.bin, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	s.cmd, s.done = cmd, done

	deadline := time.Now().Add(ReadyTimeout)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-done:
			s.cmd, s.done = nil, nil
			return fmt.Errorf("redistest: redis-server exited at start (port %d): %s", s.port, s.LogTail(5))
		default:
		}
		if last = ping(s.Addr()); last == nil {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	s.signalLocked(syscall.SIGKILL)
	return fmt.Errorf("redistest: redis-server on port %d not ready after %s: %v", s.port, ReadyTimeout, last)
}

// ping sends PING in RESP and expects +PONG (a server still loading its
// append-only file answers -LOADING).
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("PING answered %q", strings.TrimSpace(line))
	}
	return nil
}

func (s *Server) signalLocked(sig syscall.Signal) error {
	if s.cmd == nil {
		return nil
	}
	if err := s.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("redistest: signal %v: %w", sig, err)
	}
	// A paused server must run to act on SIGTERM.
	s.cmd.Process.Signal(syscall.SIGCONT)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd, s.done = nil, nil
	return nil
}

// Stop sends SIGTERM and waits for the server to exit (it writes its
// append-only file first). Stopping a stopped server does nothing.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signalLocked(syscall.SIGTERM)
}

// Kill sends SIGKILL and waits for the process to be gone: a crash.
func (s *Server) Kill() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.signalLocked(syscall.SIGKILL)
}

// Pause freezes the process (SIGSTOP): it accepts connections but answers
// nothing, like a hung server. Resume continues it.
func (s *Server) Pause() error { return s.signalRunning(syscall.SIGSTOP) }

// Resume continues a paused server (SIGCONT).
func (s *Server) Resume() error { return s.signalRunning(syscall.SIGCONT) }

func (s *Server) signalRunning(sig syscall.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return errors.New("redistest: server is not running")
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("redistest: signal %v: %w", sig, err)
	}
	return nil
}

// Restart starts the server again on the same port and directory (a running
// server is stopped first), and waits until it answers PING.
func (s *Server) Restart() error {
	if err := s.Stop(); err != nil {
		return err
	}
	return s.start()
}

// Running reports whether the process is alive.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil
}

// Close stops the server and removes its directory.
func (s *Server) Close() error {
	err := s.Kill()
	if s.ownsDir {
		if rerr := os.RemoveAll(s.dir); rerr != nil && err == nil {
			err = fmt.Errorf("redistest: remove %s: %w", s.dir, rerr)
		}
	}
	return err
}

// LogTail returns the last n lines of the server's log.
func (s *Server) LogTail(n int) string {
	b, err := os.ReadFile(s.LogPath())
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
