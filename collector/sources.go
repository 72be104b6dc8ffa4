package collector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sources"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/telemetry"
)

// OSLatest reads a DB instance's newest Enhanced Monitoring events;
// *cloudwatch.EnhancedMonitoring implements it.
type OSLatest interface {
	Latest(ctx context.Context, resourceID string, since time.Time, n int) ([]cloudwatch.OSEvent, error)
}

// PIMetrics reads Performance Insights; *cloudwatch.PerformanceInsights
// implements it.
type PIMetrics interface {
	ResourceMetrics(ctx context.Context, req cloudwatch.PIRequest) (cloudwatch.PIResult, error)
}

// SourceReaders are the Enhanced Monitoring and Performance Insights
// readers of one account and region.
type SourceReaders struct {
	// Target returns the readers' account and region, as
	// *cloudwatch.Client.Target does (its account may become known only
	// after discovery).
	Target func() model.Target
	OS     OSLatest
	PI     PIMetrics
}

// LiveSource says whether a source is read live, and for which DB
// instances.
type LiveSource struct {
	Enabled bool
	Filter  model.SourceFilter
	// Interval between two reads.
	Interval time.Duration
}

// SourcesOptions configure a Sources collector.
type SourcesOptions struct {
	Readers   []SourceReaders
	Resources Resources
	// EnhancedMonitoring and PerformanceInsights say what is read live.
	EnhancedMonitoring, PerformanceInsights LiveSource
	// PIWaitEvents and PIStatements are how many top wait events and SQL
	// digests are read (1 to 25).
	PIWaitEvents, PIStatements int
	// Labeling names the identity labels of the series, as the
	// CloudWatch collector's and the backfill's.
	Labeling catalog.Labeling
	telemetry.Env
}

// Live read windows: how far back the newest event or data point may be
// for the exporter to serve it.
const (
	minOSWindow = 5 * time.Minute
	minPIWindow = 5 * time.Minute
	// sourceParallel bounds the requests in flight per account and region
	// (the shared limiter still applies).
	sourceParallel = 4
)

// Sources is a prometheus.Collector of the live Enhanced Monitoring and
// Performance Insights series of the DB instances that opted in. Each
// source is read on its own interval in the background; a scrape renders
// the last values read, each with the time AWS took it, since they are
// older than the scrape.
type Sources struct {
	opts  SourcesOptions
	descs sync.Map // family name -> *prometheus.Desc
	os    atomic.Pointer[map[model.Target][]prometheus.Metric]
	pi    atomic.Pointer[map[model.Target][]prometheus.Metric]
}

// NewSources returns a collector that has read nothing yet.
func NewSources(opts SourcesOptions) *Sources {
	opts.Env = opts.WithDefaults()
	s := &Sources{opts: opts}
	s.os.Store(&map[model.Target][]prometheus.Metric{})
	s.pi.Store(&map[model.Target][]prometheus.Metric{})
	return s
}

// Enabled reports whether any source is read live.
func (s *Sources) Enabled() bool {
	return s.opts.EnhancedMonitoring.Enabled || s.opts.PerformanceInsights.Enabled
}

// Run reads each enabled source at once and then on its interval, until
// ctx ends.
func (s *Sources) Run(ctx context.Context) {
	var wg sync.WaitGroup
	if s.opts.EnhancedMonitoring.Enabled {
		wg.Go(func() { s.loop(ctx, model.SourceEnhancedMonitoring, s.opts.EnhancedMonitoring.Interval, s.PollOS) })
	}
	if s.opts.PerformanceInsights.Enabled {
		wg.Go(func() { s.loop(ctx, model.SourcePerformanceInsights, s.opts.PerformanceInsights.Interval, s.PollPI) })
	}
	wg.Wait()
}

// loop runs poll at once and then every interval until ctx ends.
func (s *Sources) loop(ctx context.Context, src model.Source, interval time.Duration, poll func(context.Context) error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if err := poll(ctx); err != nil && ctx.Err() == nil {
			s.opts.Logger.Warn("live read failed; serving the last values read", "source", src, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// PollOS reads the newest Enhanced Monitoring event of every DB instance
// that opted in, one GetLogEvents call each (Limit 1, newest first), and
// swaps the served values. An instance without a stream is left out; a
// target whose reads fail keeps its previous values.
func (s *Sources) PollOS(ctx context.Context) error {
	since := s.opts.Now().Add(-max(minOSWindow, 2*s.opts.EnhancedMonitoring.Interval))
	return s.poll(ctx, &s.os, model.SourceEnhancedMonitoring, s.opts.EnhancedMonitoring.Filter,
		func(ctx context.Context, r SourceReaders, d model.Described) ([]prometheus.Metric, error) {
			events, err := r.OS.Latest(ctx, d.Instance.ResourceID, since, 1)
			if errors.Is(err, cloudwatch.ErrNoStream) || len(events) == 0 {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			ev := events[len(events)-1]
			return s.metrics(d, ev.Timestamp, sources.OSSamples(ev.Metrics)), nil
		})
}

// PollPI reads the load of the last minutes of every DB instance that
// opted in, by its top wait events and SQL digests, with one
// GetResourceMetrics call each, and serves each series' newest minute.
// An instance Performance Insights refuses is left out.
func (s *Sources) PollPI(ctx context.Context) error {
	end := s.opts.Now().Truncate(time.Minute)
	start := end.Add(-max(minPIWindow, s.opts.PerformanceInsights.Interval))
	queries := sources.PIQueries(s.opts.PIWaitEvents, s.opts.PIStatements)
	return s.poll(ctx, &s.pi, model.SourcePerformanceInsights, s.opts.PerformanceInsights.Filter,
		func(ctx context.Context, r SourceReaders, d model.Described) ([]prometheus.Metric, error) {
			res, err := r.PI.ResourceMetrics(ctx, cloudwatch.PIRequest{
				ResourceID: d.Instance.ResourceID, Start: start, End: end, Period: time.Minute, Queries: queries, StampStart: true,
			})
			if errors.Is(err, cloudwatch.ErrPINotAuthorized) {
				return nil, nil
			}
			if err != nil {
				return nil, err
			}
			var out []prometheus.Metric
			for _, sr := range res.Series {
				if len(sr.Points) == 0 {
					continue
				}
				p := sr.Points[len(sr.Points)-1]
				for _, f := range sources.PIFamilies(sr) {
					out = append(out, s.metrics(d, p.Time, []sources.Sample{f.Sample(p.Value)})...)
				}
			}
			return out, nil
		})
}

// readFunc reads one DB instance's live series.
type readFunc func(ctx context.Context, r SourceReaders, d model.Described) ([]prometheus.Metric, error)

// poll reads every DB instance of each target that has the source on and
// that the filter keeps, a few at a time, and swaps what dst serves; a
// target that failed keeps its previous series.
func (s *Sources) poll(ctx context.Context, dst *atomic.Pointer[map[model.Target][]prometheus.Metric], src model.Source, f model.SourceFilter, read readFunc) error {
	all := s.opts.Resources.All()
	old := *dst.Load()
	next := make(map[model.Target][]prometheus.Metric, len(s.opts.Readers))
	var errs []error
	for _, r := range s.opts.Readers {
		t := r.Target()
		ms, err := s.pollTarget(ctx, r, live(all, t, src, f), read)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s in %s: %w", src.Title(), t.Key(), err))
			ms = old[t]
		}
		next[t] = ms
	}
	dst.Store(&next)
	return errors.Join(errs...)
}

// pollTarget reads the instances of one target, sourceParallel at once.
func (s *Sources) pollTarget(ctx context.Context, r SourceReaders, instances []model.Described, read readFunc) ([]prometheus.Metric, error) {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(sourceParallel)
	parts := make([][]prometheus.Metric, len(instances))
	for i, d := range instances {
		g.Go(func() error {
			ms, err := read(ctx, r, d)
			parts[i] = ms
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var out []prometheus.Metric
	for _, p := range parts {
		out = append(out, p...)
	}
	return out, nil
}

// live returns the DB instances of target t that have src on and that f
// keeps.
func live(all []model.Described, t model.Target, src model.Source, f model.SourceFilter) []model.Described {
	var out []model.Described
	for _, d := range all {
		if d.Target == t && d.ServedByCloudWatch() && src.Available(d) == nil && f.Keeps(d) {
			out = append(out, d)
		}
	}
	return out
}

// metrics turns samples of DB instance d taken at ts into gauges with
// d's identity labels and that timestamp.
func (s *Sources) metrics(d model.Described, ts time.Time, samples []sources.Sample) []prometheus.Metric {
	out := make([]prometheus.Metric, 0, len(samples))
	for _, smp := range samples {
		labels := smp.SeriesLabels(s.opts.Labeling, d.Resource)
		m := prometheus.MustNewConstMetric(s.desc(smp, labels), prometheus.GaugeValue, smp.Value, catalog.Values(labels)...)
		out = append(out, prometheus.NewMetricWithTimestamp(ts, m))
	}
	return out
}

// desc returns the Desc of a sample's family, whose series have labels
// named as labels are (the same for every DB instance).
func (s *Sources) desc(smp sources.Sample, labels []catalog.Label) *prometheus.Desc {
	if d, ok := s.descs.Load(smp.Name); ok {
		return d.(*prometheus.Desc)
	}
	help := sources.Help(smp.Name) + " Read live and served with the time AWS took it."
	d, _ := s.descs.LoadOrStore(smp.Name, prometheus.NewDesc(smp.Name, help, catalog.Names(labels), nil))
	return d.(*prometheus.Desc)
}

// Describe sends nothing: the series depend on the instances.
func (s *Sources) Describe(chan<- *prometheus.Desc) {}

// Collect sends the last series read of both sources.
func (s *Sources) Collect(ch chan<- prometheus.Metric) {
	for _, m := range []map[model.Target][]prometheus.Metric{*s.os.Load(), *s.pi.Load()} {
		for _, ms := range m {
			for _, x := range ms {
				ch <- x
			}
		}
	}
}
