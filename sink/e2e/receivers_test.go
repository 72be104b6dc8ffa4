package e2e

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/promcoverage"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/remotewrite"
)

// TestPrometheus writes a week of a fleet into the real Prometheus, a
// third each in Remote-Write 1.0, 2.0 and VersionAuto, reads every sample back through
// PromQL and reads coverage through the query API.
func TestPrometheus(t *testing.T) {
	prom := startPrometheus(t)
	f := newFleet(6, time.Now().Add(-3*time.Hour), "rds")
	third := len(f.series) / 3
	write(t, prom.url()+"/api/v1/write", remotewrite.Version1, f.series[:third]...)
	write(t, prom.url()+"/api/v1/write", remotewrite.Version2, f.series[third:2*third]...)
	write(t, prom.url()+"/api/v1/write", remotewrite.VersionAuto, f.series[2*third:]...)
	checkSamples(t, prom, f)
	checkCoverage(t, prom, f)
}

// TestVictoriaMetrics does the same with VictoriaMetrics single node, half
// in Remote-Write 1.0 and half with VersionAuto, which finds that
// VictoriaMetrics takes only 1.0 (it answers a 2.0 request with 204 and
// stores nothing) and sends again in 1.0.
func TestVictoriaMetrics(t *testing.T) {
	vm := startVictoriaMetrics(t)
	f := newFleet(6, time.Now().Add(-3*time.Hour), "rds")
	half := len(f.series) / 2
	write(t, vm.url()+"/api/v1/write", remotewrite.Version1, f.series[:half]...)
	write(t, vm.url()+"/api/v1/write", remotewrite.VersionAuto, f.series[half:]...)
	checkSamples(t, vm, f)
	checkCoverage(t, vm, f)
}

func write(t testing.TB, url, version string, series ...tsdbwriterSeries) {
	t.Helper()
	w, err := remotewrite.New(remotewrite.Config{URL: url, ProtocolVersion: version, BatchSize: 500}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := w.Write(context.Background(), series, "name")
	if err != nil {
		t.Fatal(err)
	}
	if want := countSamples(series); st.Samples != want {
		t.Fatalf("wrote %d samples, want %d", st.Samples, want)
	}
}

// checkSamples compares every sample of the fleet with what the store
// returns for a range selector over the week.
func checkSamples(t *testing.T, s *store, f *fleet) {
	t.Helper()
	want := f.want()
	testtools.Eventually(t, time.Minute, 500*time.Millisecond, func() error {
		got, err := s.rawSeries(`{__name__=~"aws_rds_.+", job="rds"}[8d]`, f.to)
		if err != nil {
			return err
		}
		return diffSeries(got, want)
	})
}

func diffSeries(got, want map[string][]sample) error {
	if len(got) != len(want) {
		return fmt.Errorf("got %d series, want %d", len(got), len(want))
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			return fmt.Errorf("series %s: got %d samples, want %d; first got %v, first want %v", k, len(got[k]), len(w), head(got[k]), head(w))
		}
	}
	return nil
}

func head(s []sample) []sample { return s[:min(3, len(s))] }

// checkCoverage reads coverage over a range wider than the week, in
// chunks of 50 hours, and expects exactly the hours with value samples.
func checkCoverage(t *testing.T, s *store, f *fleet) {
	t.Helper()
	r, err := promcoverage.New(promcoverage.Config{URL: s.url(), MaxHoursPerQuery: 50}, nil)
	if err != nil {
		t.Fatal(err)
	}
	q := promcoverage.Query{
		ResourceLabel: "name",
		Matchers: []*labels.Matcher{
			labels.MustNewMatcher(labels.MatchRegexp, "__name__", "aws_rds_.+"),
			labels.MustNewMatcher(labels.MatchNotEqual, "__name__", "aws_rds_info"),
			labels.MustNewMatcher(labels.MatchEqual, "job", "rds"),
		},
		Mint: f.from.Add(-24 * time.Hour).UnixMilli(), Maxt: f.to.Add(2 * time.Hour).UnixMilli(),
	}
	testtools.Eventually(t, time.Minute, 500*time.Millisecond, func() error {
		cov, err := r.Coverage(context.Background(), q)
		if err != nil {
			return err
		}
		if got := cov.Resources(); len(got) != len(f.held) {
			return fmt.Errorf("coverage has resources %v, want %d", got, len(f.held))
		}
		for arn, hours := range f.held {
			if got := cov.Hours(arn); !reflect.DeepEqual(got, hours) {
				return fmt.Errorf("%s: %d hours held, want %d: %v", arn, len(got), len(hours), firstDiff(got, hours))
			}
		}
		return nil
	})
}

func firstDiff(got, want []int64) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("at %d got %s, want %s", i, time.UnixMilli(got[i]).UTC(), time.UnixMilli(want[i]).UTC())
		}
	}
	return "one is a prefix of the other"
}
