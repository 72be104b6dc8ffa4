package backfill

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/promcoverage"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// CoverageQuerier reads which hours a store holds, and the samples it
// holds, through its Prometheus query API; *promcoverage.Reader
// implements it.
type CoverageQuerier interface {
	Coverage(ctx context.Context, q promcoverage.Query) (*sink.Coverage, error)
	Series(ctx context.Context, q promcoverage.SeriesQuery) ([]tsdbwriter.Series, error)
}

// covered says whether a resource (by key) holds the hour that contains t
// (ms); *tsdbwriter.Coverage and *sink.Coverage implement it.
type covered interface {
	Covered(key string, t int64) bool
}

// Coverage is which hours of a range the backfill's store holds, per
// resource key (the ARN, the name label of every series): an hour is
// held when one of the sources the store reads has a sample of one of
// the resource's value series in it.
type Coverage struct {
	r       Range
	sources []covered
}

// Covered reports whether the resource holds the hour that contains t
// (ms). It is false out of the range.
func (c *Coverage) Covered(key string, t int64) bool {
	if t < c.r.From.UnixMilli() || t >= c.r.To.UnixMilli() {
		return false
	}
	for _, s := range c.sources {
		if s.Covered(key, t) {
			return true
		}
	}
	return false
}

// Count returns the number of hours of the range the resource holds.
func (c *Coverage) Count(key string) int {
	n := 0
	for t := c.r.From; t.Before(c.r.To); t = t.Add(time.Hour) {
		if c.Covered(key, t.UnixMilli()) {
			n++
		}
	}
	return n
}

// coverageSource reads which hours of a range a store holds, counting the
// series ms select.
type coverageSource func(ctx context.Context, r Range, ms []*labels.Matcher) (covered, error)

// coverageSources returns where the backfiller reads coverage, for the
// store it writes to: the query API when given, and the store's own
// blocks (the output folder and Prometheus's data folder; a bucket's
// blocks unless the query API reads them).
func (b *Backfiller) coverageSources() []coverageSource {
	var out []coverageSource
	if b.opts.CoverageQuery != nil {
		out = append(out, b.queryCoverage)
	}
	switch s := b.store.(type) {
	case localStore:
		out = append(out, b.localCoverage)
	case *bucketStore:
		if b.opts.CoverageQuery == nil {
			out = append(out, func(ctx context.Context, r Range, ms []*labels.Matcher) (covered, error) {
				return s.coverage(ctx, b.coverageOptions(r, ms))
			})
		}
	}
	return out
}

// Coverage returns, per resource key (the ARN: the name label of every
// series), the hours of the last days that the store holds of CloudWatch's
// series.
func (b *Backfiller) Coverage(ctx context.Context, days int) (*Coverage, Range, error) {
	return b.SourceCoverage(ctx, days, model.SourceCloudWatch)
}

// SourceCoverage returns, per resource key, the hours of the last days
// that the store holds of the series of src (sourceMatchers).
func (b *Backfiller) SourceCoverage(ctx context.Context, days int, src model.Source) (*Coverage, Range, error) {
	r := sweepRange(b.opts.Now(), b.opts.HeadMargin, days)
	cov := &Coverage{r: r}
	ms := sourceMatchers(src)
	for _, source := range b.sources {
		c, err := source(ctx, r, ms)
		if err != nil {
			return nil, r, fmt.Errorf("read coverage: %w", err)
		}
		cov.sources = append(cov.sources, c)
	}
	return cov, r, nil
}

// coverageOptions are the options of a scan of blocks for coverage of r
// by the series ms select.
func (b *Backfiller) coverageOptions(r Range, ms []*labels.Matcher) tsdbwriter.CoverageOptions {
	return tsdbwriter.CoverageOptions{
		Label: catalog.LabelName, Mint: r.From.UnixMilli(), Maxt: r.To.UnixMilli(),
		Step: time.Hour, Matchers: ms, Logger: b.opts.Logger,
	}
}

// localCoverage scans the blocks of the output folder and of Prometheus's
// data folder.
func (b *Backfiller) localCoverage(ctx context.Context, r Range, ms []*labels.Matcher) (covered, error) {
	cov, err := tsdbwriter.ScanCoverage(ctx, b.dirs(), b.coverageOptions(r, ms))
	if err != nil {
		return nil, fmt.Errorf("scan coverage: %w", err)
	}
	return cov, nil
}

// queryCoverage asks the query API for the hours that hold samples of the
// series ms select with the target labels, for the whole fleet at once.
func (b *Backfiller) queryCoverage(ctx context.Context, r Range, ms []*labels.Matcher) (covered, error) {
	cov, err := b.opts.CoverageQuery.Coverage(ctx, promcoverage.Query{
		ResourceLabel: catalog.LabelName, Matchers: b.withTargetLabels(ms), Mint: r.From.UnixMilli(), Maxt: r.To.UnixMilli(),
	})
	return cov, storeErr("query coverage", err)
}

// withTargetLabels returns ms and a matcher per target label (Options.Labels),
// which the series in a store shared with other jobs carry.
func (b *Backfiller) withTargetLabels(ms []*labels.Matcher) []*labels.Matcher {
	ms = slices.Clone(ms)
	labels.FromMap(b.opts.Labels).Range(func(l labels.Label) {
		ms = append(ms, labels.MustNewMatcher(labels.MatchEqual, l.Name, l.Value))
	})
	return ms
}
