package telemetry

import (
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestObserverCounts(t *testing.T) {
	m := New()
	reg := prometheus.NewPedanticRegistry()
	if err := m.Register(reg); err != nil {
		t.Fatal(err)
	}
	m.Request("GetMetricData", nil)
	m.Request("GetMetricData", errors.New("boom"))
	m.Throttled("GetMetricData")
	m.MetricsRequested("live", 500)
	m.Datapoints("backfill", 84000)
	for _, tc := range []struct {
		c    prometheus.Collector
		want float64
	}{
		{m.Requests.WithLabelValues("GetMetricData", "success"), 1},
		{m.Requests.WithLabelValues("GetMetricData", "error"), 1},
		{m.Throttles.WithLabelValues("GetMetricData"), 1},
		{m.MetricsRequestedTotal.WithLabelValues("live"), 500},
		{m.DatapointsTotal.WithLabelValues("backfill"), 84000},
	} {
		if got := testutil.ToFloat64(tc.c); got != tc.want {
			t.Errorf("got %v, want %v", got, tc.want)
		}
	}
	// Fixed outcomes exist at 0 before the first event.
	if n := testutil.CollectAndCount(m.BackfillJobs); n != 3 {
		t.Errorf("%d backfill job outcomes, want 3", n)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if !strings.Contains(p.Text, "camelCase") {
			t.Errorf("lint: %s: %s", p.Metric, p.Text)
		}
	}
}
