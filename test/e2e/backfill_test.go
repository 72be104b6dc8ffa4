package e2e

import (
	"cmp"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// TestBackfillIntoPrometheus backfills 7 days of every simulated instance
// through the HTTP API, then serves the blocks with a real Prometheus and
// checks every sample of every instance, metric and hour against what awssim
// served; a repeat costs no CloudWatch request.
func TestBackfillIntoPrometheus(t *testing.T) {
	sim := startSim(t, awssim.Options{Instances: 3})
	out := t.TempDir()
	exp := startExporter(t, sim, "--backfill.output-dir="+out)

	results := map[string]map[string]any{}
	for _, inst := range sim.Instances() {
		code, body := exp.call(t, "POST", "/api/v1/instances/"+inst.ID+"/metrics/backfill?days=7")
		if code != 200 || body["success"] != true || body["instance_id"] != inst.ID {
			t.Fatalf("backfill %s: %d %v\n%s", inst.ID, code, body, exp.logs)
		}
		// One GetMetricData call: the instance's metrics x 2 statistics x
		// 168 hours.
		if body["cloudwatch_requests"] != 1.0 || body["days_requested"] != 7.0 {
			t.Errorf("backfill %s: %v", inst.ID, body)
		}
		results[inst.ID] = body
	}
	before := sim.Counters().Requests["GetMetricData"]
	for _, inst := range sim.Instances() {
		code, body := exp.call(t, "POST", "/api/v1/instances/"+inst.ID+"/metrics/backfill?days=7")
		if code != 200 || body["hours_backfilled"] != 0.0 {
			t.Errorf("repeat backfill %s: %d %v", inst.ID, code, body)
		}
	}
	if after := sim.Counters().Requests["GetMetricData"]; after != before {
		t.Errorf("the repeat made %d GetMetricData calls, want 0", after-before)
	}
	exp.kill()

	from, to := testtools.ParseTime(t, results[sim.Instances()[0].ID]["from"]), testtools.ParseTime(t, results[sim.Instances()[0].ID]["to"])
	analyze(t, out)
	prom := startPrometheus(t, copyDir(t, out))
	checked := 0
	for _, inst := range sim.Instances() {
		hours := 0
		for _, metric := range catalog.DefaultMetrics(model.KindDBInstance) {
			for _, stat := range catalog.DefaultStatistics() {
				n := checkSeries(t, prom, sim, inst.ID, metric, stat, from, to)
				checked += n
				hours = max(hours, n)
			}
		}
		if want := results[inst.ID]["hours_backfilled"]; float64(hours) != want {
			t.Errorf("%s: Prometheus has %d hours, the backfill said %v", inst.ID, hours, want)
		}
	}
	t.Logf("checked %d samples against awssim", checked)
}

// checkSeries compares the raw samples Prometheus holds for one series in
// [from, to) with awssim's datapoints, hour by hour, and returns how many
// matched.
func checkSeries(t *testing.T, prom *proc, sim *awssim.Server, id, metric, stat string, from, to time.Time) int {
	t.Helper()
	name := catalog.PromName(metric, stat)
	rng := strconv.Itoa(int(to.Sub(from).Seconds())) + "s"
	res := prom.queryRangeVector(t, name+`{dimension_DBInstanceIdentifier="`+id+`",job="rds"}[`+rng+`]`, to.Add(-time.Millisecond))
	got := map[int64]float64{}
	for _, r := range res {
		if r.Metric["region"] != sim.Region() || r.Metric["account_id"] != sim.AccountID() || r.Metric["name"] == "" {
			t.Fatalf("%s: labels %v", name, r.Metric)
		}
		for _, v := range r.Values {
			ts := int64(v[0].(float64))
			f, err := strconv.ParseFloat(v[1].(string), 64)
			if err != nil {
				t.Fatal(err)
			}
			got[ts] = f
		}
	}
	n := 0
	for h := from; h.Before(to); h = h.Add(time.Hour) {
		want, ok := sim.Value(sim.InstanceARN(id), metric, stat, h, time.Hour)
		v, have := got[h.Unix()]
		switch {
		case ok && !have:
			t.Errorf("%s{%s} at %s: Prometheus has no sample, awssim served %v", name, id, h, want)
		case !ok && have:
			t.Errorf("%s{%s} at %s: Prometheus has %v, awssim served nothing", name, id, h, v)
		case ok && math.Abs(v-want) > 1e-9*math.Max(1, math.Abs(want)):
			t.Errorf("%s{%s} at %s: Prometheus has %v, awssim served %v", name, id, h, v, want)
		case ok:
			n++
		}
	}
	if len(got) > int(to.Sub(from)/time.Hour) {
		t.Errorf("%s{%s}: %d samples for %s", name, id, len(got), to.Sub(from))
	}
	return n
}

// analyze runs promtool tsdb analyze on a copy of the blocks (it wants a
// wal/ folder) and fails on any error.
func analyze(t *testing.T, dir string) {
	t.Helper()
	cp := copyDir(t, dir)
	if err := os.MkdirAll(filepath.Join(cp, "wal"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tools.Promtool(t), "tsdb", "analyze", cp).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool tsdb analyze: %v\n%s", err, out)
	}
}

// copyDir copies the blocks of dir into a new temporary folder.
func copyDir(t *testing.T, dir string) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestBackfillRefetchesRemovedBlock removes one daily block and checks that
// the next backfill fetches and writes exactly that block's hours.
func TestBackfillRefetchesRemovedBlock(t *testing.T) {
	sim := startSim(t, awssim.Options{Instances: 2})
	out := t.TempDir()
	exp := startExporter(t, sim, "--backfill.output-dir="+out)
	code, body := exp.call(t, "POST", "/api/v1/metrics/backfill?days=7")
	if code != 200 {
		t.Fatalf("%d %v", code, body)
	}
	from, to := testtools.ParseTime(t, body["from"]), testtools.ParseTime(t, body["to"])
	metrics := body["cloudwatch_metrics_requested"]
	before := coveredHours(t, out, sim, from, to)
	// The second block is a whole UTC day inside the range.
	bs := blocks(t, out)
	removed := filepath.Join(out, sortedBlocks(t, out, bs)[1])
	if err := os.RemoveAll(removed); err != nil {
		t.Fatal(err)
	}
	lost := before - coveredHours(t, out, sim, from, to)
	if lost != 2*24 {
		t.Fatalf("removing a daily block lost %d instance-hours, want 48", lost)
	}
	sim.ResetCounters()
	code, body = exp.call(t, "POST", "/api/v1/metrics/backfill?days=7")
	if code != 200 || body["hours_backfilled"].(float64)+body["hours_empty"].(float64) != float64(lost) {
		t.Fatalf("refill: %d %v, want %d hours", code, body, lost)
	}
	// One window for both instances: the queries of the first backfill
	// (each instance's metrics x 2 statistics) in one call.
	if c := sim.Counters(); c.Requests["GetMetricData"] != 1 || float64(c.MetricsRequested) != metrics {
		t.Errorf("refill made %d calls for %d metrics, want 1 call for %v", c.Requests["GetMetricData"], c.MetricsRequested, metrics)
	}
	if coveredHours(t, out, sim, from, to) != before {
		t.Errorf("coverage after the refill differs from before the removal")
	}
}

// sortedBlocks returns the block folders ordered by their minimum time.
func sortedBlocks(t *testing.T, dir string, names []string) []string {
	t.Helper()
	type blk struct {
		name string
		mint int64
	}
	var bs []blk
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n, "meta.json"))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			MinTime int64 `json:"minTime"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		bs = append(bs, blk{n, m.MinTime})
	}
	slices.SortFunc(bs, func(a, b blk) int { return cmp.Compare(a.mint, b.mint) })
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.name
	}
	return out
}
