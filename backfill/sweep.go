package backfill

import (
	"cmp"
	"context"
	"fmt"
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
	inst     model.Described
	resource model.Resource
	missing  hourSet
}

// key returns the key of the plan's resource.
func (p *instancePlan) key() string { return p.resource.Key() }

// group is one window fetched for several instances of one target.
type group struct {
	fetcher   Fetcher
	window    span
	instances []*instancePlan
	// missing is the instances' missing hours in the window, for progress.
	missing int
}

// Backfill runs one sweep. It works in batches of instances whose samples
// fit Options.BatchSamples (one batch unless the fleet and range are very
// large); a batch is written to the store only when every fetch of the
// batch succeeded, so an AWS failure leaves nothing partial, and the next
// sweep fetches what the failed batches lacked. A store's failure leaves
// whole blocks or whole resource-hours (see Options), which the next
// sweep's coverage sees, and fails the sweep with a *StoreError.
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

// sweepBatch fetches the missing hours of a batch of instances and, when
// every fetch succeeded, writes them to the store and records what it
// learnt.
func (b *Backfiller) sweepBatch(ctx context.Context, plans []*instancePlan, r Range, prog *progress, h *Hours, res *Result) error {
	groups := b.groups(plans)
	res.Windows += len(groups)
	s := newFetched(b, plans)
	prog.fetching()
	for _, g := range groups {
		if err := b.fetchGroup(ctx, g, s, prog, res); err != nil {
			return err
		}
	}
	prog.writing(b.store.phase())
	if err := b.write(ctx, s.finish, res); err != nil {
		return err
	}
	hours := h.HoursBackfilled
	if err := b.recordSwept(plans, s, h, r); err != nil {
		return err
	}
	b.opts.Telemetry.BackfillHistory.Add(float64(h.HoursBackfilled-hours) * 3600)
	return nil
}

// batches splits plans, in order, into batches whose samples to fetch fit
// Options.BatchSamples; a resource larger than that is a batch alone.
func (b *Backfiller) batches(plans []*instancePlan) [][]*instancePlan {
	periods := int(time.Hour / b.opts.Period)
	return splitBatches(plans, b.opts.BatchSamples, func(p *instancePlan) int {
		return len(p.missing) * periods * p.inst.QueryCount()
	})
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
	for _, d := range resources {
		p := &instancePlan{inst: d, resource: d.Resource, missing: hourSet{}}
		empty := hourSet{}
		if !b.opts.ResweepEmpty {
			empty = b.swept.empty(p.key())
		}
		for t := r.From; t.Before(r.To); t = t.Add(time.Hour) {
			res.HoursTotal++
			switch h := t.Unix(); {
			case cov.Covered(p.key(), t.UnixMilli()):
				res.HoursSkipped++
			case empty.has(h):
				res.HoursKnownEmpty++
			default:
				p.missing.add(h)
			}
		}
		plans = append(plans, p)
	}
	return plans
}

// groups coalesces each instance's missing hours into windows, merges the
// windows of the instances of one target into hulls that a full
// GetMetricData call still covers, and groups the instances whose windows
// fall in each hull, so that they share calls. Datapoints of hours an
// instance does not miss are dropped (see fetched.add). Groups are in time order.
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

// targetGroups groups the plans of one target.
func (b *Backfiller) targetGroups(plans []*instancePlan) []*group {
	windows := make(map[*instancePlan][]span, len(plans))
	var all []span
	for _, p := range plans {
		windows[p] = coalesce(p.missing.sorted())
		all = append(all, windows[p]...)
	}
	slices.SortFunc(all, func(a, b span) int { return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.end, b.end)) })
	f := b.fetcher(plans[0].resource.Target)
	var out []*group
	for _, h := range hulls(all, b.maxHullHours()) {
		g := &group{fetcher: f, window: h}
		for _, p := range plans {
			if n := missingIn(p, windows[p], h); n > 0 {
				g.instances = append(g.instances, p)
				g.missing += n
			}
		}
		out = append(out, g)
	}
	return out
}

// missingIn counts the missing hours of p, whose windows are ws, in h.
func missingIn(p *instancePlan, ws []span, h span) int {
	n := 0
	for _, w := range ws {
		if w.overlaps(h) {
			n += span{max(w.start, h.start), min(w.end, h.end)}.hours()
		}
	}
	return n
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
		n += len(p.missing)
	}
	return n
}

// fetchGroup fetches one window for the group's instances, a chunk of
// queries at a time, and hands the datapoints to s.
func (b *Backfiller) fetchGroup(ctx context.Context, g *group, s *fetched, prog *progress, res *Result) error {
	queries := queriesFor(g.instances)
	w := cloudwatch.Window{Start: time.Unix(g.window.start, 0).UTC(), End: time.Unix(g.window.end, 0).UTC(), Period: b.opts.Period}
	// At most QueriesPerFetch queries, and at most four full responses of
	// datapoints in memory at once, however long the window.
	perFetch := min(b.opts.QueriesPerFetch, max(1, 4*cloudwatch.MaxDatapointsPerResponse/max(1, w.Points())))
	total, reported := len(queries), 0
	for done := 0; done < total; {
		n := min(total-done, perFetch)
		series, stats, err := g.fetcher.Fetch(ctx, cloudwatch.FetchRequest{Queries: queries[done : done+n], Window: w, Caller: CallerBackfill})
		res.Requests += stats.Calls
		res.MetricsRequested += stats.MetricsRequested
		res.Datapoints += stats.Datapoints
		if err != nil {
			return err
		}
		s.add(g, series)
		done += n
		hours := done * g.missing / total // instance-hours fetched so far
		prog.add(hours - reported)
		reported = hours
	}
	return nil
}

// queriesFor lists the queries of the resources, resource by resource,
// each for its own metrics.
func queriesFor(plans []*instancePlan) []model.MetricQuery {
	resources := make([]model.Described, len(plans))
	for i, p := range plans {
		resources[i] = p.inst
	}
	return model.Queries(resources)
}

// recordSwept remembers the hours swept without data, and counts hours.
func (b *Backfiller) recordSwept(plans []*instancePlan, s *fetched, res *Hours, r Range) error {
	changes := map[string]change{}
	for _, p := range plans {
		got := s.filled[p.key()]
		c := change{empty: hourSet{}, filled: hourSet{}}
		for h := range p.missing {
			if got.has(h) {
				c.filled.add(h)
			} else {
				c.empty.add(h)
			}
		}
		res.HoursBackfilled += len(c.filled)
		res.HoursEmpty += len(c.empty)
		changes[p.key()] = c
		covered := r.Hours() - len(p.missing) + len(c.filled)
		b.opts.Telemetry.BackfillCoverage.Set(p.resource, float64(covered)*3600)
	}
	retention, _ := RetentionDays(b.opts.Period) // New checked the period
	keepFrom := r.To.Add(-time.Duration(retention) * 24 * time.Hour).Unix()
	return b.swept.record(changes, keepFrom)
}

// seriesLabelsFor returns the labels of one backfilled series: exactly
// those of the live series (catalog.SeriesLabels), plus the target labels.
func (b *Backfiller) seriesLabelsFor(q model.MetricQuery) labels.Labels {
	m := map[string]string{pmodel.MetricNameLabel: catalog.PromName(q.Metric, q.Statistic)}
	for _, l := range catalog.SeriesLabels(q.Resource) {
		m[l.Name] = l.Value
	}
	for k, v := range b.opts.Labels {
		if _, taken := m[k]; !taken {
			m[k] = v
		}
	}
	return labels.FromMap(m)
}
