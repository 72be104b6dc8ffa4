package tsdbwriter

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// freeSpace returns a freeBytes function that reports n bytes free.
func freeSpace(n uint64) func(string) (uint64, error) {
	return func(string) (uint64, error) { return n, nil }
}

// oneInstanceDay is a day of the backfill's hourly series of one instance:
// 20 metrics x 2 statistics x 24 samples, less the series its engine does
// not publish (oneDayLoad counts them).
var oneInstanceDay = cloudWatchSpec{instances: 1, start: t0, days: 1, period: time.Hour}

// oneDayLoad returns the series and samples of oneInstanceDay, after
// checking that they are most of the 40 series of 24 samples.
func oneDayLoad(t *testing.T) windowLoad {
	t.Helper()
	series := cloudWatchSeries(oneInstanceDay)
	wl := windowLoad{series: uint64(len(series)), samples: samples(series)}
	require.GreaterOrEqual(t, wl.series, uint64(30))
	require.Equal(t, 24*wl.series, wl.samples, "a sample an hour in every series")
	return wl
}

func TestSpaceErrorSaysNeedAndFree(t *testing.T) {
	err := error(&SpaceError{Dir: "/data/blocks", Samples: 960, Need: 8473984, Free: 12 << 10})
	require.EqualError(t, err, "not enough free space in /data/blocks: writing 960 samples needs about 8.1 MiB, 12.0 KiB is free")
	require.ErrorIs(t, err, ErrNoSpace)
}

func TestCheckSpace(t *testing.T) {
	w := newTestWriter(t, Options{Dir: t.TempDir()})
	l := w.loadOf(cloudWatchSeries(oneInstanceDay))
	need := l.Bytes()
	day := oneDayLoad(t)
	require.Equal(t, day.samples, l.Samples())
	for _, tc := range []struct {
		name string
		free uint64
		ok   bool
	}{
		{"plenty", 1 << 40, true},
		{"just enough", need, true},
		{"a byte short", need - 1, false},
		{"none", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w.freeBytes = freeSpace(tc.free)
			err := w.CheckSpace(l)
			if tc.ok {
				require.NoError(t, err)
				return
			}
			var se *SpaceError
			require.ErrorAs(t, err, &se)
			require.Equal(t, SpaceError{Dir: w.Dir(), Samples: day.samples, Need: need, Free: tc.free}, *se)
		})
	}
	w.freeBytes = func(string) (uint64, error) { return 0, os.ErrPermission }
	require.ErrorIs(t, w.CheckSpace(l), os.ErrPermission)
}

// The space a write needs grows with its samples, its series and its
// windows, and counts the transient space of the largest window once.
func TestLoadBytes(t *testing.T) {
	var empty Load
	require.Zero(t, empty.Bytes())
	var day, twoDays, bigger Load
	day.Add(0, 40, 960)
	twoDays.Add(0, 40, 960)
	twoDays.Add(dayMs, 40, 960)
	bigger.Add(0, 40, 57600)
	require.Greater(t, day.Bytes(), uint64(ChunkSegmentSize), "a preallocated segment")
	require.Equal(t, twoDays.Bytes()-day.Bytes(), (windowLoad{40, 960}).blockBytes(), "a second block, no second transient")
	require.Greater(t, bigger.Bytes(), day.Bytes())
}

func TestWriteBlocksChecksSpaceFirst(t *testing.T) {
	dir := t.TempDir()
	w := newTestWriter(t, Options{Dir: dir})
	w.freeBytes = freeSpace(1 << 20)
	series := cloudWatchSeries(cloudWatchSpec{instances: 1, start: t0, days: 3, period: time.Hour})
	require.Equal(t, 3*oneDayLoad(t).samples, samples(series))
	res, err := w.WriteBlocks(t.Context(), series)
	require.ErrorIs(t, err, ErrNoSpace)
	require.ErrorContains(t, err, fmt.Sprintf("write blocks: not enough free space in %s: writing %d samples needs about", dir, samples(series)))
	require.Empty(t, res.Blocks)
	require.Empty(t, blockDirs(t, dir))
}

// The backfill writes through window writers: the first Append checks the
// space of the chunk segment it starts, Finish the space of the index;
// either leaves nothing behind when it lacks.
func TestWindowWriterChecksSpace(t *testing.T) {
	dir := t.TempDir()
	w := newTestWriter(t, Options{Dir: dir})
	series := cloudWatchSeries(oneInstanceDay)
	w.freeBytes = freeSpace(1 << 20)
	ww, err := w.BeginWindow(t.Context(), t0)
	require.NoError(t, err)
	err = ww.Append(series[0].Labels, series[0].Samples)
	var se *SpaceError
	require.ErrorAs(t, err, &se)
	require.Equal(t, uint64(ChunkSegmentSize), se.Need)
	require.NoError(t, ww.Abort())

	w.freeBytes = statfsFree
	ww, err = w.BeginWindow(t.Context(), t0)
	require.NoError(t, err)
	for _, s := range series {
		require.NoError(t, ww.Append(s.Labels, s.Samples))
	}
	w.freeBytes = freeSpace(1 << 10)
	_, err = ww.Finish()
	require.ErrorAs(t, err, &se)
	day := oneDayLoad(t)
	require.Equal(t, day.samples, se.Samples)
	require.Equal(t, day.finishBytes(), se.Need)
	require.Empty(t, blockDirs(t, dir))
	staging, err := os.ReadDir(w.staging.dir)
	require.NoError(t, err)
	require.Len(t, staging, 1, "only the lock file is left in staging")
}

// The estimate bounds the size of every block written, and is not far
// above it. The figures logged are the README's (Reliability):
// go test -run TestBlockBytesWithinEstimate -v ./tsdbwriter/
func TestBlockBytesWithinEstimate(t *testing.T) {
	for _, spec := range []cloudWatchSpec{
		oneInstanceDay,
		{instances: 1, start: t0, days: 1, period: time.Minute},
		{instances: 100, start: t0, days: 2, period: time.Hour},
		{instances: 20, start: t0, days: 1, period: 5 * time.Minute},
	} {
		t.Run(spec.String(), func(t *testing.T) {
			w := newTestWriter(t, Options{Dir: t.TempDir()})
			series := cloudWatchSeries(spec)
			res, err := w.WriteBlocks(t.Context(), series)
			require.NoError(t, err)
			var total, estimate uint64
			for _, b := range res.Blocks {
				size := diskUsage(t, b.Dir)
				est := (windowLoad{series: b.Series, samples: b.Samples}).blockBytes()
				require.LessOrEqual(t, size, est, "block %s", b.ULID)
				require.Less(t, est, 4*size, "block %s: estimate far above", b.ULID)
				total, estimate = total+size, estimate+est
			}
			t.Logf("%s: %d series, %d samples, %d blocks: %d bytes on disk, %.2f per sample; estimated %d, and %d needed free",
				spec, len(series), res.Samples, len(res.Blocks), total, float64(total)/float64(res.Samples), estimate, w.loadOf(series).Bytes())
		})
	}
}

// BenchmarkCloudWatchBlocks reports the size of the blocks of backfills of
// 1 and 1000 instances (20 metrics x 2 statistics, hourly) and the free
// space the check asks for them (README "Reliability"):
// go test -run '^$' -bench CloudWatchBlocks -benchtime 1x ./tsdbwriter/
func BenchmarkCloudWatchBlocks(b *testing.B) {
	for _, spec := range []cloudWatchSpec{
		oneInstanceDay,
		{instances: 1, start: t0, days: 7, period: time.Hour},
		{instances: 1, start: t0, days: 1, period: time.Minute},
		{instances: 1000, start: t0, days: 1, period: time.Hour},
		{instances: 1000, start: t0, days: 7, period: time.Hour},
	} {
		b.Run(spec.String(), func(b *testing.B) {
			series := cloudWatchSeries(spec)
			for b.Loop() {
				w, err := New(Options{Dir: b.TempDir()})
				require.NoError(b, err)
				res, err := w.WriteBlocks(b.Context(), series)
				require.NoError(b, err)
				size := diskUsage(b, w.Dir())
				b.ReportMetric(float64(size), "disk-bytes")
				b.ReportMetric(float64(size)/float64(res.Samples), "bytes/sample")
				b.ReportMetric(float64(w.loadOf(series).Bytes()), "needed-bytes")
				require.NoError(b, w.Close())
			}
		})
	}
}

func (s cloudWatchSpec) String() string {
	return fmt.Sprintf("%dd_of_%d_instances_every_%s", s.days, s.instances, s.period)
}

// diskUsage returns the bytes the files under dir take on disk, each
// rounded up to whole 4 KiB file-system blocks.
func diskUsage(t testing.TB, dir string) uint64 {
	t.Helper()
	var n uint64
	err := filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		n += (uint64(fi.Size()) + 4095) / 4096 * 4096
		return err
	})
	require.NoError(t, err)
	return n
}
