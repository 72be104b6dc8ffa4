package tsdbwriter

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/stretchr/testify/require"
)

const (
	hourMs   = int64(time.Hour / time.Millisecond)
	dayMs    = 24 * hourMs
	instance = "dimension_DBInstanceIdentifier"
)

// t0 is a UTC midnight, the start of the test fleets' history.
var t0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC).UnixMilli()

// fleetSpec describes hourly history of RDS-like series.
type fleetSpec struct {
	instances, metrics int
	start              int64 // ms
	hours              int
}

// fleet returns spec's series: for each instance and metric one series
// with a sample every hour, labeled as the exporter labels them.
func fleet(spec fleetSpec) []Series {
	series := make([]Series, 0, spec.instances*spec.metrics)
	for i := range spec.instances {
		for m := range spec.metrics {
			series = append(series, Series{
				Labels:  fleetLabels(i, m),
				Samples: hourly(spec.start, spec.hours, float64(i+m)),
			})
		}
	}
	return series
}

// fleetLabels returns the labels of metric m of instance i.
func fleetLabels(i, m int) labels.Labels {
	id := fmt.Sprintf("db-%04d", i)
	return labels.FromStrings(
		"__name__", fmt.Sprintf("aws_rds_metric_%02d_average", m),
		"account_id", "123456789012",
		instance, id,
		"job", "rds",
		"name", "arn:aws:rds:eu-west-1:123456789012:db:"+id,
		"region", "eu-west-1",
	)
}

// hourly returns n hourly samples from start with values like a daily cycle.
func hourly(start int64, n int, phase float64) []Sample {
	samples := make([]Sample, n)
	for h := range n {
		v := 40 + 20*math.Sin(2*math.Pi*float64(h)/24+phase)
		samples[h] = Sample{T: start + int64(h)*hourMs, V: v}
	}
	return samples
}

// newTestWriter returns a Writer on dir that the test closes.
func newTestWriter(t testing.TB, opts Options) *Writer {
	t.Helper()
	w, err := New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, w.Close()) })
	return w
}

// queryBlock reads all series of the block in dir with a block querier.
func queryBlock(t *testing.T, dir string) map[string][]Sample {
	t.Helper()
	b, err := tsdb.OpenBlock(nil, dir, nil, nil)
	require.NoError(t, err)
	defer func() { require.NoError(t, b.Close()) }()
	q, err := tsdb.NewBlockQuerier(b, math.MinInt64, math.MaxInt64)
	require.NoError(t, err)
	defer q.Close()
	ss := q.Select(t.Context(), false, nil, labels.MustNewMatcher(labels.MatchRegexp, "", ".*"))
	out := map[string][]Sample{}
	var it chunkenc.Iterator
	for ss.Next() {
		it = ss.At().Iterator(it)
		var samples []Sample
		for it.Next() == chunkenc.ValFloat {
			ts, v := it.At()
			samples = append(samples, Sample{ts, v})
		}
		require.NoError(t, it.Err())
		out[ss.At().Labels().String()] = samples
	}
	require.NoError(t, ss.Err())
	return out
}

// blockDirs returns the names of the ULID folders in dir, sorted.
func blockDirs(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	for _, name := range entries(t, dir) {
		if isULID(name) {
			out = append(out, name)
		}
	}
	return out
}

// entries returns the names of all entries in dir, sorted.
func entries(t testing.TB, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	slices.Sort(out)
	return out
}

// copyBlock copies the block folder src to dst.
func copyBlock(t *testing.T, src, dst string) {
	t.Helper()
	require.NoError(t, os.CopyFS(dst, os.DirFS(src)))
}

// requireCompleteBlocks checks that every entry of dir but staging folders
// is a complete block whose samples are those of want in its window.
func requireCompleteBlocks(t *testing.T, dir string, window int64, want []Series) {
	t.Helper()
	for _, name := range entries(t, dir) {
		if strings.HasPrefix(name, stagingPrefix) {
			continue
		}
		require.True(t, isULID(name), "entry %s in output folder", name)
		path := filepath.Join(dir, name)
		meta, err := readMeta(path)
		require.NoError(t, err)
		start := alignDown(meta.MinTime, window)
		require.Equal(t, inWindow(want, start, start+window), queryBlock(t, path), "block %s", name)
	}
}

// inWindow returns the samples of series in [start, end), keyed by labels.
func inWindow(series []Series, start, end int64) map[string][]Sample {
	out := map[string][]Sample{}
	for _, s := range series {
		var in []Sample
		for _, smp := range s.Samples {
			if smp.T >= start && smp.T < end {
				in = append(in, smp)
			}
		}
		if len(in) > 0 {
			out[s.Labels.String()] = in
		}
	}
	return out
}
