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
	"os/exec"
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
	info := 0
	for _, s := range samples {
		switch {
		case s.name == catalog.InfoMetric:
			info++
		case strings.HasPrefix(s.name, "aws_rds_"):
			perInstance[s.labels[catalog.LabelInstanceID]]++
		}
	}
	if info != 4 || len(perInstance) != 4 {
		t.Fatalf("%d info series and aws_rds_* series for %d instances, want 4 and 4:\n%s", info, len(perInstance), body)
	}
	for id, n := range perInstance {
		// The 20 default metrics x 2 statistics, less those the engine or
		// a gap leaves without data.
		if n < 30 {
			t.Errorf("%s: only %d aws_rds_* series", id, n)
		}
	}
	for _, want := range []string{
		`rds_backfill_exporter_last_poll_success 1`,
		`rds_backfill_exporter_cloudwatch_requests_total{api="GetMetricData",outcome="success"} 1`,
		`rds_backfill_exporter_cloudwatch_metrics_requested_total{caller="live"} 160`,
		`rds_backfill_exporter_instances{provider="aws"} 4`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	checkPromtool(t, body)
}

// checkPromtool runs the pinned promtool on the exposition: its only
// finding may be the camelCase of YACE's label dimension_DBInstanceIdentifier.
func checkPromtool(t *testing.T, body string) {
	t.Helper()
	cmd := exec.Command(tools.Promtool(t), "check", "metrics")
	cmd.Stdin = strings.NewReader(body)
	out, err := cmd.CombinedOutput()
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" || strings.Contains(line, "label names should be written in 'snake_case' not 'camelCase'") {
			continue
		}
		t.Errorf("promtool check metrics: %s", line)
	}
	if err != nil && !strings.Contains(string(out), "camelCase") {
		t.Errorf("promtool check metrics failed: %v\n%s", err, out)
	}
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
		if !matchesRecentDatapoint(sim, s.labels[catalog.LabelInstanceID], metric, stat, s.value, polled) {
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
// datapoints of the last poll windows (period 60s, delay 2m).
func matchesRecentDatapoint(sim *awssim.Server, id, metric, stat string, v float64, now time.Time) bool {
	end := now.Add(-2 * time.Minute).Truncate(time.Minute)
	for ts := end; ts.After(end.Add(-10 * time.Minute)); ts = ts.Add(-time.Minute) {
		if want, ok := sim.Value(sim.InstanceARN(id), metric, stat, ts, time.Minute); ok && math.Abs(want-v) <= 1e-9*math.Max(1, math.Abs(want)) {
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
		{"backfill without instances", []string{"backfill", "--aws.simulate"}, 2, "--instance ID"},
		{"backfill days", []string{"backfill", "--all", "--days=0"}, 2, "--days=0"},
		{"backfill into a file", []string{"backfill", "--all", "--aws.simulate", "--output-dir=" + filepath.Join(bad, "out")}, 1,
			"backfill: cannot write to the output folder " + filepath.Join(bad, "out") + ": "},
		{"backfill max days", []string{"serve", "--backfill.max-days=456"}, 2, "--backfill.max-days=456"},
		{"auto backfill without Prometheus", []string{"serve", "--backfill.interval=1h"}, 2, "needs --backfill.prometheus-data-dir"},
		{"auto backfill too often", []string{"serve", "--backfill.interval=5s", "--backfill.prometheus-data-dir=/tmp"}, 2, "at least 1m"},
		{"simulate a bad outage", []string{"simulate", "--fault.outage=DescribeDBInstances=soon", "--listen=127.0.0.1:0"}, 2, "--fault.outage=DescribeDBInstances=soon: want ACTION or ACTION=DURATION"},
		{"simulate an outage of nothing", []string{"simulate", "--fault.outage==1m", "--listen=127.0.0.1:0"}, 2, "--fault.outage==1m: no action"},
		{"simulate an unknown engine", []string{"simulate", "--engines=postgres,oracle", "--listen=127.0.0.1:0"}, 1, `unknown engine "oracle"`},
		{"version", []string{"version"}, 0, ""},
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
