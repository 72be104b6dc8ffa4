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

// sink appends fetched datapoints to one window writer per block window and
// writes the blocks at the end. Nothing reaches the output folder before
// finish.
type sink struct {
	b       *Backfiller
	windows map[int64]*tsdbwriter.WindowWriter
	// filled are the hours that got datapoints, by instance key.
	filled map[string]hourSet
}

func newSink(b *Backfiller, plans []*instancePlan) *sink {
	s := &sink{b: b, windows: map[int64]*tsdbwriter.WindowWriter{}, filled: map[string]hourSet{}}
	for _, p := range plans {
		s.filled[p.key] = hourSet{}
	}
	return s
}

// add appends the datapoints of series, fetched for group g, that fall in
// hours the instance misses.
func (s *sink) add(ctx context.Context, g *group, series []model.Series) error {
	byID := make(map[string]*instancePlan, len(g.instances))
	for _, p := range g.instances {
		byID[p.inst.ID] = p
	}
	var buf []tsdbwriter.Sample
	for _, sr := range series {
		p := byID[sr.Query.InstanceID]
		if p == nil || len(sr.Points) == 0 {
			continue
		}
		buf = buf[:0]
		for _, dp := range sr.Points {
			h := dp.Timestamp.Unix() - dp.Timestamp.Unix()%3600
			if !p.missing.has(h) {
				continue
			}
			buf = append(buf, tsdbwriter.Sample{T: dp.Timestamp.UnixMilli(), V: dp.Value})
			s.filled[p.key].add(h)
		}
		if err := s.append(ctx, s.b.seriesLabelsFor(p, sr.Query), buf); err != nil {
			return err
		}
	}
	return nil
}

// append splits samples (ascending) by block window.
func (s *sink) append(ctx context.Context, lbls labels.Labels, samples []tsdbwriter.Sample) error {
	for len(samples) > 0 {
		ww, err := s.window(ctx, samples[0].T)
		if err != nil {
			return err
		}
		n, _ := slices.BinarySearchFunc(samples, ww.End(), func(x tsdbwriter.Sample, end int64) int {
			return int(x.T - end)
		})
		if err := ww.Append(lbls, samples[:n]); err != nil {
			return fmt.Errorf("write samples: %w", err)
		}
		samples = samples[n:]
	}
	return nil
}

func (s *sink) window(ctx context.Context, t int64) (*tsdbwriter.WindowWriter, error) {
	start, _ := s.b.writer.WindowOf(t)
	if ww := s.windows[start]; ww != nil {
		return ww, nil
	}
	ww, err := s.b.writer.BeginWindow(ctx, t)
	if err != nil {
		return nil, fmt.Errorf("write samples: %w", err)
	}
	s.windows[start] = ww
	return ww, nil
}

// finish writes the blocks in time order. A block already moved into place
// stays if a later one fails: each block is complete on its own.
func (s *sink) finish(res *Result) error {
	starts := make([]int64, 0, len(s.windows))
	for t := range s.windows {
		starts = append(starts, t)
	}
	slices.Sort(starts)
	for _, t := range starts {
		st, err := s.windows[t].Finish()
		delete(s.windows, t)
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

// abort drops every window not finished.
func (s *sink) abort() {
	for t, ww := range s.windows {
		_ = ww.Abort()
		delete(s.windows, t)
	}
}
