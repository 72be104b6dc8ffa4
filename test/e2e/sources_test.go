package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools/sourcecheck"
)

// sourcesSim starts awssim with three instances: sim-postgres-01 with
// Enhanced Monitoring at 60 s and Performance Insights kept 731 days,
// sim-mysql-02 with neither, sim-mariadb-03 with Enhanced Monitoring at
// 60 s and Performance Insights kept 7 days.
func sourcesSim(t *testing.T) *awssim.Server {
	t.Helper()
	return startSim(t, awssim.Options{Instances: 3, Monitoring: func(in awssim.Instance) awssim.Monitoring {
		switch {
		case strings.HasSuffix(in.ID, "-01"):
			return awssim.Monitoring{MonitoringInterval: 60, PerformanceInsightsEnabled: true, PerformanceInsightsRetentionPeriod: 731}
		case strings.HasSuffix(in.ID, "-03"):
			return awssim.Monitoring{MonitoringInterval: 60, PerformanceInsightsEnabled: true, PerformanceInsightsRetentionPeriod: 7}
		}
		return awssim.Monitoring{}
	}})
}

// TestBackfillSourcesIntoPrometheus backfills 3 days of Enhanced
// Monitoring at 60 s and 7 days of Performance Insights of a fleet through
// the binary's API, checks the calls awssim counted (each stream's range
// in the fewest GetLogEvents pages, one GetResourceMetrics call per
// instance), that the instance without either is reported and refused
// alone, and that a repeat makes no request; then serves the blocks with
// a real Prometheus and compares every sample with what awssim served.
func TestBackfillSourcesIntoPrometheus(t *testing.T) {
	sim := sourcesSim(t)
	out := t.TempDir()
	exp := startExporter(t, sim, "--backfill.output-dir="+out)
	on := []awssim.Instance{sim.Instances()[0], sim.Instances()[2]}
	off := sim.Instances()[1]

	code, body := exp.call(t, "POST", "/api/v1/instances/"+off.ID+"/metrics/backfill?days=3&source=enhanced-monitoring")
	if msg, _ := body["error"].(string); code != 400 || !strings.Contains(msg, "Enhanced Monitoring is not enabled for DB instance "+off.ID) {
		t.Errorf("Enhanced Monitoring of %s: %d %v, want 400 saying it is off", off.ID, code, body)
	}
	code, body = exp.call(t, "POST", "/api/v1/instances/"+off.ID+"/metrics/backfill?source=performance-insights")
	if msg, _ := body["error"].(string); code != 400 || !strings.Contains(msg, "Performance Insights is not enabled for DB instance "+off.ID) {
		t.Errorf("Performance Insights of %s: %d %v, want 400 saying it is off", off.ID, code, body)
	}

	sim.ResetCounters()
	em := fleetBackfill(t, exp, "days=3&source=enhanced-monitoring", off.ID)
	from, to := testtools.ParseTime(t, em["from"]), testtools.ParseTime(t, em["to"])
	calls := 0
	for _, in := range on {
		calls += sourcecheck.GetLogEventsCalls(sim, in.ARN, from, to)
	}
	if c := sim.Counters(); c.Requests["GetLogEvents"] != int64(calls) || c.Requests["GetMetricData"] != 0 {
		t.Errorf("awssim counted %d GetLogEvents (the fewest pages: %d) and %d GetMetricData", c.Requests["GetLogEvents"], calls, c.Requests["GetMetricData"])
	}

	sim.ResetCounters()
	pi := fleetBackfill(t, exp, "days=7&source=performance-insights", off.ID)
	piFrom, piTo := testtools.ParseTime(t, pi["from"]), testtools.ParseTime(t, pi["to"])
	if n := sim.Counters().Requests["GetResourceMetrics"]; n != 2 {
		t.Errorf("awssim counted %d GetResourceMetrics calls, want one per instance with PI (2)", n)
	}
	// The oracle now, before the 7-day retention moves on.
	wantPI := map[string]sourcecheck.Expected{}
	for _, in := range on {
		start := piFrom
		if in.PerformanceInsightsRetentionPeriod == 7 {
			// All hours beyond retention are this instance's.
			start = piFrom.Add(time.Duration(sourceOf(pi, "performance-insights")["hours_beyond_retention"].(float64)) * time.Hour)
		}
		wantPI[in.ID] = sourcecheck.PIExpected(sim, in.ARN, start, piTo, time.Minute, 10, 10)
	}

	sim.ResetCounters()
	fleetBackfill(t, exp, "days=3&source=enhanced-monitoring", off.ID)
	fleetBackfill(t, exp, "days=7&source=performance-insights", off.ID)
	if c := sim.Counters(); c.Requests["GetLogEvents"]+c.Requests["GetResourceMetrics"] != 0 {
		t.Errorf("the repeats made %d GetLogEvents and %d GetResourceMetrics calls, want none", c.Requests["GetLogEvents"], c.Requests["GetResourceMetrics"])
	}
	exp.kill()

	analyze(t, out)
	prom := startPrometheus(t, copyDir(t, out))
	checked := 0
	for _, in := range on {
		want, err := sourcecheck.OSExpected(sim, in.ARN, from, to)
		if err != nil {
			t.Fatal(err)
		}
		checked += comparePrometheus(t, prom, in.ID, "rdsosmetrics_.+", from, to, want)
		checked += comparePrometheus(t, prom, in.ID, "rds_pi_.+", piFrom, piTo, wantPI[in.ID])
	}
	t.Logf("checked %d samples against awssim", checked)
}

// fleetBackfill backfills every resource with the query, checks that the
// instance without the source is reported and the job succeeded, and
// returns the answer.
func fleetBackfill(t *testing.T, exp *proc, query, off string) map[string]any {
	t.Helper()
	code, body := exp.call(t, "POST", "/api/v1/metrics/backfill?"+query)
	if code != 200 || body["success"] != true {
		t.Fatalf("fleet backfill %s: %d %v", query, code, body)
	}
	src := query[strings.Index(query, "source=")+len("source="):]
	sr := sourceOf(body, src)
	list, _ := sr["unavailable"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != off || sr["resources"] != 2.0 {
		t.Errorf("%s: %v, want 2 resources and %s unavailable", src, sr, off)
	}
	return body
}

// sourceOf returns the per-source part of an answer.
func sourceOf(body map[string]any, src string) map[string]any {
	sources, _ := body["sources"].(map[string]any)
	sr, _ := sources[src].(map[string]any)
	return sr
}

// comparePrometheus reads every raw sample Prometheus holds for the
// instance's series named by nameRe in [from, to) and compares them with
// want; it returns how many it compared.
func comparePrometheus(t *testing.T, prom *proc, id, nameRe string, from, to time.Time, want sourcecheck.Expected) int {
	t.Helper()
	rng := strconv.Itoa(int(to.Sub(from).Seconds())) + "s"
	res := prom.queryRangeVector(t, fmt.Sprintf(`{__name__=~%q,dimension_DBInstanceIdentifier=%q,job="rds"}[%s]`, nameRe, id, rng), to.Add(-time.Millisecond))
	got := sourcecheck.Expected{}
	for _, r := range res {
		k := sourcecheck.SourceKey(labels.FromMap(r.Metric))
		got[k] = map[int64]float64{}
		for _, v := range r.Values {
			f, err := strconv.ParseFloat(v[1].(string), 64)
			if err != nil {
				t.Fatal(err)
			}
			got[k][int64(v[0].(float64)*1000)] = f
		}
	}
	if want.Samples() == 0 {
		t.Fatalf("%s %s: the oracle has no sample", id, nameRe)
	}
	for _, diff := range sourcecheck.Compare(got, want, 10) {
		t.Errorf("%s: %s", id, diff)
	}
	return want.Samples()
}

// TestSourcesLiveInMetrics serves both sources live from a config file and
// finds their series, with their timestamps, on /metrics.
func TestSourcesLiveInMetrics(t *testing.T) {
	sim := sourcesSim(t)
	cfg := filepath.Join(t.TempDir(), "config.yml")
	yml := "enhanced_monitoring: {enabled: true, interval: 10s}\nperformance_insights: {enabled: true, interval: 10s, instances: [sim-postgres-01]}\n"
	if err := os.WriteFile(cfg, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	exp := startExporter(t, sim, "--config.file="+cfg, "--backfill.disabled")
	testtools.Eventually(t, 60*time.Second, 200*time.Millisecond, func() error {
		_, _, b := testtools.Do(t, http.MethodGet, "http://"+exp.addr+"/metrics")
		text := string(b)
		for _, want := range []string{
			`rdsosmetrics_cpu_utilization_percent{account_id="123456789012",dimension_DBInstanceIdentifier="sim-postgres-01",mode="idle"`,
			`rdsosmetrics_cpu_utilization_percent{account_id="123456789012",dimension_DBInstanceIdentifier="sim-mariadb-03",mode="idle"`,
			`rds_pi_db_load_average{account_id="123456789012",dimension_DBInstanceIdentifier="sim-postgres-01"`,
			`rds_pi_sql_info{account_id="123456789012",digest="`,
		} {
			if !strings.Contains(text, want) {
				return fmt.Errorf("no %s yet", want)
			}
		}
		for _, absent := range []string{`dimension_DBInstanceIdentifier="sim-mysql-02",mode=`, `rds_pi_db_load_average{account_id="123456789012",dimension_DBInstanceIdentifier="sim-mariadb-03"`} {
			if strings.Contains(text, absent) {
				t.Fatalf("/metrics has %s", absent)
			}
		}
		return nil
	})
}
