package backfill

import (
	"context"
	"errors"
	"iter"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sources"
)

// Estimates that size batches of Enhanced Monitoring and Performance
// Insights reads.
const (
	// osSeriesPerEvent bounds the series of one Enhanced Monitoring event
	// (about 80 for an instance with two disks and two file systems).
	osSeriesPerEvent = 100
	// maxPIPoints is the most data points per series one
	// GetResourceMetrics call asks for: 7 days at 1 minute. A longer range
	// is read at the next coarser period, so that a resource's range stays
	// one call.
	maxPIPoints = 7 * 24 * 60
	// minPIPeriod is the finest period backfilled: the live one.
	minPIPeriod = time.Minute
)

// sweepOS reads the Enhanced Monitoring events of the plans and writes
// them, block window after block window, so that memory holds one
// window of a batch of instances whatever the range: each instance's
// missing spans are each read with one GetLogEvents pass, page after page
// (the fewest pages the API allows), and the read of an instance pauses
// at a window's end until the batch's window is written.
func (b *Backfiller) sweepOS(ctx context.Context, plans []*sourcePlan, r Range, prog *progress, sr *SourceResult, res *Result) error {
	win := int64(b.opts.BlockWindow / time.Second)
	cost := func(p *sourcePlan) int {
		perHour := int(time.Hour/p.d.Instance.MonitoringInterval) * osSeriesPerEvent
		most := 0
		for _, w := range windowsOf([]*sourcePlan{p}, b.opts.BlockWindow) {
			most = max(most, missingBetween(p, w, w+win))
		}
		return most * perHour
	}
	for _, batch := range b.sourceBatches(plans, cost) {
		if err := b.osBatch(ctx, batch, r, prog, sr, res); err != nil {
			return err
		}
	}
	return nil
}

// missingBetween counts the missing hours of p in [from, to).
func missingBetween(p *sourcePlan, from, to int64) int {
	n := 0
	p.missing.each(func(h int64) {
		if h >= from && h < to {
			n++
		}
	})
	return n
}

// osBatch reads a batch of instances in step, hour by hour, and writes
// each block window once every instance has passed its end, or sooner
// when the samples held reach Options.BatchSamples (a window of one
// instance at 1 s can hold more), so that memory stays within that
// budget whatever the instances' interval.
func (b *Backfiller) osBatch(ctx context.Context, batch []*sourcePlan, r Range, prog *progress, sr *SourceResult, res *Result) error {
	streams := make([]*osStream, len(batch))
	for i, p := range batch {
		streams[i] = openOSStream(ctx, p, sr)
	}
	defer func() {
		for _, st := range streams {
			st.stop()
		}
	}()
	win := int64(b.opts.BlockWindow / time.Second)
	for _, w := range windowsOf(batch, b.opts.BlockWindow) {
		from := w // the first hour not yet written
		acc := b.osAccumulator(batch, from, w+win)
		prog.fetching()
		for h := w; h < w+win; h += 3600 {
			hours, err := readHour(streams, h, acc)
			if err != nil {
				return err
			}
			prog.add(hours)
			if h+3600 < w+win && acc.samples < b.opts.BatchSamples {
				continue
			}
			upTo := h + 3600
			if err := b.writeSource(ctx, batch, acc, func(t int64) bool { return t >= from && t < upTo }, r, prog, res); err != nil {
				return err
			}
			from = upTo
			acc = b.osAccumulator(batch, from, w+win)
			prog.fetching()
		}
	}
	return nil
}

// readHour passes every stream's events of the hour that starts at h to
// acc, and returns how many missing hours that was; a stream without a
// log stream is marked unavailable.
func readHour(streams []*osStream, h int64, acc *accumulator) (int, error) {
	hours := 0
	for _, st := range streams {
		if st.p.err != nil {
			continue
		}
		err := st.readUntil(time.Unix(h+3600, 0), func(ev cloudwatch.OSEvent) {
			acc.addAll(st.p, ev.Timestamp, sources.OSSamples(ev.Metrics))
		})
		switch {
		case unavailableErr(err):
			st.p.err = err
		case err != nil:
			return hours, err
		}
		if st.p.missing.has(h) {
			hours++
		}
	}
	return hours, nil
}

// osAccumulator returns an accumulator for the batch's hours in [from,
// to), each series with room for the events of its instance there.
func (b *Backfiller) osAccumulator(batch []*sourcePlan, from, to int64) *accumulator {
	acc := newAccumulator(b)
	for _, p := range batch {
		acc.hint[p] = missingBetween(p, from, to) * int(time.Hour/p.d.Instance.MonitoringInterval)
	}
	return acc
}

// writeSource writes what acc holds through the store and records the
// hours of the plans that in selects.
func (b *Backfiller) writeSource(ctx context.Context, plans []*sourcePlan, acc *accumulator, in func(int64) bool, r Range, prog *progress, res *Result) error {
	prog.writing(b.store.phase())
	if err := errors.Join(b.writeSeries(ctx, acc.series, res), b.store.flush(ctx)); err != nil {
		return err
	}
	return b.recordSource(plans, in, r)
}

// osStream reads an instance's missing spans of Enhanced Monitoring
// events, one ReadRange per span, as a pull iterator: the reads pause
// between calls of next.
type osStream struct {
	p       *sourcePlan
	next    func() (cloudwatch.OSEvent, error, bool)
	stop    func()
	pending *cloudwatch.OSEvent
	done    bool
}

// errStopped ends a ReadRange whose reader stopped pulling.
var errStopped = errors.New("stopped")

// openOSStream returns the stream of p's missing spans; its requests are
// counted in sr.
func openOSStream(ctx context.Context, p *sourcePlan, sr *SourceResult) *osStream {
	seq := func(yield func(cloudwatch.OSEvent, error) bool) {
		for _, s := range p.missing.spans() {
			stopped := false
			st, err := p.readers.OS.ReadRange(ctx, p.d.Instance.ResourceID, time.Unix(s.start, 0), time.Unix(s.end, 0),
				func(ev cloudwatch.OSEvent) error {
					if !yield(ev, nil) {
						stopped = true
						return errStopped
					}
					return nil
				})
			sr.Requests += st.Calls
			if stopped {
				return
			}
			if err != nil {
				yield(cloudwatch.OSEvent{}, err)
				return
			}
		}
	}
	next, stop := iter.Pull2(iter.Seq2[cloudwatch.OSEvent, error](seq))
	return &osStream{p: p, next: next, stop: stop}
}

// readUntil passes the stream's events taken before end to fn, and keeps
// the first one at or after end for the next call.
func (st *osStream) readUntil(end time.Time, fn func(cloudwatch.OSEvent)) error {
	for {
		if st.pending != nil {
			if !st.pending.Timestamp.Before(end) {
				return nil
			}
			fn(*st.pending)
			st.pending = nil
		}
		if st.done {
			return nil
		}
		ev, err, ok := st.next()
		switch {
		case !ok:
			st.done = true
			return nil
		case err != nil:
			st.done = true
			return err
		}
		st.pending = &ev
	}
}

// sweepPI reads each instance's missing hours of Performance Insights
// with one GetResourceMetrics call for their whole hull (more only if a
// page cannot hold the series), batch after batch of instances, and
// writes each batch.
func (b *Backfiller) sweepPI(ctx context.Context, plans []*sourcePlan, r Range, prog *progress, sr *SourceResult, res *Result) error {
	queries := sources.PIQueries(b.opts.PIWaitEvents, b.opts.PIStatements)
	perHour := 60 * (b.opts.PIWaitEvents + 2*b.opts.PIStatements)
	cost := func(p *sourcePlan) int { return p.missing.len() * perHour }
	for _, batch := range b.sourceBatches(plans, cost) {
		acc := newAccumulator(b)
		prog.fetching()
		for _, p := range batch {
			acc.hint[p] = p.missing.len() * int(time.Hour/PIPeriod(hullOf(p).duration()))
			err := b.readPI(ctx, p, queries, acc, sr)
			switch {
			case unavailableErr(err):
				p.err = err
			case err != nil:
				return err
			}
			prog.add(p.missing.len())
		}
		if err := b.writeSource(ctx, batch, acc, func(int64) bool { return true }, r, prog, res); err != nil {
			return err
		}
	}
	return nil
}

// readPI reads the hull of p's missing hours at PIPeriod's period and
// keeps the points of the missing hours.
func (b *Backfiller) readPI(ctx context.Context, p *sourcePlan, queries []cloudwatch.PIMetricQuery, acc *accumulator, sr *SourceResult) error {
	hull := hullOf(p)
	start, end := time.Unix(hull.start, 0).UTC(), time.Unix(hull.end, 0).UTC()
	out, err := p.readers.PI.ResourceMetrics(ctx, cloudwatch.PIRequest{
		ResourceID: p.d.Instance.ResourceID, Start: start, End: end, Period: PIPeriod(end.Sub(start)),
		Queries: queries, StampStart: true,
	})
	sr.Requests += out.Calls
	if err != nil {
		return err
	}
	for _, s := range out.Series {
		for _, f := range sources.PIFamilies(s) {
			for _, pt := range s.Points {
				acc.addAll(p, pt.Time, []sources.Sample{f.Sample(pt.Value)})
			}
		}
	}
	return nil
}

// hullOf returns the span from p's first missing hour to the end of its
// last; p must miss some.
func hullOf(p *sourcePlan) span {
	spans := p.missing.spans()
	return span{spans[0].start, spans[len(spans)-1].end}
}

// PIPeriod returns the period Performance Insights history of a range is
// backfilled at: the finest, from a minute, that keeps the range within
// maxPIPoints per series (1 minute up to 7 days, 5 minutes up to 35,
// then 1 hour), so that a range is one call.
func PIPeriod(span time.Duration) time.Duration {
	return max(minPIPeriod, cloudwatch.PIPeriodFor(span, maxPIPoints))
}

// defaults of the source options.
func sourceDefaults(o *Options) {
	if o.PIWaitEvents <= 0 {
		o.PIWaitEvents = catalog.DefaultPIWaitEvents
	}
	if o.PIStatements <= 0 {
		o.PIStatements = catalog.DefaultPIStatements
	}
}
