package collector

import (
	"context"
	"errors"
	"flag"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/telemetry"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fakeFetcher answers every query with two datapoints whose last value is
// derived from the query, or fails.
type fakeFetcher struct {
	target model.Target
	mu     sync.Mutex
	fail   error
	offset float64
	reqs   []cloudwatch.FetchRequest
}

func (f *fakeFetcher) Target() model.Target { return f.target }

func (f *fakeFetcher) Fetch(_ context.Context, req cloudwatch.FetchRequest) ([]model.Series, cloudwatch.FetchStats, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, req)
	if f.fail != nil {
		return nil, cloudwatch.FetchStats{}, f.fail
	}
	out := make([]model.Series, len(req.Queries))
	for i, q := range req.Queries {
		out[i] = model.Series{Query: q}
		if q.Metric == "SwapUsage" {
			continue // CloudWatch has no data: no series
		}
		v := float64(len(q.Resource.ID)*100+len(q.Metric)) + f.offset
		if q.Statistic == catalog.Maximum {
			v *= 2
		}
		out[i].Points = []model.Datapoint{
			{Timestamp: req.Window.Start, Value: -1},
			{Timestamp: req.Window.Start.Add(req.Window.Period), Value: v},
		}
	}
	return out, cloudwatch.FetchStats{Calls: 1}, nil
}

type staticResources []model.Described

func (s staticResources) All() []model.Described { return s }

// testResources are an instance and a cluster with the same identifier, a
// read replica with an extended statistic, an on-premises instance, an
// instance of another region, a proxy and a class aggregate.
func testResources() staticResources {
	tg := model.Target{AccountID: "123456789012", Region: "us-east-1"}
	std := []model.Selection{
		{Metric: "CPUUtilization", Statistics: []string{catalog.Average, catalog.Maximum}},
		{Metric: "FreeStorageSpace", Statistics: []string{catalog.Average}},
		{Metric: "SwapUsage", Statistics: []string{catalog.Average}},
	}
	res := func(k model.Kind, id, arn string) model.Resource {
		return model.Resource{Target: tg, Kind: k, ID: id, ARN: arn}
	}
	return staticResources{
		{Resource: res(model.KindDBInstance, "db-a", "arn:aws:rds:us-east-1:123456789012:db:db-a"), Provider: "aws", Engine: "postgres", EngineVersion: "16.3", Status: "available",
			Instance: model.InstanceInfo{Class: "db.t4g.micro", AvailabilityZone: "us-east-1a", StorageType: "gp3", PerformanceInsights: true},
			Tags:     map[string]string{"team": "payments", "cost-center": "42", "bad+key": "x"}, Metrics: std},
		{Resource: res(model.KindDBInstance, "db-bb", "arn:aws:rds:us-east-1:123456789012:db:db-bb"), Provider: "aws", Engine: "mysql", EngineVersion: "8.0.39", Status: "available",
			Instance: model.InstanceInfo{Class: "db.r6g.large", AvailabilityZone: "us-east-1b", MultiAZ: true, StorageType: "io2", ReplicaSource: "db-a"},
			Metrics:  append(slices.Clone(std), model.Selection{Metric: "ReadLatency", Statistics: []string{"p99.9"}})},
		{Resource: model.Resource{Target: tg, Kind: model.KindDBInstance, ID: "onprem-1"}, Provider: "onprem", Engine: "postgres"},
		{Resource: model.Resource{Target: model.Target{AccountID: "123456789012", Region: "eu-west-1"}, Kind: model.KindDBInstance, ID: "db-other", ARN: "arn:aws:rds:eu-west-1:123456789012:db:db-other"}, Provider: "aws", Metrics: std},
		{Resource: res(model.KindCluster, "db-a", "arn:aws:rds:us-east-1:123456789012:cluster:db-a"), Provider: "aws", Engine: "aurora-postgresql", EngineVersion: "16.4", Status: "available",
			Cluster: model.ClusterInfo{EngineMode: "provisioned", Writer: "db-a-1", Readers: []string{"db-a-2"}}, Tags: map[string]string{"team": "search"},
			Metrics: []model.Selection{{Metric: "VolumeBytesUsed", Statistics: []string{catalog.Average}}}},
		{Resource: res(model.KindProxy, "px", "arn:aws:rds:us-east-1:123456789012:db-proxy:prx-0123456789abcdef0"), Provider: "aws", Status: "available",
			Proxy: model.ProxyInfo{EngineFamily: "POSTGRESQL", RequireTLS: true}, Tags: map[string]string{"aws:cloudformation:stack-name": "db"},
			Metrics: []model.Selection{{Metric: "DatabaseConnections", Statistics: []string{catalog.Maximum}}}},
		{Resource: res(model.KindDatabaseClass, "db.t4g.micro", ""), Provider: "aws",
			Metrics: []model.Selection{{Metric: "CPUUtilization", Statistics: []string{catalog.Average}}}},
	}
}

func newTestCollector(f Fetcher, tm *telemetry.Metrics) *Collector {
	now := time.Date(2026, 11, 28, 12, 7, 30, 0, time.UTC)
	return New(Options{
		Fetchers:  []Fetcher{f},
		Resources: testResources(),
		Interval:  5 * time.Minute, Period: time.Minute, Delay: 2 * time.Minute,
		Env: telemetry.Env{Now: func() time.Time { return now }, Telemetry: tm},
	})
}

func testFetcher() *fakeFetcher {
	return &fakeFetcher{target: model.Target{AccountID: "123456789012", Region: "us-east-1"}}
}

func TestCollectorGolden(t *testing.T) {
	f := testFetcher()
	c := newTestCollector(f, telemetry.New())
	if err := c.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	// dimension_DBInstanceIdentifier and the others are YACE's label
	// names, kept on purpose so that existing dashboards work.
	checkGolden(t, c, "testdata/metrics.golden.prom", "label names should be written in 'snake_case' not 'camelCase'")
	// Only the AWS resources of the target's account and region are asked
	// for, each for its own metrics, in one request, over a window that
	// ends delay before now.
	if len(f.reqs) != 1 {
		t.Fatalf("%d fetches, want 1", len(f.reqs))
	}
	req := f.reqs[0]
	if got, want := len(req.Queries), 4+5+1+1+1; got != want {
		t.Errorf("%d queries, want %d", got, want)
	}
	if got := req.Window.End; !got.Equal(time.Date(2026, 11, 28, 12, 5, 0, 0, time.UTC)) {
		t.Errorf("window end %s", got)
	}
	if got := req.Window.End.Sub(req.Window.Start); got != 5*time.Minute {
		t.Errorf("window span %s", got)
	}
	if req.Caller != CallerLive {
		t.Errorf("caller %q", req.Caller)
	}
}

// checkGolden compares what c exposes with a golden file (rewritten with
// -update) and lints it: a finding fails the test unless its text is one
// of allowed.
func checkGolden(t *testing.T, c prometheus.Collector, golden string, allowed ...string) {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	if *update {
		writeGolden(t, reg, golden)
	}
	want, err := os.Open(golden)
	if err != nil {
		t.Fatal(err)
	}
	defer want.Close()
	if err := testutil.GatherAndCompare(reg, want); err != nil {
		t.Fatal(err)
	}
	problems, err := testutil.GatherAndLint(reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		if !slices.Contains(allowed, p.Text) {
			t.Errorf("lint: %s: %s", p.Metric, p.Text)
		}
	}
}

func writeGolden(t *testing.T, reg prometheus.Gatherer, path string) {
	t.Helper()
	var b strings.Builder
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if _, err := expfmtWrite(&b, mf); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestCollectorKeepsLastValuesOnFailure(t *testing.T) {
	f := testFetcher()
	tm := telemetry.New()
	c := newTestCollector(f, tm)
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	if err := c.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := gatherText(t, reg)
	select {
	case <-c.Ready():
	default:
		t.Fatal("not ready after the first poll")
	}
	f.fail = errors.New("api error Throttling: Rate exceeded")
	f.offset = 1000
	err := c.Poll(context.Background())
	if err == nil || !strings.Contains(err.Error(), "Rate exceeded") {
		t.Fatalf("Poll() = %v, want the fetch error", err)
	}
	if after := gatherText(t, reg); after != before {
		t.Errorf("values changed after a failed poll:\n%s\nwant\n%s", after, before)
	}
	if got := testutil.ToFloat64(tm.LastPollSuccess); got != 0 {
		t.Errorf("last_poll_success = %v, want 0", got)
	}
	if got := testutil.ToFloat64(tm.Polls.WithLabelValues("failure")); got != 1 {
		t.Errorf("polls_total{outcome=failure} = %v, want 1", got)
	}
	f.fail = nil
	if err := c.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if after := gatherText(t, reg); after == before {
		t.Error("values did not change after a successful poll")
	}
	if got := testutil.ToFloat64(tm.LastPollSuccess); got != 1 {
		t.Errorf("last_poll_success = %v, want 1", got)
	}
}

func gatherText(t *testing.T, g prometheus.Gatherer) string {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, mf := range mfs {
		if _, err := expfmtWrite(&b, mf); err != nil {
			t.Fatal(err)
		}
	}
	return b.String()
}

// While the resource list is incomplete (discovery has not succeeded yet),
// a poll serves what it can of the resources known but counts as failed,
// and the collector is not ready; Run polls as soon as the list is
// complete, not at the next tick.
func TestNotReadyUntilResourcesComplete(t *testing.T) {
	f := testFetcher()
	tm := telemetry.New()
	complete := make(chan struct{})
	c := New(Options{
		Fetchers: []Fetcher{f}, Resources: testResources(), ResourcesReady: complete,
		Interval: time.Hour, Period: time.Minute, Delay: 2 * time.Minute,
		Env: telemetry.Env{Telemetry: tm},
	})
	err := c.Poll(t.Context())
	if !errors.Is(err, ErrResourcesIncomplete) {
		t.Fatalf("Poll() = %v, want ErrResourcesIncomplete", err)
	}
	if got := testutil.ToFloat64(tm.LastPollSuccess); got != 0 {
		t.Errorf("last_poll_success = %v, want 0", got)
	}
	if got := testutil.ToFloat64(tm.Polls.WithLabelValues("failure")); got != 1 {
		t.Errorf("polls_total{outcome=failure} = %v, want 1", got)
	}
	reference := newTestCollector(testFetcher(), telemetry.New())
	if err := reference.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got, want := testutil.CollectAndCount(c), testutil.CollectAndCount(reference); got != want || len(f.reqs) != 1 {
		t.Errorf("%d series from %d fetches, want the %d of the resources known, polled", got, len(f.reqs), want)
	}
	select {
	case <-c.Ready():
		t.Fatal("ready while the resource list is incomplete")
	default:
	}

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Run(ctx)
	}()
	defer func() { cancel(); <-done }()
	close(complete)
	<-c.Ready() // Run's next poll, not its hourly tick
	if got := testutil.ToFloat64(tm.LastPollSuccess); got != 1 {
		t.Errorf("last_poll_success = %v once the list is complete, want 1", got)
	}
}
