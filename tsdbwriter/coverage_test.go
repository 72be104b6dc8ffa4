package tsdbwriter

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/tombstones"
	"github.com/stretchr/testify/require"
)

// coverageFixture writes two days of blocks into a new folder: two full
// instances, one with a few scattered samples and one of another job.
func coverageFixture(t *testing.T) (dir string, res Result) {
	t.Helper()
	dir = t.TempDir()
	w := newTestWriter(t, Options{Dir: dir})
	series := fleet(fleetSpec{instances: 2, metrics: 2, start: t0, hours: 48})
	series = append(series,
		Series{
			Labels:  labels.FromStrings("__name__", "m", instance, "db-gap", "job", "rds"),
			Samples: []Sample{{t0, 1}, {t0 + 23*hourMs + 59*60e3, 2}, {t0 + 30*hourMs, 3}},
		},
		Series{
			Labels:  labels.FromStrings("__name__", "m", instance, "db-other", "job", "other"),
			Samples: hourly(t0, 48, 0),
		},
	)
	res, err := w.WriteBlocks(t.Context(), series)
	require.NoError(t, err)
	require.Len(t, res.Blocks, 2)
	return dir, res
}

// rdsOnly restricts a scan to the series of job="rds".
var rdsOnly = []*labels.Matcher{labels.MustNewMatcher(labels.MatchEqual, "job", "rds")}

// scan scans dirs for two days from t0, hourly, job="rds" only.
func scan(t *testing.T, dirs ...string) *Coverage {
	t.Helper()
	cov, err := ScanCoverage(t.Context(), dirs, CoverageOptions{
		Label: instance, Mint: t0, Maxt: t0 + 2*dayMs, Matchers: rdsOnly,
	})
	require.NoError(t, err)
	return cov
}

// hours returns the start times of hours [from, to) after t0.
func hours(from, to int) []int64 {
	var out []int64
	for h := from; h < to; h++ {
		out = append(out, t0+int64(h)*hourMs)
	}
	return out
}

func TestScanCoverage(t *testing.T) {
	dir, _ := coverageFixture(t)
	cov := scan(t, dir)
	require.Equal(t, 2, cov.Blocks)
	require.Equal(t, []string{"db-0000", "db-0001", "db-gap"}, cov.valueList())
	require.Equal(t, hours(0, 48), cov.covered("db-0000"))
	require.Empty(t, cov.missing("db-0001"))
	// One chunk spans hours 0 to 23 of the first day: only its samples count.
	require.Equal(t, append(hours(0, 1), hours(23, 24)[0], hours(30, 31)[0]), cov.covered("db-gap"))
	require.Equal(t, 3, cov.Count("db-gap"))
	require.Len(t, cov.missing("db-gap"), 45)
	require.True(t, cov.Covered("db-gap", t0+23*hourMs+1))
	require.False(t, cov.Covered("db-gap", t0+22*hourMs))
	require.False(t, cov.Covered("db-0000", t0-1), "out of range")
	require.False(t, cov.Covered("db-other", t0), "excluded by matcher")
	require.Equal(t, hours(0, 48), cov.missing("db-unknown"))
}

func TestScanCoverageRangeAndStep(t *testing.T) {
	dir, _ := coverageFixture(t)
	cov, err := ScanCoverage(t.Context(), []string{dir}, CoverageOptions{
		Label: instance, Mint: t0 + 20*hourMs, Maxt: t0 + 32*hourMs, Step: 2 * time.Hour,
	})
	require.NoError(t, err)
	require.Equal(t, []string{"db-0000", "db-0001", "db-gap", "db-other"}, cov.valueList())
	require.Equal(t, []int64{t0 + 22*hourMs, t0 + 30*hourMs}, cov.covered("db-gap"))
	require.Len(t, cov.covered("db-other"), 6)

	// The chunk of db-gap's first day starts before the range.
	cov, err = ScanCoverage(t.Context(), []string{dir}, CoverageOptions{
		Label: instance, Mint: t0 + 60e3, Maxt: t0 + dayMs, Step: time.Minute,
	})
	require.NoError(t, err)
	require.Equal(t, []int64{t0 + 23*hourMs + 59*60e3}, cov.covered("db-gap"))
}

func TestScanCoverageSubtractingMatcher(t *testing.T) {
	dir, _ := coverageFixture(t)
	// PostingsForMatchers moves subtracting matchers last, in place.
	notOther := []*labels.Matcher{labels.MustNewMatcher(labels.MatchNotEqual, "job", "other")}
	cov, err := ScanCoverage(t.Context(), []string{dir}, CoverageOptions{
		Label: instance, Mint: t0, Maxt: t0 + 2*dayMs, Matchers: notOther,
	})
	require.NoError(t, err)
	require.Equal(t, []string{"db-0000", "db-0001", "db-gap"}, cov.valueList())
	require.Equal(t, hours(0, 48), cov.covered("db-0001"))
	require.Equal(t, "job", notOther[0].Name, "caller's matchers untouched")
}

func TestScanCoverageAfterDeletingBlock(t *testing.T) {
	dir, res := coverageFixture(t)
	require.NoError(t, os.RemoveAll(res.Blocks[1].Dir))
	cov := scan(t, dir)
	require.Equal(t, 1, cov.Blocks)
	require.Equal(t, hours(0, 24), cov.covered("db-0000"))
	require.Equal(t, hours(24, 48), cov.missing("db-0001"))
}

func TestScanCoverageOverlappingBlocks(t *testing.T) {
	dir, _ := coverageFixture(t)
	// A second folder with a block overlapping both days of the first.
	other := t.TempDir()
	w := newTestWriter(t, Options{Dir: other, Window: 6 * time.Hour})
	_, err := w.WriteBlocks(t.Context(), []Series{
		{Labels: fleetLabels(0, 5), Samples: hourly(t0+20*hourMs, 8, 0)},
		{Labels: fleetLabels(7, 0), Samples: hourly(t0+20*hourMs, 8, 0)},
	})
	require.NoError(t, err)
	// And a copy of a block of the first folder under another name.
	copyBlock(t, filepath.Join(dir, blockDirs(t, dir)[0]), filepath.Join(other, "01ARZ3NDEKTSV4RRFFQ69G5FAV"))

	cov := scan(t, dir, other)
	require.Equal(t, 2+3, cov.Blocks)
	require.Equal(t, []string{"db-0000", "db-0001", "db-0007", "db-gap"}, cov.valueList())
	require.Equal(t, hours(0, 48), cov.covered("db-0000"))
	require.Equal(t, hours(20, 28), cov.covered("db-0007"))
	require.Equal(t, 3, cov.Count("db-gap"))
}

func TestScanCoverageSkipsIncompleteBlocks(t *testing.T) {
	dir, res := coverageFixture(t)
	want := scan(t, dir)

	// Blocks with other data, under names Prometheus does not load.
	ghost := t.TempDir()
	w := newTestWriter(t, Options{Dir: ghost})
	ghostRes, err := w.WriteBlocks(t.Context(), []Series{{Labels: fleetLabels(9, 0), Samples: hourly(t0, 48, 0)}})
	require.NoError(t, err)
	id := ghostRes.Blocks[0].ULID.String()
	for _, name := range []string{
		id + ".tmp-for-creation", id + ".tmp-for-deletion", id + ".tmp",
		stagingPrefix + "1/window-2/" + id, "wal/" + id, "chunks_head",
	} {
		copyBlock(t, ghostRes.Blocks[0].Dir, filepath.Join(dir, name))
	}
	noMeta := filepath.Join(dir, ghostRes.Blocks[1].ULID.String())
	copyBlock(t, ghostRes.Blocks[1].Dir, noMeta)
	require.NoError(t, os.Remove(filepath.Join(noMeta, metaName)))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "lock"), nil, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "queries.active"), nil, 0o644))

	got := scan(t, dir)
	require.Equal(t, want, got)
	require.Equal(t, len(res.Blocks), got.Blocks)
}

func TestScanCoverageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		opts CoverageOptions
		err  string
	}{
		{"no label", CoverageOptions{Mint: 0, Maxt: hourMs}, "scan coverage: no label"},
		{"empty range", CoverageOptions{Label: "l", Mint: hourMs, Maxt: hourMs}, "scan coverage: range [3600000, 3600000) is empty or not aligned to the step 1h0m0s"},
		{"unaligned", CoverageOptions{Label: "l", Mint: 1, Maxt: hourMs}, "scan coverage: range [1, 3600000) is empty or not aligned to the step 1h0m0s"},
		{"bad step", CoverageOptions{Label: "l", Maxt: hourMs, Step: time.Microsecond}, "scan coverage: step 1µs is not a positive whole number of milliseconds"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ScanCoverage(t.Context(), []string{dir}, tc.opts)
			require.EqualError(t, err, tc.err)
		})
	}
	_, err := ScanCoverage(t.Context(), []string{filepath.Join(dir, "missing")}, CoverageOptions{Label: "l", Maxt: hourMs})
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestScanCoverageHonoursTombstones(t *testing.T) {
	dir := t.TempDir()
	w := newTestWriter(t, Options{Dir: dir})
	lbls := labels.FromStrings("__name__", "m", instance, "db-a", "job", "rds")
	res, err := w.WriteBlocks(t.Context(), []Series{{Labels: lbls, Samples: hourly(t0, 24, 0)}})
	require.NoError(t, err)
	deleteSamples(t, res.Blocks[0].Dir, lbls, tombstones.Interval{Mint: t0 + 3*hourMs, Maxt: t0 + 5*hourMs})

	cov := scan(t, dir)
	require.Equal(t, append(hours(0, 3), hours(6, 24)...), cov.covered("db-a"))
	got, err := ReadSeries(t.Context(), []string{dir}, ReadOptions{Maxt: t0 + dayMs, Matchers: rdsOnly})
	require.NoError(t, err)
	require.Len(t, got[0].Samples, 21)
}

// deleteSamples writes a tombstone for the series lbls of the block in dir,
// as Prometheus's delete API does.
func deleteSamples(t *testing.T, dir string, lbls labels.Labels, iv tombstones.Interval) {
	t.Helper()
	b, err := tsdb.OpenBlock(nil, dir, nil, nil)
	require.NoError(t, err)
	ir, err := b.Index()
	require.NoError(t, err)
	ms := []*labels.Matcher{labels.MustNewMatcher(labels.MatchEqual, instance, lbls.Get(instance))}
	p, err := tsdb.PostingsForMatchers(t.Context(), ir, ms...)
	require.NoError(t, err)
	require.True(t, p.Next())
	tr := tombstones.NewMemTombstones()
	tr.AddInterval(p.At(), iv)
	require.NoError(t, errors.Join(ir.Close(), b.Close()))
	_, err = tombstones.WriteFile(promslog.NewNopLogger(), dir, tr)
	require.NoError(t, err)
}

// bucketStarts returns the start times of the buckets that have a sample
// with the label value (covered) or have none, in ascending order.
func (c *Coverage) bucketStarts(value string, covered bool) []int64 {
	var out []int64
	for i := range c.buckets() {
		t := c.mint + int64(i)*c.step
		if c.Covered(value, t) == covered {
			out = append(out, t)
		}
	}
	return out
}

func (c *Coverage) covered(value string) []int64 { return c.bucketStarts(value, true) }

func (c *Coverage) missing(value string) []int64 { return c.bucketStarts(value, false) }

// valueList returns the label values that have a sample in range, sorted.
func (c *Coverage) valueList() []string {
	var out []string
	for v := range c.values {
		if c.Count(v) > 0 {
			out = append(out, v)
		}
	}
	slices.Sort(out)
	return out
}
