package tsdbwriter

import (
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
)

// cloudWatchSpec describes what one backfill sweep writes: the 20 metrics
// x 2 statistics of testtools.TwentyMetrics of simulated instances, for
// days from start at one sample per period.
type cloudWatchSpec struct {
	instances int
	start     int64 // ms, a UTC midnight
	days      int
	period    time.Duration
}

// cloudWatchSeries returns spec's series, labeled as the backfill labels
// them and valued by awssim's data function (CloudWatch-like values: a
// level per instance, a daily cycle, a trend and noise), which compress as
// real ones do, unlike the smooth values of fleet. Metrics an instance's
// engine does not publish have no series, as in a real sweep.
func cloudWatchSeries(spec cloudWatchSpec) []Series {
	end := time.UnixMilli(spec.start).Add(time.Duration(spec.days) * 24 * time.Hour)
	sim := awssim.New(awssim.Options{Instances: spec.instances, Now: func() time.Time { return end.Add(time.Hour) }})
	var out []Series
	for _, in := range sim.Instances() {
		for _, sel := range testtools.TwentyMetrics() {
			for _, stat := range sel.Statistics {
				s := Series{Labels: cloudWatchLabels(in, sel.Metric, stat)}
				for t := time.UnixMilli(spec.start); t.Before(end); t = t.Add(spec.period) {
					if v, ok := sim.Value(in.ARN, sel.Metric, stat, t, spec.period); ok {
						s.Samples = append(s.Samples, Sample{T: t.UnixMilli(), V: v})
					}
				}
				if len(s.Samples) > 0 {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// cloudWatchLabels are the labels of a backfilled series, with the default
// target label job.
func cloudWatchLabels(in awssim.Instance, metric, stat string) labels.Labels {
	return labels.FromStrings(
		"__name__", catalog.PromName(metric, stat),
		catalog.LabelAccountID, in.AccountID,
		catalog.LabelInstanceID, in.ID,
		"job", "rds-backfill-exporter",
		catalog.LabelName, in.ARN,
		catalog.LabelRegion, in.Region,
	)
}

// samples counts the samples of series.
func samples(series []Series) uint64 {
	var n uint64
	for _, s := range series {
		n += uint64(len(s.Samples))
	}
	return n
}
