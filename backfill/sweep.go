package backfill

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"time"

	pmodel "github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// Request is one sweep.
type Request struct {
	// Resources to backfill (DB instances, Aurora clusters, RDS Proxies),
	// each with its metrics; each must be served by CloudWatch, have its
	// ARN, not be an aggregate, and have a Fetcher for its account and
	// region.
	Resources []model.Described
	// Days back from now, at least 1 (see CheckDays); capped at
	// Options.MaxDays.
	Days int
	// Sources to sweep, in order; nil means CloudWatch alone. Enhanced
	// Monitoring and Performance Insights sweep the DB instances that
	// have them on and report the others in the result (see
	// CheckSources).
	Sources []model.Source
	// Select, if set, says which resources a source sweeps (for example
	// the instances a live source selects); nil sweeps them all.
	Select func(model.Source, model.Described) bool
	// Progress, if set, is called as the sweep goes.
	Progress func(Progress)
}

// sources returns the request's sources, CloudWatch when it names none.
func (req Request) sources() []model.Source {
	if len(req.Sources) == 0 {
		return []model.Source{model.SourceCloudWatch}
	}
	return req.Sources
}

// selects reports whether the request sweeps d for src.
func (req Request) selects(src model.Source, d model.Described) bool {
	return req.Select == nil || req.Select(src, d)
}

// Phases of a sweep: fetching, then the write of the store (PhaseWriting
// into the output folder, PhaseUploading to a bucket, PhaseSending by
// remote write), batch after batch.
const (
	PhaseFetching = "fetching"
	PhaseWriting  = "writing blocks"
)

// Progress is how far a sweep is: resource-hours fetched of those to
// fetch (of the sources swept so far: a source's are known once it
// starts), then the phase of the store's write, and the source being
// swept.
type Progress struct {
	Source                model.Source
	Phase                 string
	HoursDone, HoursTotal int
}

// Result says what a sweep did. Hours count resource-hours.
type Result struct {
	DaysRequested int  `json:"days_requested"`
	Days          int  `json:"days"`
	Capped        bool `json:"capped"`
	MaxDays       int  `json:"max_days"`
	// From and To are the range swept, [From, To).
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Hours count the resource-hours of the range, of every source.
	Hours
	// Windows is the number of contiguous windows fetched.
	Windows          int           `json:"windows_fetched"`
	Samples          uint64        `json:"samples_written"`
	Blocks           int           `json:"blocks_written"`
	Requests         int           `json:"cloudwatch_requests"`
	MetricsRequested int           `json:"cloudwatch_metrics_requested"`
	Datapoints       int           `json:"cloudwatch_datapoints"`
	Duration         time.Duration `json:"-"`
	DurationSeconds  float64       `json:"duration_seconds"`
	// Sources says what each source swept: the hours above are their sums,
	// the cloudwatch_* counts CloudWatch's alone.
	Sources map[model.Source]*SourceResult `json:"sources,omitempty"`
}

// instancePlan is the hours one resource needs.
type instancePlan struct {
	inst     *model.Described // in the Request, not a copy of it
	resource model.Resource
	missing  hours
	nMissing int
	// slabs are, for each block window in which the resource misses
	// hours, the span from the first to the end of the last, in time
	// order: what a grid holds of it there.
	slabs []span
	// batchIndex is the plan's place in its batch.
	batchIndex int
}

// key returns the key of the plan's resource.
func (p *instancePlan) key() string { return p.resource.Key() }

// setMissing sets the plan's missing hours and what follows from them.
func (p *instancePlan) setMissing(missing hours, window int64) {
	p.missing, p.nMissing = missing, missing.len()
	missing.each(func(h int64) {
		if n := len(p.slabs); n > 0 && alignDown(p.slabs[n-1].start, window) == alignDown(h, window) {
			p.slabs[n-1].end = h + 3600
			return
		}
		p.slabs = append(p.slabs, span{h, h + 3600})
	})
}

// slabIn returns the plan's slab in the block window w, if it misses
// hours there.
func (p *instancePlan) slabIn(w span) (span, bool) {
	i, ok := slices.BinarySearchFunc(p.slabs, w.start, func(s span, t int64) int {
		return cmp.Compare(alignDown(s.start, w.end-w.start), t)
	})
	if !ok {
		return span{}, false
	}
	return p.slabs[i], true
}

// cost returns the values a grid holds for the plan: a value per period
// of each series over its slabs.
func (p *instancePlan) cost(period time.Duration) int {
	n := 0
	for _, s := range p.slabs {
		n += int(time.Duration(s.end-s.start) * time.Second / period)
	}
	return n * p.inst.QueryCount()
}

// group is one window fetched for several instances of one target.
type group struct {
	fetcher   Fetcher
	window    span
	instances []*instancePlan
	// missing is the instances' missing hours in the window, for progress.
	missing int
}

// Backfill runs one sweep. It works in batches of resources whose samples
// fit Options.BatchSamples (one batch unless the fleet and range are very
// large), and writes each block window of a batch to the store as soon as
// every fetch that covers it has succeeded: an AWS failure leaves no
// window partial, and the next sweep fetches what was not written. A
// store's failure leaves whole blocks or whole resource-hours (see
// Options), which the next sweep's coverage sees, and fails the sweep
// with a *StoreError.
func (b *Backfiller) Backfill(ctx context.Context, req Request) (Result, error) {
	started := time.Now()
	res := b.newResult(req.Days)
	if err := b.check(req); err != nil {
		return res, err
	}
	if err := b.store.prepare(ctx); err != nil {
		return res, fmt.Errorf("backfill: %w", err)
	}
	res.Sources = map[model.Source]*SourceResult{}
	done := 0 // resource-hours to fetch of the sources swept before
	for _, src := range req.sources() {
		sr := &SourceResult{}
		res.Sources[src] = sr
		sweep := b.sweepCloudWatch
		if src != model.SourceCloudWatch {
			sweep = b.sourceSweep(src)
		}
		one, total := req, 0
		if req.Progress != nil {
			one.Progress = func(p Progress) {
				total = p.HoursTotal
				p.HoursDone, p.HoursTotal = p.HoursDone+done, p.HoursTotal+done
				req.Progress(p)
			}
		}
		samples := res.Samples
		err := sweep(ctx, one, sr, &res)
		done += total
		sr.Samples = res.Samples - samples
		res.addSource(sr)
		if err != nil {
			return b.finishResult(res, started), fmt.Errorf("backfill: %s: %w", src, err)
		}
	}
	res = b.finishResult(res, started)
	b.opts.Logger.Info("backfill done", "sources", len(res.Sources), "hours_backfilled", res.HoursBackfilled,
		"hours_empty", res.HoursEmpty, "samples", res.Samples, "blocks", res.Blocks,
		"requests", res.Requests, "metrics_requested", res.MetricsRequested, "duration", res.Duration)
	return res, nil
}

// sweepCloudWatch sweeps CloudWatch's metrics of the request's resources:
// coverage, plan, batches of shared GetMetricData calls, and the store.
// Its hours and samples go to sr, its requests to res.
func (b *Backfiller) sweepCloudWatch(ctx context.Context, req Request, sr *SourceResult, res *Result) error {
	cov, r, err := b.Coverage(ctx, res.Days)
	if err != nil {
		return err
	}
	res.From, res.To = r.From, r.To
	var resources []model.Described
	for _, d := range req.Resources {
		if req.selects(model.SourceCloudWatch, d) {
			resources = append(resources, d)
		}
	}
	plans := b.plan(resources, r, cov, sr)
	if err := b.checkSpace(plans); err != nil {
		return err
	}
	batches := b.batches(plans)
	b.opts.Logger.Info("backfill planned", "source", model.SourceCloudWatch, "resources", len(plans), "from", r.From, "to", r.To,
		"hours_to_fetch", countMissing(plans), "hours_skipped_covered", sr.HoursSkipped,
		"hours_skipped_known_empty", sr.HoursKnownEmpty, "batches", len(batches))
	sr.Resources = len(plans)
	prog := newProgress(b, model.SourceCloudWatch, req.Progress, countMissing(plans), len(plans))
	requests := res.Requests
	defer func() { sr.Requests = res.Requests - requests }()
	for _, batch := range batches {
		if err := b.sweepBatch(ctx, batch, r, prog, &sr.Hours, res); err != nil {
			return err
		}
	}
	return nil
}

// sweepBatch fetches the missing hours of a batch of resources, group by
// group in time order, and writes each block window to the store once no
// group left covers it; then it records what it learnt, also of the
// windows written before a failure. Its hours go to h, its requests,
// blocks and samples to res.
func (b *Backfiller) sweepBatch(ctx context.Context, plans []*instancePlan, r Range, prog *progress, h *Hours, res *Result) error {
	groups := b.groups(plans)
	res.Windows += len(groups)
	g := b.newGrid(plans, r)
	defer g.release()
	var err error
	for i, gr := range groups {
		prog.fetching()
		if err = b.fetchGroup(ctx, gr, g, prog, res); err != nil {
			break
		}
		next := int64(math.MaxInt64)
		if i+1 < len(groups) {
			next = groups[i+1].window.start
		}
		if err = b.writeReady(ctx, g, next, prog, res); err != nil {
			break
		}
	}
	return errors.Join(err, b.store.flush(ctx), b.recordSwept(plans, g, h, r))
}

// writeReady writes the windows of g that no fetch starting at t or later
// covers, in time order.
func (b *Backfiller) writeReady(ctx context.Context, g *grid, t int64, prog *progress, res *Result) error {
	for _, w := range g.ready(t) {
		prog.writing(b.store.phase())
		if err := b.writeWindow(ctx, g.samples(w), res); err != nil {
			return err
		}
		big := len(w.values) >= gcAfterValues
		g.done(w)
		if big {
			// A block's index writer (Prometheus's) takes about 24 MB
			// of buffers whatever its size: collected now, the next
			// window's reuse their room instead of growing the heap by
			// as much again.
			runtime.GC()
		}
	}
	return nil
}

// gcAfterValues is the size of a window after which a collection pays: it
// costs about as much as writing this many samples.
const gcAfterValues = 100_000

// batches splits plans, in order, into batches whose values in a grid fit
// Options.BatchSamples; a resource larger than that is a batch alone.
func (b *Backfiller) batches(plans []*instancePlan) [][]*instancePlan {
	return splitBatches(plans, b.opts.BatchSamples, func(p *instancePlan) int { return p.cost(b.opts.Period) })
}

func (b *Backfiller) newResult(days int) Result {
	res := Result{DaysRequested: days, MaxDays: b.opts.MaxDays}
	res.Days = min(res.DaysRequested, b.opts.MaxDays)
	res.Capped = res.Days < res.DaysRequested
	return res
}

func (b *Backfiller) finishResult(res Result, started time.Time) Result {
	res.Duration = time.Since(started)
	res.DurationSeconds = res.Duration.Seconds()
	return res
}

// check fails for bad days, and for a resource that CloudWatch does not
// serve, that is an aggregate, has no ARN (the key of everything the
// backfill remembers) or that no fetcher reaches.
func (b *Backfiller) check(req Request) error {
	if err := CheckDays(req.Days); err != nil {
		return err
	}
	for _, d := range req.Resources {
		switch {
		case !d.ServedByCloudWatch():
			return fmt.Errorf("%w: %s has provider %q; only provider %q is backfilled", ErrNotCloudWatch, d.ID, d.Provider, model.ProviderAWS)
		case d.Kind.Aggregate():
			return fmt.Errorf("%w: %s %s is an aggregate, served live only", ErrNotCloudWatch, d.Kind, d.Key())
		case d.ARN == "":
			return fmt.Errorf("%w: %s in %s has no ARN", ErrNotCloudWatch, d.ID, d.Target.Key())
		case b.fetcher(d.Target) == nil:
			return fmt.Errorf("%w: %s in %s", ErrNoTarget, d.ID, d.Target.Key())
		}
	}
	for _, src := range req.Sources {
		if !slices.Contains(model.Sources(), src) {
			return fmt.Errorf("%w %q", model.ErrBadSource, src)
		}
	}
	return CheckSources(req.Resources, req.sources())
}

// fetcher returns the fetcher of a target, or nil.
func (b *Backfiller) fetcher(t model.Target) Fetcher {
	for _, f := range b.opts.Fetchers {
		if f.Target() == t {
			return f
		}
	}
	return nil
}

// plan lists, per resource, the hours of r that are neither covered nor
// known to be empty.
func (b *Backfiller) plan(resources []model.Described, r Range, cov *Coverage, res *SourceResult) []*instancePlan {
	plans := make([]*instancePlan, 0, len(resources))
	window := int64(b.opts.BlockWindow / time.Second)
	for i := range resources {
		d := &resources[i]
		p := &instancePlan{inst: d, resource: d.Resource}
		empty := hourSet{}
		if !b.opts.ResweepEmpty {
			empty = b.swept.empty(p.key())
		}
		missing := newHours(r)
		for t := r.From; t.Before(r.To); t = t.Add(time.Hour) {
			res.HoursTotal++
			switch h := t.Unix(); {
			case cov.Covered(p.key(), t.UnixMilli()):
				res.HoursSkipped++
			case empty.has(h):
				res.HoursKnownEmpty++
			default:
				missing.add(h)
			}
		}
		p.setMissing(missing, window)
		plans = append(plans, p)
	}
	return plans
}

// groups coalesces each resource's missing hours into spans, puts the
// spans of the resources of one target into hulls that a full
// GetMetricData call still covers (see assignHulls), and makes a group of
// each hull and the resources whose spans it holds, so that they share
// calls. Datapoints of hours a resource does not miss are dropped (see
// grid.put). Groups are in time order.
func (b *Backfiller) groups(plans []*instancePlan) []*group {
	byTarget := map[model.Target][]*instancePlan{}
	var targets []model.Target
	for _, p := range plans {
		k := p.resource.Target
		if _, ok := byTarget[k]; !ok {
			targets = append(targets, k)
		}
		byTarget[k] = append(byTarget[k], p)
	}
	var out []*group
	for _, k := range targets {
		out = append(out, b.targetGroups(byTarget[k])...)
	}
	slices.SortStableFunc(out, func(a, b *group) int { return cmp.Compare(a.window.start, b.window.start) })
	return out
}

// planSpan is a span of one plan's missing hours.
type planSpan struct {
	span
	p *instancePlan
}

// targetGroups groups the plans of one target.
func (b *Backfiller) targetGroups(plans []*instancePlan) []*group {
	var all []planSpan
	for _, p := range plans {
		for _, s := range p.missing.spans() {
			all = append(all, planSpan{s, p})
		}
	}
	slices.SortStableFunc(all, func(a, b planSpan) int { return cmp.Compare(a.start, b.start) })
	spans := make([]span, len(all))
	for i, ps := range all {
		spans[i] = ps.span
	}
	hulls, of := assignHulls(spans, b.maxHullHours())
	f := b.fetcher(plans[0].resource.Target)
	out := make([]*group, len(hulls))
	for i, h := range hulls {
		out[i] = &group{fetcher: f, window: h}
	}
	// A plan's spans are in time order, so its hulls are too: it is in a
	// group already when the group is the last it joined.
	joined := make(map[*instancePlan]int, len(plans))
	for i, ps := range all {
		g := out[of[i]]
		if last, ok := joined[ps.p]; !ok || last != of[i] {
			g.instances = append(g.instances, ps.p)
			joined[ps.p] = of[i]
		}
		g.missing += ps.hours()
	}
	return out
}

// maxHullHours is the longest window whose datapoints at the backfill
// period still let 500 queries share one GetMetricData call.
func (b *Backfiller) maxHullHours() int {
	points := cloudwatch.MaxDatapointsPerResponse / cloudwatch.MaxQueriesPerCall
	return max(1, int(time.Duration(points)*b.opts.Period/time.Hour))
}

func countMissing(plans []*instancePlan) int {
	n := 0
	for _, p := range plans {
		n += p.nMissing
	}
	return n
}

// fetchGroup fetches one window for the group's resources, a chunk of
// queries at a time, into g.
func (b *Backfiller) fetchGroup(ctx context.Context, gr *group, g *grid, prog *progress, res *Result) error {
	if err := g.openWindows(gr.window); err != nil {
		return err
	}
	w := cloudwatch.Window{Start: time.Unix(gr.window.start, 0).UTC(), End: time.Unix(gr.window.end, 0).UTC(), Period: b.opts.Period}
	total, reported := g.queryCount(gr.instances), 0
	for done := 0; done < total; {
		n := min(total-done, b.opts.QueriesPerFetch)
		queries, series := g.queriesIn(gr.instances, done, done+n)
		stats, err := gr.fetcher.FetchPoints(ctx, cloudwatch.FetchRequest{Queries: queries, Window: w, Caller: CallerBackfill},
			func(i int, ts []int64, vs []float64) error { return g.put(series[i], ts, vs) })
		res.Requests += stats.Calls
		res.MetricsRequested += stats.MetricsRequested
		res.Datapoints += stats.Datapoints
		if err != nil {
			return err
		}
		done += n
		hours := done * gr.missing / total // resource-hours fetched so far
		prog.add(hours - reported)
		reported = hours
	}
	return nil
}

// recordSwept remembers the hours swept without data, of the windows
// written, and counts hours.
func (b *Backfiller) recordSwept(plans []*instancePlan, g *grid, res *Hours, r Range) error {
	changes := make(map[string]change, len(plans))
	history := 0
	for i, p := range plans {
		c := change{filled: g.filled[i]}
		filled := 0
		p.missing.each(func(h int64) {
			switch {
			case !g.swept(h):
			case c.filled.has(h):
				filled++
			default:
				c.empty = append(c.empty, h)
			}
		})
		res.HoursBackfilled += filled
		res.HoursEmpty += len(c.empty)
		history += filled
		changes[p.key()] = c
		covered := r.Hours() - p.nMissing + filled
		b.opts.Telemetry.BackfillCoverage.Set(p.resource, float64(covered)*3600)
	}
	b.opts.Telemetry.BackfillHistory.Add(float64(history) * 3600)
	retention, _ := RetentionDays(b.opts.Period) // New checked the period
	keepFrom := r.To.Add(-time.Duration(retention) * 24 * time.Hour).Unix()
	return b.swept.record(changes, keepFrom)
}

// seriesLabelsFor returns the labels of one backfilled series of resource
// d: exactly those of the live series (catalog.Labeling.Series) that
// Prometheus keeps from a scrape (not the empty ones), plus the target
// labels.
func (b *Backfiller) seriesLabelsFor(d model.Described, q model.MetricQuery) labels.Labels {
	m := map[string]string{pmodel.MetricNameLabel: catalog.PromName(q.Metric, q.Statistic)}
	for _, l := range b.opts.Labeling.Series(d) {
		if l.Value != "" {
			m[l.Name] = l.Value
		}
	}
	for k, v := range b.opts.Labels {
		if _, taken := m[k]; !taken {
			m[k] = v
		}
	}
	return labels.FromMap(m)
}
