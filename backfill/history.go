package backfill

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// MaxHistorySamples bounds what one History call reads.
const MaxHistorySamples = 2_000_000

// History returns the aws_rds_* samples the blocks hold for a resource in
// [from, to), series sorted by labels: the series with the resource's
// identity labels (catalog.Labeling.Identity), whatever their other labels.
func (b *Backfiller) History(ctx context.Context, r model.Resource, from, to time.Time) ([]tsdbwriter.Series, error) {
	ms := seriesMatchers()
	for _, l := range b.opts.Labeling.Identity(r) {
		ms = append(ms, labels.MustNewMatcher(labels.MatchEqual, l.Name, l.Value))
	}
	series, err := tsdbwriter.ReadSeries(ctx, b.dirs(), tsdbwriter.ReadOptions{
		Mint: from.UnixMilli(), Maxt: to.UnixMilli(), Matchers: ms, MaxSamples: MaxHistorySamples, Logger: b.opts.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("read history of %s: %w", r.ID, err)
	}
	return series, nil
}
