package tsdbwriter

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
)

// A day of one instance's backfill fits a 64 MiB volume, hourly or every
// minute, and so does a week; so it does on a volume of exactly the size
// the free-space check asks for. Blocks used to need a 512 MiB chunk
// segment preallocated.
func TestSmallVolume(t *testing.T) {
	for _, tc := range []struct {
		spec cloudWatchSpec
		size string
	}{
		{oneInstanceDay, "64m"},
		{cloudWatchSpec{instances: 1, start: t0, days: 1, period: time.Minute}, "64m"},
		{cloudWatchSpec{instances: 1, start: t0, days: 7, period: time.Hour}, "64m"},
		{oneInstanceDay, neededSize(oneInstanceDay)},
		{cloudWatchSpec{instances: 1, start: t0, days: 1, period: time.Minute}, neededSize(cloudWatchSpec{instances: 1, start: t0, days: 1, period: time.Minute})},
	} {
		t.Run(tc.spec.String()+"_on_"+tc.size, func(t *testing.T) {
			testtools.OnTmpfs(t, tc.size, func(t *testing.T, dir string) {
				w, err := New(Options{Dir: dir})
				require.NoError(t, err)
				series := cloudWatchSeries(tc.spec)
				res, err := w.WriteBlocks(t.Context(), series)
				require.NoError(t, err)
				require.Equal(t, samples(series), res.Samples)
				require.Len(t, res.Blocks, tc.spec.days)
				require.NoError(t, w.Close())
				requireCompleteBlocks(t, dir, dayMs, series)
				require.Len(t, entries(t, dir), tc.spec.days, "blocks only, no staging left")
			})
		})
	}
}

// neededSize is the tmpfs size, in bytes, of the free space the check asks
// for to write spec.
func neededSize(spec cloudWatchSpec) string {
	w := &Writer{window: dayMs}
	return fmt.Sprint(w.loadOf(cloudWatchSeries(spec)).Bytes())
}

// On a volume too small, the write fails before it starts with an error
// that says how much it needs and how much is free, and leaves nothing
// behind: through WriteBlocks, and through a window writer (the
// backfill's way), at its first Append.
func TestTooSmallVolume(t *testing.T) {
	testtools.OnTmpfs(t, "1m", func(t *testing.T, dir string) {
		w, err := New(Options{Dir: dir})
		require.NoError(t, err)
		series := cloudWatchSeries(oneInstanceDay)

		_, err = w.WriteBlocks(t.Context(), series)
		var se *SpaceError
		require.ErrorAs(t, err, &se)
		require.Equal(t, dir, se.Dir)
		require.LessOrEqual(t, se.Free, uint64(1<<20))
		require.Greater(t, se.Need, uint64(ChunkSegmentSize))
		require.ErrorContains(t, err, fmt.Sprintf("not enough free space in %s: writing %d samples needs about 8.1 MiB, ", dir, oneDayLoad(t).samples))

		ww, err := w.BeginWindow(t.Context(), t0)
		require.NoError(t, err)
		require.ErrorIs(t, ww.Append(series[0].Labels, series[0].Samples), ErrNoSpace, "the first chunk segment does not fit")
		require.NoError(t, ww.Abort())

		require.Empty(t, blockDirs(t, dir))
		require.NoError(t, w.Close())
		require.Empty(t, entries(t, dir), "nothing left")
	})
}

// When the disk fills up during a write (another process took the space
// after the check), the write fails with the file system's error, leaves
// no partial block and no staging data, and the process goes on (closing a
// TSDB head, which wrote its chunks to disk, used to panic there). Once
// space is freed, the same window writes.
func TestDiskFillsDuringWrite(t *testing.T) {
	testtools.OnTmpfs(t, "16m", func(t *testing.T, dir string) {
		w, err := New(Options{Dir: dir})
		require.NoError(t, err)
		series := cloudWatchSeries(cloudWatchSpec{instances: 1, start: t0, days: 1, period: time.Minute})
		ww, err := w.BeginWindow(t.Context(), t0)
		require.NoError(t, err)
		ballast := fillUp(t, dir, 64<<10)
		w.freeBytes = freeSpace(1 << 40)
		for _, s := range series {
			if err = ww.Append(s.Labels, s.Samples); err != nil {
				break
			}
		}
		if err == nil {
			_, err = ww.Finish()
		}
		require.ErrorIs(t, err, syscall.ENOSPC)
		require.NoError(t, ww.Abort())
		require.Empty(t, blockDirs(t, dir))
		staging, err := os.ReadDir(w.staging.dir)
		require.NoError(t, err)
		require.Len(t, staging, 1, "only the lock file is left in staging")

		require.NoError(t, os.Remove(ballast))
		res, err := w.WriteBlocks(t.Context(), series)
		require.NoError(t, err)
		require.Equal(t, samples(series), res.Samples)
		require.NoError(t, w.Close())
		requireCompleteBlocks(t, dir, dayMs, series)
	})
}

// fillUp allocates a file in dir that leaves only about keep bytes free,
// and returns its path.
func fillUp(t *testing.T, dir string, keep int64) string {
	t.Helper()
	var st syscall.Statfs_t
	require.NoError(t, syscall.Statfs(dir, &st))
	path := filepath.Join(dir, "ballast")
	f, err := os.Create(path)
	require.NoError(t, err)
	defer func() { require.NoError(t, f.Close()) }()
	require.NoError(t, syscall.Fallocate(int(f.Fd()), 0, 0, int64(st.Bavail)*st.Bsize-keep))
	return path
}
