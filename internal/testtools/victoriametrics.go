package testtools

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// VictoriaMetricsPackage is the VictoriaMetrics single-node server the
// tests run. It is built in isolation, outside this module's graph: `go
// install pkg@version` ignores our go.mod, and Go's build cache makes every
// build after the first one quick.
const VictoriaMetricsPackage = "github.com/VictoriaMetrics/VictoriaMetrics/app/victoria-metrics@v1.151.0"

// Isolated builds binaries of Go packages at a version, outside this
// module, once per test binary each.
type Isolated struct {
	mu    sync.Mutex
	dir   string
	paths map[string]string
}

// VictoriaMetrics returns the path of the VictoriaMetrics single-node
// server, building it on first use.
func (b *Isolated) VictoriaMetrics(tb testing.TB) string {
	return b.Build(tb, VictoriaMetricsPackage, "victoria-metrics")
}

// Build installs pkg (path@version) and returns the path of its binary
// name. It fails the test if the build fails.
func (b *Isolated) Build(tb testing.TB, pkg, name string) string {
	tb.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if p, ok := b.paths[pkg]; ok {
		return p
	}
	if b.dir == "" {
		// Shared by the test binaries of a run and kept: a later run
		// installs over it, which the build cache makes quick.
		b.dir = filepath.Join(os.TempDir(), "rds-backfill-exporter-testtools")
		b.paths = map[string]string{}
	}
	if err := goInstall(b.dir, pkg); err != nil {
		tb.Fatalf("build %s: %v", pkg, err)
	}
	b.paths[pkg] = filepath.Join(b.dir, name)
	return b.paths[pkg]
}

// goInstall runs `go install pkg` into gobin, from a folder outside this
// module and with the module settings of this module's environment unset,
// so that neither our go.mod nor GOFLAGS=-mod=... affect the build.
func goInstall(gobin, pkg string) error {
	var stderr bytes.Buffer
	cmd := exec.CommandContext(context.Background(), "go", "install", pkg)
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=", "GOWORK=off", "GO111MODULE=on")
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go install %s: %w: %s", pkg, err, stderr.String())
	}
	return nil
}
