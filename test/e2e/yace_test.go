package e2e

import (
	"bytes"
	"fmt"
	"maps"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	pmodel "github.com/prometheus/common/model"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
)

// YACE's rules, written out by hand from its documentation and source
// (pkg/promutil: BuildMetricName, PromString, PromStringTag, sanitize;
// pkg/job/maxdimassociator; pkg/config/services.go for AWS/RDS), not from
// this exporter's catalog.

// yaceExampleNames are the metric names YACE builds for the metrics and
// statistics of its RDS example (examples/rds.yml): "aws_rds_", the metric
// in PromString's snake case (a word starts where an upper-case letter
// follows a lower-case letter or a digit), "_", the statistic likewise.
func yaceExampleNames() map[[2]string]string {
	return map[[2]string]string{
		{"CPUUtilization", "Maximum"}:   "aws_rds_cpuutilization_maximum",
		{"DatabaseConnections", "Sum"}:  "aws_rds_database_connections_sum",
		{"FreeableMemory", "Average"}:   "aws_rds_freeable_memory_average",
		{"FreeStorageSpace", "Average"}: "aws_rds_free_storage_space_average",
		{"ReadThroughput", "Average"}:   "aws_rds_read_throughput_average",
		{"WriteThroughput", "Average"}:  "aws_rds_write_throughput_average",
		{"ReadLatency", "Maximum"}:      "aws_rds_read_latency_maximum",
		{"WriteLatency", "Maximum"}:     "aws_rds_write_latency_maximum",
		{"ReadIOPS", "Average"}:         "aws_rds_read_iops_average",
		{"WriteIOPS", "Average"}:        "aws_rds_write_iops_average",
	}
}

// yaceDimensionLabels are YACE's label names of the AWS/RDS dimensions:
// "dimension_" and the name sanitized (unchanged: these names have no
// character sanitize replaces), or with -labels-snake-case in PromString's
// snake case.
func yaceDimensionLabels(snake bool) map[string]string {
	if snake {
		return map[string]string{
			"DBInstanceIdentifier": "dimension_dbinstance_identifier", "DBClusterIdentifier": "dimension_dbcluster_identifier",
			"Role": "dimension_role", "DatabaseClass": "dimension_database_class", "EngineName": "dimension_engine_name",
			"ProxyName": "dimension_proxy_name",
		}
	}
	return map[string]string{
		"DBInstanceIdentifier": "dimension_DBInstanceIdentifier", "DBClusterIdentifier": "dimension_DBClusterIdentifier",
		"Role": "dimension_Role", "DatabaseClass": "dimension_DatabaseClass", "EngineName": "dimension_EngineName",
		"ProxyName": "dimension_ProxyName",
	}
}

// yaceTagLabels are YACE's label names of awssim's tag keys (Name, env,
// team): "tag_" and the key sanitized, or in snake case.
func yaceTagLabels(snake bool) map[string]string {
	if snake {
		return map[string]string{"Name": "tag_name", "env": "tag_env", "team": "tag_team"}
	}
	return map[string]string{"Name": "tag_Name", "env": "tag_env", "team": "tag_team"}
}

// yaceName is the name label YACE gives a series of AWS/RDS by its
// dimensions: the resource its associator matches (services.go's regexps
// for AWS/RDS capture DBInstanceIdentifier from :db: ARNs and
// DBClusterIdentifier from :cluster: ARNs, and the one for :db-proxy: ARNs
// captures ProxyIdentifier, which no CloudWatch series has), or "global"
// when no regexp's dimensions are all in the series'.
func yaceName(dims map[string]string, account, region string) string {
	switch {
	case dims["DBInstanceIdentifier"] != "":
		return fmt.Sprintf("arn:aws:rds:%s:%s:db:%s", region, account, dims["DBInstanceIdentifier"])
	case dims["DBClusterIdentifier"] != "":
		return fmt.Sprintf("arn:aws:rds:%s:%s:cluster:%s", region, account, dims["DBClusterIdentifier"])
	}
	return "global"
}

// notServed are the dimension sets of AWS/RDS that YACE asks for (the
// example job has no dimensionNameRequirements: every set ListMetrics
// lists) and this exporter does not serve, as convert-config says.
func notServed() []string {
	return []string{"DbClusterIdentifier,EngineName", "EndpointName,ProxyName", "ProxyName,TargetGroup,TargetRole"}
}

// The deviations from YACE's rules this exporter makes on purpose, checked
// as such:
//   - a series by ProxyName is named by the proxy's ARN, where YACE's
//     associator finds no regexp for it and names it "global";
//   - a statistic CloudWatch has no datapoint for has no series, where
//     YACE serves NaN (nilToZero off);
//   - aws_rds_info carries, besides YACE's name and tag_* labels, the
//     identity labels (dimension, region, account_id, account_alias) and
//     what describes the resource (engine, class...).

// YACE's RDS example, converted by convert-config, run by the exporter
// binary against awssim (instances of four engines, an Aurora cluster, RDS
// Proxies, an account alias): every series has the name and labels YACE's
// rules give its CloudWatch series, every series YACE would serve with a
// value (of the dimension sets served here) is there, and promtool finds
// nothing but YACE's camelCase labels; with --labels.snake-case, YACE's
// snake-case names and no finding at all.
func TestYACEExampleConverted(t *testing.T) {
	cfg := convertConfig(t, "../../config/yace/testdata/rds.yml")
	for _, snake := range []bool{false, true} {
		t.Run(map[bool]string{false: "camelCase", true: "snake_case"}[snake], func(t *testing.T) {
			sim := startSim(t, awssim.Options{Instances: 8, Proxies: 2,
				IAM: awssim.IAMOptions{Aliases: map[string]string{awssim.DefaultAccountID: "acme-prod"}}})
			args := []string{"--config.file=" + cfg, "--backfill.disabled"}
			if snake {
				args = append(args, "--labels.snake-case")
			}
			p := startExporter(t, sim, args...)
			_, _, body := testtools.Do(t, http.MethodGet, "http://"+p.addr+"/metrics")
			families := parseExposition(t, body)
			checkYACEValueSeries(t, sim, families, snake)
			checkYACEInfo(t, sim, families, snake)
			// YACE names the Sum statistic _sum, which promtool expects of
			// summaries and histograms only.
			allowed := []string{`aws_rds_database_connections_sum non-histogram and non-summary metrics should not have "_sum" suffix`}
			if !snake {
				allowed = append(allowed, "label names should be written in 'snake_case' not 'camelCase'")
			}
			tools.CheckMetricsAllowing(t, string(body), allowed...)
		})
	}
}

// convertConfig runs convert-config on a YACE config and returns the path
// of the converted config.
func convertConfig(t *testing.T, yaceFile string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(exporterBin, "convert-config", yaceFile)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("convert-config %s: %v\n%s", yaceFile, err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "YACE asks for every dimension set") {
		t.Errorf("convert-config does not say which dimension sets are not served:\n%s", stderr.String())
	}
	path := filepath.Join(t.TempDir(), "converted.yml")
	if err := os.WriteFile(path, stdout.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func parseExposition(t *testing.T, body []byte) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(pmodel.UTF8Validation)
	families, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return families
}

// labelMap returns the labels of a series, without the empty ones (which
// a scrape drops).
func labelMap(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, lp := range m.GetLabel() {
		if lp.GetValue() != "" {
			out[lp.GetName()] = lp.GetValue()
		}
	}
	return out
}

// yaceSeries is one series YACE serves for the example: its name and
// labels, and the CloudWatch series and statistic it comes from.
type yaceSeries struct {
	name   string
	labels map[string]string
	sr     awssim.Series
	stat   string
}

func (s yaceSeries) key() string { return s.name + seriesKey(s.labels) }

func seriesKey(ls map[string]string) string {
	keys := make([]string, 0, len(ls))
	for k, v := range ls {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	return "{" + strings.Join(keys, ",") + "}"
}

// expectedYACESeries returns what YACE serves for the example from the
// series awssim publishes (ListMetrics), by key, and the keys of those of
// dimension sets this exporter does not serve.
func expectedYACESeries(t *testing.T, sim *awssim.Server, snake bool) (map[string]yaceSeries, int) {
	t.Helper()
	dimLabels := yaceDimensionLabels(snake)
	out := map[string]yaceSeries{}
	skipped := 0
	for _, sr := range sim.PublishedSeries(sim.AccountID(), sim.Region()) {
		for ms, name := range yaceExampleNames() {
			if ms[0] != sr.Metric {
				continue
			}
			dims := slices.Sorted(maps.Keys(sr.Dimensions))
			if slices.Contains(notServed(), strings.Join(dims, ",")) {
				skipped++
				continue
			}
			ls := map[string]string{"name": yaceName(sr.Dimensions, sr.AccountID, sr.Region), "region": sr.Region,
				"account_id": sr.AccountID, "account_alias": "acme-prod"}
			for _, d := range dims {
				label, ok := dimLabels[d]
				if !ok {
					t.Fatalf("awssim publishes %s by %s, which YACE's rules above do not name", sr.Metric, d)
				}
				ls[label] = sr.Dimensions[d]
			}
			s := yaceSeries{name: name, labels: ls, sr: sr, stat: ms[1]}
			out[s.key()] = s
		}
	}
	return out, skipped
}

// checkYACEValueSeries checks every aws_rds_* value series against YACE's
// rules, and that every series YACE serves with a value is there.
func checkYACEValueSeries(t *testing.T, sim *awssim.Server, families map[string]*dto.MetricFamily, snake bool) {
	t.Helper()
	want, skipped := expectedYACESeries(t, sim, snake)
	if skipped == 0 || len(want) < 100 {
		t.Fatalf("awssim publishes %d series YACE serves here and %d of other dimension sets: the fleet is too small to check", len(want), skipped)
	}
	proxyARNs := map[string]string{}
	for _, px := range sim.Proxies() {
		proxyARNs[px.Name] = px.ARN
	}
	proxyLabel := yaceDimensionLabels(snake)["ProxyName"]
	got := map[string]bool{}
	for name, f := range families {
		if !strings.HasPrefix(name, "aws_rds_") || name == "aws_rds_info" {
			continue
		}
		for _, m := range f.GetMetric() {
			ls := labelMap(m)
			if px := ls[proxyLabel]; px != "" && ls["name"] == proxyARNs[px] {
				ls["name"] = "global" // the deviation: YACE names proxy series "global"
			}
			k := name + seriesKey(ls)
			got[k] = true
			if _, ok := want[k]; !ok {
				t.Errorf("%s%s is not a series YACE serves for its RDS example", name, seriesKey(labelMap(m)))
			}
			if v := m.GetGauge().GetValue(); math.IsNaN(v) || math.IsInf(v, 0) {
				t.Errorf("%s%s = %v", name, seriesKey(ls), v)
			}
		}
	}
	missing, withData := 0, 0
	for k, s := range want {
		if !hasData(sim, s) {
			continue
		}
		withData++
		if !got[k] {
			missing++
			if missing <= 10 {
				t.Errorf("YACE serves %s, this exporter does not", k)
			}
		}
	}
	if missing > 10 {
		t.Errorf("%d series missing in all", missing)
	}
	if withData < len(want)*3/4 {
		t.Errorf("awssim has data for %d of the %d series YACE serves: the check of missing series checks little", withData, len(want))
	}
}

// hasData reports whether awssim has a datapoint of the series and
// statistic in the last half hour (periods of 5 minutes, the example's):
// YACE serves NaN for one that has none, this exporter nothing.
func hasData(sim *awssim.Server, s yaceSeries) bool {
	now := time.Now().Truncate(5 * time.Minute)
	for ts := now.Add(-30 * time.Minute); ts.Before(now.Add(-10 * time.Minute)); ts = ts.Add(5 * time.Minute) {
		if _, ok := sim.SeriesValue(s.sr, s.stat, ts, 5*time.Minute); !ok {
			return false
		}
	}
	return true
}

// checkYACEInfo checks aws_rds_info: one series per DB instance, Aurora
// cluster and RDS Proxy, named by its ARN, with a tag label per tag as
// YACE names it, and the value 0.
func checkYACEInfo(t *testing.T, sim *awssim.Server, families map[string]*dto.MetricFamily, snake bool) {
	t.Helper()
	type resource struct {
		arn  string
		tags map[string]string
	}
	var resources []resource
	for _, in := range sim.Instances() {
		resources = append(resources, resource{in.ARN, in.Tags})
	}
	for _, c := range sim.Clusters() {
		resources = append(resources, resource{c.ARN, c.Tags})
	}
	for _, px := range sim.Proxies() {
		resources = append(resources, resource{px.ARN, px.Tags})
	}
	info := map[string]map[string]string{}
	for _, m := range families["aws_rds_info"].GetMetric() {
		ls := labelMap(m)
		if m.GetGauge().GetValue() != 0 {
			t.Errorf("aws_rds_info%s = %v, want YACE's 0", seriesKey(ls), m.GetGauge().GetValue())
		}
		info[ls["name"]] = ls
	}
	if len(info) != len(resources) {
		t.Errorf("%d aws_rds_info series, want one per resource (%d)", len(info), len(resources))
	}
	tagLabels := yaceTagLabels(snake)
	for _, r := range resources {
		ls, ok := info[r.arn]
		if !ok {
			t.Errorf("no aws_rds_info{name=%q}", r.arn)
			continue
		}
		for k, v := range r.tags {
			if label, ok := tagLabels[k]; !ok || ls[label] != v {
				t.Errorf("aws_rds_info of %s: tag %s=%s is not YACE's label %q in %v", r.arn, k, v, label, ls)
			}
		}
	}
}
