// Package backfill sweeps CloudWatch history of RDS instances and writes it
// as Prometheus TSDB blocks. It plans the hours of a range, skips the hours
// that existing blocks already cover (and the hours known to have no data),
// coalesces the rest into contiguous windows, fetches them with as few
// GetMetricData calls as CloudWatch's limits allow, and writes one block per
// aligned window. Blocks are written only when every fetch succeeded, so an
// AWS failure leaves nothing partial behind.
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
const CallerBackfill = "backfill"

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
	// DefaultBatchSamples (8M samples, about 128 MB) holds a 7-day sweep of
	// 1000 instances x 20 metrics x 2 statistics in one batch.
	DefaultBatchSamples = 8_000_000
	// MinBatchSamples keeps batches from being absurdly small.
	MinBatchSamples = 1000
	// MinInterval is the shortest interval of the automatic backfill.
	MinInterval = time.Minute
)

// Errors a caller can test for.
var (
	// ErrNotCloudWatch: the instance is not served by CloudWatch.
	ErrNotCloudWatch = errors.New("instance is not served by CloudWatch")
	// ErrNoTarget: no AWS client for the instance's account and region.
	ErrNoTarget = errors.New("no AWS client for the instance's account and region")
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

// Fetcher runs GetMetricData requests in its account and region;
// *cloudwatch.Client implements it.
type Fetcher interface {
	Target() model.Target
	Fetch(ctx context.Context, req cloudwatch.FetchRequest) ([]model.Series, cloudwatch.FetchStats, error)
}

// Options configure a Backfiller.
type Options struct {
	// OutputDir receives the blocks. It is created if missing.
	OutputDir string
	// PrometheusDataDir, if set, is scanned read-only for hours already
	// covered (Prometheus's own blocks).
	PrometheusDataDir string
	// Fetchers fetch the history of the instances of their account and
	// region, one per account and region.
	Fetchers []Fetcher
	Metrics  []catalog.Selection
	// Period of the CloudWatch datapoints: 1h by default; 1m (within 15
	// days) and 5m (within 63 days) are allowed.
	Period time.Duration
	// HeadMargin keeps the sweep out of Prometheus's head block.
	HeadMargin time.Duration
	// MaxDays caps a request's days.
	MaxDays int
	// Labels are added to every series (target labels, e.g. job=rds).
	Labels map[string]string
	// ResweepEmpty asks CloudWatch again for hours it had no data for.
	ResweepEmpty bool
	// BlockWindow is the span of one block, default 24h.
	BlockWindow time.Duration
	// QueriesPerFetch bounds the queries of one Fetch; default 2000 (4
	// GetMetricData calls).
	QueriesPerFetch int
	// BatchSamples bounds the samples (16 bytes each) held in memory before
	// blocks are written; default DefaultBatchSamples. A sweep larger than
	// that writes a set of blocks per batch of instances, which Prometheus
	// merges.
	BatchSamples int
	telemetry.Env
}

// Backfiller runs sweeps. It is safe for concurrent use; sweeps of the same
// instance must not overlap (the job manager ensures it).
type Backfiller struct {
	opts   Options
	writer *tsdbwriter.Writer
	swept  *sweptStore
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
	swept, err := openSwept(opts.OutputDir)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("backfill: %w %s: %w", ErrOutputFolder, opts.OutputDir, err), w.Close())
	}
	return &Backfiller{opts: opts, writer: w, swept: swept}, nil
}

func applyDefaults(o *Options) error {
	if o.OutputDir == "" {
		return errors.New("backfill: no output folder")
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

// Close releases the output folder's staging area.
func (b *Backfiller) Close() error { return b.writer.Close() }

// dirs returns the folders scanned for coverage and history.
func (b *Backfiller) dirs() []string {
	dirs := []string{b.opts.OutputDir}
	if b.opts.PrometheusDataDir != "" {
		dirs = append(dirs, b.opts.PrometheusDataDir)
	}
	return dirs
}

// seriesMatchers select the series that count as coverage: the aws_rds_*
// value series, not the info series (it exists whether CloudWatch has data
// or not).
func seriesMatchers() []*labels.Matcher {
	return []*labels.Matcher{
		labels.MustNewMatcher(labels.MatchRegexp, pmodel.MetricNameLabel, "aws_rds_.+"),
		labels.MustNewMatcher(labels.MatchNotEqual, pmodel.MetricNameLabel, catalog.InfoMetric),
	}
}

// Coverage returns, per resource key (the ARN: the name label of every
// series), the hours of the last days that blocks cover.
func (b *Backfiller) Coverage(ctx context.Context, days int) (*tsdbwriter.Coverage, Range, error) {
	r := sweepRange(b.opts.Now(), b.opts.HeadMargin, days)
	cov, err := tsdbwriter.ScanCoverage(ctx, b.dirs(), tsdbwriter.CoverageOptions{
		Label: catalog.LabelName, Mint: r.From.UnixMilli(), Maxt: r.To.UnixMilli(),
		Step: time.Hour, Matchers: seriesMatchers(), Logger: b.opts.Logger,
	})
	if err != nil {
		return nil, r, fmt.Errorf("scan coverage: %w", err)
	}
	return cov, r, nil
}
