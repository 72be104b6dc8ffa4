// Package testtools finds the real Prometheus tools pinned in go.mod (the
// tool directive) for tests: `go tool -n NAME` builds the tool once into Go's
// build cache and prints its path, so every test of a run reuses one build.
package testtools

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// paths caches tool paths per test binary.
type paths struct {
	mu sync.Mutex
	m  map[string]string
}

func (p *paths) get(tb testing.TB, name string) string {
	tb.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	if path, ok := p.m[name]; ok {
		return path
	}
	path, err := goToolPath(name)
	if err != nil {
		tb.Fatalf("build %s: %v", name, err)
	}
	if p.m == nil {
		p.m = map[string]string{}
	}
	p.m[name] = path
	return path
}

func goToolPath(name string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(context.Background(), "go", "tool", "-n", name)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go tool -n %s: %w: %s", name, err, stderr.String())
	}
	return strings.TrimSpace(stdout.String()), nil
}

// Tools hands out the paths of the pinned tools.
type Tools struct{ p paths }

// Promtool returns the path of the pinned promtool.
func (t *Tools) Promtool(tb testing.TB) string { return t.p.get(tb, "promtool") }

// Prometheus returns the path of the pinned prometheus.
func (t *Tools) Prometheus(tb testing.TB) string { return t.p.get(tb, "prometheus") }

// FreeAddr returns a loopback address with a port that was free a moment
// ago.
func FreeAddr(tb testing.TB) string {
	tb.Helper()
	var lc net.ListenConfig
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		tb.Fatal(err)
	}
	return addr
}

// Eventually calls f every interval until it returns nil or timeout
// passes, and then fails the test with f's last error. The timeout bounds
// a wait for a server; it asserts nothing about speed.
func Eventually(tb testing.TB, timeout, interval time.Duration, f func() error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var err error
	for {
		if err = f(); err == nil {
			return
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("gave up after %s: %v", timeout, err)
		case <-time.After(interval):
		}
	}
}

// Do sends a request without a body and returns the status, the headers
// and the body; it fails the test on a transport error.
func Do(tb testing.TB, method, url string) (int, http.Header, []byte) {
	tb.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// ReadmeBlock returns the text of the README at path (relative to the
// test's package) from just after start to the end of its code block: the
// rest of a code block whose first lines are start.
func ReadmeBlock(tb testing.TB, path, start string) string {
	tb.Helper()
	readme, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(readme), start)
	block, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		tb.Fatalf("%s has no code block starting %q", path, start)
	}
	return block
}

// ParseTime parses v, a JSON value, as an RFC 3339 time, and fails the
// test if it is not one.
func ParseTime(tb testing.TB, v any) time.Time {
	tb.Helper()
	s, _ := v.(string)
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		tb.Fatalf("time %v: %v", v, err)
	}
	return ts
}
