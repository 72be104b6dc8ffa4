package backfill

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/promcoverage"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// seriesStore is a query API that answers every series query with series
// and err and records the queries; it holds no coverage. The real query
// API is in sink/e2e.
type seriesStore struct {
	series []tsdbwriter.Series
	err    error
	got    []promcoverage.SeriesQuery
}

func (s *seriesStore) Coverage(_ context.Context, q promcoverage.Query) (*sink.Coverage, error) {
	return sink.NewCoverage(q.Mint, q.Maxt), nil
}

func (s *seriesStore) Series(_ context.Context, q promcoverage.SeriesQuery) ([]tsdbwriter.Series, error) {
	s.got = append(s.got, q)
	return s.series, s.err
}

// TestHistoryFromTheQueryAPI: with a query API, History asks it for the
// value series of the resource's identity and the target labels in
// [from, to), bounded by MaxHistorySamples, and returns its answer; a
// failure of the store is a *StoreError, too many samples is not.
func TestHistoryFromTheQueryAPI(t *testing.T) {
	d := testInstance("db-1")
	one := []tsdbwriter.Series{{Labels: labels.FromStrings("__name__", "aws_rds_cpuutilization_average", "name", d.ARN), Samples: []tsdbwriter.Sample{{T: 1, V: 2}}}}
	tests := []struct {
		name      string
		store     *seriesStore
		storeFail bool
		tooMany   bool
	}{
		{"answer", &seriesStore{series: one}, false, false},
		{"store fails", &seriesStore{err: errors.New("503 Service Unavailable")}, true, false},
		{"too many samples", &seriesStore{err: fmt.Errorf("%w: more than 2", tsdbwriter.ErrTooManySamples)}, false, true},
	}
	from, to := testNow.Add(-24*time.Hour), testNow
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newStoreBackfiller(t, &fakeCW{}, Options{CoverageQuery: tt.store})
			got, err := b.History(context.Background(), d.Resource, from, to)
			var se *StoreError
			if errors.As(err, &se) != tt.storeFail || errors.Is(err, tsdbwriter.ErrTooManySamples) != tt.tooMany {
				t.Fatalf("err %v: want store failure %v, too many samples %v", err, tt.storeFail, tt.tooMany)
			}
			if err == nil && (len(got) != 1 || !labels.Equal(got[0].Labels, one[0].Labels)) {
				t.Fatalf("got %v, want the store's answer", got)
			}
			want := seriesMatchers()
			for _, l := range [][2]string{{"name", d.ARN}, {"dimension_DBInstanceIdentifier", "db-1"}, {"region", "us-east-1"}, {"account_id", "123456789012"}, {"job", "rds"}} {
				want = append(want, labels.MustNewMatcher(labels.MatchEqual, l[0], l[1]))
			}
			if len(tt.store.got) != 1 || !sameMatchers(tt.store.got[0].Matchers, want) ||
				tt.store.got[0].Mint != from.UnixMilli() || tt.store.got[0].Maxt != to.UnixMilli() || tt.store.got[0].MaxSamples != MaxHistorySamples {
				t.Fatalf("queries %+v, want one of %v in [%d, %d)", tt.store.got, want, from.UnixMilli(), to.UnixMilli())
			}
		})
	}
}

func sameMatchers(a, b []*labels.Matcher) bool {
	return slices.EqualFunc(a, b, func(x, y *labels.Matcher) bool { return x.String() == y.String() })
}
