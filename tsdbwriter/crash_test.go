package tsdbwriter

import (
	"errors"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
)

// crashDirEnv names the output folder of the writer that TestKilledWriter
// runs in a child process and kills.
const crashDirEnv = "TSDBWRITER_CRASH_DIR"

// crashFleet is what the child process writes: 14 daily blocks.
var crashFleet = fleetSpec{instances: 300, metrics: 10, start: t0, hours: 14 * 24}

func TestKilledWriter(t *testing.T) {
	if dir := os.Getenv(crashDirEnv); dir != "" {
		runCrashChild(t, dir)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriter$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
	require.NoError(t, cmd.Start())
	// Kill it, as with SIGKILL, while it writes its second block.
	testtools.Eventually(t, time.Minute, time.Millisecond, func() error {
		if len(blockDirs(t, dir)) == 0 {
			return errors.New("no block yet")
		}
		return nil
	})
	require.NoError(t, cmd.Process.Kill())
	require.Error(t, cmd.Wait())

	written := blockDirs(t, dir)
	t.Logf("killed after %d blocks; left: %v", len(written), entries(t, dir))
	require.Less(t, len(written), 14, "killed before the end")
	series := fleet(crashFleet)
	requireCompleteBlocks(t, dir, dayMs, series)
	w, err := New(Options{Dir: dir})
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.Equal(t, written, entries(t, dir), "stale staging removed")
}

// runCrashChild writes crashFleet into dir, to be killed on the way.
func runCrashChild(t *testing.T, dir string) {
	w := newTestWriter(t, Options{Dir: dir})
	_, err := w.WriteBlocks(t.Context(), fleet(crashFleet))
	require.NoError(t, err)
}
