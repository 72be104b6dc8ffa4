package collector_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
)

// Polls through the real SDK against awssim: throttling is survived with
// no lost poll, and a failing CloudWatch keeps the last values while the
// self-metrics show the failure.
func TestPollsAgainstAWSSim(t *testing.T) {
	c, sim := benchCollector(t, 30)
	tm := c.Telemetry()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	if err := tm.Register(reg); err != nil {
		t.Fatal(err)
	}

	sim.SetFaults(awssim.Faults{ThrottleAboveRPS: 1})
	for i := range 2 {
		if err := c.Poll(context.Background()); err != nil {
			t.Fatalf("poll %d under throttling: %v", i, err)
		}
	}
	if sim.Counters().Throttled == 0 || testutil.ToFloat64(tm.Throttles.WithLabelValues("GetMetricData")) == 0 {
		t.Fatal("awssim throttled nothing: the test proves nothing")
	}
	if got := testutil.ToFloat64(tm.Polls.WithLabelValues("failure")); got != 0 {
		t.Errorf("%v polls lost to throttling", got)
	}
	good := testutil.CollectAndCount(c)
	if good < 30*35 {
		t.Fatalf("only %d series after the polls", good)
	}
	before, err := gatherValues(reg)
	if err != nil {
		t.Fatal(err)
	}

	sim.SetFaults(awssim.Faults{ErrorRate: 1})
	if err := c.Poll(context.Background()); err == nil {
		t.Fatal("poll succeeded against a failing CloudWatch")
	}
	after, err := gatherValues(reg)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s changed from %v to %v after a failed poll", k, v, after[k])
		}
	}
	if testutil.ToFloat64(tm.LastPollSuccess) != 0 || testutil.ToFloat64(tm.Polls.WithLabelValues("failure")) != 1 {
		t.Error("self-metrics do not show the failed poll")
	}
	if testutil.ToFloat64(tm.Requests.WithLabelValues("GetMetricData", "error")) == 0 {
		t.Error("no failed GetMetricData request counted")
	}
}

// gatherValues returns the aws_rds_* samples by series.
func gatherValues(g prometheus.Gatherer) (map[string]float64, error) {
	mfs, err := g.Gather()
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, mf := range mfs {
		if len(mf.GetName()) < 8 || mf.GetName()[:8] != "aws_rds_" {
			continue
		}
		for _, m := range mf.GetMetric() {
			out[mf.GetName()+m.String()] = m.GetGauge().GetValue()
		}
	}
	return out, nil
}
