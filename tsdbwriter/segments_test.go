package tsdbwriter

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// A block larger than a chunk segment has several, and Prometheus's tools
// read it whole.
func TestPromtoolReadsMultiSegmentBlock(t *testing.T) {
	bin := tools.Promtool(t)
	dir := t.TempDir()
	w := newTestWriter(t, Options{Dir: dir})
	series := cloudWatchSeries(cloudWatchSpec{instances: 30, start: t0, days: 1, period: time.Minute})
	res, err := w.WriteBlocks(t.Context(), series)
	require.NoError(t, err)
	require.Len(t, res.Blocks, 1)
	segments, err := os.ReadDir(filepath.Join(res.Blocks[0].Dir, "chunks"))
	require.NoError(t, err)
	require.Greater(t, len(segments), 1, "chunk segments")
	for _, s := range segments {
		fi, err := s.Info()
		require.NoError(t, err)
		require.LessOrEqual(t, fi.Size(), int64(ChunkSegmentSize), s.Name())
	}
	requireCompleteBlocks(t, dir, dayMs, series)

	db := filepath.Join(t.TempDir(), "db")
	require.NoError(t, os.CopyFS(db, os.DirFS(dir)))
	require.NoError(t, os.Mkdir(filepath.Join(db, "wal"), 0o755))
	out := promtool(t, bin, "tsdb", "analyze", db, res.Blocks[0].ULID.String())
	require.Contains(t, out, fmt.Sprintf("Total Series: %d\n", len(series)))
	dump := promtool(t, bin, "tsdb", "dump", `--match={__name__="aws_rds_cpuutilization_average"}`, db)
	cpu := 0
	for _, s := range series {
		if s.Labels.Get("__name__") == "aws_rds_cpuutilization_average" {
			cpu += len(s.Samples)
		}
	}
	require.Greater(t, cpu, 29*1440, "most instances have a sample a minute")
	require.Equal(t, cpu, strings.Count(dump, "\n"))
}
