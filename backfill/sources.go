package backfill

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// Hours count resource-hours of a sweep: HoursTotal is the sum of the
// others.
type Hours struct {
	// HoursTotal is resources times hours in the range.
	HoursTotal int `json:"hours_total"`
	// HoursBackfilled are hours written to the store.
	HoursBackfilled int `json:"hours_backfilled"`
	// HoursSkipped are hours the store already held.
	HoursSkipped int `json:"hours_skipped_covered"`
	// HoursKnownEmpty are hours skipped because an earlier sweep found no
	// data in them.
	HoursKnownEmpty int `json:"hours_skipped_known_empty"`
	// HoursEmpty are hours swept now in which the source had no data.
	HoursEmpty int `json:"hours_empty"`
	// HoursBeyondRetention are hours older than the source keeps for the
	// resource (Performance Insights' retention), not asked for.
	HoursBeyondRetention int `json:"hours_beyond_retention"`
}

// add adds o's counts to h.
func (h *Hours) add(o Hours) {
	h.HoursTotal += o.HoursTotal
	h.HoursBackfilled += o.HoursBackfilled
	h.HoursSkipped += o.HoursSkipped
	h.HoursKnownEmpty += o.HoursKnownEmpty
	h.HoursEmpty += o.HoursEmpty
	h.HoursBeyondRetention += o.HoursBeyondRetention
}

// SourceResult says what a sweep did with one source.
type SourceResult struct {
	// Resources is how many resources the source swept.
	Resources int `json:"resources"`
	Hours
	// Requests are the API calls (pages) the source made: GetMetricData,
	// GetLogEvents or GetResourceMetrics.
	Requests int    `json:"requests"`
	Samples  uint64 `json:"samples_written"`
	// Unavailable are the resources the source has nothing of, and why:
	// Enhanced Monitoring or Performance Insights off, no log stream,
	// access denied. They do not fail the sweep.
	Unavailable []Unavailable `json:"unavailable,omitempty"`
}

// Unavailable is a resource a source could not sweep.
type Unavailable struct {
	ResourceRef
	Reason string `json:"reason"`
}

// unavailable records that the source has nothing of d.
func (sr *SourceResult) unavailable(d model.Described, err error) {
	sr.Unavailable = append(sr.Unavailable, Unavailable{ResourceRef: refOf(d), Reason: err.Error()})
}

// addSource adds a source's hours and samples to the result's totals.
func (res *Result) addSource(sr *SourceResult) { res.add(sr.Hours) }

// writeWindow writes the samples of one block window to the store and
// counts the blocks and samples it wrote in the self-metrics.
func (b *Backfiller) writeWindow(ctx context.Context, ws windowSamples, res *Result) error {
	blocks, samples := res.Blocks, res.Samples
	err := b.store.write(ctx, ws, res)
	tm := b.opts.Telemetry
	tm.BackfillBlocks.Add(float64(res.Blocks - blocks))
	tm.BackfillSamples.Add(float64(res.Samples - samples))
	return err
}

// CheckSources fails, with an error that wraps model.ErrSourceOff and says
// why, when none of the sources can sweep any of the resources: a request
// for Enhanced Monitoring or Performance Insights alone of resources that
// do not have it on. Otherwise the sweep reports such resources in its
// result and sweeps the rest.
func CheckSources(resources []model.Described, sources []model.Source) error {
	var first error
	for _, src := range sources {
		for _, d := range resources {
			err := src.Available(d)
			if err == nil {
				return nil
			}
			if first == nil {
				first = fmt.Errorf("%s: %w", src, err)
			}
		}
	}
	if first == nil {
		return nil // no resource or no source: nothing to refuse
	}
	if len(resources) > 1 {
		return fmt.Errorf("none of the %d resources can be swept: %w", len(resources), first)
	}
	return first
}

// unavailableErr reports whether err says that a source has nothing of a
// resource (no log stream, Performance Insights refused), rather than a
// failure of AWS.
func unavailableErr(err error) bool {
	return errors.Is(err, cloudwatch.ErrNoStream) || errors.Is(err, cloudwatch.ErrPINotAuthorized)
}

// SourceReaders are the Enhanced Monitoring and Performance Insights
// readers of one account and region; *cloudwatch.Client's
// EnhancedMonitoring and PerformanceInsights implement OS and PI.
type SourceReaders struct {
	// Target returns the readers' account and region, as
	// *cloudwatch.Client.Target does (its account may become known only
	// after discovery).
	Target func() model.Target
	OS     OSReader
	PI     PIReader
}

// OSReader reads a DB instance's Enhanced Monitoring events of a range,
// oldest first, page by page; *cloudwatch.EnhancedMonitoring implements
// it.
type OSReader interface {
	ReadRange(ctx context.Context, resourceID string, start, end time.Time, fn func(cloudwatch.OSEvent) error) (cloudwatch.ReadStats, error)
}

// PIReader reads Performance Insights metrics;
// *cloudwatch.PerformanceInsights implements it.
type PIReader interface {
	ResourceMetrics(ctx context.Context, req cloudwatch.PIRequest) (cloudwatch.PIResult, error)
}

// readers returns the source readers of a target.
func (b *Backfiller) readers(t model.Target) (SourceReaders, bool) {
	for _, r := range b.opts.Readers {
		if r.Target() == t {
			return r, true
		}
	}
	return SourceReaders{}, false
}
