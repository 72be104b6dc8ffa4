package backfill

import (
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// load bounds what a sweep of plans writes, for the writer's free-space
// check: each missing hour of an instance holds a sample per period of
// each query, and an instance has each of its series once in every block
// window its missing hours fall in.
func (b *Backfiller) load(plans []*instancePlan) tsdbwriter.Load {
	queries := uint64(catalog.QueriesPerResource(b.opts.Metrics))
	perHour := uint64(time.Hour / b.opts.Period)
	var l tsdbwriter.Load
	for _, p := range plans {
		hours := map[int64]uint64{} // by window start
		for h := range p.missing {
			start, _ := b.writer.WindowOf(h * 1000)
			hours[start]++
		}
		for start, n := range hours {
			l.Add(start, queries, n*queries*perHour)
		}
	}
	return l
}
