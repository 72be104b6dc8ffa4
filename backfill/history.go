package backfill

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// MaxHistorySamples bounds what one History call reads.
const MaxHistorySamples = 2_000_000

// History returns the aws_rds_* samples the blocks hold for an instance in
// [from, to), series sorted by labels.
func (b *Backfiller) History(ctx context.Context, inst model.Instance, from, to time.Time) ([]tsdbwriter.Series, error) {
	ms := append(seriesMatchers(), labels.MustNewMatcher(labels.MatchEqual, catalog.LabelInstanceID, inst.ID))
	series, err := tsdbwriter.ReadSeries(ctx, b.Dirs(), tsdbwriter.ReadOptions{
		Mint: from.UnixMilli(), Maxt: to.UnixMilli(), Matchers: ms, MaxSamples: MaxHistorySamples, Logger: b.opts.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("read history of %s: %w", inst.ID, err)
	}
	return series, nil
}
