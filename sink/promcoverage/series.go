package promcoverage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	pmodel "github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// SeriesQuery says which raw samples to read.
type SeriesQuery struct {
	// Matchers select the series, e.g. a resource's identity labels, the
	// value series and the target labels. At least one must not match the
	// empty string, as PromQL requires.
	Matchers []*labels.Matcher
	// Mint and Maxt bound the half-open range [Mint, Maxt) in
	// milliseconds.
	Mint, Maxt int64
	// MaxSamples, if positive, bounds the samples returned.
	MaxSamples int
}

// Series returns the raw samples the store holds of the series that match
// q.Matchers in [q.Mint, q.Maxt), series sorted by labels, as
// tsdbwriter.ReadSeries returns them from blocks. It asks one instant
// query at q.Maxt:
//
//	{<matchers>}[<Maxt-Mint>ms] offset 1ms
//
// whose range selector takes the samples in (Maxt-1ms-(Maxt-Mint), Maxt-1ms],
// that is [Mint, Maxt). More than q.MaxSamples samples is an error that
// wraps tsdbwriter.ErrTooManySamples.
func (r *Reader) Series(ctx context.Context, q SeriesQuery) ([]tsdbwriter.Series, error) {
	switch {
	case len(q.Matchers) == 0:
		return nil, errors.New("series query: no matchers")
	case q.Maxt <= q.Mint:
		return nil, fmt.Errorf("series query: range [%d, %d) is empty", q.Mint, q.Maxt)
	}
	expr := seriesExpr(q)
	val, warnings, _, err := r.api.Query(ctx, expr, time.UnixMilli(q.Maxt))
	if err != nil {
		return nil, fmt.Errorf("series query %s at %s: %w", expr, time.UnixMilli(q.Maxt).UTC(), err)
	}
	if len(warnings) > 0 {
		r.logger.Warn("Series query returned warnings", "query", expr, "warnings", warnings)
	}
	m, ok := val.(pmodel.Matrix)
	if !ok {
		return nil, fmt.Errorf("series query %s: got a %s, want a matrix", expr, val.Type())
	}
	return fromMatrix(m, q.MaxSamples)
}

// seriesExpr returns the query of the raw samples of q.
func seriesExpr(q SeriesQuery) string {
	return fmt.Sprintf("%s[%dms] offset 1ms", selector(q.Matchers), q.Maxt-q.Mint)
}

// fromMatrix converts a query's matrix to series sorted by labels, without
// those that hold no float sample; more than maxSamples samples (if
// positive) is an error that wraps tsdbwriter.ErrTooManySamples.
func fromMatrix(m pmodel.Matrix, maxSamples int) ([]tsdbwriter.Series, error) {
	out := make([]tsdbwriter.Series, 0, len(m))
	n := 0
	for _, s := range m {
		n += len(s.Values)
		if maxSamples > 0 && n > maxSamples {
			return nil, fmt.Errorf("%w: more than %d", tsdbwriter.ErrTooManySamples, maxSamples)
		}
		if len(s.Values) == 0 {
			continue
		}
		sr := tsdbwriter.Series{Labels: labelsOf(s.Metric), Samples: make([]tsdbwriter.Sample, len(s.Values))}
		for i, p := range s.Values {
			sr.Samples[i] = tsdbwriter.Sample{T: int64(p.Timestamp), V: float64(p.Value)}
		}
		out = append(out, sr)
	}
	slices.SortFunc(out, func(a, b tsdbwriter.Series) int { return labels.Compare(a.Labels, b.Labels) })
	return out, nil
}

// labelsOf converts a query result's labels.
func labelsOf(m pmodel.Metric) labels.Labels {
	b := labels.NewScratchBuilder(len(m))
	for k, v := range m {
		b.Add(string(k), string(v))
	}
	b.Sort()
	return b.Labels()
}
