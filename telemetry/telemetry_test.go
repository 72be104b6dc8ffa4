package telemetry

import (
	"errors"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
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

// The coverage gauge keeps resources with the same identifier in other
// regions or accounts apart, with the identity labels of each.
func TestCoverageGaugePerResource(t *testing.T) {
	m := New()
	reg := prometheus.NewPedanticRegistry()
	if err := m.Register(reg); err != nil {
		t.Fatal(err)
	}
	for i, tg := range []model.Target{{AccountID: "111111111111", Region: "us-east-1"}, {AccountID: "111111111111", Region: "eu-west-1"}, {AccountID: "222222222222", Region: "us-east-1"}} {
		r := model.Resource{Target: tg, Kind: model.KindDBInstance, ID: "db-0001", ARN: tg.ARN(model.KindDBInstance, "db-0001")}
		m.BackfillCoverage.Set(r, float64(i+1)*3600)
	}
	want := `
# HELP rds_backfill_exporter_backfill_coverage_seconds Seconds of the backfill range (the last max-days, whole hours) that the backfill's store holds (its blocks, bucket or remote store), per resource (DB instance, Aurora cluster or RDS Proxy, with its identity labels: name is its ARN), as of its last backfill.
# TYPE rds_backfill_exporter_backfill_coverage_seconds gauge
rds_backfill_exporter_backfill_coverage_seconds{account_id="111111111111",dimension_DBInstanceIdentifier="db-0001",name="arn:aws:rds:eu-west-1:111111111111:db:db-0001",region="eu-west-1"} 7200
rds_backfill_exporter_backfill_coverage_seconds{account_id="111111111111",dimension_DBInstanceIdentifier="db-0001",name="arn:aws:rds:us-east-1:111111111111:db:db-0001",region="us-east-1"} 3600
rds_backfill_exporter_backfill_coverage_seconds{account_id="222222222222",dimension_DBInstanceIdentifier="db-0001",name="arn:aws:rds:us-east-1:222222222222:db:db-0001",region="us-east-1"} 10800
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "rds_backfill_exporter_backfill_coverage_seconds"); err != nil {
		t.Error(err)
	}
}
