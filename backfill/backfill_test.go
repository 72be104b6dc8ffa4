package backfill

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	pmodel "github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/telemetry"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// fakeCW answers like CloudWatch in account 123456789012, region
// us-east-1: one datapoint per period in the window, value from valueOf,
// none in the hours gap says. It counts the GetMetricData calls a fetch
// costs by AWS's documented limits, on its own: at most 500 queries a
// call, and at most 100,800 datapoints a response.
type fakeCW struct {
	mu      sync.Mutex
	calls   int
	windows []cloudwatch.Window
	gap     func(id string, t time.Time) bool
	fail    error
}

// documentedCalls is the fewest GetMetricData calls for n queries of p
// datapoints each: AWS documents 500 queries a call and 100,800
// datapoints a response.
func documentedCalls(n, p int) int {
	perCall := min(500, max(1, 100800/max(1, p)))
	return (n + perCall - 1) / perCall
}

func valueOf(q model.MetricQuery, t time.Time) float64 {
	return float64(len(q.Resource.ID)*1000+len(q.Metric)*10+len(q.Statistic)) + float64(t.Unix()%86400)/3600
}

func (f *fakeCW) Target() model.Target {
	return model.Target{AccountID: "123456789012", Region: "us-east-1"}
}

// FetchPoints hands over what fetch returns.
func (f *fakeCW) FetchPoints(ctx context.Context, req cloudwatch.FetchRequest, fn cloudwatch.PointsFunc) (cloudwatch.FetchStats, error) {
	series, st, err := f.fetch(ctx, req)
	if err != nil {
		return st, err
	}
	return st, deliver(series, fn)
}

// deliver hands the datapoints of series to fn, a query at a time.
func deliver(series []model.Series, fn cloudwatch.PointsFunc) error {
	for i, s := range series {
		ts, vs := make([]int64, len(s.Points)), make([]float64, len(s.Points))
		for j, p := range s.Points {
			ts[j], vs[j] = p.Timestamp.UnixMilli(), p.Value
		}
		if err := fn(i, ts, vs); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeCW) fetch(_ context.Context, req cloudwatch.FetchRequest) ([]model.Series, cloudwatch.FetchStats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	calls := documentedCalls(len(req.Queries), int(req.Window.End.Sub(req.Window.Start)/req.Window.Period))
	f.calls += calls
	f.windows = append(f.windows, req.Window)
	st := cloudwatch.FetchStats{Calls: calls, MetricsRequested: len(req.Queries)}
	if f.fail != nil {
		return nil, st, f.fail
	}
	out := make([]model.Series, len(req.Queries))
	for i, q := range req.Queries {
		out[i].Query = q
		for t := req.Window.Start; t.Before(req.Window.End); t = t.Add(req.Window.Period) {
			if f.gap != nil && f.gap(q.Resource.ID, t) {
				continue
			}
			out[i].Points = append(out[i].Points, model.Datapoint{Timestamp: t, Value: valueOf(q, t)})
			st.Datapoints++
		}
	}
	return out, st, nil
}

var testNow = time.Date(2026, 11, 28, 12, 30, 0, 0, time.UTC)

// testSelection is 20 metrics x 2 statistics.
func testSelection() []model.Selection { return testtools.TwentyMetrics() }

func testInstance(id string) model.Described {
	d := model.Described{Resource: model.Resource{Target: model.Target{AccountID: "123456789012", Region: "us-east-1"}, Kind: model.KindDBInstance, ID: id},
		Provider: "aws", Metrics: testSelection()}
	d.ARN = d.Target.ARN(model.KindDBInstance, id)
	return d
}

func newTestBackfiller(t *testing.T, dir string, f *fakeCW) *Backfiller {
	t.Helper()
	b, err := New(Options{
		OutputDir: dir,
		Fetchers:  []Fetcher{f},
		Labels:    map[string]string{"job": "rds"},
		Env:       telemetry.Env{Now: func() time.Time { return testNow }},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

func TestBackfillOneInstance(t *testing.T) {
	dir := t.TempDir()
	f := &fakeCW{}
	b := newTestBackfiller(t, dir, f)
	var last Progress
	res, err := b.Backfill(context.Background(), Request{Resources: []model.Described{testInstance("db-1")}, Days: 7, Progress: func(p Progress) { last = p }})
	if err != nil {
		t.Fatal(err)
	}
	if res.HoursBackfilled != 168 || res.HoursSkipped != 0 || res.HoursEmpty != 0 {
		t.Errorf("result %+v: want 168 hours backfilled", res)
	}
	// 20 metrics x 2 statistics x 168 hours fit one GetMetricData call.
	if f.calls != 1 || res.Requests != 1 {
		t.Errorf("%d calls (result says %d), want 1", f.calls, res.Requests)
	}
	if res.Samples != 40*168 {
		t.Errorf("%d samples, want %d", res.Samples, 40*168)
	}
	// The range ends at the last whole hour older than the 3h head margin.
	if want := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC); !res.To.Equal(want) || !res.From.Equal(want.Add(-168*time.Hour)) {
		t.Errorf("range [%s, %s)", res.From, res.To)
	}
	if last.HoursDone != 168 || last.HoursTotal != 168 {
		t.Errorf("last progress %+v", last)
	}
	// 7 days not aligned to midnight span 8 daily blocks.
	if res.Blocks != 8 {
		t.Errorf("%d blocks, want 8", res.Blocks)
	}
	checkBlocks(t, dir, "db-1", res.From, res.To)

	// A repeat costs nothing.
	f.calls = 0
	res, err = b.Backfill(context.Background(), Request{Resources: []model.Described{testInstance("db-1")}, Days: 7})
	if err != nil {
		t.Fatal(err)
	}
	if res.HoursBackfilled != 0 || res.HoursSkipped != 168 || f.calls != 0 || res.Requests != 0 {
		t.Errorf("repeat: %+v, %d calls; want 0 hours and 0 calls", res, f.calls)
	}
}

// checkBlocks reads every series of the instance back and compares each
// sample with what the fake CloudWatch served.
func checkBlocks(t *testing.T, dir, id string, from, to time.Time) {
	t.Helper()
	series, err := tsdbwriter.ReadSeries(context.Background(), []string{dir}, tsdbwriter.ReadOptions{
		Mint: from.UnixMilli(), Maxt: to.UnixMilli(),
		Matchers: []*labels.Matcher{labels.MustNewMatcher(labels.MatchEqual, catalog.LabelInstanceID, id)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 40 {
		t.Fatalf("%d series, want 40", len(series))
	}
	for _, s := range series {
		if s.Labels.Get("job") != "rds" || s.Labels.Get(catalog.LabelName) == "" || s.Labels.Get(catalog.LabelRegion) != "us-east-1" {
			t.Fatalf("labels %s", s.Labels)
		}
		q := queryOf(t, s.Labels)
		if len(s.Samples) != int(to.Sub(from)/time.Hour) {
			t.Fatalf("%s: %d samples", s.Labels, len(s.Samples))
		}
		for _, smp := range s.Samples {
			if want := valueOf(q, time.UnixMilli(smp.T)); math.Abs(smp.V-want) > 1e-9 {
				t.Fatalf("%s at %d: %v, want %v", s.Labels, smp.T, smp.V, want)
			}
		}
	}
}

func queryOf(t *testing.T, l labels.Labels) model.MetricQuery {
	t.Helper()
	name := l.Get(pmodel.MetricNameLabel)
	for _, sel := range testSelection() {
		for _, st := range sel.Statistics {
			if catalog.PromName(sel.Metric, st) == name {
				return model.MetricQuery{Resource: model.Resource{ID: l.Get(catalog.LabelInstanceID)}, Metric: sel.Metric, Statistic: st}
			}
		}
	}
	t.Fatalf("unknown metric %s", name)
	return model.MetricQuery{}
}

func TestBackfillRefetchesDeletedBlock(t *testing.T) {
	dir := t.TempDir()
	f := &fakeCW{}
	b := newTestBackfiller(t, dir, f)
	inst := []model.Described{testInstance("db-1")}
	first, err := b.Backfill(context.Background(), Request{Resources: inst, Days: 7})
	if err != nil {
		t.Fatal(err)
	}
	// Remove the block of 2026-11-25 (a full day inside the range).
	day := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	removeBlockAt(t, dir, day)
	f.calls, f.windows = 0, nil
	res, err := b.Backfill(context.Background(), Request{Resources: inst, Days: 7})
	if err != nil {
		t.Fatal(err)
	}
	if res.HoursBackfilled != 24 || res.HoursSkipped != 144 || f.calls != 1 {
		t.Errorf("%+v, %d calls: want exactly the 24 hours of the removed block in 1 call", res, f.calls)
	}
	if len(f.windows) != 1 || !f.windows[0].Start.Equal(day) || !f.windows[0].End.Equal(day.Add(24*time.Hour)) {
		t.Errorf("fetched windows %+v, want [%s, +24h)", f.windows, day)
	}
	checkBlocks(t, dir, "db-1", first.From, first.To)
}

func removeBlockAt(t *testing.T, dir string, day time.Time) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		meta, err := os.ReadFile(filepath.Join(dir, e.Name(), "meta.json"))
		if err != nil {
			continue
		}
		if containsMint(meta, day.UnixMilli()) {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				t.Fatal(err)
			}
			return
		}
	}
	t.Fatalf("no block starts at %s", day)
}

func TestBackfillRemembersEmptyHours(t *testing.T) {
	dir := t.TempDir()
	stopped := func(id string, ts time.Time) bool {
		return id == "db-stopped" && ts.Hour() >= 2 && ts.Hour() < 6
	}
	f := &fakeCW{gap: stopped}
	b := newTestBackfiller(t, dir, f)
	inst := []model.Described{testInstance("db-1"), testInstance("db-stopped")}
	res, err := b.Backfill(context.Background(), Request{Resources: inst, Days: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.HoursEmpty != 8 || res.HoursBackfilled != 2*48-8 {
		t.Fatalf("%+v: want 8 empty hours", res)
	}
	// Both instances share calls: 2 x 40 queries in one call per window.
	f.calls = 0
	res, err = b.Backfill(context.Background(), Request{Resources: inst, Days: 2})
	if err != nil {
		t.Fatal(err)
	}
	if f.calls != 0 || res.HoursKnownEmpty != 8 || res.HoursSkipped != 88 {
		t.Errorf("repeat: %+v, %d calls; want the empty hours skipped without calls", res, f.calls)
	}
	b2, err := New(Options{
		OutputDir: dir, ResweepEmpty: true,
		Fetchers: []Fetcher{f},
		Env:      telemetry.Env{Now: func() time.Time { return testNow }},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	res, err = b2.Backfill(context.Background(), Request{Resources: inst, Days: 2})
	if err != nil {
		t.Fatal(err)
	}
	if f.calls == 0 || res.HoursEmpty != 8 {
		t.Errorf("resweep: %+v, %d calls; want the 8 empty hours asked again", res, f.calls)
	}
}

func TestBackfillFailureWritesNothing(t *testing.T) {
	dir := t.TempDir()
	f := &fakeCW{fail: errors.New("api error Throttling: Rate exceeded")}
	b := newTestBackfiller(t, dir, f)
	_, err := b.Backfill(context.Background(), Request{Resources: []model.Described{testInstance("db-1")}, Days: 7})
	if err == nil {
		t.Fatal("no error")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "meta.json")); err == nil {
			t.Errorf("block %s written despite the failure", e.Name())
		}
	}
}

func TestBackfillRejects(t *testing.T) {
	b := newTestBackfiller(t, t.TempDir(), &fakeCW{})
	onprem := testInstance("legacy")
	onprem.Provider = "onprem"
	if _, err := b.Backfill(context.Background(), Request{Resources: []model.Described{onprem}, Days: 1}); !errors.Is(err, ErrNotCloudWatch) {
		t.Errorf("onprem: %v", err)
	}
	other := testInstance("db-eu")
	other.Region = "eu-west-1"
	if _, err := b.Backfill(context.Background(), Request{Resources: []model.Described{other}, Days: 1}); !errors.Is(err, ErrNoTarget) {
		t.Errorf("other region: %v", err)
	}
	if _, err := b.Backfill(context.Background(), Request{Resources: []model.Described{testInstance("db-1")}}); !errors.Is(err, ErrBadDays) {
		t.Errorf("no days: %v", err)
	}
	res, err := b.Backfill(context.Background(), Request{Resources: []model.Described{testInstance("db-1")}, Days: 30})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Capped || res.Days != 7 || res.DaysRequested != 30 || res.HoursBackfilled != 168 {
		t.Errorf("capped request: %+v", res)
	}
}

func TestHoursSpans(t *testing.T) {
	h := newHours(Range{From: time.Unix(0, 0), To: time.Unix(200*3600, 0)})
	for _, t := range []int64{0, 3600, 7200, 14400, 18000, 36000, 199 * 3600} {
		h.add(t)
	}
	if h.has(10800) || !h.has(14400) || h.has(200*3600) || h.has(-3600) || h.has(1) || h.len() != 7 {
		t.Errorf("has or len wrong: %v", h.bits)
	}
	got := h.spans()
	want := []span{{0, 10800}, {14400, 21600}, {36000, 39600}, {199 * 3600, 200 * 3600}}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("span %d = %v, want %v", i, got[i], want[i])
		}
	}
}

// Hours that Prometheus's own blocks hold (read-only, in another folder)
// are skipped, and nothing is written into that folder.
func TestBackfillSkipsPrometheusBlocks(t *testing.T) {
	promDir, out := t.TempDir(), t.TempDir()
	f := &fakeCW{}
	// Prometheus scraped db-1 live for the last 2 days of the range.
	pb := newTestBackfiller(t, promDir, f)
	if _, err := pb.Backfill(context.Background(), Request{Resources: []model.Described{testInstance("db-1")}, Days: 2}); err != nil {
		t.Fatal(err)
	}
	before := listDir(t, promDir)
	b, err := New(Options{
		OutputDir: out, PrometheusDataDir: promDir,
		Fetchers: []Fetcher{f},
		Env:      telemetry.Env{Now: func() time.Time { return testNow }},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	f.calls, f.windows = 0, nil
	res, err := b.Backfill(context.Background(), Request{Resources: []model.Described{testInstance("db-1")}, Days: 7})
	if err != nil {
		t.Fatal(err)
	}
	if res.HoursSkipped != 48 || res.HoursBackfilled != 120 || f.calls != 1 {
		t.Errorf("%+v, %d calls: want the 48 hours Prometheus holds skipped", res, f.calls)
	}
	if !f.windows[0].End.Equal(res.To.Add(-48 * time.Hour)) {
		t.Errorf("fetched %+v, want a window ending where Prometheus's data starts", f.windows)
	}
	if after := listDir(t, promDir); after != before {
		t.Errorf("the Prometheus folder changed:\n%s\nwas\n%s", after, before)
	}
}

func listDir(t *testing.T, dir string) string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		names = append(names, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(names, "\n")
}

// A sweep larger than BatchSamples is written batch by batch: each batch's
// blocks are complete, the data is the same, and the bill is the same.
func TestBackfillInBatches(t *testing.T) {
	dir := t.TempDir()
	f := &fakeCW{}
	b, err := New(Options{
		OutputDir: dir, Labels: map[string]string{"job": "rds"},
		Fetchers:     []Fetcher{f},
		Env:          telemetry.Env{Now: func() time.Time { return testNow }},
		BatchSamples: 2 * 40 * 168, // two instances' week
	})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var insts []model.Described
	for _, id := range []string{"db-1", "db-2", "db-3", "db-4", "db-5"} {
		insts = append(insts, testInstance(id))
	}
	res, err := b.Backfill(context.Background(), Request{Resources: insts, Days: 7})
	if err != nil {
		t.Fatal(err)
	}
	// Batches of 2, 2 and 1 instances: one call each, 8 daily blocks each.
	if f.calls != 3 || res.MetricsRequested != 5*40 || res.Blocks != 3*8 || res.HoursBackfilled != 5*168 {
		t.Errorf("%+v, %d calls: want 3 batches", res, f.calls)
	}
	for _, inst := range insts {
		checkBlocks(t, dir, inst.ID, res.From, res.To)
	}
	// Failing in the second batch keeps the first batch's blocks, and the
	// next sweep fetches exactly the rest.
	dir2 := t.TempDir()
	failing := &failAfter{fakeCW: &fakeCW{}, ok: 1}
	b2, err := New(Options{
		OutputDir:    dir2,
		Fetchers:     []Fetcher{failing},
		Env:          telemetry.Env{Now: func() time.Time { return testNow }},
		BatchSamples: 2 * 40 * 168,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer b2.Close()
	if _, err := b2.Backfill(context.Background(), Request{Resources: insts, Days: 7}); err == nil {
		t.Fatal("no error from the failing batch")
	}
	failing.ok = 100
	res, err = b2.Backfill(context.Background(), Request{Resources: insts, Days: 7})
	if err != nil {
		t.Fatal(err)
	}
	if res.HoursSkipped != 2*168 || res.HoursBackfilled != 3*168 {
		t.Errorf("after a failed batch: %+v, want the first batch's hours skipped", res)
	}
}

// failAfter fails every Fetch after the first ok ones.
type failAfter struct {
	*fakeCW
	ok int
	n  int
}

func (f *failAfter) FetchPoints(ctx context.Context, req cloudwatch.FetchRequest, fn cloudwatch.PointsFunc) (cloudwatch.FetchStats, error) {
	f.n++
	if f.n > f.ok {
		return cloudwatch.FetchStats{Calls: 1}, errors.New("api error InternalFailure")
	}
	return f.fakeCW.FetchPoints(ctx, req, fn)
}

// Instances with different gaps share one hull window and one call: the
// bill is one query per metric and instance, not per gap.
func TestBackfillSharesCallsAcrossGaps(t *testing.T) {
	dir := t.TempDir()
	f := &fakeCW{}
	b := newTestBackfiller(t, dir, f)
	inst := []model.Described{testInstance("db-1"), testInstance("db-2")}
	first, err := b.Backfill(context.Background(), Request{Resources: inst, Days: 7})
	if err != nil {
		t.Fatal(err)
	}
	// Two non-adjacent days go missing for both instances.
	removeBlockAt(t, dir, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	removeBlockAt(t, dir, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC))
	f.calls, f.windows = 0, nil
	var last Progress
	res, err := b.Backfill(context.Background(), Request{Resources: inst, Days: 7, Progress: func(p Progress) { last = p }})
	if err != nil {
		t.Fatal(err)
	}
	if f.calls != 1 || res.MetricsRequested != 80 || res.HoursBackfilled != 2*48 {
		t.Errorf("%+v, %d calls: want one call for 80 metrics filling 96 hours", res, f.calls)
	}
	if last.HoursDone != 96 || last.HoursTotal != 96 {
		t.Errorf("progress %+v, want 96/96", last)
	}
	for _, i := range inst {
		checkBlocks(t, dir, i.ID, first.From, first.To)
	}
}

// Bad options are not output folder errors: the caller must not start
// without the backfill for them.
func TestNewRejectsOptions(t *testing.T) {
	for _, o := range []Options{
		{OutputDir: t.TempDir(), BlockWindow: 7 * time.Hour},
		{OutputDir: t.TempDir(), Period: 2 * time.Minute},
		{},
	} {
		if _, err := New(o); err == nil || errors.Is(err, ErrOutputFolder) {
			t.Errorf("New(%+v) = %v, want an options error", o, err)
		}
	}
}

// Each span is in one hull, which covers it; spans join a hull while it
// stays within maxHours, or when neither the hull nor the span would cover
// less than half of it (the same long range of many resources is one hull,
// never cut: a cut hull bills each query once per piece). A span that
// does not join starts a hull, which may overlap the last: each hull
// fetches its own spans' resources only, so no hour of a resource is in
// two hulls of it.
func TestAssignHulls(t *testing.T) {
	const h = 3600
	for _, tc := range []struct {
		name     string
		spans    []span
		maxHours int
		want     []span
		of       []int
	}{
		{"gaps share a hull", []span{{0, h}, {5 * h, 6 * h}}, 16, []span{{0, 6 * h}}, []int{0, 0}},
		{"too far apart", []span{{0, h}, {20 * h, 21 * h}}, 16, []span{{0, h}, {20 * h, 21 * h}}, []int{0, 1}},
		{"a long span is one hull", []span{{0, 48 * h}}, 16, []span{{0, 48 * h}}, []int{0}},
		{"the same long span of three resources", []span{{0, 48 * h}, {0, 48 * h}, {0, 48 * h}}, 16, []span{{0, 48 * h}}, []int{0, 0, 0}},
		{"long spans of about the same length", []span{{0, 48 * h}, {h, 50 * h}}, 16, []span{{0, 50 * h}}, []int{0, 0}},
		{"overlapping spans within the maximum", []span{{0, 10 * h}, {5 * h, 16 * h}}, 16, []span{{0, 16 * h}}, []int{0, 0}},
		{"a short span in a long hull starts its own", []span{{0, 455 * 24 * h}, {h, 2 * h}, {2 * h, 3 * h}}, 201,
			[]span{{0, 455 * 24 * h}, {h, 3 * h}}, []int{0, 1, 1}},
		{"a span inside a hull", []span{{0, 10 * h}, {2 * h, 3 * h}}, 16, []span{{0, 10 * h}}, []int{0, 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, of := assignHulls(tc.spans, tc.maxHours)
			if !slices.Equal(got, tc.want) || !slices.Equal(of, tc.of) {
				t.Errorf("assignHulls(%v, %d) = %v, %v; want %v, %v", tc.spans, tc.maxHours, got, of, tc.want, tc.of)
			}
		})
	}
}
