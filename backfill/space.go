package backfill

import (
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// checkSpace fails with a *tsdbwriter.SpaceError, before a sweep of plans
// fetches anything, when the folder its store writes blocks into (the
// output folder, or a bucket's spool folder) lacks the space they need.
// Remote write writes no blocks.
func (b *Backfiller) checkSpace(plans []*instancePlan) error { return b.checkLoad(b.load(plans)) }

// checkLoad checks that the folder blocks are written in has room for a
// sweep's load; remote write needs none.
func (b *Backfiller) checkLoad(l tsdbwriter.Load) error {
	var w *tsdbwriter.Writer
	switch s := b.store.(type) {
	case localStore:
		w = s.w
	case *bucketStore:
		w = s.spool
	default:
		return nil
	}
	return w.CheckSpace(l)
}

// load bounds what a sweep of plans writes, for the writer's free-space
// check: each missing hour of a resource holds a sample per period of
// each of its queries, and a resource has each of its series once in every
// block window its missing hours fall in.
func (b *Backfiller) load(plans []*instancePlan) tsdbwriter.Load {
	perHour := uint64(time.Hour / b.opts.Period)
	var l tsdbwriter.Load
	for _, p := range plans {
		b.addLoad(&l, p.missing, uint64(p.inst.QueryCount()), perHour)
	}
	return l
}

// addLoad counts in l the series of a resource, with perHour samples each
// in every missing hour, once in each block window the hours fall in.
func (b *Backfiller) addLoad(l *tsdbwriter.Load, missing hours, series, perHour uint64) {
	byWindow := map[int64]uint64{} // hours by window start
	missing.each(func(h int64) {
		start, _ := b.writer.WindowOf(h * 1000)
		byWindow[start]++
	})
	for start, n := range byWindow {
		l.Add(start, series, n*series*perHour)
	}
}
