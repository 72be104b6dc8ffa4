package collector_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	pmodel "github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/collector"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools/sourcecheck"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/telemetry"
)

// liveNow is the clock of the live sources' tests.
var liveNow = time.Date(2026, 3, 10, 12, 30, 20, 0, time.UTC)

type staticResources []model.Described

func (s staticResources) All() []model.Described { return s }

// sourcesCollector starts awssim with four instances (Enhanced Monitoring
// at 60, 5, 0 and 60 s; Performance Insights on but the third) and returns
// a Sources collector of both sources over the real clients, for the
// instances that filter keeps.
func sourcesCollector(t *testing.T, filter model.SourceFilter) (*collector.Sources, *awssim.Server, []model.Described, *telemetry.Metrics) {
	t.Helper()
	intervals := map[string]int32{"-01": 60, "-02": 5, "-03": 0, "-04": 60}
	sim := awssim.New(awssim.Options{Instances: 4, Now: func() time.Time { return liveNow }, Monitoring: func(in awssim.Instance) awssim.Monitoring {
		iv := intervals[in.ID[len(in.ID)-3:]]
		return awssim.Monitoring{MonitoringInterval: iv, PerformanceInsightsEnabled: iv > 0}
	}})
	if err := sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	tm := telemetry.New()
	clients, err := cloudwatch.NewClients(context.Background(), cloudwatch.Options{
		RequestsPerSecond: 1000, Burst: 5, Observer: tm,
		LoadOptions: testtools.AWSOptions(sim),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := clients[0]
	instances, err := c.DescribeInstances(context.Background(), cloudwatch.DiscoveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	live := collector.LiveSource{Enabled: true, Filter: filter, Interval: time.Minute}
	s := collector.NewSources(collector.SourcesOptions{
		Readers:            []collector.SourceReaders{{Target: c.Target, OS: c.EnhancedMonitoring(), PI: c.PerformanceInsights()}},
		Resources:          staticResources(instances),
		EnhancedMonitoring: live, PerformanceInsights: live,
		PIWaitEvents: 10, PIStatements: 3,
		Env: telemetry.Env{Now: func() time.Time { return liveNow }, Telemetry: tm},
	})
	return s, sim, instances, tm
}

// gathered reads what the collector serves: by instance, series key
// (sourcecheck.SourceKey) and sample time.
func gathered(t *testing.T, s *collector.Sources) map[string]sourcecheck.Expected {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(s)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]sourcecheck.Expected{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			ls := labelsOf(mf.GetName(), m)
			id := ls.Get("dimension_DBInstanceIdentifier")
			if out[id] == nil {
				out[id] = sourcecheck.Expected{}
			}
			k := sourcecheck.SourceKey(ls)
			if out[id][k] == nil {
				out[id][k] = map[int64]float64{}
			}
			if m.TimestampMs == nil {
				t.Fatalf("%s: no timestamp", k)
			}
			out[id][k][m.GetTimestampMs()] = m.GetGauge().GetValue()
		}
	}
	return out
}

func labelsOf(name string, m *dto.Metric) labels.Labels {
	b := labels.NewScratchBuilder(len(m.GetLabel()) + 1)
	b.Add(pmodel.MetricNameLabel, name)
	for _, l := range m.GetLabel() {
		b.Add(l.GetName(), l.GetValue())
	}
	b.Sort()
	return b.Labels()
}

// Live Enhanced Monitoring: the newest event of each instance that has it
// on, with the time it was taken, one GetLogEvents call each; the instance
// without it is absent.
func TestSourcesLiveEnhancedMonitoring(t *testing.T) {
	s, sim, instances, tm := sourcesCollector(t, model.SourceFilter{})
	sim.ResetCounters()
	if err := s.PollOS(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := gathered(t, s)
	for _, d := range instances {
		times := sim.OSEventTimes(d.ARN, liveNow.Add(-5*time.Minute), liveNow.Add(time.Second))
		if len(times) == 0 {
			if len(got[d.ID]) != 0 {
				t.Errorf("%s has no Enhanced Monitoring, yet serves %d series", d.ID, len(got[d.ID]))
			}
			continue
		}
		newest := times[len(times)-1]
		want, err := sourcecheck.OSExpected(sim, d.ARN, newest, newest.Add(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for _, diff := range sourcecheck.Compare(got[d.ID], want, 5) {
			t.Error(d.ID, diff)
		}
	}
	if n := sim.Counters().Requests["GetLogEvents"]; n != 3 {
		t.Errorf("%d GetLogEvents calls, want one per instance with Enhanced Monitoring (3)", n)
	}
	if b := testutil.ToFloat64(tm.ResponseBytes.WithLabelValues(cloudwatch.APIGetLogEvents)); b == 0 || testutil.ToFloat64(tm.Requests.WithLabelValues(cloudwatch.APIGetLogEvents, "success")) != 3 {
		t.Errorf("self-metrics: %v bytes read", b)
	}
	problems, err := testutil.CollectAndLint(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if !camelCaseOfYACE(p) {
			t.Errorf("lint: %s: %s", p.Metric, p.Text)
		}
	}
}

// camelCaseOfYACE reports the one finding the exporter keeps on purpose:
// YACE's label dimension_DBInstanceIdentifier.
func camelCaseOfYACE(p promlint.Problem) bool {
	return strings.Contains(p.Text, "label names should be written in 'snake_case' not 'camelCase'")
}

// Live Performance Insights: the newest minute of the load by the top
// wait events and statements of the last minutes, stamped with the
// minute's start, one GetResourceMetrics call per instance, only for the
// instances the filter selects.
func TestSourcesLivePerformanceInsights(t *testing.T) {
	s, sim, instances, _ := sourcesCollector(t, model.SourceFilter{Instances: []string{"sim-postgres-01", "sim-mariadb-03", "sim-aurora-postgresql-04"}})
	sim.ResetCounters()
	if err := s.PollPI(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := gathered(t, s)
	end := liveNow.Truncate(time.Minute)
	start := end.Add(-5 * time.Minute)
	served := 0
	for _, d := range instances {
		if d.ID == "sim-mysql-02" || d.ID == "sim-mariadb-03" {
			if len(got[d.ID]) != 0 {
				t.Errorf("%s: not selected or without PI, yet %d series", d.ID, len(got[d.ID]))
			}
			continue
		}
		all := sourcecheck.PIExpected(sim, d.ARN, start, end, time.Minute, 10, 3)
		last := end.Add(-time.Minute).UnixMilli()
		want := sourcecheck.Expected{}
		for k, pts := range all {
			if v, ok := pts[last]; ok {
				want[k] = map[int64]float64{last: v}
			}
		}
		if len(want) < 10 {
			t.Fatalf("%s: the oracle has %d series at the last minute", d.ID, len(want))
		}
		for _, diff := range sourcecheck.Compare(got[d.ID], want, 5) {
			t.Error(d.ID, diff)
		}
		served++
	}
	if n := sim.Counters().Requests["GetResourceMetrics"]; n != int64(served) || served != 2 {
		t.Errorf("%d GetResourceMetrics calls for %d instances", n, served)
	}
}
