// Package backfill sweeps CloudWatch history of RDS resources (DB
// instances, Aurora clusters, RDS Proxies) and writes it to a store: TSDB
// blocks in a local folder, blocks uploaded to object storage, or samples
// sent by remote write. It plans the hours of a range, skips the hours that
// the store already holds (and the hours known to have no data), coalesces
// the rest into contiguous windows, fetches them with as few GetMetricData
// calls as CloudWatch's limits allow, and writes them, a block window at a
// time. A window is written only when every fetch that covers it has
// succeeded, so an AWS failure leaves nothing partial behind.
package backfill

import (
	"context"
	"errors"
	"fmt"
	"time"

	pmodel "github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/telemetry"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// CallerBackfill names the backfill in CloudWatch request counts.
const CallerBackfill = telemetry.CallerBackfill

// Defaults and limits.
const (
	DefaultDays       = 7
	DefaultMaxDays    = 7
	MaxDays           = 455 // CloudWatch keeps hourly datapoints 455 days
	DefaultHeadMargin = 3 * time.Hour
	DefaultPeriod     = time.Hour
	// DefaultLabels are the target labels of backfilled series, as the
	// command line writes them: the job of the usual scrape config.
	DefaultLabels = "job=rds"
	// DefaultBatchSamples (8M samples, about 65 MB) holds a 7-day sweep of
	// 1000 instances x 20 metrics x 2 statistics in one batch.
	DefaultBatchSamples = 8_000_000
	// MinBatchSamples keeps batches from being absurdly small.
	MinBatchSamples = 1000
	// MinInterval is the shortest interval of the automatic backfill.
	MinInterval = time.Minute
)

// Errors a caller can test for.
var (
	// ErrNotCloudWatch: the resource is not one the backfill sweeps (not
	// served by CloudWatch, or an aggregate).
	ErrNotCloudWatch = errors.New("resource is not backfilled")
	// ErrNoTarget: no AWS client for the resource's account and region.
	ErrNoTarget = errors.New("no AWS client for the resource's account and region")
	// ErrBadDays: the days of a request are not a whole number of at least 1.
	ErrBadDays = errors.New("want a whole number of days, at least 1")
	// ErrOutputFolder: the output folder cannot be created or written.
	ErrOutputFolder = errors.New("cannot write to the output folder")
)

// CheckDays checks the days of a request: at least 1. More than the
// maximum is not an error: the sweep caps it and says so.
func CheckDays(days int) error {
	if days < 1 {
		return fmt.Errorf("%w, got %d", ErrBadDays, days)
	}
	return nil
}

// Fetcher runs GetMetricData requests in its account and region, handing
// over datapoints as it decodes them; *cloudwatch.Client implements it.
type Fetcher interface {
	Target() model.Target
	FetchPoints(ctx context.Context, req cloudwatch.FetchRequest, fn cloudwatch.PointsFunc) (cloudwatch.FetchStats, error)
}

// Options configure a Backfiller.
type Options struct {
	// OutputDir receives the blocks, and holds the file of hours known to
	// be empty whatever the store. It is created if missing.
	OutputDir string
	// PrometheusDataDir, if set, is scanned read-only for hours already
	// covered (Prometheus's own blocks) when the blocks go to OutputDir.
	PrometheusDataDir string
	// RemoteWrite, if set, receives the samples instead of OutputDir. It
	// needs CoverageQuery and excludes Bucket.
	RemoteWrite RemoteWriter
	// Bucket, if set, receives the blocks: each is written into a spool
	// folder in OutputDir, uploaded, and removed from there; a sweep first
	// uploads what an earlier one left there. Its blocks are the coverage
	// unless CoverageQuery is set.
	Bucket Bucket
	// CoverageQuery, if set, is asked which hours the store holds; with
	// blocks in OutputDir, the hours they hold count too.
	CoverageQuery CoverageQuerier
	// Fetchers fetch the history of the instances of their account and
	// region, one per account and region.
	Fetchers []Fetcher
	// Readers read Enhanced Monitoring and Performance Insights in their
	// account and region, one per account and region.
	Readers []SourceReaders
	// PIWaitEvents and PIStatements are how many top wait events and SQL
	// digests Performance Insights backfills (1 to 25); default 10 each.
	PIWaitEvents, PIStatements int
	// Period of the CloudWatch datapoints: 1h by default; 1m (within 15
	// days) and 5m (within 63 days) are allowed.
	Period time.Duration
	// HeadMargin keeps the sweep out of Prometheus's head block.
	HeadMargin time.Duration
	// MaxDays caps a request's days.
	MaxDays int
	// Labels are added to every series (target labels, e.g. job=rds).
	Labels map[string]string
	// Labeling names the labels of the series as the live collector's,
	// and says which optional ones they carry.
	Labeling catalog.Labeling
	// ResweepEmpty asks CloudWatch again for hours it had no data for.
	ResweepEmpty bool
	// BlockWindow is the span of one block, default 24h.
	BlockWindow time.Duration
	// QueriesPerFetch bounds the queries of one FetchPoints; default 2000
	// (4 GetMetricData calls).
	QueriesPerFetch int
	// BatchSamples bounds the samples held in memory (8 bytes and a bit
	// each: a value per period from a resource's first missing hour to its
	// last in each block window) before blocks are written; default
	// DefaultBatchSamples. A sweep larger than that writes a set of blocks
	// per batch of resources, which Prometheus merges.
	BatchSamples int
	telemetry.Env
}

// Backfiller runs sweeps. It is safe for concurrent use; sweeps of the same
// instance must not overlap (the job manager ensures it).
type Backfiller struct {
	opts    Options
	writer  *tsdbwriter.Writer
	store   store
	sources []coverageSource
	swept   *sweptStore
}

// New validates opts, applies defaults and opens the output folder. An
// output folder that cannot be created or written (or whose empty-hours
// file cannot be read) fails with ErrOutputFolder, naming it.
func New(opts Options) (*Backfiller, error) {
	if err := applyDefaults(&opts); err != nil {
		return nil, err
	}
	w, err := tsdbwriter.New(tsdbwriter.Options{Dir: opts.OutputDir, Window: opts.BlockWindow, Logger: opts.Logger})
	if err != nil {
		return nil, fmt.Errorf("backfill: %w %s: %w", ErrOutputFolder, opts.OutputDir, err)
	}
	b := &Backfiller{opts: opts, writer: w}
	if b.store, err = newStore(opts, w); err != nil {
		return nil, errors.Join(fmt.Errorf("backfill: %w %s: %w", ErrOutputFolder, opts.OutputDir, err), w.Close())
	}
	if b.swept, err = openSwept(opts.OutputDir); err != nil {
		return nil, errors.Join(fmt.Errorf("backfill: %w %s: %w", ErrOutputFolder, opts.OutputDir, err), b.Close())
	}
	b.sources = b.coverageSources()
	return b, nil
}

func applyDefaults(o *Options) error {
	if o.OutputDir == "" {
		return errors.New("backfill: no output folder")
	}
	if err := checkStores(*o); err != nil {
		return err
	}
	if o.Period == 0 {
		o.Period = DefaultPeriod
	}
	limit, ok := RetentionDays(o.Period)
	if !ok {
		return fmt.Errorf("backfill: period %s: want 1m, 5m or 1h", o.Period)
	}
	if o.HeadMargin == 0 {
		o.HeadMargin = DefaultHeadMargin
	}
	if o.MaxDays == 0 {
		o.MaxDays = DefaultMaxDays
	}
	if o.MaxDays < 1 || o.MaxDays > limit {
		return fmt.Errorf("backfill: max days %d: want 1 to %d for period %s (CloudWatch retention)", o.MaxDays, limit, o.Period)
	}
	if o.BlockWindow == 0 {
		o.BlockWindow = tsdbwriter.DefaultWindow
	}
	if err := tsdbwriter.ValidateWindow(o.BlockWindow); err != nil {
		return fmt.Errorf("backfill: %w", err)
	}
	if o.BatchSamples <= 0 {
		o.BatchSamples = DefaultBatchSamples
	}
	if o.QueriesPerFetch <= 0 {
		o.QueriesPerFetch = 4 * cloudwatch.MaxQueriesPerCall
	}
	sourceDefaults(o)
	o.Env = o.WithDefaults()
	return nil
}

// RetentionDays returns how many days CloudWatch keeps datapoints of a
// period the backfill supports (1m: 15, 5m: 63, 1h: 455), and false for any
// other period.
func RetentionDays(period time.Duration) (int, bool) {
	switch period {
	case time.Minute:
		return 15, true
	case 5 * time.Minute:
		return 63, true
	case time.Hour:
		return MaxDays, true
	}
	return 0, false
}

// MaxDays returns the cap on days of a request.
func (b *Backfiller) MaxDays() int { return b.opts.MaxDays }

// Close releases the output folder's staging areas.
func (b *Backfiller) Close() error { return errors.Join(b.store.close(), b.writer.Close()) }

// dirs returns the folders scanned for coverage and history.
func (b *Backfiller) dirs() []string {
	dirs := []string{b.opts.OutputDir}
	if b.opts.PrometheusDataDir != "" {
		dirs = append(dirs, b.opts.PrometheusDataDir)
	}
	return dirs
}

// seriesMatchers select the series that count as CloudWatch's coverage:
// the aws_rds_* value series, not the info series (it exists whether
// CloudWatch has data or not).
func seriesMatchers() []*labels.Matcher { return sourceMatchers(model.SourceCloudWatch) }

// sourceMatchers select the series of a source that count as its
// coverage: CloudWatch's aws_rds_* value series, Enhanced Monitoring's
// rdsosmetrics_*, Performance Insights' rds_pi_* but its info series.
// Their name prefixes tell the sources apart.
func sourceMatchers(src model.Source) []*labels.Matcher {
	prefix, info := "aws_rds_", catalog.InfoMetric
	switch src {
	case model.SourceEnhancedMonitoring:
		prefix, info = catalog.OSMetricsPrefix, ""
	case model.SourcePerformanceInsights:
		prefix, info = catalog.PIPrefix, catalog.PISQLInfo
	}
	ms := []*labels.Matcher{labels.MustNewMatcher(labels.MatchRegexp, pmodel.MetricNameLabel, prefix+".+")}
	if info != "" {
		ms = append(ms, labels.MustNewMatcher(labels.MatchNotEqual, pmodel.MetricNameLabel, info))
	}
	return ms
}
