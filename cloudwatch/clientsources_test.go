package cloudwatch

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// clientCounts is an Observer and a SourceObserver, as the telemetry is.
type clientCounts struct{ *sourceCounts }

func (clientCounts) MetricsRequested(string, int) {}
func (clientCounts) Datapoints(string, int)       {}

// bodyRecorder is an HTTP client that records the size of every response
// body it passes on, by the operation of the request's X-Amz-Target.
type bodyRecorder struct {
	mu    sync.Mutex
	bytes map[string]int64
}

// Do implements aws.HTTPClient.
func (r *bodyRecorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	_, op, _ := strings.Cut(req.Header.Get("X-Amz-Target"), ".")
	r.mu.Lock()
	r.bytes[op] += int64(len(body))
	r.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// The Client's Enhanced Monitoring and Performance Insights readers wait
// for the Client's own token bucket, the one GetMetricData waits for: with
// a burst of 2 and a bucket that does not refill, a GetLogEvents and a
// GetResourceMetrics call spend it, and the next call of any of the three
// APIs is refused before it is sent. The Client's observer counts the
// sources' requests and exactly the bytes of the bodies they read.
func TestClientSourcesShareLimiterAndObserver(t *testing.T) {
	// The recorder has no transport options to add a CA bundle to; the
	// simulator speaks plain HTTP.
	t.Setenv("AWS_CA_BUNDLE", "")
	sim := startSourceSim(t, awssim.Options{Instances: 8})
	in := instanceWith(t, sim, func(in awssim.Instance) bool {
		return in.MonitoringInterval > 0 && in.PerformanceInsightsEnabled
	})
	obs := clientCounts{newSourceCounts()}
	rec := &bodyRecorder{bytes: map[string]int64{}}
	clients, err := NewClients(context.Background(), Options{
		RequestsPerSecond: 1e-9, Burst: 2, MaxAttempts: 1, Observer: obs,
		LoadOptions: testtools.AWSOptions(sim, config.WithHTTPClient(rec)),
	})
	if err != nil || len(clients) != 1 {
		t.Fatalf("%d clients, %v", len(clients), err)
	}
	c := clients[0]
	// A deadline far shorter than the refill: a refused wait fails at once.
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	since := emNow.Add(-10 * time.Minute)
	pireq := PIRequest{ResourceID: in.ResourceID, Start: emNow.Add(-time.Hour), End: emNow, Period: time.Minute, Queries: []PIMetricQuery{{Metric: "db.load.avg"}}}
	if _, err := c.EnhancedMonitoring().Latest(ctx, in.ResourceID, since, 3); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PerformanceInsights().ResourceMetrics(ctx, pireq); err != nil {
		t.Fatal(err)
	}
	refused := map[string]error{}
	_, refused[APIGetLogEvents] = c.EnhancedMonitoring().Latest(ctx, in.ResourceID, since, 3)
	_, refused[APIGetResourceMetrics] = c.PerformanceInsights().ResourceMetrics(ctx, pireq)
	q := model.MetricQuery{Resource: model.Resource{Kind: model.KindDBInstance, ID: in.ID}, Metric: "CPUUtilization", Statistic: "Average"}
	_, _, refused[APIGetMetricData] = c.Fetch(ctx, FetchRequest{Queries: []model.MetricQuery{q}, Window: Window{emNow.Add(-time.Hour).Truncate(time.Minute), emNow.Truncate(time.Minute), time.Minute}})
	for api, err := range refused {
		if err == nil || !strings.Contains(err.Error(), "wait for rate limiter") {
			t.Errorf("%s after the bucket is spent: %v, want a refused wait", api, err)
		}
	}
	served := sim.Counters().Requests
	if served[APIGetLogEvents] != 1 || served[APIGetResourceMetrics] != 1 || served[APIGetMetricData] != 0 {
		t.Errorf("awssim served %v, want one GetLogEvents and one GetResourceMetrics", served)
	}
	want := map[string]int{APIGetLogEvents: 1, APIGetResourceMetrics: 1}
	if !maps.Equal(obs.requests, want) || obs.errors != 0 {
		t.Errorf("observer counted requests %v (%d errors), want %v", obs.requests, obs.errors, want)
	}
	if !maps.Equal(obs.bytes, rec.bytes) || obs.bytes[APIGetLogEvents] == 0 || obs.bytes[APIGetResourceMetrics] == 0 {
		t.Errorf("observer counted bytes %v, the bodies had %v", obs.bytes, rec.bytes)
	}
}
