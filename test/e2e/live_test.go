package e2e

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
)

// TestPrometheusScrapesLiveAndBackfilled runs a real Prometheus that scrapes
// the exporter while its data folder also holds the exporter's backfilled
// blocks, and checks that one query (the dashboards' aggregation) sees the
// live value now and the backfilled history before, as one series.
func TestPrometheusScrapesLiveAndBackfilled(t *testing.T) {
	sim := startSim(t, awssim.Options{Instances: 2})
	out := t.TempDir()
	exp := startExporter(t, sim, "--backfill.output-dir="+out)
	code, body := exp.call(t, "POST", "/api/v1/metrics/backfill?days=2")
	if code != 200 {
		t.Fatalf("backfill: %d %v", code, body)
	}
	from, to := testtools.ParseTime(t, body["from"]), testtools.ParseTime(t, body["to"])

	data := copyDir(t, out)
	cfg := filepath.Join(t.TempDir(), "prometheus.yml")
	scrape := fmt.Sprintf("global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: rds\n    static_configs:\n      - targets: [%q]\n", exp.addr)
	if err := os.WriteFile(cfg, []byte(scrape), 0o644); err != nil {
		t.Fatal(err)
	}
	prom := startPrometheusWith(t, data, cfg)
	id := sim.Instances()[0].ID
	expr := fmt.Sprintf(`max by (dimension_DBInstanceIdentifier) (last_over_time(aws_rds_cpuutilization_average{job="rds",dimension_DBInstanceIdentifier=%q}[1h]))`, id)

	// Live: the scraped value is there now.
	testtools.Eventually(t, 60*time.Second, 500*time.Millisecond, func() error {
		if n := len(prom.queryRangeVector(t, `up{job="rds"} == 1`, time.Now())); n != 1 {
			return fmt.Errorf("target not up yet")
		}
		if n := len(prom.queryRangeVector(t, expr, time.Now())); n != 1 {
			return fmt.Errorf("no live value yet")
		}
		return nil
	})
	// History: the same expression, over the backfilled range at a 1h step,
	// has a value at every step.
	values := prom.queryRange(t, expr, from.Add(time.Hour), to.Add(-time.Hour), time.Hour)
	if want := int(to.Sub(from)/time.Hour) - 1; len(values) != want {
		t.Errorf("%d hourly values over the backfilled range, want %d", len(values), want)
	}
}

// startPrometheusWith runs the pinned Prometheus with a config file.
func startPrometheusWith(t *testing.T, dataDir, cfg string) *proc {
	t.Helper()
	p := newProc(t, tools.Prometheus(t),
		"--config.file="+cfg, "--storage.tsdb.path="+dataDir,
		"--storage.tsdb.retention.time=30d", "--log.level=warn")
	p.cmd.Args = append(p.cmd.Args, "--web.listen-address="+p.addr)
	p.start(t)
	p.waitHTTP(t, "/-/ready")
	return p
}

// queryRange evaluates expr over [start, end] at step and returns the
// values of its single series.
func (p *proc) queryRange(t *testing.T, expr string, start, end time.Time, step time.Duration) [][2]any {
	t.Helper()
	res := p.promQuery(t, fmt.Sprintf("/api/v1/query_range?query=%s&start=%d&end=%d&step=%d",
		url.QueryEscape(expr), start.Unix(), end.Unix(), int(step.Seconds())))
	if len(res) != 1 {
		t.Fatalf("query_range %s: %d series, want 1", expr, len(res))
	}
	return res[0].Values
}
