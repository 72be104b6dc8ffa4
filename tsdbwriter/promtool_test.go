package tsdbwriter

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
)

// tools finds promtool, pinned in go.mod, built once per test binary.
var tools testtools.Tools

// promtool runs promtool with args and returns its standard output.
func promtool(t *testing.T, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "promtool %s: %s", strings.Join(args, " "), stderr.String())
	return string(out)
}

func TestPromtoolReadsBlocks(t *testing.T) {
	bin := tools.Promtool(t)
	dir := t.TempDir()
	w := newTestWriter(t, Options{Dir: dir})
	res, err := w.WriteBlocks(t.Context(), fleet(fleetSpec{instances: 20, metrics: 5, start: t0 + 5*hourMs, hours: 168}))
	require.NoError(t, err)
	require.Len(t, res.Blocks, 8)

	// promtool opens a read-only DB, which wants a wal/ folder: use a copy.
	db := filepath.Join(t.TempDir(), "db")
	require.NoError(t, os.CopyFS(db, os.DirFS(dir)))
	require.NoError(t, os.Mkdir(filepath.Join(db, "wal"), 0o755))

	list := promtool(t, bin, "tsdb", "list", db)
	for _, b := range res.Blocks {
		require.Contains(t, list, b.ULID.String())
		out := promtool(t, bin, "tsdb", "analyze", "--extended", db, b.ULID.String())
		require.Contains(t, out, "Total Series: 100")
	}
	dump := promtool(t, bin, "tsdb", "dump", `--match={dimension_DBInstanceIdentifier="db-0003"}`, db)
	require.Equal(t, 5*168, strings.Count(dump, "\n"))
}
