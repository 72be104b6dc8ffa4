package e2e

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/config"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/exporter"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// fleetInstances is the size of the simulated fleet of the exporter
// tests: every engine of awssim's rotation, Aurora clusters included.
const fleetInstances = 6

// startSim starts awssim on loopback for the test.
func startSim(t *testing.T) *awssim.Server {
	t.Helper()
	sim := awssim.New(awssim.Options{Instances: fleetInstances})
	if err := sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	return sim
}

// api is the exporter, built by the composition root on awssim, serving
// its HTTP API on 127.0.0.1.
type api struct {
	x   *exporter.Exporter
	url string
}

// startExporter builds the exporter on sim with the config file yml (the
// region is added) and the command line's stores, serves its API and
// discovers the instances.
func startExporter(t *testing.T, sim *awssim.Server, yml string, stores exporter.StoreOptions) *api {
	t.Helper()
	cfg, err := config.Parse([]byte("regions: ["+sim.Region()+"]\n"+yml), "test.yml")
	if err != nil {
		t.Fatal(err)
	}
	x, err := exporter.New(t.Context(), cfg, exporter.Options{
		Backfill: exporter.BackfillOptions{OutputDir: t.TempDir(), Labels: map[string]string{"job": "rds"}, Stores: stores},
	}, exporter.Env{
		Logger:         slog.New(slog.DiscardHandler),
		AWSLoadOptions: testtools.AWSOptions(sim),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.Close() })
	if err := x.Refresh(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(x.Handler())
	t.Cleanup(srv.Close)
	return &api{x: x, url: srv.URL}
}

// call sends a request to the API and decodes its JSON answer.
func (a *api) call(t *testing.T, method, path string) (int, map[string]any) {
	t.Helper()
	status, _, b := testtools.Do(t, method, a.url+path)
	var body map[string]any
	if err := json.Unmarshal(b, &body); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %s", method, path, status, b)
	}
	return status, body
}

// backfill backfills the whole fleet's last 7 days and returns the
// answer's status and body.
func (a *api) backfill(t *testing.T) (int, map[string]any) {
	t.Helper()
	return a.call(t, http.MethodPost, "/api/v1/metrics/backfill?days=7")
}

// backfillOK backfills the fleet, fails the test unless it succeeded, and
// returns the range swept and the answer.
func (a *api) backfillOK(t *testing.T) (from, to time.Time, body map[string]any) {
	t.Helper()
	status, body := a.backfill(t)
	if status != http.StatusOK || body["success"] != true {
		t.Fatalf("backfill: %d %v", status, body)
	}
	return testtools.ParseTime(t, body["from"]), testtools.ParseTime(t, body["to"]), body
}

// checkRepeat backfills again and checks that every hour was covered
// (or known to be empty) and that no GetMetricData call was made.
func (a *api) checkRepeat(t *testing.T, sim *awssim.Server) {
	t.Helper()
	sim.ResetCounters()
	_, _, body := a.backfillOK(t)
	if body["hours_backfilled"] != 0.0 || body["hours_skipped_covered"].(float64)+body["hours_skipped_known_empty"].(float64) != body["hours_total"] {
		t.Errorf("repeat: %v, want every hour covered or known empty", body)
	}
	if n := sim.Counters().Requests["GetMetricData"]; n != 0 {
		t.Errorf("the repeat made %d GetMetricData calls, want 0", n)
	}
}

// selfMetric returns the value of a self-metric without labels.
func (a *api) selfMetric(t *testing.T, name string) float64 {
	t.Helper()
	families, err := a.x.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == "rds_backfill_exporter_"+name {
			m := f.GetMetric()[0]
			return m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	t.Fatalf("no self-metric %s", name)
	return 0
}

// seriesID names one backfilled series: its resource (the name label, the
// ARN) and its metric name.
type seriesID struct{ arn, name string }

// history is what a store holds: by series, the value at each time (ms).
type history map[seriesID]map[int64]float64

// add adds the samples of one series with labels lbls, checking that the
// series has the identity labels of its resource in sim (an instance, a
// cluster or a proxy) and the target label, and that no sample comes
// twice.
func (h history) add(sim *awssim.Server, lbls map[string]string, samples []sample) error {
	arn := lbls[catalog.LabelName]
	r, ok := resourceOf(sim, arn)
	switch {
	case !ok:
		return fmt.Errorf("series %v: no such resource in awssim", lbls)
	case lbls[r.label] != r.id || lbls["region"] != sim.Region() || lbls["account_id"] != sim.AccountID() || lbls["job"] != "rds":
		return fmt.Errorf("series %v: not the labels of %s with job=rds", lbls, r.id)
	}
	id := seriesID{arn, lbls["__name__"]}
	if h[id] == nil {
		h[id] = map[int64]float64{}
	}
	for _, s := range samples {
		if _, dup := h[id][s.T]; dup {
			return fmt.Errorf("series %v: two samples at %s", lbls, time.UnixMilli(s.T).UTC())
		}
		h[id][s.T] = s.V
	}
	return nil
}

// samplesOf converts samples of tsdbwriter.
func samplesOf(in []tsdbwriter.Sample) []sample {
	out := make([]sample, len(in))
	for i, s := range in {
		out[i] = sample(s)
	}
	return out
}

// simResource is a resource of awssim: its ARN, the YACE label of its
// dimension and its identifier, and the metrics awssim publishes for it.
type simResource struct {
	arn, label, id string
	metrics        []string
}

// resourcesOf lists awssim's instances, clusters and proxies of its
// default account and region, written out from awssim's own API (the
// label names are YACE's, as the README documents them).
func resourcesOf(sim *awssim.Server) []simResource {
	var out []simResource
	for _, i := range sim.Instances() {
		out = append(out, simResource{arn: i.ARN, label: "dimension_DBInstanceIdentifier", id: i.ID})
	}
	for _, c := range sim.Clusters() {
		out = append(out, simResource{arn: c.ARN, label: "dimension_DBClusterIdentifier", id: c.ID})
	}
	for _, p := range sim.Proxies() {
		out = append(out, simResource{arn: p.ARN, label: "dimension_ProxyName", id: p.Name})
	}
	published := sim.PublishedSeries(sim.AccountID(), sim.Region())
	for k := range out {
		dim := strings.TrimPrefix(out[k].label, "dimension_")
		for _, ps := range published {
			if len(ps.Dimensions) == 1 && ps.Dimensions[dim] == out[k].id {
				out[k].metrics = append(out[k].metrics, ps.Metric)
			}
		}
	}
	return out
}

func resourceOf(sim *awssim.Server, arn string) (simResource, bool) {
	for _, r := range resourcesOf(sim) {
		if r.arn == arn {
			return r, true
		}
	}
	return simResource{}, false
}

// statistics are the statistics a stored series' name may end in.
var statistics = []string{"Average", "Maximum", "Minimum", "Sum", "SampleCount"}

// compare checks h against awssim: every instance, one of the 20 metrics
// every instance was always asked for and statistic, and hour of [from,
// to) has exactly the value awssim serves (awssim.Value), and no sample
// where awssim serves none; every other stored series (of clusters and
// proxies, and the instances' other metrics) is a metric awssim publishes
// for its resource, holding exactly awssim's value at every hour awssim
// has one. It returns the number of samples checked, or the first
// differences.
func (h history) compare(sim *awssim.Server, from, to time.Time) (int, error) {
	var diffs []string
	diff := func(format string, args ...any) {
		if len(diffs) < 5 {
			diffs = append(diffs, fmt.Sprintf(format, args...))
		}
	}
	check := func(r simResource, id seriesID, metric, stat string) int {
		got, n := h[id], 0
		for t := from; t.Before(to); t = t.Add(time.Hour) {
			want, ok := sim.Value(r.arn, metric, stat, t, time.Hour)
			v, have := got[t.UnixMilli()]
			switch {
			case ok != have:
				diff("%s %s at %s: store has %v (%v), awssim %v (%v)", r.id, id.name, t, v, have, want, ok)
			case ok && math.Abs(v-want) > 1e-9*math.Max(1, math.Abs(want)):
				diff("%s %s at %s: store has %v, awssim %v", r.id, id.name, t, v, want)
			case ok:
				n++
			}
		}
		if len(got) != n {
			diff("%s %s: %d samples, %d of them awssim's", r.id, id.name, len(got), n)
		}
		return n
	}
	seen, checked, kinds := map[seriesID]bool{}, 0, map[string]int{}
	resources := resourcesOf(sim)
	for _, r := range resources {
		if r.label != "dimension_DBInstanceIdentifier" {
			continue
		}
		for _, sel := range testtools.TwentyMetrics() {
			for _, stat := range sel.Statistics {
				id := seriesID{r.arn, catalog.PromName(sel.Metric, stat)}
				seen[id] = true
				checked += check(r, id, sel.Metric, stat)
			}
		}
	}
	for id := range h {
		if seen[id] {
			continue
		}
		r, _ := resourceOf(sim, id.arn)
		metric, stat, ok := publishedAs(r, id.name)
		if !ok {
			diff("series %v: not a metric awssim publishes for %s", id, r.id)
			continue
		}
		checked += check(r, id, metric, stat)
		kinds[r.label]++
	}
	for _, r := range resources {
		if r.label != "dimension_DBInstanceIdentifier" && kinds[r.label] == 0 {
			diff("no series of %s: the backfill left out a kind", r.label)
		}
	}
	if len(diffs) > 0 {
		return checked, fmt.Errorf("the store differs from awssim:\n%s", strings.Join(diffs, "\n"))
	}
	if checked == 0 {
		return 0, fmt.Errorf("nothing to compare in [%s, %s)", from, to)
	}
	return checked, nil
}

// publishedAs finds the metric awssim publishes for r and the statistic
// whose YACE name is name.
func publishedAs(r simResource, name string) (metric, stat string, ok bool) {
	for _, m := range r.metrics {
		for _, st := range statistics {
			if catalog.PromName(m, st) == name {
				return m, st, true
			}
		}
	}
	return "", "", false
}

// historyOf reads every backfilled series of [from, to) from a store's
// query API.
func (s *store) historyOf(sim *awssim.Server, from, to time.Time) (history, error) {
	rng := strconv.Itoa(int(to.Sub(from).Seconds())) + "s"
	res, err := s.query(`{__name__=~"aws_rds_.+", __name__!="aws_rds_info", job="rds"}[`+rng+`]`, to.Add(-time.Millisecond))
	if err != nil {
		return nil, err
	}
	h := history{}
	for _, r := range res {
		if err := h.add(sim, r.metric, r.samples); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// checkStore waits until the store's query API holds exactly what awssim
// serves for the fleet in [from, to).
func checkStore(t *testing.T, s *store, sim *awssim.Server, from, to time.Time) {
	t.Helper()
	checkAgainstSim(t, "the store", sim, from, to, func() (history, error) { return s.historyOf(sim, from, to) })
}

// checkAgainstSim waits until what read returns (what is read from where)
// is exactly what awssim serves for the fleet in [from, to).
func checkAgainstSim(t *testing.T, where string, sim *awssim.Server, from, to time.Time, read func() (history, error)) {
	t.Helper()
	testtools.Eventually(t, time.Minute, 500*time.Millisecond, func() error {
		h, err := read()
		if err != nil {
			return err
		}
		n, err := h.compare(sim, from, to)
		if err == nil {
			t.Logf("checked %d samples of %s against awssim", n, where)
		}
		return err
	})
}
