package backfill

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// sink keeps the fetched datapoints of a sweep, compactly, until every
// fetch has succeeded, and then writes them one block window at a time, so
// that only one TSDB head is in memory at once. Nothing reaches the output
// folder before finish.
type sink struct {
	b      *Backfiller
	series []sinkSeries
	index  map[string]int // series key -> index in series
	// filled are the hours that got datapoints, by instance key.
	filled map[string]hourSet
}

// sinkSeries is one series and its samples, ascending.
type sinkSeries struct {
	labels  labels.Labels
	samples []tsdbwriter.Sample
}

func newSink(b *Backfiller, plans []*instancePlan) *sink {
	s := &sink{b: b, index: map[string]int{}, filled: map[string]hourSet{}}
	for _, p := range plans {
		s.filled[p.key] = hourSet{}
	}
	return s
}

// add keeps the datapoints of series, fetched for group g, that fall in
// hours the instance misses.
func (s *sink) add(g *group, series []model.Series) {
	byID := make(map[string]*instancePlan, len(g.instances))
	for _, p := range g.instances {
		byID[p.inst.ID] = p
	}
	for _, sr := range series {
		p := byID[sr.Query.InstanceID]
		if p == nil || len(sr.Points) == 0 {
			continue
		}
		dst := s.seriesFor(p, sr.Query, len(sr.Points))
		for _, dp := range sr.Points {
			h := dp.Timestamp.Unix() - dp.Timestamp.Unix()%3600
			if !p.missing.has(h) {
				continue
			}
			dst.samples = append(dst.samples, tsdbwriter.Sample{T: dp.Timestamp.UnixMilli(), V: dp.Value})
			s.filled[p.key].add(h)
		}
	}
}

// seriesFor returns the series of an instance's query, creating it with
// room for n samples.
func (s *sink) seriesFor(p *instancePlan, q model.MetricQuery, n int) *sinkSeries {
	key := p.key + "\xff" + q.Metric + "\xff" + q.Statistic
	i, ok := s.index[key]
	if !ok {
		i = len(s.series)
		s.index[key] = i
		s.series = append(s.series, sinkSeries{labels: s.b.seriesLabelsFor(p, q), samples: make([]tsdbwriter.Sample, 0, n)})
	}
	return &s.series[i]
}

// finish writes one block per window that has samples, in time order. A
// block already moved into place stays if a later one fails: each block is
// complete on its own.
func (s *sink) finish(ctx context.Context, res *Result) error {
	for _, sr := range s.series {
		// Windows fetched in several groups may interleave.
		slices.SortFunc(sr.samples, func(a, b tsdbwriter.Sample) int { return int(a.T - b.T) })
	}
	for _, start := range s.windowStarts() {
		st, err := s.writeWindow(ctx, start)
		if errors.Is(err, tsdbwriter.ErrEmptyWindow) {
			continue
		}
		if err != nil {
			return fmt.Errorf("write block: %w", err)
		}
		res.Blocks++
		res.Samples += st.Samples
	}
	return nil
}

// windowStarts lists the starts of the windows that have samples.
func (s *sink) windowStarts() []int64 {
	seen := map[int64]bool{}
	for _, sr := range s.series {
		for _, smp := range sr.samples {
			start, _ := s.b.writer.WindowOf(smp.T)
			seen[start] = true
		}
	}
	starts := make([]int64, 0, len(seen))
	for t := range seen {
		starts = append(starts, t)
	}
	slices.Sort(starts)
	return starts
}

func (s *sink) writeWindow(ctx context.Context, start int64) (tsdbwriter.BlockStats, error) {
	ww, err := s.b.writer.BeginWindow(ctx, start)
	if err != nil {
		return tsdbwriter.BlockStats{}, err
	}
	defer func() { _ = ww.Abort() }()
	for i := range s.series {
		sr := &s.series[i]
		lo, _ := slices.BinarySearchFunc(sr.samples, ww.Start(), cmpSampleT)
		hi, _ := slices.BinarySearchFunc(sr.samples, ww.End(), cmpSampleT)
		if err := ww.Append(sr.labels, sr.samples[lo:hi]); err != nil {
			return tsdbwriter.BlockStats{}, err
		}
	}
	return ww.Finish()
}

func cmpSampleT(x tsdbwriter.Sample, t int64) int {
	switch {
	case x.T < t:
		return -1
	case x.T > t:
		return 1
	}
	return 0
}
