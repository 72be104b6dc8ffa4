package collector_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/collector"
	exporterconfig "github.com/rds-backfill-exporter/rds-backfill-exporter/config"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/inventory"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/telemetry"
)

// pollsPerMonth is the live polls of 30 days at the default poll interval
// of 5 minutes.
const pollsPerMonth = 30 * 24 * 12

// BenchmarkMetricsPerPoll measures what one live poll of a mixed fleet
// costs: 1000 DB instances (PostgreSQL, MySQL, MariaDB and Aurora
// PostgreSQL in turn, one in three burstable, every sixth a read replica,
// Performance Insights on four in five; 125 Aurora clusters) and 20 RDS
// Proxies, before (20 metrics x 2 statistics for every instance, asked
// whether CloudWatch has them or not; no cluster, no proxy) and after
// (the default config: every default metric ListMetrics lists for each
// instance, cluster and proxy, x 2 statistics). It reports the metrics
// requested per poll, those of them CloudWatch does not have (awssim's
// per-resource counts against what it publishes), and the $/month at
// $0.01 per 1,000 metrics requested with a poll every 5 minutes.
func BenchmarkMetricsPerPoll(b *testing.B) {
	sim, c := simClient(b, awssim.Options{Instances: 1000, Proxies: 20}, nil)
	for _, bc := range []struct {
		name      string
		resources func(b *testing.B) []model.Described
	}{
		{"before_20x2_per_instance", func(b *testing.B) []model.Described {
			ds, err := c.DescribeInstances(context.Background(), cloudwatch.DiscoveryFilter{})
			if err != nil {
				b.Fatal(err)
			}
			return testtools.WithMetrics(ds, testtools.TwentyMetrics())
		}},
		{"after_default_config", func(b *testing.B) []model.Described {
			inv := inventory.New(inventory.Options{Describers: []inventory.Describer{c}, Discovery: true, Rules: exporterconfig.Default().MetricRules()})
			if err := inv.Refresh(context.Background()); err != nil {
				b.Fatal(err)
			}
			return inv.All()
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			col := collector.New(collector.Options{
				Fetchers: []collector.Fetcher{c}, Resources: fleet(bc.resources(b)),
				Interval: 5 * time.Minute, Period: time.Minute, Delay: 2 * time.Minute, Env: telemetry.Env{},
			})
			var metrics, unlisted int64
			var byKind map[string]int64
			for b.Loop() {
				sim.ResetCounters()
				if err := col.Poll(context.Background()); err != nil {
					b.Fatal(err)
				}
				cnt := sim.Counters()
				metrics, unlisted, byKind = cnt.MetricsRequested, unlistedQueries(sim, cnt), queriesByKind(cnt)
			}
			b.ReportMetric(float64(metrics), "metrics/poll")
			b.ReportMetric(float64(unlisted), "unlisted-metrics/poll")
			for _, k := range []string{"db", "cluster", "db-proxy"} {
				b.ReportMetric(float64(byKind[k]), k+"-metrics/poll")
			}
			b.ReportMetric(float64(metrics)*pollsPerMonth/1000*0.01, "$/month@5m")
		})
	}
}

// queriesByKind counts the queries of cnt by the kind of resource asked,
// from the resource type of its ARN.
func queriesByKind(cnt awssim.Counters) map[string]int64 {
	out := map[string]int64{}
	for k, byMetric := range cnt.ResourceQueries {
		kind := "other"
		for _, t := range []string{"db", "cluster", "db-proxy"} {
			if strings.Contains(k, ":"+t+":") {
				kind = t
			}
		}
		for _, q := range byMetric {
			out[kind] += q
		}
	}
	return out
}

// unlistedQueries counts the queries of cnt for a metric that CloudWatch
// does not have for the resource asked.
func unlistedQueries(sim *awssim.Server, cnt awssim.Counters) int64 {
	have := testtools.Published(sim)
	var n int64
	for k, byMetric := range cnt.ResourceQueries {
		for m, q := range byMetric {
			if !have[k][m] {
				n += q
			}
		}
	}
	return n
}
