package tsdbwriter

import (
	"fmt"
	"slices"
	"testing"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunks"
	"github.com/stretchr/testify/require"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
)

// benchFleets are the write benchmarks' inputs: a week of hourly samples;
// 1000x20 is the fleet benchmark with one statistic, 1000x40 with two.
var benchFleets = []fleetSpec{
	{instances: 100, metrics: 20, start: t0, hours: 168},
	{instances: 1000, metrics: 20, start: t0, hours: 168},
	{instances: 1000, metrics: 40, start: t0, hours: 168},
}

func (s fleetSpec) String() string {
	return fmt.Sprintf("%dx%dx%d", s.instances, s.metrics, s.hours)
}

func (s fleetSpec) samples() int { return s.instances * s.metrics * s.hours }

func BenchmarkWriteBlocks(b *testing.B) {
	for _, spec := range benchFleets {
		b.Run(spec.String(), func(b *testing.B) {
			series := fleet(spec)
			benchWrite(b, spec, func(dir string) {
				w, err := New(Options{Dir: dir})
				require.NoError(b, err)
				res, err := w.WriteBlocks(b.Context(), series)
				require.NoError(b, err)
				require.Equal(b, uint64(spec.samples()), res.Samples)
				require.NoError(b, w.Close())
			})
		})
	}
}

func BenchmarkBareBlockWriter(b *testing.B) {
	for _, spec := range benchFleets {
		b.Run(spec.String(), func(b *testing.B) {
			series := fleet(spec)
			benchWrite(b, spec, func(dir string) {
				for start := spec.start; start < spec.start+int64(spec.hours)*hourMs; start += dayMs {
					bareBlock(b, dir, series, start, start+dayMs)
				}
			})
		})
	}
}

// bareCommitEvery is how often the bare loop commits: as often as
// tsdbwriter did when it wrote through a TSDB head.
const bareCommitEvery = 5000

// bareBlock writes the samples of series in [start, end) as one block with
// a BlockWriter, committing every bareCommitEvery samples.
func bareBlock(b *testing.B, dir string, series []Series, start, end int64) {
	bw, err := tsdb.NewBlockWriter(promslog.NewNopLogger(), dir, 2*dayMs)
	require.NoError(b, err)
	app, n := bw.AppenderV2(b.Context()), 0
	for _, s := range series {
		var ref storage.SeriesRef
		for _, smp := range s.Samples {
			if smp.T < start || smp.T >= end {
				continue
			}
			ref, err = app.Append(ref, s.Labels, 0, smp.T, smp.V, nil, nil, storage.AOptions{})
			require.NoError(b, err)
			if n++; n%bareCommitEvery == 0 {
				require.NoError(b, app.Commit())
				app = bw.AppenderV2(b.Context())
			}
		}
	}
	require.NoError(b, app.Commit())
	_, err = bw.Flush(b.Context())
	require.NoError(b, err)
	require.NoError(b, bw.Close())
}

// benchWrite runs write b.N times, each into a new folder, and reports
// samples/s and the peak memory.
func benchWrite(b *testing.B, spec fleetSpec, write func(dir string)) {
	b.ReportAllocs()
	peak := testtools.WatchMemory(b)
	b.ResetTimer()
	for range b.N {
		write(b.TempDir())
	}
	b.StopTimer()
	peak()
	b.ReportMetric(float64(spec.samples()*b.N)/b.Elapsed().Seconds(), "samples/s")
}

// BenchmarkScanCoverage scans 7 daily blocks of 1000 instances x 20
// metrics, hourly: full, and with every series missing noon each day (so
// no instance is fully covered and every chunk must be decoded). It
// compares the method ScanCoverage uses with two others: chunk metadata only
// (a chunk counts for every hour it spans, with or without samples: wrong
// for the gaps) and decoding every sample.
func BenchmarkScanCoverage(b *testing.B) {
	for _, gaps := range []bool{false, true} {
		dir := b.TempDir()
		series := fleet(fleetSpec{instances: 1000, metrics: 20, start: t0, hours: 168})
		want := 168
		if gaps {
			series, want = withoutNoon(series), 161
		}
		w, err := New(Options{Dir: dir})
		require.NoError(b, err)
		_, err = w.WriteBlocks(b.Context(), series)
		require.NoError(b, err)
		require.NoError(b, w.Close())
		b.Run(fmt.Sprintf("gaps=%t", gaps), func(b *testing.B) { benchScanMethods(b, dir, want) })
	}
}

// withoutNoon returns series without their samples at noon.
func withoutNoon(series []Series) []Series {
	for i, s := range series {
		series[i].Samples = slices.DeleteFunc(s.Samples, func(smp Sample) bool { return smp.T%dayMs == 12*hourMs })
	}
	return series
}

// benchScanMethods scans the blocks in dir with each method.
func benchScanMethods(b *testing.B, dir string, want int) {
	opts := CoverageOptions{Label: instance, Mint: t0, Maxt: t0 + 7*dayMs, Matchers: rdsOnly}
	for _, m := range []struct {
		name  string
		mark  func(*Coverage) markFunc
		exact bool
	}{
		{"method=ScanCoverage", func(c *Coverage) markFunc { return c.markChunk }, true},
		{"method=chunk-meta-only", func(c *Coverage) markFunc { return c.markMetaOnly }, false},
		{"method=all-samples", func(c *Coverage) markFunc { return c.markAllSamples }, true},
	} {
		b.Run(m.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				cov, err := newCoverage(opts)
				require.NoError(b, err)
				require.NoError(b, cov.scan(b.Context(), []string{dir}, opts, m.mark(cov)))
				if m.exact {
					require.Equal(b, want, cov.Count("db-0999"))
				}
			}
		})
	}
}

// markMetaOnly marks every bucket from a chunk's first to its last sample.
func (c *Coverage) markMetaOnly(bits bitset, meta chunks.Meta, _ *chunkSamples) error {
	lo, hi := c.bucket(max(meta.MinTime, c.mint)), c.bucket(min(meta.MaxTime, c.maxt-1))
	for i := lo; i <= hi; i++ {
		bits.set(i)
	}
	return nil
}

// markAllSamples decodes every chunk.
func (c *Coverage) markAllSamples(bits bitset, meta chunks.Meta, src *chunkSamples) error {
	return src.each(meta, func(t int64) { c.mark(bits, t) })
}
