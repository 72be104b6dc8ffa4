package tsdbwriter

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// At INFO and at DEBUG, writing a block and scanning it log one INFO line,
// the exporter's own. Blocks are written without a TSDB head, so none of
// the head's lines of every block (head replay, WAL not found, flushing,
// write block started and completed) appears at any level.
func TestBlockLogs(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		t.Run(level.String(), func(t *testing.T) {
			var logs bytes.Buffer
			logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: level}))
			dir := t.TempDir()
			w := newTestWriter(t, Options{Dir: dir, Logger: logger})
			ww, err := w.BeginWindow(t.Context(), t0)
			require.NoError(t, err)
			require.NoError(t, ww.Append(fleetLabels(0, 0), hourly(t0, 3, 0)))
			_, err = ww.Finish()
			require.NoError(t, err)
			_, err = ScanCoverage(context.Background(), []string{dir}, CoverageOptions{Label: "instance", Mint: t0, Maxt: t0 + dayMs, Logger: logger})
			require.NoError(t, err)
			out := logs.String()
			require.Equal(t, 1, strings.Count(out, "level=INFO"), out)
			require.Contains(t, out, `level=INFO msg="block written"`)
			for _, tsdbMsg := range []string{`msg="WAL not found"`, `msg="write block completed"`} {
				require.NotContains(t, out, tsdbMsg)
			}
		})
	}
}

// The logger handed to TSDB code lowers INFO to DEBUG and keeps the other
// levels.
func TestTSDBLoggerLowersInfo(t *testing.T) {
	for _, tc := range []struct {
		handler, record slog.Level
		want            string // the level logged, "" for none
	}{
		{slog.LevelInfo, slog.LevelInfo, ""},
		{slog.LevelDebug, slog.LevelInfo, "DEBUG"},
		{slog.LevelDebug, slog.LevelDebug, "DEBUG"},
		{slog.LevelInfo, slog.LevelWarn, "WARN"},
		{slog.LevelInfo, slog.LevelError, "ERROR"},
	} {
		var logs bytes.Buffer
		l := tsdbLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: tc.handler})))
		l.With("a", 1).WithGroup("g").Log(context.Background(), tc.record, "line")
		if tc.want == "" {
			require.Empty(t, logs.String(), "%v at %v", tc.record, tc.handler)
			continue
		}
		require.Contains(t, logs.String(), "level="+tc.want+" msg=line a=1", "%v at %v", tc.record, tc.handler)
	}
}
