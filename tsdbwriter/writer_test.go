package tsdbwriter

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
)

func TestOptionsValidation(t *testing.T) {
	for _, tc := range []struct {
		window time.Duration
		err    error
	}{
		{0, nil},
		{24 * time.Hour, nil},
		{2 * time.Hour, nil},
		{time.Hour, nil},
		{90 * time.Second, nil},
		{7 * time.Hour, ErrInvalidWindow},
		{48 * time.Hour, ErrInvalidWindow},
		{-time.Hour, ErrInvalidWindow},
		{time.Millisecond + time.Microsecond, ErrInvalidWindow},
	} {
		t.Run(tc.window.String(), func(t *testing.T) {
			w, err := New(Options{Dir: t.TempDir(), Window: tc.window})
			require.ErrorIs(t, err, tc.err)
			if err == nil {
				require.NoError(t, w.Close())
			}
		})
	}
	_, err := New(Options{})
	require.EqualError(t, err, "tsdbwriter: output folder not set")
}

func TestWriteBlocksRoundTrip(t *testing.T) {
	dir := t.TempDir()
	w := newTestWriter(t, Options{Dir: dir})
	series := fleet(fleetSpec{instances: 3, metrics: 2, start: t0 + 22*hourMs, hours: 5})
	series = append(series, Series{ // A series with a gap and odd timestamps.
		Labels:  labels.FromStrings("__name__", "odd", instance, "db-odd", "region", "eu-west-1"),
		Samples: []Sample{{t0 + 1, -1.5}, {t0 + 2, 0}, {t0 + dayMs - 1, 1e300}, {t0 + dayMs + 5*hourMs, 42}},
	})
	res, err := w.WriteBlocks(t.Context(), series)
	require.NoError(t, err)
	require.Len(t, res.Blocks, 2)
	require.Equal(t, uint64(3*2*5+4), res.Samples)
	require.Equal(t, 7, res.Series)

	got := map[string][]Sample{}
	for _, b := range res.Blocks {
		require.Equal(t, filepath.Join(dir, b.ULID.String()), b.Dir)
		for k, v := range queryBlock(t, b.Dir) {
			got[k] = append(got[k], v...)
		}
	}
	require.Equal(t, inWindow(series, t0-dayMs, t0+2*dayMs), got)
	requireCompleteBlocks(t, dir, dayMs, series)
}

func TestWriteBlocksAlignment(t *testing.T) {
	for _, tc := range []struct {
		name   string
		window time.Duration
		start  int64
		hours  int
		blocks int
	}{
		{"7 days from midnight", 0, t0, 168, 7},
		{"7 days from 05:00", 0, t0 + 5*hourMs, 168, 8},
		{"one hour", 0, t0 + 23*hourMs, 1, 1},
		{"before 1970", 0, -dayMs - 3*hourMs, 48, 3},
		{"6h windows", 6 * time.Hour, t0 + 5*hourMs, 24, 5},
		{"1h windows", time.Hour, t0, 3, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			w := newTestWriter(t, Options{Dir: dir, Window: tc.window})
			series := fleet(fleetSpec{instances: 2, metrics: 2, start: tc.start, hours: tc.hours})
			res, err := w.WriteBlocks(t.Context(), series)
			require.NoError(t, err)
			require.Len(t, res.Blocks, tc.blocks)
			require.Len(t, blockDirs(t, dir), tc.blocks)
			requireAligned(t, w, res.Blocks, tc.start, tc.hours)
			requireCompleteBlocks(t, dir, w.window, series)
		})
	}
}

// requireAligned checks that blocks hold consecutive windows from the first
// sample at start to the last, each from its first sample to just after its
// last.
func requireAligned(t *testing.T, w *Writer, blocks []BlockStats, start int64, hours int) {
	t.Helper()
	last := start + int64(hours-1)*hourMs
	for i, b := range blocks {
		ws, we := w.WindowOf(b.MinTime)
		require.Zero(t, ws%dayMs%w.window, "window start aligned to UTC midnight")
		require.Equal(t, max(start, ws), b.MinTime, "block %d", i)
		require.Equal(t, min(last, alignDown(we-1, hourMs))+1, b.MaxTime, "block %d", i)
		if i > 0 {
			require.Equal(t, ws, alignDown(blocks[i-1].MinTime, w.window)+w.window)
		}
	}
}

func TestWriteBlocksRejectsUnordered(t *testing.T) {
	dir := t.TempDir()
	w := newTestWriter(t, Options{Dir: dir})
	series := fleet(fleetSpec{instances: 1, metrics: 2, start: t0, hours: 48})
	series[1].Samples[30].T = series[1].Samples[29].T
	_, err := w.WriteBlocks(t.Context(), series)
	require.ErrorIs(t, err, ErrUnordered)
	require.Empty(t, blockDirs(t, dir))
}

// cancelAfter is a context that reports cancellation after n calls of Err.
type cancelAfter struct {
	context.Context
	n int
}

func (c *cancelAfter) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}

func TestWriteBlocksCancelledMidWindow(t *testing.T) {
	dir := t.TempDir()
	w, err := New(Options{Dir: dir})
	require.NoError(t, err)
	series := fleet(fleetSpec{instances: 10, metrics: 10, start: t0, hours: 72})
	// A window of 100 series checks ctx 102 times: once at its start, at
	// each series' Append and before writing the block. The third window
	// is canceled.
	ctx := &cancelAfter{Context: t.Context(), n: 2*102 + 10}
	res, err := w.WriteBlocks(ctx, series)
	require.ErrorIs(t, err, context.Canceled)
	require.Len(t, res.Blocks, 2)
	require.Len(t, blockDirs(t, dir), 2)
	require.NoError(t, w.Close())
	require.Len(t, entries(t, dir), 2, "staging folder removed")
	requireCompleteBlocks(t, dir, dayMs, series)
}

func TestWindowWriter(t *testing.T) {
	dir := t.TempDir()
	w := newTestWriter(t, Options{Dir: dir})
	lbls := fleetLabels(0, 0)
	for _, tc := range []struct {
		name    string
		appends [][]Sample
		err     error
	}{
		{"empty", nil, ErrEmptyWindow},
		{"before window", [][]Sample{{{t0 - 1, 1}}}, ErrOutOfWindow},
		{"after window", [][]Sample{{{t0, 1}, {t0 + dayMs, 1}}}, ErrOutOfWindow},
		{"unordered", [][]Sample{{{t0 + 2, 1}, {t0 + 1, 1}}}, ErrUnordered},
		{"unordered across calls", [][]Sample{{{t0 + 2, 1}}, {{t0 + 1, 1}}}, ErrUnordered},
		{"repeated across calls", [][]Sample{{{t0 + 2, 1}}, {{t0 + 2, 1}}}, ErrUnordered},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ww, err := w.BeginWindow(t.Context(), t0+5)
			require.NoError(t, err)
			require.Equal(t, [2]int64{t0, t0 + dayMs}, [2]int64{ww.Start(), ww.End()})
			for _, samples := range tc.appends {
				if err = ww.Append(lbls, samples); err != nil {
					break
				}
			}
			if err == nil {
				_, err = ww.Finish()
			}
			require.ErrorIs(t, err, tc.err)
			require.NoError(t, ww.Abort())
			require.Empty(t, blockDirs(t, dir))
			require.Equal(t, []string{"lock"}, entries(t, w.staging.dir), "window staging removed")
		})
	}
}

func TestWindowWriterAfterFinish(t *testing.T) {
	dir := t.TempDir()
	w := newTestWriter(t, Options{Dir: dir})
	ww, err := w.BeginWindow(t.Context(), t0)
	require.NoError(t, err)
	require.NoError(t, ww.Append(fleetLabels(0, 0), hourly(t0, 3, 0)))
	require.NoError(t, ww.Append(fleetLabels(0, 0), hourly(t0+3*hourMs, 3, 0)))
	stats, err := ww.Finish()
	require.NoError(t, err)
	require.Equal(t, uint64(6), stats.Samples)
	require.Equal(t, uint64(1), stats.Series)
	require.NoError(t, ww.Abort())
	require.ErrorIs(t, ww.Append(fleetLabels(0, 0), hourly(t0+6*hourMs, 1, 0)), ErrFinished)
	_, err = ww.Finish()
	require.ErrorIs(t, err, ErrFinished)
	require.Equal(t, []string{stats.ULID.String()}, blockDirs(t, dir))
}

func TestStaleStagingRemoved(t *testing.T) {
	dir := t.TempDir()
	stale := filepath.Join(dir, stagingPrefix+"123")
	partial := filepath.Join(stale, "window-1", "01JC0000000000000000000000.tmp-for-creation")
	require.NoError(t, os.MkdirAll(partial, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(stale, lockName), nil, 0o644))

	live := newTestWriter(t, Options{Dir: dir})
	require.NoDirExists(t, stale)
	other := newTestWriter(t, Options{Dir: dir})
	require.DirExists(t, live.staging.dir, "a live writer's staging is kept")
	require.NotEqual(t, live.staging.dir, other.staging.dir)
	for _, name := range entries(t, dir) {
		require.True(t, strings.HasPrefix(name, stagingPrefix), name)
	}
}

func TestWriterClose(t *testing.T) {
	dir := t.TempDir()
	w, err := New(Options{Dir: filepath.Join(dir, "new", "out")})
	require.NoError(t, err)
	ww, err := w.BeginWindow(t.Context(), t0)
	require.NoError(t, err)
	require.NoError(t, ww.Append(fleetLabels(0, 0), hourly(t0, 3, 0)))
	require.NoError(t, w.Close())
	require.Empty(t, entries(t, w.Dir()), "unfinished window and staging removed")
	require.NoError(t, ww.Abort())
}

func TestWriterConcurrentWindows(t *testing.T) {
	dir := t.TempDir()
	w := newTestWriter(t, Options{Dir: dir})
	series := fleet(fleetSpec{instances: 4, metrics: 3, start: t0, hours: 72})
	var g errgroup.Group
	for _, part := range [][]Series{series[:6], series[6:]} {
		g.Go(func() error {
			_, err := w.WriteBlocks(t.Context(), part)
			return err
		})
	}
	require.NoError(t, g.Wait())
	require.Len(t, blockDirs(t, dir), 6)
}

// Series may come in any order and in several appends each, also after
// coming out of label order: the block holds each series once, with all
// its samples, in label order.
func TestWindowWriterSeriesInAnyOrder(t *testing.T) {
	dir := t.TempDir()
	w := newTestWriter(t, Options{Dir: dir})
	a, b, c := fleetLabels(0, 0), fleetLabels(0, 1), fleetLabels(0, 2)
	appends := []struct {
		lbls  labels.Labels
		from  int64
		hours int
	}{{a, t0, 2}, {a, t0 + 2*hourMs, 1}, {c, t0, 3}, {b, t0, 3}, {a, t0 + 3*hourMs, 2}, {c, t0 + 3*hourMs, 1}}
	ww, err := w.BeginWindow(t.Context(), t0)
	require.NoError(t, err)
	for _, ap := range appends {
		require.NoError(t, ww.Append(ap.lbls, hourly(ap.from, ap.hours, 0)))
	}
	stats, err := ww.Finish()
	require.NoError(t, err)
	require.Equal(t, uint64(3), stats.Series)
	require.Equal(t, uint64(12), stats.Samples)
	got := queryBlock(t, stats.Dir)
	for lbls, n := range map[string]int{a.String(): 5, b.String(): 3, c.String(): 4} {
		require.Len(t, got[lbls], n, lbls)
		require.True(t, ascending(got[lbls]), lbls)
	}
}
