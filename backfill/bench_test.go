package backfill_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// simFleet starts awssim with n instances and returns a client for it (rate
// limit lifted to 1000/s: the benchmark measures the exporter and the
// simulator, not the limiter) and the instances.
func simFleet(tb testing.TB, n int) (*awssim.Server, *cloudwatch.Client, []model.Described) {
	tb.Helper()
	return simFleetAt(tb, n, 1000)
}

// simFleetAt is simFleet with a rate limit of rps requests per second.
func simFleetAt(tb testing.TB, n int, rps float64) (*awssim.Server, *cloudwatch.Client, []model.Described) {
	tb.Helper()
	sim := awssim.New(awssim.Options{Instances: n, Dense: true})
	if err := sim.Start("127.0.0.1:0"); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = sim.Close() })
	clients, err := cloudwatch.NewClients(context.Background(), cloudwatch.Options{
		RequestsPerSecond: rps, Burst: 5, Parallel: 4,
		LoadOptions: testtools.AWSOptions(sim),
	})
	if err != nil {
		tb.Fatal(err)
	}
	instances, err := clients[0].DescribeInstances(context.Background(), cloudwatch.DiscoveryFilter{})
	if err != nil {
		tb.Fatal(err)
	}
	return sim, clients[0], instances
}

func newSimBackfiller(tb testing.TB, c *cloudwatch.Client, dir string) *backfill.Backfiller {
	tb.Helper()
	b, err := backfill.New(backfill.Options{
		OutputDir: dir,
		Fetchers:  []backfill.Fetcher{c},
		Labels:    map[string]string{"job": "rds"},
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = b.Close() })
	return b
}

// defaultSelection is 20 instance metrics x 2 statistics, the selection of
// every instance before ListMetrics: 6.72M samples for 1000 instances over
// 7 days.
func defaultSelection() []model.Selection { return testtools.TwentyMetrics() }

// averageOnly is the 20 metrics with one statistic: 3.36M samples for 1000
// instances over 7 days.
func averageOnly() []model.Selection {
	sel := defaultSelection()
	for i := range sel {
		sel[i].Statistics = []string{catalog.Average}
	}
	return sel
}

func withMetrics(ds []model.Described, sel []model.Selection) []model.Described {
	return testtools.WithMetrics(ds, sel)
}

// BenchmarkFleetBackfill backfills 7 days of 1000 dense instances (every
// one publishes every metric) x 20 metrics, with one and two statistics
// (3.36M and 6.72M hourly samples), from awssim into a fresh folder per
// iteration, with the default batch; memory is the process's, simulator
// included, and what the sweep added to it.
func BenchmarkFleetBackfill(b *testing.B) {
	for _, bc := range []struct {
		name    string
		metrics []model.Selection
	}{
		{"20metrics_x_Average", averageOnly()},
		{"20metrics_x_Average_Maximum", defaultSelection()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			benchBackfill(b, 1000, bc.metrics, 0)
		})
	}
}

// BenchmarkBackfillFleetSize backfills 7 days of 100, 1000 and 5000 dense
// instances x 20 metrics x 2 statistics at a fixed batch of 500,000
// samples: what a sweep adds to the process's memory (peak-RSS-added-MB,
// the grid outside the Go heap included) against the fleet's size, which
// issue 12 wants flat (the README has the figures).
func BenchmarkBackfillFleetSize(b *testing.B) {
	for _, n := range []int{100, 1000, 5000} {
		b.Run(fmt.Sprintf("instances=%d", n), func(b *testing.B) {
			benchBackfill(b, n, defaultSelection(), 500_000)
		})
	}
}

// benchBackfill backfills 7 days of n dense instances with metrics into a
// fresh folder per iteration, in batches of batch samples (0: default).
func benchBackfill(b *testing.B, n int, metrics []model.Selection, batch int) {
	sim, c, instances := simFleet(b, n)
	instances = withMetrics(instances, metrics)
	var res backfill.Result
	var stop func()
	for b.Loop() {
		b.StopTimer()
		bf, err := backfill.New(backfill.Options{OutputDir: b.TempDir(), Fetchers: []backfill.Fetcher{c},
			Labels: map[string]string{"job": "rds"}, BatchSamples: batch})
		if err != nil {
			b.Fatal(err)
		}
		sim.ResetCounters()
		stop = testtools.WatchMemory(b)
		b.StartTimer()
		res, err = bf.Backfill(context.Background(), backfill.Request{Resources: instances, Days: 7})
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		_ = bf.Close()
		b.StartTimer()
	}
	stop()
	b.ReportMetric(float64(res.Requests), "calls/op")
	b.ReportMetric(float64(res.MetricsRequested), "metrics/op")
	b.ReportMetric(float64(res.Samples), "samples/op")
	b.ReportMetric(float64(res.Samples)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}

// BenchmarkOneInstanceWeek compares, side by side, this package's sweep of
// one instance's week (20 metrics x 2 statistics, hourly) with a naive
// sweep that asks GetMetricData hour by hour, both through the real SDK
// against awssim, at the default rate limit of 10 requests/s.
func BenchmarkOneInstanceWeek(b *testing.B) {
	b.Run("coalesced", func(b *testing.B) {
		sim, c, instances := simFleetAt(b, 1, 10)
		instances = withMetrics(instances, defaultSelection())
		var calls, metrics int64
		for b.Loop() {
			b.StopTimer()
			bf := newSimBackfiller(b, c, b.TempDir())
			sim.ResetCounters()
			b.StartTimer()
			if _, err := bf.Backfill(context.Background(), backfill.Request{Resources: instances, Days: 7}); err != nil {
				b.Fatal(err)
			}
			calls, metrics = sim.Counters().Requests["GetMetricData"], sim.Counters().MetricsRequested
		}
		b.ReportMetric(float64(calls), "calls/op")
		b.ReportMetric(float64(metrics), "metrics/op")
	})
	b.Run("naive-hourly", func(b *testing.B) {
		sim, c, instances := simFleetAt(b, 1, 10)
		queries := model.Queries(withMetrics(instances[:1], defaultSelection()))
		to := time.Now().Add(-3 * time.Hour).Truncate(time.Hour)
		var calls, metrics int64
		for b.Loop() {
			sim.ResetCounters()
			for h := to.Add(-168 * time.Hour); h.Before(to); h = h.Add(time.Hour) {
				w := cloudwatch.Window{Start: h, End: h.Add(time.Hour), Period: time.Hour}
				if _, _, err := c.Fetch(context.Background(), cloudwatch.FetchRequest{Queries: queries, Window: w}); err != nil {
					b.Fatal(err)
				}
			}
			calls, metrics = sim.Counters().Requests["GetMetricData"], sim.Counters().MetricsRequested
		}
		b.ReportMetric(float64(calls), "calls/op")
		b.ReportMetric(float64(metrics), "metrics/op")
	})
}
