package bench

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// child is a process the bench started: `ruche up` or an HTTP limit server.
type child struct {
	name   string
	cmd    *exec.Cmd
	out    *lockedBuffer
	exited chan error
	done   bool
}

// lockedBuffer collects a child's output while the bench reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 1<<20 { // keep the start and stop: enough to explain a failure
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startChild starts binary with args and env added to the bench's
// environment less its RUCHE_* variables (the child refuses unknown ones,
// and the bench sets those it means), then waits until readyURL answers 200.
func startChild(ctx context.Context, name, binary string, args, env []string, readyURL string) (*child, error) {
	c := &child{name: name, out: &lockedBuffer{}, exited: make(chan error, 1)}
	c.cmd = exec.Command(binary, args...)
	c.cmd.Env = append(childEnv(), env...)
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() { c.exited <- c.cmd.Wait() }()
	deadline := time.Now().Add(90 * time.Second)
	client := &http.Client{Timeout: 2 * time.Second}
	for {
		resp, err := client.Get(readyURL)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return c, nil
			}
		}
		select {
		case err := <-c.exited:
			c.done = true
			return nil, fmt.Errorf("%s exited before it was ready: %v\n%s", name, err, c.out)
		case <-ctx.Done():
			c.stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			c.stop()
			return nil, fmt.Errorf("%s not ready after 90s\n%s", name, c.out)
		}
	}
}

// childEnv is the bench's environment without RUCHE_* variables, except
// those that point at ClickHouse.
func childEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "RUCHE_") && !strings.HasPrefix(kv, "RUCHE_CLICKHOUSE_") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// stop sends SIGTERM and waits up to a minute, then kills.
func (c *child) stop() error {
	if c.done {
		return nil
	}
	c.done = true
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-c.exited:
		return err
	case <-time.After(time.Minute):
		_ = c.cmd.Process.Kill()
		<-c.exited
		return fmt.Errorf("%s did not stop within a minute of SIGTERM", c.name)
	}
}

// peakRSS is the child's peak resident set size (VmHWM), in bytes.
func (c *child) peakRSS() (int64, error) {
	return procStatus(c.cmd.Process.Pid, "VmHWM:")
}

// procStatus reads one "<key> N kB" line of /proc/<pid>/status, in bytes.
func procStatus(pid int, key string) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			n, err := strconv.ParseInt(f[0], 10, 64)
			return n * 1024, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", key, pid)
}

// cpuTime is the user+system CPU time the process has used so far.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	s := string(b)
	// Fields after the command name, which is in parentheses and may hold spaces.
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / 100, nil // USER_HZ is 100 on Linux
}

// clickhousePID is the pid of the one clickhouse-server process of this
// machine, 0 when there is none or more than one (a remote server's CPU is
// not ours to read).
func clickhousePID() int {
	entries, _ := os.ReadDir("/proc")
	found := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		// comm is the command's name cut at 15 bytes.
		if comm, err := os.ReadFile("/proc/" + e.Name() + "/comm"); err == nil && strings.TrimSpace(string(comm)) == "clickhouse-serv" {
			if found != 0 {
				return 0
			}
			found = pid
		}
	}
	return found
}

// freeAddr is a free local TCP address.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
