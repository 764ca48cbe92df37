package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// ReplyError is an error reply (-ERR ...) from the server.
type ReplyError string

func (e ReplyError) Error() string { return string(e) }

// Do sends one command to addr on a fresh connection and returns the reply:
// a string (simple or bulk), an int64, nil (null), []any (array) or a
// ReplyError. It is the harness's own tiny client, independent of the
// client under test; every call is bounded by timeout (1 s when 0).
func Do(addr string, timeout time.Duration, args ...string) (any, error) {
	vs, err := Pipeline(addr, timeout, args)
	if err != nil {
		return nil, err
	}
	if re, ok := vs[0].(ReplyError); ok {
		return nil, re
	}
	return vs[0], nil
}

// Pipeline sends several commands on one connection and returns their
// replies (an error reply is a ReplyError in its place).
func Pipeline(addr string, timeout time.Duration, cmds ...[]string) ([]any, error) {
	if timeout <= 0 {
		timeout = time.Second
	}
	c, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	var b strings.Builder
	for _, args := range cmds {
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
	}
	if _, err := io.WriteString(c, b.String()); err != nil {
		return nil, err
	}
	r := bufio.NewReader(c)
	out := make([]any, len(cmds))
	for i := range out {
		if out[i], err = readReply(r); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// confirmsWrites writes and deletes key on the master at addr and waits
// (up to 200 ms) for n replicas to acknowledge it. Right after a full sync
// a replica counts as online but the master streams to it only after its
// first acknowledgement (sent once a second), so WAIT fails until then.
func confirmsWrites(addr, key string, n int) error {
	vs, err := Pipeline(addr, time.Second, []string{"SET", key, "1"}, []string{"DEL", key}, []string{"WAIT", strconv.Itoa(n), "200"})
	if err != nil {
		return err
	}
	for _, v := range vs {
		if re, ok := v.(ReplyError); ok {
			return re
		}
	}
	if got, _ := vs[2].(int64); got < int64(n) {
		return fmt.Errorf("%s: a write was confirmed by %d of %d replicas", addr, got, n)
	}
	// A replica's acknowledged offset stays 0 until its first
	// acknowledgement (and the master streams nothing to it until then);
	// meanwhile WAIT may count it for a connection whose writes did not
	// advance the replication offset, so the WAIT above is not enough.
	info, err := DoString(addr, "INFO", "replication")
	if err != nil {
		return err
	}
	acked := 0
	for _, line := range strings.Split(info, "\n") {
		if strings.HasPrefix(line, "slave") && strings.Contains(line, ",state=online,") && !strings.Contains(line, ",offset=0,") {
			acked++
		}
	}
	if acked < n {
		return fmt.Errorf("%s: %d replicas have acknowledged the stream, want %d", addr, acked, n)
	}
	return nil
}

// DoString is Do for commands whose reply is a string (INFO, CLUSTER INFO...).
func DoString(addr string, args ...string) (string, error) {
	v, err := Do(addr, 0, args...)
	if err != nil {
		return "", err
	}
	switch x := v.(type) {
	case string:
		return x, nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case nil:
		return "", nil
	}
	return "", fmt.Errorf("redistest: %s answered %T", args[0], v)
}

func readReply(r *bufio.Reader) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return nil, errors.New("redistest: empty reply line")
	}
	body := line[1:]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return ReplyError(body), nil
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, nil
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = readReply(r); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("redistest: unexpected reply %q", line)
}

// InfoField reads one "field:value" line from an INFO-style text.
func InfoField(info, field string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
			return v
		}
	}
	return ""
}

// InfoCPU is the server's CPU time so far in an INFO cpu text:
// used_cpu_user plus used_cpu_sys. Unlike commandstats' times it does not
// count time the process spent waiting for a CPU on a busy machine.
func InfoCPU(info string) time.Duration {
	user, _ := strconv.ParseFloat(InfoField(info, "used_cpu_user"), 64)
	sys, _ := strconv.ParseFloat(InfoField(info, "used_cpu_sys"), 64)
	return time.Duration((user + sys) * float64(time.Second))
}

// InfoCommand reads a command's calls and microseconds per call (wall time
// inside Redis) from an INFO commandstats text; 0 and 0 if it has none.
func InfoCommand(info, command string) (calls int64, usecPerCall float64) {
	for _, kv := range strings.Split(InfoField(info, "cmdstat_"+command), ",") {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "calls":
			calls, _ = strconv.ParseInt(v, 10, 64)
		case "usec_per_call":
			usecPerCall, _ = strconv.ParseFloat(v, 64)
		}
	}
	return calls, usecPerCall
}

// WaitReplicated waits (up to timeout) until n replicas of the standalone
// master at addr acknowledge writes (see the cluster and Sentinel set-ups,
// which do this before they return).
func WaitReplicated(addr string, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := confirmsWrites(addr, "redistest:ready", n)
		if err == nil || time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}
