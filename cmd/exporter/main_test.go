package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
)

var tools testtools.Tools

// syncBuffer is a bytes.Buffer safe for the concurrent writes of loggers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// exporterProc is the exporter run in-process by run(), as main runs it.
type exporterProc struct {
	addr   string
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan int
}

// startExporter runs the CLI with args plus a free listen address and a
// temporary backfill folder, and waits until /-/ready answers 200.
func startExporter(t *testing.T, args ...string) *exporterProc {
	t.Helper()
	p := &exporterProc{addr: testtools.FreeAddr(t), stderr: &syncBuffer{}, done: make(chan int, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	args = append(args, "--web.listen-address="+p.addr)
	if !containsPrefix(args, "--backfill.output-dir") {
		args = append(args, "--backfill.output-dir="+t.TempDir())
	}
	go func() { p.done <- run(ctx, args, io.Discard, p.stderr) }()
	t.Cleanup(func() { p.stop(t) })
	testtools.Eventually(t, 60*time.Second, 50*time.Millisecond, func() error {
		select {
		case code := <-p.done:
			p.done <- code
			t.Fatalf("exporter exited with %d:\n%s", code, p.stderr)
		default:
		}
		resp, err := http.Get("http://" + p.addr + "/-/ready")
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnauthorized {
			return fmt.Errorf("/-/ready: %s", resp.Status)
		}
		return nil
	})
	return p
}

func containsPrefix(args []string, prefix string) bool {
	for _, a := range args {
		if strings.HasPrefix(a, prefix) {
			return true
		}
	}
	return false
}

// stop cancels the exporter as SIGTERM would and checks it exits 0.
func (p *exporterProc) stop(t *testing.T) {
	t.Helper()
	if p.cancel == nil {
		return
	}
	p.cancel()
	p.cancel = nil
	select {
	case code := <-p.done:
		if code != 0 {
			t.Errorf("exporter exited with %d:\n%s", code, p.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Error("exporter did not shut down")
	}
}

func (p *exporterProc) get(t *testing.T, path string) (int, string) {
	t.Helper()
	status, _, b := testtools.Do(t, http.MethodGet, "http://"+p.addr+path)
	return status, string(b)
}

// sample is one line of the text exposition.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

func parseExposition(t *testing.T, body string) []sample {
	t.Helper()
	var out []sample
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s := sample{labels: map[string]string{}}
		var rest string
		if i := strings.IndexByte(line, '{'); i >= 0 {
			s.name = line[:i]
			j := strings.LastIndexByte(line, '}')
			for _, kv := range splitLabels(line[i+1 : j]) {
				k, v, _ := strings.Cut(kv, "=")
				s.labels[k] = strings.Trim(v, `"`)
			}
			rest = strings.TrimSpace(line[j+1:])
		} else {
			s.name, rest, _ = strings.Cut(line, " ")
		}
		v, err := strconv.ParseFloat(strings.Fields(rest)[0], 64)
		if err != nil {
			t.Fatalf("bad sample line %q: %v", line, err)
		}
		s.value = v
		out = append(out, s)
	}
	return out
}

// splitLabels splits k="v",k2="v2" (values here have no commas or quotes).
func splitLabels(s string) []string { return strings.Split(s, ",") }

func TestServeSimulatedAWS(t *testing.T) {
	p := startExporter(t, "serve", "--aws.simulate", "--aws.simulate.instances=4")
	code, body := p.get(t, "/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	samples := parseExposition(t, body)
	perInstance := map[string]int{}
	info, cluster := 0, 0
	for _, s := range samples {
		switch {
		case s.name == catalog.InfoMetric:
			info++
		case strings.HasPrefix(s.name, "aws_rds_") && s.labels[catalog.LabelClusterID] != "":
			cluster++
		case strings.HasPrefix(s.name, "aws_rds_"):
			perInstance[s.labels[catalog.LabelInstanceID]]++
		}
	}
	// Instances of postgres, mysql, mariadb, aurora-postgresql; the last
	// one is an Aurora cluster's writer.
	if info != 5 || len(perInstance) != 4 || cluster < 10 {
		t.Fatalf("%d info series, aws_rds_* series for %d instances and %d of the cluster, want 5, 4 and 10 or more:\n%s", info, len(perInstance), cluster, body)
	}
	for id, n := range perInstance {
		// The default metrics ListMetrics lists for the instance x 2
		// statistics, less those a gap leaves without data.
		if n < 30 {
			t.Errorf("%s: only %d aws_rds_* series", id, n)
		}
	}
	for _, want := range []string{
		`rds_backfill_exporter_last_poll_success 1`,
		`rds_backfill_exporter_cloudwatch_requests_total{api="GetMetricData",outcome="success"} 1`,
		`rds_backfill_exporter_cloudwatch_requests_total{api="GetMetricData",outcome="error"} 0`,
		`rds_backfill_exporter_cloudwatch_requests_total{api="ListMetrics",outcome="success"} 1`,
		`rds_backfill_exporter_cloudwatch_requests_total{api="DescribeDBClusters",outcome="success"} 1`,
		`rds_backfill_exporter_cloudwatch_throttles_total{api="GetMetricData"} 0`,
		`rds_backfill_exporter_cloudwatch_metrics_requested_total{caller="backfill"} 0`,
		`rds_backfill_exporter_instances{provider="aws"} 4`,
		`rds_backfill_exporter_resources{kind="cluster"} 1`,
		`rds_backfill_exporter_backfill_jobs_total{outcome="failure"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	tools.CheckMetrics(t, body)
}

// Plain serve, pointed at a CloudWatch-compatible server by the standard
// AWS environment, serves exactly what CloudWatch returned.
func TestServeWithAWSEndpointURL(t *testing.T) {
	sim := awssim.New(awssim.Options{Instances: 3})
	if err := sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	t.Setenv("AWS_ENDPOINT_URL", sim.URL())
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "x")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "x")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	p := startExporter(t, "serve")
	_, body := p.get(t, "/metrics")
	polled := time.Now()
	checked := 0
	for _, s := range parseExposition(t, body) {
		if !strings.HasPrefix(s.name, "aws_rds_") || s.name == catalog.InfoMetric {
			continue
		}
		metric, stat := cloudWatchName(t, s.name)
		if !matchesRecentDatapoint(sim, s.labels[catalog.LabelName], metric, stat, s.value, polled) {
			t.Errorf("%s%v = %v is none of CloudWatch's recent datapoints", s.name, s.labels, s.value)
		}
		checked++
	}
	if checked < 3*30 {
		t.Errorf("only %d aws_rds_* series checked", checked)
	}
	if sim.Counters().Requests["DescribeDBInstances"] == 0 {
		t.Error("the exporter never called DescribeDBInstances")
	}
}

// matchesRecentDatapoint reports whether v is the value of one of the
// datapoints of the last poll windows (period 60s, delay 2m) of the
// resource with the given ARN.
func matchesRecentDatapoint(sim *awssim.Server, arn, metric, stat string, v float64, now time.Time) bool {
	end := now.Add(-2 * time.Minute).Truncate(time.Minute)
	for ts := end; ts.After(end.Add(-10 * time.Minute)); ts = ts.Add(-time.Minute) {
		if want, ok := sim.Value(arn, metric, stat, ts, time.Minute); ok && math.Abs(want-v) <= 1e-9*math.Max(1, math.Abs(want)) {
			return true
		}
	}
	return false
}

func cloudWatchName(t *testing.T, promName string) (string, string) {
	t.Helper()
	for _, m := range catalog.Metrics() {
		for _, st := range []string{catalog.Average, catalog.Maximum} {
			if catalog.PromName(m.Name, st) == promName {
				return m.Name, st
			}
		}
	}
	t.Fatalf("no catalog metric is named %s", promName)
	return "", ""
}

func TestBasicAuth(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	webConfig := filepath.Join(t.TempDir(), "web.yml")
	if err := os.WriteFile(webConfig, []byte("basic_auth_users:\n  prometheus: "+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startExporter(t, "serve", "--aws.simulate", "--web.config.file="+webConfig)
	for _, tc := range []struct {
		user, pass string
		want       int
	}{
		{"", "", http.StatusUnauthorized},
		{"prometheus", "wrong", http.StatusUnauthorized},
		{"prometheus", "s3cret", http.StatusOK},
	} {
		for _, path := range []string{"/metrics", "/", "/api/v1/instances"} {
			req, err := http.NewRequest(http.MethodGet, "http://"+p.addr+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.user != "" {
				req.SetBasicAuth(tc.user, tc.pass)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("%s as %q/%q: %d, want %d", path, tc.user, tc.pass, resp.StatusCode, tc.want)
			}
		}
	}
}

func TestCommandLineErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(bad, []byte("poll:\n  period: 90s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		contains string
	}{
		{"unknown flag", []string{"serve", "--web.listen-addr=:1"}, 2, "unknown flag --web.listen-addr"},
		{"bad log level", []string{"--log.level=loud", "version"}, 2, "--log.level must be one of"},
		{"bad config", []string{"serve", "--config.file=" + bad}, 1, bad + ":2: poll.period: "},
		{"missing config", []string{"serve", "--config.file=" + filepath.Join(dir, "none.yml")}, 1, "none.yml: no such file"},
		{"check-config invalid", []string{"check-config", bad}, 1, bad + ":2: poll.period"},
		{"check-config example", []string{"check-config", "../../examples/config.yml"}, 0, ""},
		{"backfill without resources", []string{"backfill", "--aws.simulate"}, 2, "--instance ID, --cluster ID or --proxy NAME"},
		{"backfill resources and --all", []string{"backfill", "--aws.simulate", "--cluster=c", "--all"}, 2, "not both"},
		{"backfill days", []string{"backfill", "--all", "--days=0"}, 2, "--days=0"},
		{"backfill memory limit", []string{"backfill", "--all", "--memory-limit=lots"}, 2, "--memory-limit=lots: want auto, off or a size"},
		{"backfill into a file", []string{"backfill", "--all", "--aws.simulate", "--output-dir=" + filepath.Join(bad, "out")}, 1,
			"backfill: cannot write to the output folder " + filepath.Join(bad, "out") + ": "},
		{"backfill max days", []string{"serve", "--backfill.max-days=456"}, 2, "--backfill.max-days=456"},
		{"auto backfill without Prometheus", []string{"serve", "--backfill.interval=1h"}, 1, "needs --backfill.prometheus-data-dir or --backfill.coverage-query-url"},
		{"remote write without coverage", []string{"serve", "--backfill.remote-write.url=http://127.0.0.1:9/api/v1/write"}, 1, "remote write needs --backfill.coverage-query-url"},
		{"remote write and a bucket", []string{"serve", "--backfill.remote-write.url=http://127.0.0.1:9/api/v1/write", "--backfill.objstore.config-file=objstore.yml"}, 1, "are exclusive"},
		{"bucket labels without a bucket", []string{"serve", "--backfill.objstore.external-label=replica=backfill"}, 1, "backfill.objstore has no config_file"},
		{"missing bucket config", []string{"serve", "--backfill.objstore.config-file=" + filepath.Join(dir, "none.yml")}, 1, "backfill.objstore.config_file: open " + filepath.Join(dir, "none.yml")},
		{"relative remote-write URL", []string{"serve", "--backfill.remote-write.url=/api/v1/write"}, 2, "--backfill.remote-write.url: \"/api/v1/write\" is not an absolute http or https URL"},
		{"auto backfill too often", []string{"serve", "--backfill.interval=5s", "--backfill.prometheus-data-dir=/tmp"}, 2, "at least 1m"},
		{"simulate a bad outage", []string{"simulate", "--fault.outage=DescribeDBInstances=soon", "--listen=127.0.0.1:0"}, 2, "--fault.outage=DescribeDBInstances=soon: want ACTION or ACTION=DURATION"},
		{"simulate an outage of nothing", []string{"simulate", "--fault.outage==1m", "--listen=127.0.0.1:0"}, 2, "--fault.outage==1m: no action"},
		{"simulate an unknown engine", []string{"simulate", "--engines=postgres,oracle", "--listen=127.0.0.1:0"}, 1, `unknown engine "oracle"`},
		{"version", []string{"version"}, 0, ""},
		{"version flag", []string{"--version"}, 0, ""},
		{"convert-config", []string{"convert-config", "../../config/yace/testdata/rds.yml"}, 0, "rds.yml:5: discovery: differs: YACE asks for every dimension set"},
		{"convert-config strict", []string{"convert-config", "../../config/yace/testdata/invalid-unknown-key.yml"}, 1, `invalid-unknown-key.yml:6: unknown key "metric" in a YACE job`},
		{"convert-config no RDS job", []string{"convert-config", "../../config/yace/testdata/invalid-no-rds-job.yml"}, 1, "no AWS/RDS job"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr syncBuffer
			code := run(context.Background(), tc.args, &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.contains) {
				t.Errorf("stderr lacks %q:\n%s", tc.contains, stderr.String())
			}
		})
	}
}

// check-config accepts extended statistics and any metric name, says
// which metrics the catalog does not know, and reports bad statistics as
// file:line: field: problem.
func TestCheckConfigStatisticsAndMetrics(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yml")
	bad := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(good, []byte("metrics:\n  statistics: [Average, p99]\n  add:\n    - {name: ReadLatency, statistics: [p99.9, \"TM(10%:90%)\", IQM, wm90]}\n    - {name: SomeFutureMetric}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("metrics:\n  add:\n    - name: ReadLatency\n      statistics: [p99, P95, \"TM(:)\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncBuffer
	if code := run(context.Background(), []string{"check-config", good}, &stdout, &stderr); code != 0 ||
		!strings.Contains(stdout.String(), "2 added (not in the catalog, generic HELP: SomeFutureMetric); statistics Average, p99") {
		t.Errorf("check-config %s: exit %d\nstdout: %s\nstderr: %s", good, code, stdout.String(), stderr.String())
	}
	var stdout2, stderr2 syncBuffer
	code := run(context.Background(), []string{"check-config", bad}, &stdout2, &stderr2)
	want := bad + `:4: metrics.add[0].statistics[1]: unknown statistic "P95" (did you mean "p95"? statistics are case-sensitive)` + "\n" +
		bad + `:4: metrics.add[0].statistics[2]: statistic "TM(:)": TM(:) needs a lower or an upper bound`
	if code != 1 || !strings.Contains(stderr2.String(), want) {
		t.Errorf("check-config %s: exit %d, stderr:\n%s\nwant\n%s", bad, code, stderr2.String(), want)
	}
}

// The config shown in the README is valid.
func TestReadmeConfig(t *testing.T) {
	block := testtools.ReadmeBlock(t, "../../README.md", "In short:\n\n```yaml\n")
	path := filepath.Join(t.TempDir(), "readme.yml")
	if err := os.WriteFile(path, []byte(block), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncBuffer
	if code := run(context.Background(), []string{"check-config", path}, &stdout, &stderr); code != 0 {
		t.Errorf("check-config of the README's example: exit %d\n%s", code, stderr.String())
	}
}

// The README's configs of the backfill's stores (its yaml blocks whose
// first key is backfill) are valid.
func TestReadmeStoreConfigs(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(readme), "```yaml\n")[1:]
	checked := 0
	for i, b := range blocks {
		b, _, _ = strings.Cut(b, "```")
		lines := strings.Split(b, "\n")
		for len(lines) > 0 && strings.HasPrefix(lines[0], "#") {
			lines = lines[1:]
		}
		if len(lines) == 0 || lines[0] != "backfill:" {
			continue
		}
		path := filepath.Join(t.TempDir(), fmt.Sprintf("readme-%d.yml", i))
		if err := os.WriteFile(path, []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
		var stdout, stderr syncBuffer
		if code := run(context.Background(), []string{"check-config", path}, &stdout, &stderr); code != 0 {
			t.Errorf("check-config of the README's store config:\n%s\nexit %d\n%s", b, code, stderr.String())
		}
		checked++
	}
	if checked < 4 {
		t.Errorf("%d store configs in the README, want at least 4 (remote write, object storage, Mimir, AMP)", checked)
	}
}

// Every flag also reads RDS_BACKFILL_EXPORTER_<FLAG>.
func TestFlagsFromEnvironment(t *testing.T) {
	t.Setenv("RDS_BACKFILL_EXPORTER_BACKFILL_MAX_DAYS", "500")
	var stdout, stderr syncBuffer
	if code := run(context.Background(), []string{"serve"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "--backfill.max-days=500") {
		t.Errorf("exit %d, stderr %q: the environment did not set --backfill.max-days", code, stderr.String())
	}
	t.Setenv("RDS_BACKFILL_EXPORTER_BACKFILL_MAX_DAYS", "")
	t.Setenv("RDS_BACKFILL_EXPORTER_LOG_FORMAT", "yaml")
	if code := run(context.Background(), []string{"version"}, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "--log.format must be one of") {
		t.Errorf("exit %d, stderr %q: the environment did not set --log.format", code, stderr.String())
	}
}

// The HTTP server times out clients that do not send their headers and
// closes idle keep-alive connections.
func TestServerTimeouts(t *testing.T) {
	srv := newServer(http.NotFoundHandler())
	if srv.ReadHeaderTimeout <= 0 || srv.IdleTimeout <= 0 {
		t.Errorf("ReadHeaderTimeout %s, IdleTimeout %s: want both set", srv.ReadHeaderTimeout, srv.IdleTimeout)
	}
}
