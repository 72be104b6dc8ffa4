// Package exporter is the exporter's composition root: from a config, the
// command line's options, a clock and a logger it builds the whole
// pipeline (AWS clients, inventory, collector, backfiller, jobs, automatic
// backfill, registry and HTTP handler). cmd/exporter and the tests that
// run the exporter in-process build it here and nowhere else.
package exporter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/api"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/collector"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/config"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/inventory"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/telemetry"
)

// Options are the command line's settings of the exporter; the config file
// holds the rest.
type Options struct {
	// TelemetryPath is where metrics are served; default "/metrics".
	TelemetryPath string
	// Parallel bounds the GetMetricData requests in flight per account and
	// region; default cloudwatch.DefaultParallel.
	Parallel int
	Backfill BackfillOptions
	// Version is shown on the landing page.
	Version string
	// LabelsSnakeCase names the dimension and tag labels of the RDS series
	// in YACE's snake case (--labels.snake-case).
	LabelsSnakeCase bool
}

// BackfillOptions configure the backfill; zero values take the backfill
// package's defaults.
type BackfillOptions struct {
	// Disabled leaves the backfill API and the automatic backfill out.
	Disabled          bool
	OutputDir         string
	PrometheusDataDir string
	MaxDays           int
	HeadMargin        time.Duration
	Period            time.Duration
	Labels            map[string]string
	ResweepEmpty      bool
	BlockDuration     time.Duration
	BatchSamples      int
	// Interval, if positive, backfills every AWS instance's, cluster's and
	// proxy's last MaxDays on this interval (see backfill.Auto).
	Interval time.Duration
	// Stores are the command line's settings of the stores the history
	// goes to, over the config file's backfill section.
	Stores StoreOptions
}

// Env is what the exporter takes from its surroundings.
type Env struct {
	// Now is the clock of every part; default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
	// AWSLoadOptions are passed to config.LoadDefaultConfig after the
	// exporter's own, for example to point the SDK at a simulator.
	AWSLoadOptions []func(*awsconfig.LoadOptions) error
}

// Exporter is the assembled exporter. Build it with New, start its loops
// with Start, and Close it.
type Exporter struct {
	cfg  *config.Config
	opts Options
	env  Env

	telemetry *telemetry.Metrics
	// registry holds the self-metrics, encoded at each scrape; live holds
	// the collector, whose series /metrics serves as rendered per poll.
	registry   *prometheus.Registry
	live       *prometheus.Registry
	clients    []*cloudwatch.Client
	inventory  *inventory.Inventory
	collector  *collector.Collector
	sources    *collector.Sources
	backfiller *backfill.Backfiller // nil when the backfill is disabled or unavailable
	jobs       *backfill.Jobs       // nil when the backfill is disabled or unavailable
	stores     stores
	// backfillErr is why the backfill is unavailable: its output folder
	// cannot be written.
	backfillErr error

	base context.Context    // ends with Close
	stop context.CancelFunc // ends base
	wg   sync.WaitGroup     // the loops Start started
}

// New builds the exporter: it loads the AWS clients (calling no AWS API:
// the account of the default credentials is learned from the instances
// discovered, or from STS when static instances need it) and opens the
// backfill's output folder (if it cannot be written, the exporter is built
// without the backfill: see BackfillErr), but starts nothing and
// discovers nothing. cfg must come from config.Load or config.Parse.
func New(ctx context.Context, cfg *config.Config, opts Options, env Env) (*Exporter, error) {
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Logger == nil {
		env.Logger = slog.New(slog.DiscardHandler)
	}
	base, stop := context.WithCancel(context.Background())
	x := &Exporter{cfg: cfg, opts: opts, env: env, telemetry: telemetry.NewLabeled(cfg.Labeling(opts.LabelsSnakeCase)), base: base, stop: stop}
	if err := x.build(ctx); err != nil {
		return nil, errors.Join(err, x.Close())
	}
	return x, nil
}

func (x *Exporter) build(ctx context.Context) error {
	var err error
	if !x.opts.Backfill.Disabled {
		// First: their settings may be wrong, and they call no one.
		if x.stores, err = x.newStores(); err != nil {
			return err
		}
	}
	if x.registry, err = newRegistry(x.telemetry); err != nil {
		return err
	}
	if x.clients, err = x.newClients(ctx); err != nil {
		return err
	}
	x.inventory = x.newInventory()
	x.collector = x.newCollector()
	x.live = prometheus.NewRegistry()
	if err := x.live.Register(x.collector); err != nil {
		return fmt.Errorf("register collector: %w", err)
	}
	x.sources = x.newSources()
	if err := x.registry.Register(x.sources); err != nil {
		return fmt.Errorf("register the sources' collector: %w", err)
	}
	if x.opts.Backfill.Disabled {
		return nil
	}
	if x.backfiller, err = x.newBackfiller(); err != nil {
		if !errors.Is(err, backfill.ErrOutputFolder) {
			return err
		}
		// Live metrics do not need the output folder.
		x.backfillErr = err
		return nil
	}
	// Background jobs run until Close, whoever started them.
	x.jobs = backfill.NewJobs(x.base, x.backfiller)
	return nil
}

// Start starts the discovery and poll loops and the automatic backfill,
// which run until ctx ends or Close, and returns at once. Discovery is
// retried with a backoff until it succeeds; until then the exporter is not
// ready and its polls count as failed (see collector.Options).
func (x *Exporter) Start(ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	context.AfterFunc(x.base, cancel)
	x.wg.Go(func() { x.inventory.Run(ctx, x.cfg.Discovery.Interval) })
	x.wg.Go(func() { x.collector.Run(ctx) })
	if x.sources.Enabled() {
		x.wg.Go(func() { x.sources.Run(ctx) })
	}
	if x.jobs != nil && x.opts.Backfill.Interval > 0 {
		x.wg.Go(func() { x.runAuto(ctx) })
	}
}

// runAuto runs the automatic backfill after the first poll, so that its
// first run does not delay it.
func (x *Exporter) runAuto(ctx context.Context) {
	sources, selects := x.liveSources()
	auto := &backfill.Auto{
		Jobs: x.jobs, Resources: x.inventory.All, Interval: x.opts.Backfill.Interval,
		Days: x.backfiller.MaxDays(), Logger: x.env.Logger.With("component", "auto-backfill"),
		Sources: sources, Select: selects,
	}
	select {
	case <-x.collector.Ready():
		auto.Run(ctx)
	case <-ctx.Done():
	}
}

// Close stops the loops and the background jobs, waits for them, and
// releases the output folder and the bucket's client.
func (x *Exporter) Close() error {
	x.stop()
	x.wg.Wait()
	if x.jobs != nil {
		x.jobs.Wait()
	}
	var errs []error
	if x.backfiller != nil {
		errs = append(errs, x.backfiller.Close())
	}
	if x.stores.closer != nil {
		errs = append(errs, x.stores.closer.Close())
	}
	return errors.Join(errs...)
}

// Refresh discovers the resources once.
func (x *Exporter) Refresh(ctx context.Context) error { return x.inventory.Refresh(ctx) }

// Poll polls CloudWatch once for the live values.
func (x *Exporter) Poll(ctx context.Context) error { return x.collector.Poll(ctx) }

// PollSources reads Enhanced Monitoring and Performance Insights once, as
// the config's sections enable them.
func (x *Exporter) PollSources(ctx context.Context) error {
	var errs []error
	if x.cfg.EnhancedMonitoring.Enabled {
		errs = append(errs, x.sources.PollOS(ctx))
	}
	if x.cfg.PerformanceInsights.Enabled {
		errs = append(errs, x.sources.PollPI(ctx))
	}
	return errors.Join(errs...)
}

// Resources returns the known resources, each with its metrics.
func (x *Exporter) Resources() []model.Described { return x.inventory.All() }

// Gatherer returns every metric /metrics serves: the live series and the
// self-metrics.
func (x *Exporter) Gatherer() prometheus.Gatherer { return prometheus.Gatherers{x.live, x.registry} }

// Jobs returns the backfill job manager, nil when the backfill is
// disabled.
func (x *Exporter) Jobs() *backfill.Jobs { return x.jobs }

// Backfiller returns the backfiller, nil when the backfill is disabled or
// unavailable (see BackfillErr).
func (x *Exporter) Backfiller() *backfill.Backfiller { return x.backfiller }

// BackfillErr says why the backfill is unavailable (errors.Is
// backfill.ErrOutputFolder): New builds the exporter without it when its
// output folder cannot be written, so that live metrics are served. Nil
// when the backfill is there or disabled.
func (x *Exporter) BackfillErr() error { return x.backfillErr }

// Handler returns the HTTP handler of every endpoint.
func (x *Exporter) Handler() http.Handler {
	opts := api.Options{
		TelemetryPath: x.opts.TelemetryPath,
		Exposition:    x.collector.Exposition,
		Gatherer:      x.registry,
		Resources:     x.inventory,
		Ready:         x.collector.Ready(),
		Version:       x.opts.Version,
		Logger:        x.env.Logger,
	}
	if x.jobs != nil {
		opts.Backfill, opts.History = x.jobs, x.backfiller
	}
	opts.BackfillUnavailable = x.backfillErr
	return api.New(opts).Handler()
}

func newRegistry(tm *telemetry.Metrics) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	if err := tm.Register(reg); err != nil {
		return nil, fmt.Errorf("register self-metrics: %w", err)
	}
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register runtime metrics: %w", err)
		}
	}
	return reg, nil
}
