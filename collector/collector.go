// Package collector polls CloudWatch in the background and serves the last
// good values as a prometheus.Collector and as an exposition rendered once
// per poll. A scrape never calls AWS nor encodes the live series: each poll
// replaces an immutable snapshot and its rendering at once.
package collector

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/exposition"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/telemetry"
)

// CallerLive names the live collector in CloudWatch request counts.
const CallerLive = telemetry.CallerLive

// Fetcher runs GetMetricData requests in its account and region;
// *cloudwatch.Client implements it.
type Fetcher interface {
	Target() model.Target
	Fetch(ctx context.Context, req cloudwatch.FetchRequest) ([]model.Series, cloudwatch.FetchStats, error)
}

// Resources lists the known resources, each with its metrics;
// *inventory.Inventory implements it.
type Resources interface {
	All() []model.Described
}

// Options configure a Collector.
type Options struct {
	// Fetchers poll the resources of their account and region, one per
	// account and region.
	Fetchers  []Fetcher
	Resources Resources
	// ResourcesReady, if set, is closed once Resources is complete (the
	// first discovery succeeded). Until then a poll polls the resources
	// known but fails with ErrResourcesIncomplete and does not make the
	// collector ready; Run polls again as soon as it is closed.
	ResourcesReady <-chan struct{}
	// Interval between polls, the CloudWatch Period, and the Delay stepped
	// back from now for CloudWatch's publishing lag.
	Interval, Period, Delay time.Duration
	// Labeling names the labels of the series and says which optional
	// ones they carry.
	Labeling catalog.Labeling
	telemetry.Env
}

// ErrResourcesIncomplete fails a poll while Options.ResourcesReady is open.
var ErrResourcesIncomplete = errors.New("the resource list is incomplete: discovery has not succeeded yet")

// Collector is a prometheus.Collector of the aws_rds_* series.
type Collector struct {
	opts  Options
	descs *descs
	snap  atomic.Pointer[snapshot]
	ready chan struct{}
	once  sync.Once
}

// New returns a Collector that has polled nothing yet: it serves nothing
// until the first poll ends.
func New(opts Options) *Collector {
	opts.Env = opts.WithDefaults()
	c := &Collector{opts: opts, ready: make(chan struct{})}
	c.descs = newDescs(opts.Interval, opts.Period, opts.Delay, opts.Labeling)
	c.snap.Store(&snapshot{parts: map[model.Target]part{}})
	return c
}

// Telemetry returns the self-metrics the collector updates.
func (c *Collector) Telemetry() *telemetry.Metrics { return c.opts.Telemetry }

// Ready is closed when the first poll of the complete resource list (see
// Options.ResourcesReady) has ended, successfully or not.
func (c *Collector) Ready() <-chan struct{} { return c.ready }

// Run polls every Interval until ctx ends, and at once: at its start if
// the resource list is complete, else as soon as it is (a tick before then
// polls the resources known, as a failed poll).
func (c *Collector) Run(ctx context.Context) {
	t := time.NewTicker(c.opts.Interval)
	defer t.Stop()
	incomplete := c.opts.ResourcesReady
	if c.resourcesComplete() {
		incomplete = nil
	}
	if incomplete == nil {
		c.logPoll(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-incomplete:
			incomplete = nil // closed: poll now, then on the ticker
		}
		c.logPoll(ctx)
	}
}

// logPoll polls and logs a failure.
func (c *Collector) logPoll(ctx context.Context) {
	if err := c.Poll(ctx); err != nil && ctx.Err() == nil {
		c.opts.Logger.Warn("CloudWatch poll failed; serving the last good values", "err", err)
	}
}

// resourcesComplete reports whether Options.ResourcesReady is closed.
func (c *Collector) resourcesComplete() bool {
	if c.opts.ResourcesReady == nil {
		return true
	}
	select {
	case <-c.opts.ResourcesReady:
		return true
	default:
		return false
	}
}

// Poll fetches the latest datapoint of every metric of every resource
// CloudWatch serves (the metrics the inventory chose for it) and swaps the
// snapshot. A target whose fetch fails keeps its
// previous values; the error names every failed target.
func (c *Collector) Poll(ctx context.Context) error {
	complete := c.resourcesComplete() // before reading the resources
	defer func() {
		if complete {
			c.once.Do(func() { close(c.ready) })
		}
	}()
	start := time.Now()
	w := c.window()
	resources := c.opts.Resources.All()
	old := c.snap.Load()
	parts := make(map[model.Target]part, len(c.opts.Fetchers))
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, f := range c.opts.Fetchers {
		wg.Go(func() {
			p, err := c.pollTarget(ctx, f, resources, w)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				p = old.parts[f.Target()]
			}
			parts[f.Target()] = p
		})
	}
	wg.Wait()
	if !complete {
		errs = append(errs, ErrResourcesIncomplete)
	}
	err := errors.Join(errs...)
	c.snap.Store(c.newSnapshot(parts, infoMetrics(resources, c.opts.Labeling, c.opts.Logger)))
	c.record(start, err)
	return err
}

// newSnapshot returns a snapshot of parts and info, rendered.
func (c *Collector) newSnapshot(parts map[model.Target]part, info []prometheus.Metric) *snapshot {
	s := &snapshot{parts: parts, info: info}
	reg := prometheus.NewRegistry()
	reg.MustRegister(snapshotCollector{s})
	var err error
	if s.rendered, err = exposition.Render(reg); err != nil {
		c.opts.Logger.Error("render the live series; serving what rendered", "err", err)
	}
	return s
}

// Exposition returns the rendering of the last poll's snapshot, for
// /metrics (see exposition.Handler).
func (c *Collector) Exposition() *exposition.Rendered { return c.snap.Load().rendered }

func (c *Collector) record(start time.Time, err error) {
	tm := c.opts.Telemetry
	tm.PollDuration.Observe(time.Since(start).Seconds())
	if err != nil {
		tm.Polls.WithLabelValues("failure").Inc()
		tm.LastPollSuccess.Set(0)
		return
	}
	tm.Polls.WithLabelValues("success").Inc()
	tm.LastPollSuccess.Set(1)
	tm.LastPollSuccessTime.Set(float64(c.opts.Now().UnixNano()) / 1e9)
}

// window is the range a poll asks for: it ends Delay before now, aligned to
// the period, and spans the poll interval (at least 5 periods), so that a
// datapoint CloudWatch published late is still found by the next poll.
func (c *Collector) window() cloudwatch.Window {
	end := c.opts.Now().Add(-c.opts.Delay).Truncate(c.opts.Period)
	span := max(c.opts.Interval, 5*c.opts.Period)
	return cloudwatch.Window{Start: end.Add(-span), End: end, Period: c.opts.Period}
}

func (c *Collector) pollTarget(ctx context.Context, f Fetcher, resources []model.Described, w cloudwatch.Window) (part, error) {
	var mine []model.Described
	byKey := map[string]model.Described{}
	for _, d := range resources {
		if d.ServedByCloudWatch() && d.Target == f.Target() {
			mine = append(mine, d)
			byKey[d.Key()] = d
		}
	}
	queries := model.Queries(mine)
	if len(queries) == 0 {
		return part{}, nil
	}
	series, _, err := f.Fetch(ctx, cloudwatch.FetchRequest{Queries: queries, Window: w, Caller: CallerLive})
	if err != nil {
		return part{}, fmt.Errorf("poll %s: %w", f.Target().Key(), err)
	}
	return part{metrics: c.descs.valueMetrics(series, byKey)}, nil
}

// Describe sends nothing: the set of series depends on the resources, so
// the collector is unchecked.
func (c *Collector) Describe(chan<- *prometheus.Desc) {}

// Collect sends the snapshot's metrics.
func (c *Collector) Collect(ch chan<- prometheus.Metric) { c.snap.Load().collect(ch) }

// snapshot is immutable once stored.
type snapshot struct {
	parts map[model.Target]part
	info  []prometheus.Metric
	// rendered is the exposition of the metrics above.
	rendered *exposition.Rendered
}

// collect sends the snapshot's metrics.
func (s *snapshot) collect(ch chan<- prometheus.Metric) {
	for _, m := range s.info {
		ch <- m
	}
	for _, p := range s.parts {
		for _, m := range p.metrics {
			ch <- m
		}
	}
}

// snapshotCollector collects one snapshot, to render it.
type snapshotCollector struct{ s *snapshot }

func (snapshotCollector) Describe(chan<- *prometheus.Desc) {}

func (sc snapshotCollector) Collect(ch chan<- prometheus.Metric) { sc.s.collect(ch) }

type part struct {
	metrics []prometheus.Metric
}
