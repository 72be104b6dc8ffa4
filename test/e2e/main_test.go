// Package e2e tests the exporter as users run it: the real binary, the real
// AWS SDK against awssim over 127.0.0.1, and a real Prometheus and promtool
// (pinned in go.mod, run through `go tool`).
package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
)

var tools testtools.Tools

// exporterBin is the exporter binary TestMain builds.
var exporterBin string

// exporterBinEnv passes exporterBin to the child test processes of
// testtools.OnTmpfs, which reuse it.
const exporterBinEnv = "RDS_BACKFILL_E2E_EXPORTER"

func TestMain(m *testing.M) {
	if exporterBin = os.Getenv(exporterBinEnv); exporterBin != "" {
		goleak.VerifyTestMain(m)
		return
	}
	dir, err := os.MkdirTemp("", "rds-backfill-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	exporterBin = filepath.Join(dir, "rds-backfill-exporter")
	build := exec.Command("go", "build", "-o", exporterBin, "github.com/rds-backfill-exporter/rds-backfill-exporter/cmd/exporter")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build exporter:", err)
		os.Exit(1)
	}
	if err := os.Setenv(exporterBinEnv, exporterBin); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := goleak.Find(); code == 0 && err != nil {
		fmt.Fprintln(os.Stderr, "goleak: errors on successful test run:", err)
		code = 1
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// startSim starts awssim on loopback for the test.
func startSim(t *testing.T, opts awssim.Options) *awssim.Server {
	t.Helper()
	sim := awssim.New(opts)
	if err := sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	return sim
}

// proc is a process the test started; it is killed when the test ends.
type proc struct {
	cmd  *exec.Cmd
	addr string
	logs *bytes.Buffer
	// exited is closed when the process has exited, with its Wait error
	// in waitErr.
	exited  chan struct{}
	waitErr error
}

// startExporter runs the exporter binary against sim with args and waits
// until it is ready.
func startExporter(t *testing.T, sim *awssim.Server, args ...string) *proc {
	t.Helper()
	p := startServe(t, sim, args...)
	p.waitHTTP(t, "/-/ready")
	return p
}

// startServe runs the exporter binary against sim with args and waits
// until it answers /-/healthy, ready or not.
func startServe(t *testing.T, sim *awssim.Server, args ...string) *proc {
	t.Helper()
	p := newProc(t, exporterBin, "serve")
	p.cmd.Args = append(p.cmd.Args, append([]string{"--web.listen-address=" + p.addr}, args...)...)
	p.cmd.Env = append(os.Environ(),
		"AWS_ENDPOINT_URL="+sim.URL(), "AWS_REGION="+sim.Region(),
		"AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=x", "AWS_EC2_METADATA_DISABLED=true")
	p.start(t)
	p.waitHTTP(t, "/-/healthy")
	return p
}

func (p *proc) start(t *testing.T) {
	t.Helper()
	p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(p.kill)
}

// kill sends SIGKILL, if the process still runs, and waits for it to exit.
func (p *proc) kill() {
	select {
	case <-p.exited:
	default:
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

func (p *proc) waitHTTP(t *testing.T, path string) {
	t.Helper()
	testtools.Eventually(t, 90*time.Second, 100*time.Millisecond, func() error {
		select {
		case <-p.exited:
			t.Fatalf("%s exited: %v\n%s", p.cmd.Path, p.waitErr, p.logs)
		default:
		}
		resp, err := http.Get("http://" + p.addr + path)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", path, resp.Status)
		}
		return nil
	})
}

// call sends a request and decodes the JSON answer.
func (p *proc) call(t *testing.T, method, path string) (int, map[string]any) {
	t.Helper()
	status, _, b := testtools.Do(t, method, "http://"+p.addr+path)
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %s", method, path, status, b)
	}
	return status, body
}

// startPrometheus runs the pinned Prometheus on dataDir, listening on
// loopback, without scrape targets.
func startPrometheus(t *testing.T, dataDir string) *proc {
	t.Helper()
	cfg := filepath.Join(t.TempDir(), "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: 1m\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return startPrometheusWith(t, dataDir, cfg)
}

// newProc prepares a process on a free loopback address; start runs it.
func newProc(t *testing.T, path string, args ...string) *proc {
	t.Helper()
	p := &proc{addr: testtools.FreeAddr(t), logs: &bytes.Buffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(path, args...)
	return p
}

// promResult is one series of a Prometheus range-vector result.
type promResult struct {
	Metric map[string]string `json:"metric"`
	Values [][2]any          `json:"values"`
}

// queryRangeVector evaluates expr (a range selector) at ts through the
// HTTP API and returns its series with their raw samples.
func (p *proc) queryRangeVector(t *testing.T, expr string, ts time.Time) []promResult {
	t.Helper()
	return p.promQuery(t, fmt.Sprintf("/api/v1/query?query=%s&time=%d", url.QueryEscape(expr), ts.Unix()))
}

// promQuery calls a Prometheus query endpoint and returns the result.
func (p *proc) promQuery(t *testing.T, path string) []promResult {
	t.Helper()
	_, _, b := testtools.Do(t, http.MethodGet, "http://"+p.addr+path)
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []promResult `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("%s: %v: %s", path, err, b)
	}
	if body.Status != "success" {
		t.Fatalf("%s: %s", path, body.Error)
	}
	return body.Data.Result
}
