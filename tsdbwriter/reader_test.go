package tsdbwriter

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/stretchr/testify/require"
)

func TestReadSeries(t *testing.T) {
	dir, _ := coverageFixture(t)
	// Overlapping blocks in another folder: the same samples of db-0000
	// from hour 20 to 27, and one more sample at hour 48.
	other := t.TempDir()
	w := newTestWriter(t, Options{Dir: other, Window: 6 * time.Hour})
	want := fleet(fleetSpec{instances: 1, metrics: 2, start: t0, hours: 48})
	overlap := []Series{
		{Labels: want[0].Labels, Samples: append(want[0].Samples[20:28:28], Sample{t0 + 48*hourMs, 7})},
		{Labels: want[1].Labels, Samples: want[1].Samples[20:28]},
	}
	_, err := w.WriteBlocks(t.Context(), overlap)
	require.NoError(t, err)

	got, err := ReadSeries(t.Context(), []string{dir, other}, ReadOptions{
		Mint: t0 + 10*hourMs, Maxt: t0 + 49*hourMs,
		Matchers: []*labels.Matcher{labels.MustNewMatcher(labels.MatchEqual, instance, "db-0000")},
	})
	require.NoError(t, err)
	for i := range want {
		want[i].Samples = want[i].Samples[10:]
	}
	want[0].Samples = append(want[0].Samples, Sample{t0 + 48*hourMs, 7})
	require.Equal(t, want, got)
}

func TestReadSeriesLimits(t *testing.T) {
	dir, _ := coverageFixture(t)
	rds := []*labels.Matcher{labels.MustNewMatcher(labels.MatchEqual, "job", "rds")}
	_, err := ReadSeries(t.Context(), []string{dir}, ReadOptions{Maxt: t0 + 2*dayMs, Matchers: rds, MaxSamples: 100})
	require.ErrorIs(t, err, ErrTooManySamples)
	got, err := ReadSeries(t.Context(), []string{dir}, ReadOptions{Maxt: t0 + 2*dayMs, Matchers: rds, MaxSamples: 4*48 + 3})
	require.NoError(t, err)
	require.Len(t, got, 5)

	_, err = ReadSeries(t.Context(), []string{dir}, ReadOptions{Maxt: t0 + 2*dayMs,
		Matchers: []*labels.Matcher{labels.MustNewMatcher(labels.MatchRegexp, "job", ".*")}})
	require.EqualError(t, err, "read series: no matcher that selects")
	_, err = ReadSeries(t.Context(), []string{filepath.Join(dir, "missing")}, ReadOptions{Maxt: 1, Matchers: rds})
	require.Error(t, err)
}

func TestVanishedBlock(t *testing.T) {
	cov, err := newCoverage(CoverageOptions{Label: instance, Maxt: hourMs})
	require.NoError(t, err)
	gone := filepath.Join(t.TempDir(), "01ARZ3NDEKTSV4RRFFQ69G5FAV")
	require.NoError(t, cov.scanDir(t.Context(), gone, CoverageOptions{Logger: promslog.NewNopLogger()}, cov.markChunk))
	require.Equal(t, []string{gone}, cov.Vanished)
	require.Zero(t, cov.Blocks)
}
