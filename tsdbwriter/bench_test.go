package tsdbwriter

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunks"
	"github.com/stretchr/testify/require"
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
	peak := watchMemory(b)
	b.ResetTimer()
	for range b.N {
		write(b.TempDir())
	}
	b.StopTimer()
	peak()
	b.ReportMetric(float64(spec.samples()*b.N)/b.Elapsed().Seconds(), "samples/s")
}

// watchMemory samples the heap from now until the returned function is
// called, which reports the peaks as metrics of b: the heap's objects (live
// and not yet swept), the live heap as of the last GC, and the process's
// resident set (VmHWM, reset where Linux allows it), all including the
// benchmark's input.
func watchMemory(b *testing.B) func() {
	runtime.GC()
	debug.FreeOSMemory()
	rssReset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	var (
		wg    sync.WaitGroup
		peaks [2]uint64
		stop  = make(chan struct{})
	)
	wg.Go(func() {
		samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
		for tick := time.NewTicker(time.Millisecond); ; {
			metrics.Read(samples)
			for i, s := range samples {
				peaks[i] = max(peaks[i], s.Value.Uint64())
			}
			select {
			case <-stop:
				tick.Stop()
				return
			case <-tick.C:
			}
		}
	})
	return func() {
		close(stop)
		wg.Wait()
		b.ReportMetric(float64(peaks[0])/1e6, "peak-heap-MB")
		b.ReportMetric(float64(peaks[1])/1e6, "peak-live-MB")
		if rss := peakRSS(); rssReset && rss > 0 {
			b.ReportMetric(float64(rss)/1e6, "peak-RSS-MB")
		}
	}
}

// peakRSS returns VmHWM of this process in bytes, or 0 if unknown.
func peakRSS() uint64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
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
