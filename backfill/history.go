package backfill

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/promcoverage"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// MaxHistorySamples bounds what one History call reads.
const MaxHistorySamples = 2_000_000

// History returns the aws_rds_* samples of a resource in [from, to),
// series sorted by labels: the series with the resource's identity labels
// (catalog.Labeling.Identity), whatever their other labels. It reads them
// from the store's query API when Options.CoverageQuery is set (with the
// target labels; a failure of the store is a *StoreError), else from the
// blocks of the output folder and Prometheus's data folder. More than
// MaxHistorySamples samples is an error that wraps
// tsdbwriter.ErrTooManySamples.
func (b *Backfiller) History(ctx context.Context, r model.Resource, from, to time.Time) ([]tsdbwriter.Series, error) {
	ms := seriesMatchers()
	for _, l := range b.opts.Labeling.Identity(r) {
		ms = append(ms, labels.MustNewMatcher(labels.MatchEqual, l.Name, l.Value))
	}
	read := b.localHistory
	if b.opts.CoverageQuery != nil {
		read = b.storeHistory
	}
	series, err := read(ctx, ms, from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("read history of %s: %w", r.ID, err)
	}
	return series, nil
}

// localHistory reads the series ms select in [mint, maxt) from the blocks.
func (b *Backfiller) localHistory(ctx context.Context, ms []*labels.Matcher, mint, maxt int64) ([]tsdbwriter.Series, error) {
	return tsdbwriter.ReadSeries(ctx, b.dirs(), tsdbwriter.ReadOptions{
		Mint: mint, Maxt: maxt, Matchers: ms, MaxSamples: MaxHistorySamples, Logger: b.opts.Logger,
	})
}

// storeHistory reads the series ms and the target labels select in
// [mint, maxt) from the store's query API.
func (b *Backfiller) storeHistory(ctx context.Context, ms []*labels.Matcher, mint, maxt int64) ([]tsdbwriter.Series, error) {
	series, err := b.opts.CoverageQuery.Series(ctx, promcoverage.SeriesQuery{
		Matchers: b.withTargetLabels(ms), Mint: mint, Maxt: maxt, MaxSamples: MaxHistorySamples,
	})
	if errors.Is(err, tsdbwriter.ErrTooManySamples) {
		return nil, err
	}
	return series, storeErr("query history", err)
}
