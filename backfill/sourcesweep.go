package backfill

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// sourcePlan is the hours one DB instance needs of Enhanced Monitoring or
// Performance Insights, and what the sweep learnt of them.
type sourcePlan struct {
	d       model.Described
	src     model.Source
	readers SourceReaders
	// missing are the hours to read; filled those that got data.
	missing, filled hours
	// hours count the range's hours of the resource.
	hours Hours
	// err says that the source turned out to have nothing of the
	// resource (no log stream, Performance Insights refused).
	err error
}

// key is the swept store's key of the resource and source.
func (p *sourcePlan) key() string { return sweptKey(p.src, p.d.Resource) }

// sweptKey is the key of a resource's hours known to be empty: the
// resource's key (its ARN) for CloudWatch, which files of earlier versions
// hold, and the ARN and the source's name for the others.
func sweptKey(src model.Source, r model.Resource) string {
	if src == model.SourceCloudWatch {
		return r.Key()
	}
	return r.Key() + "#" + string(src)
}

// sourceSweep returns the sweep of Enhanced Monitoring or Performance
// Insights: the same steps as CloudWatch's (coverage of the source's
// series, plan, skip what the store holds and what is known empty,
// coalesce, read through the shared limiter, write through the store,
// remember empty hours), with the source's own reads.
func (b *Backfiller) sourceSweep(src model.Source) func(context.Context, Request, *SourceResult, *Result) error {
	return func(ctx context.Context, req Request, sr *SourceResult, res *Result) error {
		cov, r, err := b.SourceCoverage(ctx, res.Days, src)
		if err != nil {
			return err
		}
		res.From, res.To = r.From, r.To
		plans := b.sourcePlans(src, req, r, cov, sr)
		if err := b.checkLoad(b.sourceLoad(plans)); err != nil {
			return err
		}
		total := 0
		for _, p := range plans {
			total += p.missing.len()
		}
		b.opts.Logger.Info("backfill planned", "source", src, "resources", len(plans), "from", r.From, "to", r.To,
			"hours_to_fetch", total, "unavailable", len(sr.Unavailable))
		prog := newProgress(b, src, req.Progress, total, len(plans))
		read := b.sweepOS
		if src == model.SourcePerformanceInsights {
			read = b.sweepPI
		}
		err = read(ctx, plans, r, prog, sr, res)
		for _, p := range plans {
			if p.err != nil {
				sr.unavailable(p.d, p.err)
				continue
			}
			sr.Resources++
			sr.add(p.hours)
		}
		return err
	}
}

// sourcePlans lists, per DB instance of the request that has the source
// on, the hours of r that are within the source's retention, not covered
// and not known to be empty. The other DB instances are reported
// unavailable; clusters and proxies are left out.
func (b *Backfiller) sourcePlans(src model.Source, req Request, r Range, cov *Coverage, sr *SourceResult) []*sourcePlan {
	var plans []*sourcePlan
	for _, d := range req.Resources {
		if d.Kind != model.KindDBInstance || !req.selects(src, d) {
			continue // clusters and proxies have neither source: not worth a report
		}
		if err := src.Available(d); err != nil {
			sr.unavailable(d, err)
			continue
		}
		rd, ok := b.readers(d.Target)
		if !ok {
			sr.unavailable(d, fmt.Errorf("%w: %s in %s", ErrNoTarget, d.ID, d.Target.Key()))
			continue
		}
		p := &sourcePlan{d: d, src: src, readers: rd, missing: newHours(r), filled: newHours(r)}
		empty := hourSet{}
		if !b.opts.ResweepEmpty {
			empty = b.swept.empty(p.key())
		}
		from := b.sourceFrom(src, d)
		for t := r.From; t.Before(r.To); t = t.Add(time.Hour) {
			p.hours.HoursTotal++
			switch h := t.Unix(); {
			case t.Before(from):
				p.hours.HoursBeyondRetention++
			case cov.Covered(d.Key(), t.UnixMilli()):
				p.hours.HoursSkipped++
			case empty.has(h):
				p.hours.HoursKnownEmpty++
			default:
				p.missing.add(h)
			}
		}
		plans = append(plans, p)
	}
	return plans
}

// sourceFrom returns the first hour the source may be asked for of d:
// Performance Insights keeps the instance's retention (7 days unless it
// says otherwise), with a minute to spare; Enhanced Monitoring has no
// limit here (hours older than the log group's retention are empty).
func (b *Backfiller) sourceFrom(src model.Source, d model.Described) time.Time {
	if src != model.SourcePerformanceInsights {
		return time.Time{}
	}
	days := d.Instance.PIRetentionDays
	if days <= 0 {
		days = 7
	}
	start := cloudwatch.PIRetentionStart(b.opts.Now(), int32(days))
	t := start.Truncate(time.Hour)
	if t.Before(start) {
		t = t.Add(time.Hour)
	}
	return t
}

// sourceBatches splits plans, in order, into batches whose samples (by
// cost, the samples a plan holds in memory at once) fit
// Options.BatchSamples; a plan larger than that is a batch alone.
func (b *Backfiller) sourceBatches(plans []*sourcePlan, cost func(*sourcePlan) int) [][]*sourcePlan {
	var todo []*sourcePlan
	for _, p := range plans {
		if p.missing.len() > 0 {
			todo = append(todo, p)
		}
	}
	return splitBatches(todo, b.opts.BatchSamples, cost)
}

// recordSource remembers which missing hours of the plans that in
// selects got data and which did not, counts them, and adds the history
// written to the self-metrics.
func (b *Backfiller) recordSource(plans []*sourcePlan, in func(h int64) bool, r Range) error {
	changes := map[string]change{}
	history := 0
	for _, p := range plans {
		if p.err != nil {
			continue
		}
		c := change{filled: newHours(r)}
		filled := 0
		p.missing.each(func(h int64) {
			switch {
			case !in(h):
			case p.filled.has(h):
				c.filled.add(h)
				filled++
			default:
				c.empty = append(c.empty, h)
			}
		})
		p.hours.HoursBackfilled += filled
		p.hours.HoursEmpty += len(c.empty)
		history += filled
		changes[p.key()] = c
	}
	b.opts.Telemetry.BackfillHistory.Add(float64(history) * 3600)
	keepFrom := r.To.Add(-MaxDays * 24 * time.Hour).Unix()
	return b.swept.record(changes, keepFrom)
}

// sourceLoad bounds what a sweep of source plans writes, for the free-space
// check: per missing hour, an Enhanced Monitoring instance's events times
// osSeriesPerEvent, or Performance Insights' series at a minute; each
// series once per block window.
func (b *Backfiller) sourceLoad(plans []*sourcePlan) tsdbwriter.Load {
	var l tsdbwriter.Load
	for _, p := range plans {
		series, perHour := uint64(osSeriesPerEvent), uint64(0)
		if p.src == model.SourcePerformanceInsights {
			series, perHour = uint64(b.opts.PIWaitEvents+2*b.opts.PIStatements), 60
		} else if iv := p.d.Instance.MonitoringInterval; iv > 0 {
			perHour = uint64(time.Hour / iv)
		}
		b.addLoad(&l, p.missing, series, perHour)
	}
	return l
}

// windowsOf returns the starts of the block windows (Unix seconds) that
// hold missing hours of the plans, in order.
func windowsOf(plans []*sourcePlan, window time.Duration) []int64 {
	w := int64(window / time.Second)
	seen := hourSet{}
	for _, p := range plans {
		p.missing.each(func(h int64) { seen.add(alignDown(h, w)) })
	}
	return slices.Sorted(maps.Keys(seen))
}
