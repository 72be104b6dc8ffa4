package e2e

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	pmodel "github.com/prometheus/common/model"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
)

// With STS answering every request with an error, serve starts, is ready,
// and serves live metrics with the account of the instances' ARNs; the
// backfill works. STS is not even asked: the ARNs say the account.
func TestServeWithoutSTS(t *testing.T) {
	sim := startSim(t, awssim.Options{Instances: 2, AccountID: "210987654321",
		Faults: awssim.Faults{Outage: awssim.Outage{Action: "GetCallerIdentity"}}})
	exp := startExporter(t, sim, "--backfill.output-dir="+t.TempDir())

	families := exp.metrics(t)
	for _, inst := range sim.Instances() {
		m := findSeries(families["aws_rds_cpuutilization_average"], "dimension_DBInstanceIdentifier", inst.ID)
		if m == nil {
			t.Fatalf("no live CPU series of %s", inst.ID)
		}
		if got := labelOf(m, "account_id"); got != "210987654321" {
			t.Errorf("%s: account_id %q, want the account of its ARN", inst.ID, got)
		}
	}
	if v := gaugeValue(t, families, "rds_backfill_exporter_last_poll_success"); v != 1 {
		t.Errorf("last_poll_success %v, want 1", v)
	}
	id := sim.Instances()[0].ID
	code, body := exp.call(t, http.MethodPost, "/api/v1/instances/"+id+"/metrics/backfill?days=1")
	if code != http.StatusOK || body["success"] != true || body["hours_backfilled"].(float64) == 0 {
		t.Fatalf("backfill without STS: %d %v", code, body)
	}
	if n := sim.Counters().Requests["GetCallerIdentity"]; n != 0 {
		t.Errorf("%d GetCallerIdentity requests: STS asked though the ARNs say the account", n)
	}
}

// discoveryOutage is how long DescribeDBInstances fails after start in
// TestDiscoveryOutageAtStart.
const discoveryOutage = time.Minute

// With discovery failing for the first minute, the exporter answers but is
// not ready, and reports failed polls, until discovery succeeds; it is
// retried with a backoff, not at the 10-minute discovery interval, so the
// exporter has its instances, and is ready, seconds after the recovery.
func TestDiscoveryOutageAtStart(t *testing.T) {
	sim := startSim(t, awssim.Options{Instances: 3,
		Faults: awssim.Faults{Outage: awssim.Outage{Action: "DescribeDBInstances", For: discoveryOutage}}})
	recovery := time.Now().Add(discoveryOutage)
	exp := startServe(t, sim, "--backfill.output-dir="+t.TempDir())

	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for ; time.Until(recovery) > 5*time.Second; <-tick.C {
		if code, _, _ := testtools.Do(t, http.MethodGet, exp.url("/-/ready")); code != http.StatusServiceUnavailable {
			t.Fatalf("/-/ready answered %d during the discovery outage, want 503", code)
		}
		if _, body := exp.call(t, http.MethodGet, "/api/v1/instances"); len(body["instances"].([]any)) != 0 {
			t.Fatalf("instances during the discovery outage: %v", body)
		}
		if v := gaugeValue(t, exp.metrics(t), "rds_backfill_exporter_last_poll_success"); v != 0 {
			t.Fatalf("last_poll_success %v during the discovery outage, want 0", v)
		}
	}
	exp.waitHTTP(t, "/-/ready") // within 90 s, where the discovery interval is 10 min
	t.Logf("ready %.1f s after discovery recovered; DescribeDBInstances asked %d times",
		time.Since(recovery).Seconds(), sim.Counters().Requests["DescribeDBInstances"])
	if _, body := exp.call(t, http.MethodGet, "/api/v1/instances"); len(body["instances"].([]any)) != 3 {
		t.Errorf("instances once ready: %v", body)
	}
	families := exp.metrics(t)
	if v := gaugeValue(t, families, "rds_backfill_exporter_last_poll_success"); v != 1 {
		t.Errorf("last_poll_success %v once ready, want 1", v)
	}
	if n := len(families["aws_rds_cpuutilization_average"].GetMetric()); n != 3 {
		t.Errorf("%d live CPU series once ready, want 3", n)
	}
	if n := sim.Counters().Requests["DescribeDBInstances"]; n < 3 {
		t.Errorf("DescribeDBInstances asked %d times: not retried", n)
	}
}

// url returns the URL of path on the process's address.
func (p *proc) url(path string) string { return "http://" + p.addr + path }

// metrics scrapes /metrics and parses the exposition.
func (p *proc) metrics(t *testing.T) map[string]*dto.MetricFamily {
	t.Helper()
	code, _, b := testtools.Do(t, http.MethodGet, p.url("/metrics"))
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	parser := expfmt.NewTextParser(pmodel.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(string(b)))
	if err != nil {
		t.Fatalf("/metrics: %v", err)
	}
	return families
}

// findSeries returns the metric of f whose label name has value, or nil.
func findSeries(f *dto.MetricFamily, name, value string) *dto.Metric {
	for _, m := range f.GetMetric() {
		if labelOf(m, name) == value {
			return m
		}
	}
	return nil
}

func labelOf(m *dto.Metric, name string) string {
	for _, lp := range m.GetLabel() {
		if lp.GetName() == name {
			return lp.GetValue()
		}
	}
	return ""
}

// gaugeValue returns the value of the unlabeled gauge name.
func gaugeValue(t *testing.T, families map[string]*dto.MetricFamily, name string) float64 {
	t.Helper()
	f := families[name]
	if f == nil || len(f.GetMetric()) != 1 {
		t.Fatalf("%s: not one series", name)
	}
	return f.GetMetric()[0].GetGauge().GetValue()
}

// With an output folder that cannot be written at start (on a read-only
// file system, which stops root too), serve starts, is ready and serves
// live metrics; only the backfill fails, every one of its routes with a
// 503 JSON error naming the folder.
func TestReadOnlyOutputFolder(t *testing.T) {
	testtools.OnReadOnlyTmpfs(t, func(t *testing.T, dir string) {
		out := filepath.Join(dir, "backfill")
		sim := startSim(t, awssim.Options{Instances: 2})
		exp := startExporter(t, sim, "--backfill.output-dir="+out)
		if n := len(exp.metrics(t)["aws_rds_cpuutilization_average"].GetMetric()); n != 2 {
			t.Errorf("%d live CPU series, want 2", n)
		}
		id := sim.Instances()[0].ID
		for _, r := range []struct{ method, path string }{
			{http.MethodPost, "/api/v1/instances/" + id + "/metrics/backfill?days=1"},
			{http.MethodPost, "/api/v1/metrics/backfill"},
			{http.MethodGet, "/api/v1/backfill/jobs"},
			{http.MethodGet, "/api/v1/instances/" + id + "/metrics/history"},
		} {
			code, body := exp.call(t, r.method, r.path)
			msg, _ := body["error"].(string)
			if code != http.StatusServiceUnavailable || !strings.HasPrefix(msg, "Backfill unavailable: backfill: cannot write to the output folder "+out+": ") ||
				!strings.HasSuffix(msg, "read-only file system") {
				t.Errorf("%s %s: %d %v, want 503 naming %s", r.method, r.path, code, body, out)
			}
		}
		if code, body := exp.call(t, http.MethodGet, "/api/v1/instances"); code != http.StatusOK || len(body["instances"].([]any)) != 2 {
			t.Errorf("instances: %d %v", code, body)
		}
	})
}
