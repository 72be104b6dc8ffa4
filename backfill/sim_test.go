package backfill_test

import (
	"context"
	"testing"

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
