package tsdbwriter

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// At INFO, writing a block and scanning it log one line, the exporter's
// own; TSDB's lines of every block (head replay, WAL not found, flushing,
// write block started and completed) come at DEBUG.
func TestTSDBLogsLowered(t *testing.T) {
	for _, tc := range []struct {
		level     slog.Level
		infoLines int
		tsdbDebug bool
	}{{slog.LevelInfo, 1, false}, {slog.LevelDebug, 1, true}} {
		t.Run(tc.level.String(), func(t *testing.T) {
			var logs bytes.Buffer
			dir := t.TempDir()
			w := newTestWriter(t, Options{Dir: dir, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: tc.level}))})
			ww, err := w.BeginWindow(t.Context(), t0)
			require.NoError(t, err)
			require.NoError(t, ww.Append(fleetLabels(0, 0), hourly(t0, 3, 0)))
			_, err = ww.Finish()
			require.NoError(t, err)
			_, err = ScanCoverage(context.Background(), []string{dir}, CoverageOptions{Label: "instance", Mint: t0, Maxt: t0 + dayMs,
				Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: tc.level}))})
			require.NoError(t, err)
			out := logs.String()
			require.Equal(t, tc.infoLines, strings.Count(out, "level=INFO"), out)
			require.Contains(t, out, `level=INFO msg="block written"`)
			for _, tsdbMsg := range []string{`msg="WAL not found"`, `msg="write block completed"`} {
				require.Equal(t, tc.tsdbDebug, strings.Contains(out, "level=DEBUG "+tsdbMsg), "%s in\n%s", tsdbMsg, out)
			}
		})
	}
}
