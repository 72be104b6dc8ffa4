package cloudwatch

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// countingObserver records what the package reports.
type countingObserver struct {
	mu        sync.Mutex
	requests  map[string]int
	errors    int
	throttled int
	metrics   int
	points    int
}

func (o *countingObserver) Request(api string, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.requests == nil {
		o.requests = map[string]int{}
	}
	o.requests[api]++
	if err != nil {
		o.errors++
	}
}

func (o *countingObserver) Throttled(string) { o.mu.Lock(); o.throttled++; o.mu.Unlock() }

func (o *countingObserver) MetricsRequested(_ string, n int) {
	o.mu.Lock()
	o.metrics += n
	o.mu.Unlock()
}

func (o *countingObserver) Datapoints(_ string, n int) { o.mu.Lock(); o.points += n; o.mu.Unlock() }

var simNow = time.Date(2026, 11, 28, 12, 7, 0, 0, time.UTC)

func startSim(t *testing.T, instances int, faults awssim.Faults) *awssim.Server {
	t.Helper()
	sim := awssim.New(awssim.Options{Instances: instances, Now: func() time.Time { return simNow }, Faults: faults})
	if err := sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	return sim
}

func simClient(t *testing.T, sim *awssim.Server, obs Observer, rps float64, maxAttempts int) *Client {
	t.Helper()
	clients, err := NewClients(context.Background(), Options{
		RequestsPerSecond: rps, Burst: 5, MaxAttempts: maxAttempts, Parallel: 4, Observer: obs,
		LoadOptions: testtools.AWSOptions(sim),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(clients) != 1 {
		t.Fatalf("%d clients, want 1", len(clients))
	}
	return clients[0]
}

// simQueries returns 40 queries per simulated instance: 20 metrics, 2
// statistics, whether or not CloudWatch has them for the instance.
func simQueries(sim *awssim.Server) []model.MetricQuery {
	var qs []model.MetricQuery
	for _, i := range sim.Instances() {
		for _, sel := range testtools.TwentyMetrics() {
			for _, st := range sel.Statistics {
				qs = append(qs, model.MetricQuery{Resource: model.Resource{Kind: model.KindDBInstance, ID: i.ID}, Metric: sel.Metric, Statistic: st})
			}
		}
	}
	return qs
}

func TestFetchCallsAndValues(t *testing.T) {
	for _, tc := range []struct {
		name      string
		instances int
		window    Window
		wantCalls int
	}{
		// A live poll: 5 minutes at 60s; 30 x 40 = 1200 queries.
		{"live poll", 30, Window{simNow.Add(-7 * time.Minute).Truncate(time.Minute), simNow.Add(-2 * time.Minute).Truncate(time.Minute), time.Minute}, 3},
		// A 7-day hourly backfill of one instance: 40 queries, 6,720 datapoints.
		{"7 days hourly", 1, Window{simNow.Truncate(time.Hour).Add(-171 * time.Hour), simNow.Truncate(time.Hour).Add(-3 * time.Hour), time.Hour}, 1},
		// 14 days hourly: 336 points, 300 queries per call; 13 x 40 = 520 queries.
		{"14 days hourly", 13, Window{simNow.Truncate(time.Hour).Add(-339 * time.Hour), simNow.Truncate(time.Hour).Add(-3 * time.Hour), time.Hour}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := startSim(t, tc.instances, awssim.Faults{})
			obs := &countingObserver{}
			c := simClient(t, sim, obs, 50, 3)
			qs := simQueries(sim)
			series, stats, err := c.Fetch(context.Background(), FetchRequest{Queries: qs, Window: tc.window, Caller: "test"})
			if err != nil {
				t.Fatal(err)
			}
			got := sim.Counters()
			if n := got.Requests["GetMetricData"]; n != int64(tc.wantCalls) || stats.Calls != tc.wantCalls {
				t.Errorf("awssim saw %d GetMetricData calls, stats say %d; want %d", n, stats.Calls, tc.wantCalls)
			}
			if got.MetricsRequested != int64(len(qs)) || stats.MetricsRequested != len(qs) || obs.metrics != len(qs) {
				t.Errorf("metrics requested: awssim %d, stats %d, observer %d; want %d", got.MetricsRequested, stats.MetricsRequested, obs.metrics, len(qs))
			}
			if got.DatapointsReturned != int64(stats.Datapoints) || stats.Datapoints == 0 {
				t.Errorf("datapoints: awssim %d, stats %d", got.DatapointsReturned, stats.Datapoints)
			}
			checkValues(t, sim, series, tc.window)
		})
	}
}

// checkValues compares every datapoint with awssim's data function and
// checks that no datapoint is missing outside the simulated gaps.
func checkValues(t *testing.T, sim *awssim.Server, series []model.Series, w Window) {
	t.Helper()
	for _, s := range series {
		q := s.Query
		for _, p := range s.Points {
			want, ok := sim.Value(sim.InstanceARN(q.Resource.ID), q.Metric, q.Statistic, p.Timestamp, w.Period)
			if !ok || math.Abs(want-p.Value) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Fatalf("%+v at %s: got %v, awssim has %v (%v)", q, p.Timestamp, p.Value, want, ok)
			}
		}
		n := 0
		for ts := w.Start; ts.Before(w.End); ts = ts.Add(w.Period) {
			if _, ok := sim.Value(sim.InstanceARN(q.Resource.ID), q.Metric, q.Statistic, ts, w.Period); ok {
				n++
			}
		}
		if n != len(s.Points) {
			t.Fatalf("%+v: %d datapoints, awssim has %d", q, len(s.Points), n)
		}
		for i := 1; i < len(s.Points); i++ {
			if !s.Points[i].Timestamp.After(s.Points[i-1].Timestamp) {
				t.Fatalf("%+v: datapoints not ascending", q)
			}
		}
	}
}

// A batch whose response exceeds 100,800 datapoints is paged with NextToken
// and reassembled.
func TestFetchFollowsNextToken(t *testing.T) {
	sim := startSim(t, 2, awssim.Faults{})
	c := simClient(t, sim, &countingObserver{}, 50, 3)
	// 11 queries x 14 days at 60s = 221,760 datapoints: three pages.
	w := Window{simNow.Truncate(time.Hour).Add(-14 * 24 * time.Hour), simNow.Truncate(time.Hour), time.Minute}
	qs := simQueries(sim)[:11]
	out := make([]model.Series, len(qs))
	for i, q := range qs {
		out[i].Query = q
	}
	stats, err := c.fetchBatch(context.Background(), qs, w, "", func(i int, ts []int64, vs []float64) error {
		for j, t := range ts {
			out[i].Points = append(out[i].Points, model.Datapoint{Timestamp: time.UnixMilli(t).UTC(), Value: vs[j]})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if stats.Calls != 3 || sim.Counters().Requests["GetMetricData"] != 3 {
		t.Errorf("%d calls (awssim %d), want 3 pages", stats.Calls, sim.Counters().Requests["GetMetricData"])
	}
	checkValues(t, sim, out, w)
}

func TestFetchSurvivesThrottling(t *testing.T) {
	sim := startSim(t, 30, awssim.Faults{ThrottleAboveRPS: 2})
	obs := &countingObserver{}
	// Our limiter allows 50/s; the simulated quota is 2/s.
	c := simClient(t, sim, obs, 50, 10)
	w := Window{simNow.Add(-7 * time.Minute).Truncate(time.Minute), simNow.Add(-2 * time.Minute).Truncate(time.Minute), time.Minute}
	series, _, err := c.Fetch(context.Background(), FetchRequest{Queries: simQueries(sim), Window: w})
	if err != nil {
		t.Fatalf("fetch failed under throttling: %v", err)
	}
	if sim.Counters().Throttled == 0 || obs.throttled == 0 {
		t.Errorf("no throttling seen (awssim %d, observer %d): the test proves nothing", sim.Counters().Throttled, obs.throttled)
	}
	checkValues(t, sim, series, w)
}

func TestFetchFailureIsAnError(t *testing.T) {
	sim := startSim(t, 3, awssim.Faults{})
	obs := &countingObserver{}
	c := simClient(t, sim, obs, 50, 2)
	sim.SetFaults(awssim.Faults{ErrorRate: 1})
	w := Window{simNow.Add(-7 * time.Minute).Truncate(time.Minute), simNow.Add(-2 * time.Minute).Truncate(time.Minute), time.Minute}
	series, _, err := c.Fetch(context.Background(), FetchRequest{Queries: simQueries(sim), Window: w})
	var ae smithy.APIError
	if !errors.As(err, &ae) || series != nil {
		t.Fatalf("Fetch = %d series, %v; want an AWS API error and no data", len(series), err)
	}
	if obs.errors == 0 {
		t.Error("observer saw no failed request")
	}
}

func TestDescribeInstances(t *testing.T) {
	sim := startSim(t, 45, awssim.Faults{})
	c := simClient(t, sim, &countingObserver{}, 50, 3)
	if tg := c.Target(); tg.AccountID != "" || tg.Region != "us-east-1" {
		t.Errorf("client target %+v before discovery, want the region and no account yet", tg)
	}
	all, err := c.DescribeInstances(context.Background(), DiscoveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if tg := c.Target(); tg.AccountID != sim.AccountID() || tg.Region != "us-east-1" {
		t.Errorf("client target %+v after discovery, want the account of the instances' ARNs", tg)
	}
	if len(all) != 45 {
		t.Fatalf("%d instances, want 45", len(all))
	}
	want := map[string]bool{}
	for _, i := range sim.Instances() {
		want[i.ID] = true
	}
	byID := map[string]awssim.Instance{}
	for _, i := range sim.Instances() {
		byID[i.ID] = i
	}
	for i, inst := range all {
		si := byID[inst.ID]
		if !want[inst.ID] || inst.ARN != si.ARN || inst.Engine != si.Engine || inst.AccountID != sim.AccountID() || inst.Provider != model.ProviderAWS || inst.Kind != model.KindDBInstance {
			t.Errorf("instance %d: %+v", i, inst)
		}
		if in := inst.Instance; in.Class != si.Class || in.ClusterID != si.ClusterID || in.ReplicaSource != si.ReplicaSource || in.ResourceID != si.ResourceID || in.StorageType != si.StorageType {
			t.Errorf("instance %s: info %+v, awssim has %+v", inst.ID, in, si)
		}
	}
	pg, err := c.DescribeInstances(context.Background(), DiscoveryFilter{Engines: []string{"postgres"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(pg) == 0 || len(pg) >= 45 {
		t.Errorf("engine filter kept %d of 45", len(pg))
	}
	for _, i := range pg {
		if i.Engine != "postgres" {
			t.Errorf("engine filter kept %s (%s)", i.ID, i.Engine)
		}
	}
}
