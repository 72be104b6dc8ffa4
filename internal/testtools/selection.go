package testtools

import (
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// TwentyMetrics returns the 20 metrics x 2 statistics (Average, Maximum)
// that every DB instance was asked for before the metrics became per
// kind, engine and role and checked against ListMetrics: tests and
// benchmarks that measure the pipeline at a fixed cost use it.
func TwentyMetrics() []model.Selection {
	names := []string{
		"CPUUtilization", "DatabaseConnections", "FreeStorageSpace", "FreeableMemory", "ReadIOPS", "WriteIOPS",
		"ReadLatency", "WriteLatency", "ReadThroughput", "WriteThroughput", "NetworkReceiveThroughput",
		"NetworkTransmitThroughput", "DiskQueueDepth", "SwapUsage", "BurstBalance", "CPUCreditBalance",
		"ReplicaLag", "EBSByteBalance%", "EBSIOBalance%", "DBLoad",
	}
	out := make([]model.Selection, len(names))
	for i, n := range names {
		out[i] = model.Selection{Metric: n, Statistics: []string{"Average", "Maximum"}}
	}
	return out
}

// WithMetrics returns copies of the resources, each to be fetched with
// sel.
func WithMetrics(ds []model.Described, sel []model.Selection) []model.Described {
	out := make([]model.Described, len(ds))
	for i, d := range ds {
		d.Metrics = sel
		out[i] = d
	}
	return out
}

// Published returns the metrics CloudWatch has in awssim's default account
// and region (as ListMetrics lists them), per series key (awssim's
// SeriesKey: the ARN of an instance, cluster or proxy).
func Published(sim *awssim.Server) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, s := range sim.PublishedSeries(sim.AccountID(), sim.Region()) {
		k := sim.SeriesKey(s)
		if out[k] == nil {
			out[k] = map[string]bool{}
		}
		out[k][s.Metric] = true
	}
	return out
}
