package backfill

import (
	"cmp"
	"context"
	"slices"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// fetched keeps the fetched datapoints of a batch, compactly, until every
// fetch has succeeded, and then hands them to the store. Nothing reaches
// the store before finish.
type fetched struct {
	b      *Backfiller
	series []tsdbwriter.Series
	index  map[seriesKey]int // index in series
	// filled are the hours that got datapoints, by resource key.
	filled map[string]hourSet
}

// seriesKey names one series of a sweep: a resource, metric and statistic.
type seriesKey struct {
	resource, metric, statistic string
}

func newFetched(b *Backfiller, plans []*instancePlan) *fetched {
	s := &fetched{b: b, index: map[seriesKey]int{}, filled: map[string]hourSet{}}
	for _, p := range plans {
		s.filled[p.key()] = hourSet{}
	}
	return s
}

// add keeps the datapoints of series, fetched for group g, that fall in
// hours the resource misses.
func (s *fetched) add(g *group, series []model.Series) {
	byKey := make(map[string]*instancePlan, len(g.instances))
	for _, p := range g.instances {
		byKey[p.key()] = p
	}
	for _, sr := range series {
		p := byKey[sr.Query.Resource.Key()]
		if p == nil || len(sr.Points) == 0 {
			continue
		}
		dst := s.seriesFor(p.inst, sr.Query, len(sr.Points))
		for _, dp := range sr.Points {
			h := dp.Timestamp.Unix() - dp.Timestamp.Unix()%3600
			if !p.missing.has(h) {
				continue
			}
			dst.Samples = append(dst.Samples, tsdbwriter.Sample{T: dp.Timestamp.UnixMilli(), V: dp.Value})
			s.filled[p.key()].add(h)
		}
	}
}

// seriesFor returns the series of a query of resource d, creating it with
// room for n samples.
func (s *fetched) seriesFor(d model.Described, q model.MetricQuery, n int) *tsdbwriter.Series {
	key := seriesKey{q.Resource.Key(), q.Metric, q.Statistic}
	i, ok := s.index[key]
	if !ok {
		i = len(s.series)
		s.index[key] = i
		s.series = append(s.series, tsdbwriter.Series{Labels: s.b.seriesLabelsFor(d, q), Samples: make([]tsdbwriter.Sample, 0, n)})
	}
	return &s.series[i]
}

// finish hands the series, their samples in time order, to the store,
// which counts what it wrote in res. What the store wrote before an error
// stays: whole blocks (one per window, in time order), or whole
// resource-hours by remote write.
func (s *fetched) finish(ctx context.Context, res *Result) error {
	for _, sr := range s.series {
		// Windows fetched in several groups may interleave.
		slices.SortFunc(sr.Samples, func(a, b tsdbwriter.Sample) int { return cmp.Compare(a.T, b.T) })
	}
	return s.b.store.write(ctx, s.series, res)
}
