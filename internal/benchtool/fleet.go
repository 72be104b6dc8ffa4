package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// fleetConfig is the exporter's config for the fleet runs: the default
// metrics, the rate limit at CloudWatch's quota so that the token bucket
// shows less than the exporter, and no second discovery during a run.
const fleetConfig = "rate_limit: {requests_per_second: 50, burst: 50}\ndiscovery: {interval: 1h}\n"

func fleetCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("fleet", flag.ContinueOnError)
	bin := fs.String("bin", "", "the exporter's binary")
	sizes := fs.String("sizes", "100,1000,5000,10000", "fleet sizes, comma-separated")
	days := fs.Int("days", 1, "days of the backfill")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Fprintln(stdout, strings.Join(fleetColumns, "\t"))
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("-sizes: %w", err)
		}
		row, err := measureFleet(*bin, n, *days, stderr)
		if err != nil {
			return fmt.Errorf("%d instances: %w", n, err)
		}
		fmt.Fprintln(stdout, row.tsv())
	}
	return nil
}

// fleetColumns head the TSV fleetCmd prints.
var fleetColumns = []string{"instances", "series", "discovery_s", "discovery_calls", "poll_s", "poll_calls",
	"scrape_ms", "scrape_bytes", "backfill_s", "backfill_calls", "backfill_samples", "peak_rss_mb"}

// fleetRow is what one fleet size measured.
type fleetRow struct {
	instances, series          int
	discovery, poll, backfill  time.Duration
	discoveryCalls, pollCalls  float64
	scrape                     time.Duration
	scrapeBytes, backfillCalls int
	backfillSamples            int64
	peakRSS                    float64 // MB
}

func (r fleetRow) tsv() string {
	return fmt.Sprintf("%d\t%d\t%.2f\t%.0f\t%.2f\t%.0f\t%.1f\t%d\t%.2f\t%d\t%d\t%.0f", r.instances, r.series,
		r.discovery.Seconds(), r.discoveryCalls, r.poll.Seconds(), r.pollCalls, ms(r.scrape), r.scrapeBytes,
		r.backfill.Seconds(), r.backfillCalls, r.backfillSamples, r.peakRSS)
}

// measureFleet runs the simulator with n instances and the server against
// it, and measures the server's stages.
func measureFleet(bin string, n, days int, stderr io.Writer) (fleetRow, error) {
	row := fleetRow{instances: n}
	dir, err := os.MkdirTemp("", "benchtool-fleet-")
	if err != nil {
		return row, err
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	simAddr, srvAddr := freeAddr(ctx), freeAddr(ctx)
	sim := exec.CommandContext(ctx, bin, "--log.level=warn", "simulate", "--listen", simAddr, "--instances", strconv.Itoa(n))
	sim.Stderr = stderr
	if err := sim.Start(); err != nil {
		return row, err
	}
	defer stop(sim)
	if err := waitHTTP(ctx, "http://"+simAddr+"/awssim/counters", http.StatusOK); err != nil {
		return row, err
	}
	cfg := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfg, []byte(fleetConfig), 0o644); err != nil {
		return row, err
	}
	srv := exec.CommandContext(ctx, bin, "--log.level=warn", "serve", "--web.listen-address", srvAddr, "--config.file", cfg,
		"--backfill.output-dir", filepath.Join(dir, "blocks"), "--backfill.max-days", strconv.Itoa(days))
	srv.Env = append(os.Environ(), "AWS_ENDPOINT_URL=http://"+simAddr, "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x")
	srv.Stderr = stderr
	started := time.Now()
	if err := srv.Start(); err != nil {
		return row, err
	}
	defer stop(srv)
	base := "http://" + srvAddr
	// The server is ready once the first discovery and the first poll
	// are done.
	if err := waitHTTP(ctx, base+"/-/ready", http.StatusOK); err != nil {
		return row, err
	}
	return row, row.measureServer(ctx, base, started, days, srv.Process.Pid)
}

// measureServer reads the discovery's and the poll's calls and the poll's
// time from the self-metrics (the discovery's time as from started, when
// the server was started, to its last success), times scrapes and a
// backfill, and reads the server's peak memory.
func (row *fleetRow) measureServer(ctx context.Context, base string, started time.Time, days, pid int) error {
	c := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	self, err := selfMetrics(ctx, c, base+"/metrics")
	if err != nil {
		return err
	}
	for _, api := range []string{"DescribeDBInstances", "DescribeDBClusters", "DescribeDBProxies", "ListMetrics", "ListTagsForResource"} {
		row.discoveryCalls += self[`rds_backfill_exporter_cloudwatch_requests_total{api="`+api+`",outcome="success"}`]
	}
	discovered := self["rds_backfill_exporter_discovery_last_success_timestamp_seconds"]
	row.discovery = time.UnixMicro(int64(discovered * 1e6)).Sub(started)
	row.pollCalls = self[`rds_backfill_exporter_cloudwatch_requests_total{api="GetMetricData",outcome="success"}`]
	row.poll = time.Duration(self["rds_backfill_exporter_poll_duration_seconds_sum"] * float64(time.Second))
	row.series = int(self["aws_rds_series"])
	s := &scraper{client: c, url: base + "/metrics"}
	lat, err := s.times(ctx, 20, 50*time.Millisecond, nil)
	if err != nil {
		return err
	}
	row.scrape, row.scrapeBytes = quantile(sortedCopy(lat), 0.5), s.bytes
	var job jobState
	if err := postJSON(ctx, c, fmt.Sprintf("%s/api/v1/metrics/backfill?days=%d", base, days), http.StatusOK, &job); err != nil {
		return err
	}
	row.backfill, row.backfillCalls, row.backfillSamples = time.Duration(job.Seconds*float64(time.Second)), job.Requests, job.Samples
	row.peakRSS, err = peakRSS(pid)
	return err
}

// selfMetrics returns the samples of a text exposition by series, and in
// "aws_rds_series" the number of aws_rds_ series.
func selfMetrics(ctx context.Context, c *http.Client, u string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "aws_rds_") {
			out["aws_rds_series"]++
			continue
		}
		if i := strings.LastIndexByte(line, ' '); i > 0 && !strings.HasPrefix(line, "#") {
			v, _ := strconv.ParseFloat(line[i+1:], 64)
			out[line[:i]] = v
		}
	}
	return out, sc.Err()
}

// peakRSS reads the peak resident memory of a process (VmHWM), in MB
// (10^6 bytes).
func peakRSS(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb * 1024 / 1e6, err
		}
	}
	return 0, errors.New("no VmHWM in /proc/PID/status")
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(ctx context.Context) string {
	l, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitHTTP polls u until it answers status.
func waitHTTP(ctx context.Context, u string, status int) error {
	c := &http.Client{Timeout: 10 * time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		if resp, err := c.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == status {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", u, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// stop ends a child process and waits for it.
func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}
