package backfill_test

import (
	"context"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// The number of GetMetricData calls of a sweep, counted by awssim: one for
// a 7-day hourly backfill of one instance (a naive hour-by-hour sweep needs
// 168), and ceil(queries/500) for a fleet.
func TestBackfillCallsCountedByAWSSim(t *testing.T) {
	for _, tc := range []struct {
		name      string
		instances int
		metrics   []model.Selection
		wantCalls int64
	}{
		{"one instance, 20 metrics x 2 statistics", 1, defaultSelection(), 1},
		{"1000 instances, 20 metrics x Average", 1000, averageOnly(), (1000*20 + 499) / 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, c, instances := simFleet(t, tc.instances)
			b := newSimBackfiller(t, c, t.TempDir())
			instances = withMetrics(instances, tc.metrics)
			sim.ResetCounters()
			res, err := b.Backfill(context.Background(), backfill.Request{Resources: instances, Days: 7})
			if err != nil {
				t.Fatal(err)
			}
			queries := int64(tc.instances * len(tc.metrics) * len(tc.metrics[0].Statistics))
			got := sim.Counters()
			if got.Requests["GetMetricData"] != tc.wantCalls || int64(res.Requests) != tc.wantCalls {
				t.Errorf("awssim counted %d GetMetricData calls, the result says %d; want %d", got.Requests["GetMetricData"], res.Requests, tc.wantCalls)
			}
			if got.MetricsRequested != queries {
				t.Errorf("awssim counted %d metrics requested, want %d (one per query, whatever the range)", got.MetricsRequested, queries)
			}
			if res.HoursBackfilled+res.HoursEmpty != tc.instances*168 || res.HoursBackfilled < tc.instances*160 {
				t.Errorf("result %+v", res)
			}
		})
	}
}

// Every datapoint is fetched once and written once, at every period, also
// when a sweep's range is longer than a GetMetricData call can cover for
// 500 queries (16 hours at 5m, 3 hours at 1m, 201 hours at 1h): each
// instance-hour is in one fetch window. Windows that overlapped fetched
// the range again for every instance, and kept every copy: a fleet's sweep
// at 5m grew past 5.9 GB, and one of 455 days at 1h failed on the copies.
func TestBackfillFetchesEachDatapointOnce(t *testing.T) {
	for _, tc := range []struct {
		period time.Duration
		days   int
	}{{time.Hour, 10}, {5 * time.Minute, 2}, {time.Minute, 1}} {
		t.Run(tc.period.String(), func(t *testing.T) {
			sim, c, instances := simFleet(t, 5)
			instances = withMetrics(instances, averageOnly())
			b, err := backfill.New(backfill.Options{OutputDir: t.TempDir(), Fetchers: []backfill.Fetcher{c},
				Period: tc.period, MaxDays: tc.days})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = b.Close() })
			sim.ResetCounters()
			res, err := b.Backfill(context.Background(), backfill.Request{Resources: instances, Days: tc.days})
			if err != nil {
				t.Fatal(err)
			}
			var inBlocks uint64
			for _, inst := range instances {
				series, err := b.History(context.Background(), inst.Resource, res.From, res.To)
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range series {
					inBlocks += uint64(len(s.Samples))
				}
			}
			fetched := uint64(sim.Counters().DatapointsReturned)
			if fetched == 0 || fetched != res.Samples || inBlocks != res.Samples {
				t.Errorf("%d datapoints fetched, %d samples written, %d in the blocks; want all three equal (%d windows)",
					fetched, res.Samples, inBlocks, res.Windows)
			}
		})
	}
}
