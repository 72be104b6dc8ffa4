package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
)

var (
	tools    testtools.Tools
	isolated testtools.Isolated
)

// store is a store process the test started, reachable on addr.
type store struct {
	cmd  *exec.Cmd
	addr string
	logs *bytes.Buffer
	done chan struct{}
	err  error
}

// startStore runs path with args, where args may use the address the
// store must listen on, and waits until GET ready answers 200. The store is
// killed when the test ends.
func startStore(t testing.TB, ready, path string, args func(addr string) []string) *store {
	t.Helper()
	s := &store{addr: testtools.FreeAddr(t), logs: &bytes.Buffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(path, args(s.addr)...)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.err = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(func() {
		_ = s.cmd.Process.Kill()
		<-s.done
		if t.Failed() {
			t.Logf("%s logs:\n%s", filepath.Base(path), s.logs)
		}
	})
	testtools.Eventually(t, 2*time.Minute, 100*time.Millisecond, func() error {
		select {
		case <-s.done:
			t.Fatalf("%s exited: %v\n%s", path, s.err, s.logs)
		default:
		}
		resp, err := http.Get(s.url() + ready)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", ready, resp.Status)
		}
		return nil
	})
	return s
}

func (s *store) url() string { return "http://" + s.addr }

// startPrometheus runs the pinned Prometheus with the remote-write
// receiver and the README's prometheus.yml: an out-of-order window of 8
// days.
func startPrometheus(t testing.TB) *store {
	t.Helper()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "prometheus.yml")
	yml := "global:\n  scrape_interval: 1m\n" + testtools.ReadmeBlock(t, "../../README.md", "```yaml\n# prometheus.yml\n")
	if err := os.WriteFile(cfg, []byte(yml), 0o644); err != nil {
		t.Fatal(err)
	}
	return startStore(t, "/-/ready", tools.Prometheus(t), func(addr string) []string {
		return []string{
			"--config.file=" + cfg, "--storage.tsdb.path=" + filepath.Join(dir, "data"),
			"--web.listen-address=" + addr, "--web.enable-remote-write-receiver",
		}
	})
}

// startVictoriaMetrics runs VictoriaMetrics single node.
func startVictoriaMetrics(t testing.TB) *store {
	t.Helper()
	dir := t.TempDir()
	return startStore(t, "/health", isolated.VictoriaMetrics(t), func(addr string) []string {
		return []string{
			"-storageDataPath=" + dir, "-httpListenAddr=" + addr, "-retentionPeriod=1y",
			"-loggerLevel=WARN",
		}
	})
}

// sample is one sample as the query API returns it.
type sample struct {
	T int64 // ms
	V float64
}

// rawSeries queries expr, a range selector, at ts and returns the raw
// samples of every series by its labels' string.
func (s *store) rawSeries(expr string, ts time.Time) (map[string][]sample, error) {
	res, err := s.query(expr, ts)
	if err != nil {
		return nil, err
	}
	out := map[string][]sample{}
	for _, r := range res {
		out[labelKey(r.metric)] = r.samples
	}
	return out, nil
}

// result is one series of a range-vector result.
type result struct {
	metric  map[string]string
	samples []sample
}

// query evaluates expr, a range selector, at ts through the query API.
func (s *store) query(expr string, ts time.Time) ([]result, error) {
	q := url.Values{"query": {expr}, "time": {strconv.FormatFloat(float64(ts.UnixMilli())/1000, 'f', 3, 64)}, "nocache": {"1"}}
	resp, err := http.Get(s.url() + "/api/v1/query?" + q.Encode())
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Values [][2]any          `json:"values"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, err
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("%s: %s", expr, body.Error)
	}
	out := make([]result, 0, len(body.Data.Result))
	for _, r := range body.Data.Result {
		res := result{metric: r.Metric}
		for _, v := range r.Values {
			f, err := strconv.ParseFloat(v[1].(string), 64)
			if err != nil {
				return nil, err
			}
			res.samples = append(res.samples, sample{T: int64(math.Round(v[0].(float64) * 1000)), V: f})
		}
		out = append(out, res)
	}
	return out, nil
}
