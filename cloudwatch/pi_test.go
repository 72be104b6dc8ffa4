package cloudwatch

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
)

// newPI returns a Performance Insights client for the simulator.
func newPI(t *testing.T, sim *awssim.Server, o SourceOptions, extra ...func(*config.LoadOptions) error) *PerformanceInsights {
	t.Helper()
	p, err := NewPerformanceInsights(simConfig(t, sim, extra...), o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkPISeries compares a series with the simulator's oracle: a point
// per period with data, stamped with the period's end.
func checkPISeries(t *testing.T, sim *awssim.Server, arn string, s PISeries, key *awssim.PIKey, from, to time.Time, per time.Duration) {
	t.Helper()
	var want []PIPoint
	for _, p := range sim.PILoadSeries(arn, key, from, to, per) {
		want = append(want, PIPoint{Time: p.Start.Add(per), Value: p.Value})
	}
	if len(s.Points) != len(want) {
		t.Fatalf("%s %v: %d points, want %d", arn, s.Dimensions, len(s.Points), len(want))
	}
	for i, p := range s.Points {
		if !p.Time.Equal(want[i].Time) || p.Value != want[i].Value {
			t.Fatalf("%s %v: point %d is %+v, want %+v", arn, s.Dimensions, i, p, want[i])
		}
	}
}

func TestPIResourceMetricsSevenDays(t *testing.T) {
	sim := startSourceSim(t, awssim.Options{Instances: 8})
	in := instanceWith(t, sim, func(in awssim.Instance) bool {
		return in.PerformanceInsightsEnabled && in.PerformanceInsightsRetentionPeriod == 7 && in.Engine == "postgres"
	})
	obs := newSourceCounts()
	p := newPI(t, sim, SourceOptions{Observer: obs})
	start := PIRetentionStart(emNow, 7)
	sim.ResetCounters()
	res, err := p.ResourceMetrics(context.Background(), PIRequest{
		ResourceID: in.ResourceID, Start: start, End: emNow, Period: time.Minute,
		Queries: []PIMetricQuery{
			{Metric: "db.load.avg", GroupBy: &PIGroupBy{Group: "db.wait_event"}},
			{Metric: "db.load.avg", GroupBy: &PIGroupBy{Group: "db.sql_tokenized", Limit: 10}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	events := len(sim.PIKeys(in.ARN, "db.wait_event"))
	if len(res.Series) != 1+events+1+10 {
		t.Fatalf("%d series, want 2 totals, %d wait events and 10 statements", len(res.Series), events)
	}
	// One call: the whole 7 days of both queries fit one page.
	if res.Calls != 1 || sim.Counters().Requests["GetResourceMetrics"] != 1 || obs.requests[APIGetResourceMetrics] != 1 || obs.bytes[APIGetResourceMetrics] == 0 {
		t.Errorf("%d calls, simulator %d, observer %v %v; want 1", res.Calls, sim.Counters().Requests["GetResourceMetrics"], obs.requests, obs.bytes)
	}
	if res.AlignedStart.After(start) || !res.AlignedEnd.Equal(emNow.Truncate(time.Minute).Add(time.Minute)) {
		t.Errorf("aligned %v..%v", res.AlignedStart, res.AlignedEnd)
	}
	groups := []struct {
		group string
		first int
		n     int
	}{{"db.wait_event", 0, events}, {"db.sql_tokenized", 1 + events, 10}}
	for _, g := range groups {
		checkPISeries(t, sim, in.ARN, res.Series[g.first], nil, res.AlignedStart, res.AlignedEnd, time.Minute)
		top := sim.PITopKeys(in.ARN, g.group, res.AlignedStart, res.AlignedEnd, g.n)
		for i, k := range top {
			s := res.Series[g.first+1+i]
			id := piKeyID(k)
			if !maps.Equal(s.Dimensions, truncated(k.Dimensions)) {
				t.Fatalf("%s key %d: %v, want %s", g.group, i, s.Dimensions, id)
			}
			checkPISeries(t, sim, in.ARN, s, &k, res.AlignedStart, res.AlignedEnd, time.Minute)
		}
	}
}

// piKeyID names a key by its first dimension value.
func piKeyID(k awssim.PIKey) string {
	for _, d := range []string{"db.wait_event.name", "db.sql_tokenized.id"} {
		if v, ok := k.Dimensions[d]; ok {
			return v
		}
	}
	return ""
}

// truncated returns dims with every value cut to the 500 bytes PI returns.
func truncated(dims map[string]string) map[string]string {
	out := maps.Clone(dims)
	for k, v := range out {
		if len(v) > 500 {
			out[k] = v[:500]
		}
	}
	return out
}

// Many grouped queries take more than one page (25 series) and, past 15
// queries, more than one request: the client makes exactly as many calls
// as that.
func TestPIResourceMetricsPagesAndBatches(t *testing.T) {
	sim := startSourceSim(t, awssim.Options{Instances: 8})
	in := instanceWith(t, sim, func(in awssim.Instance) bool { return in.PerformanceInsightsEnabled })
	p := newPI(t, sim, SourceOptions{})
	tests := []struct {
		name    string
		queries []PIMetricQuery
		series  int
		calls   int
	}{
		{"one query", []PIMetricQuery{{Metric: "db.load.avg"}}, 1, 1},
		{"3 groups of 10", []PIMetricQuery{
			{Metric: "db.load.avg", GroupBy: &PIGroupBy{Group: "db.sql_tokenized", Limit: 10}},
			{Metric: "db.load.avg", GroupBy: &PIGroupBy{Group: "db.sql_tokenized", Limit: 10}},
			{Metric: "db.load.avg", GroupBy: &PIGroupBy{Group: "db.sql_tokenized", Limit: 10}},
		}, 33, 2},
		{"16 totals", make16Totals(), 16, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim.ResetCounters()
			res, err := p.ResourceMetrics(context.Background(), PIRequest{ResourceID: in.ResourceID, Start: emNow.Add(-time.Hour), End: emNow, Period: time.Minute, Queries: tt.queries})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Series) != tt.series || res.Calls != tt.calls || sim.Counters().Requests["GetResourceMetrics"] != int64(tt.calls) {
				t.Errorf("%d series in %d calls (simulator %d), want %d in %d", len(res.Series), res.Calls, sim.Counters().Requests["GetResourceMetrics"], tt.series, tt.calls)
			}
		})
	}
}

func make16Totals() []PIMetricQuery {
	q := make([]PIMetricQuery, 16)
	for i := range q {
		q[i].Metric = "db.load.avg"
	}
	return q
}

func TestPITopStatements(t *testing.T) {
	sim := startSourceSim(t, awssim.Options{Instances: 8})
	in := instanceWith(t, sim, func(in awssim.Instance) bool { return in.PerformanceInsightsEnabled && in.Engine == "mysql" })
	p := newPI(t, sim, SourceOptions{})
	start, end := emNow.Add(-24*time.Hour).Truncate(time.Hour), emNow.Truncate(time.Hour)
	keys, err := p.TopStatements(context.Background(), in.ResourceID, start, end, 12)
	if err != nil {
		t.Fatal(err)
	}
	top := sim.PITopKeys(in.ARN, "db.sql_tokenized", start, end, 12)
	if len(keys) != 12 || sim.Counters().Requests["DescribeDimensionKeys"] != 1 {
		t.Fatalf("%d keys in %d calls, want 12 in 1", len(keys), sim.Counters().Requests["DescribeDimensionKeys"])
	}
	for i, k := range keys {
		if !maps.Equal(k.Dimensions, truncated(top[i].Dimensions)) || (i > 0 && k.Total > keys[i-1].Total) || k.Total <= 0 {
			t.Errorf("key %d: %s total %v, want %s in decreasing load", i, k.Dimensions["db.sql_tokenized.id"], k.Total, piKeyID(top[i]))
		}
	}
}

func TestPIErrors(t *testing.T) {
	sim := startSourceSim(t, awssim.Options{Instances: 10})
	off := instanceWith(t, sim, func(in awssim.Instance) bool { return !in.PerformanceInsightsEnabled })
	week := instanceWith(t, sim, func(in awssim.Instance) bool {
		return in.PerformanceInsightsEnabled && in.PerformanceInsightsRetentionPeriod == 7
	})
	obs := newSourceCounts()
	p := newPI(t, sim, SourceOptions{Observer: obs}, config.WithRetryMaxAttempts(1))
	load := []PIMetricQuery{{Metric: "db.load.avg"}}
	tests := []struct {
		name  string
		req   PIRequest
		code  string
		is    error
		calls int
	}{
		{"PI off", PIRequest{ResourceID: off.ResourceID, Start: emNow.Add(-time.Hour), End: emNow, Queries: load}, "NotAuthorizedException", ErrPINotAuthorized, 1},
		{"before the retention", PIRequest{ResourceID: week.ResourceID, Start: emNow.Add(-8 * 24 * time.Hour), End: emNow, Queries: load}, "InvalidArgumentException", nil, 1},
		{"unknown group", PIRequest{ResourceID: week.ResourceID, Start: emNow.Add(-time.Hour), End: emNow, Queries: []PIMetricQuery{{Metric: "db.load.avg", GroupBy: &PIGroupBy{Group: "db.nope"}}}}, "InvalidArgumentException", nil, 1},
		{"period 2 minutes", PIRequest{ResourceID: week.ResourceID, Start: emNow.Add(-time.Hour), End: emNow, Period: 2 * time.Minute, Queries: load}, "", nil, 0},
		{"no queries", PIRequest{ResourceID: week.ResourceID, Start: emNow.Add(-time.Hour), End: emNow}, "", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim.ResetCounters()
			_, err := p.ResourceMetrics(context.Background(), tt.req)
			var ae smithy.APIError
			switch {
			case err == nil:
				t.Fatal("no error")
			case tt.code != "" && (!errors.As(err, &ae) || ae.ErrorCode() != tt.code):
				t.Errorf("error %v, want code %s", err, tt.code)
			case tt.is != nil && !errors.Is(err, tt.is):
				t.Errorf("error %v is not %v", err, tt.is)
			}
			if got := sim.Counters().Requests["GetResourceMetrics"]; got != int64(tt.calls) {
				t.Errorf("%d calls, want %d", got, tt.calls)
			}
		})
	}
	if obs.errors != 3 {
		t.Errorf("observer saw %d failed requests, want 3", obs.errors)
	}
}

// The client signs with SigV4 for the service "pi" in the config's region
// and sends JSON 1.1 to the endpoint the environment names, as the SDK's
// clients resolve theirs: AWS_ENDPOINT_URL_PI before AWS_ENDPOINT_URL.
func TestPIWireSignatureAndEndpoint(t *testing.T) {
	sim := startSourceSim(t, awssim.Options{Instances: 3})
	in := instanceWith(t, sim, func(in awssim.Instance) bool { return in.PerformanceInsightsEnabled })
	var mu sync.Mutex
	var seen []http.Header
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		sim.Handler().ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	for _, env := range []map[string]string{
		{"AWS_ENDPOINT_URL": proxy.URL},
		{"AWS_ENDPOINT_URL": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_PI": proxy.URL},
	} {
		for k, v := range env {
			t.Setenv(k, v)
		}
		cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(sim.Region()),
			config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")))
		if err != nil {
			t.Fatal(err)
		}
		p, err := NewPerformanceInsights(cfg, SourceOptions{MaxAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		seen = nil
		mu.Unlock()
		if _, err := p.TopStatements(context.Background(), in.ResourceID, emNow.Add(-time.Hour), emNow, 3); err != nil {
			t.Fatalf("%v: %v", env, err)
		}
		mu.Lock()
		headers := seen
		mu.Unlock()
		if len(headers) != 1 {
			t.Fatalf("%v: the PI endpoint saw %d requests, want 1", env, len(headers))
		}
		h := headers[0]
		scope := regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=AKID/[0-9]{8}/` + sim.Region() + `/pi/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*x-amz-date[a-z0-9;-]*, Signature=[0-9a-f]{64}$`)
		if !scope.MatchString(h.Get("Authorization")) || h.Get("X-Amz-Date") == "" {
			t.Errorf("Authorization %q, X-Amz-Date %q", h.Get("Authorization"), h.Get("X-Amz-Date"))
		}
		if h.Get("X-Amz-Target") != "PerformanceInsightsv20180227.DescribeDimensionKeys" || h.Get("Content-Type") != "application/x-amz-json-1.1" {
			t.Errorf("X-Amz-Target %q, Content-Type %q", h.Get("X-Amz-Target"), h.Get("Content-Type"))
		}
	}
}

func TestPIThrottlingRetried(t *testing.T) {
	sim := startSourceSim(t, awssim.Options{Instances: 4, Faults: awssim.Faults{ThrottleAboveRPS: 3}})
	in := instanceWith(t, sim, func(in awssim.Instance) bool { return in.PerformanceInsightsEnabled })
	obs := newSourceCounts()
	p := newPI(t, sim, SourceOptions{Observer: obs}, quickRetries())
	for range 8 {
		res, err := p.ResourceMetrics(context.Background(), PIRequest{
			ResourceID: in.ResourceID, Start: emNow.Add(-time.Hour), End: emNow, Period: time.Minute, Queries: []PIMetricQuery{{Metric: "db.load.avg"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		checkPISeries(t, sim, in.ARN, res.Series[0], nil, res.AlignedStart, res.AlignedEnd, time.Minute)
	}
	if obs.throttled[APIGetResourceMetrics] == 0 || int64(obs.throttled[APIGetResourceMetrics]) != sim.Counters().Throttled {
		t.Errorf("observer saw %d throttles, the simulator answered %d", obs.throttled[APIGetResourceMetrics], sim.Counters().Throttled)
	}
	if obs.requests[APIGetResourceMetrics] != 8 || obs.errors != 0 {
		t.Errorf("observer: %v requests, %d errors; want 8 and 0", obs.requests, obs.errors)
	}
}

func TestPIPeriodFor(t *testing.T) {
	for _, tt := range []struct {
		span time.Duration
		max  int
		want time.Duration
	}{
		{time.Minute, 100, time.Second},
		{7 * 24 * time.Hour, 20000, time.Minute},
		{7 * 24 * time.Hour, 10080, time.Minute},
		{7 * 24 * time.Hour, 10079, 5 * time.Minute},
		{731 * 24 * time.Hour, 20000, time.Hour},
		{731 * 24 * time.Hour, 100, 24 * time.Hour},
	} {
		if got := PIPeriodFor(tt.span, tt.max); got != tt.want {
			t.Errorf("PIPeriodFor(%v, %d) = %v, want %v", tt.span, tt.max, got, tt.want)
		}
	}
}

// 500 and 503 answers are retried by the config's retryer too, and a
// client limited to one attempt fails on the first.
func TestPIServerErrorsRetried(t *testing.T) {
	sim := startSourceSim(t, awssim.Options{Instances: 4, Faults: awssim.Faults{ErrorRate: 0.5}})
	in := instanceWith(t, sim, func(in awssim.Instance) bool { return in.PerformanceInsightsEnabled })
	req := PIRequest{ResourceID: in.ResourceID, Start: emNow.Add(-time.Hour), End: emNow, Queries: []PIMetricQuery{{Metric: "db.load.avg"}}}
	obs := newSourceCounts()
	p := newPI(t, sim, SourceOptions{Observer: obs}, quickRetries())
	for range 6 {
		if _, err := p.ResourceMetrics(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	if c := sim.Counters(); c.InjectedErrors == 0 || obs.errors != 0 {
		t.Errorf("%d injected errors, %d failed requests observed; want some and none", c.InjectedErrors, obs.errors)
	}
	once := newPI(t, sim, SourceOptions{MaxAttempts: 1})
	failed := 0
	for range 4 {
		_, err := once.ResourceMetrics(context.Background(), req)
		var ae smithy.APIError
		switch {
		case err == nil:
		case errors.As(err, &ae) && (ae.ErrorCode() == "InternalFailure" || ae.ErrorCode() == "ServiceUnavailableException"):
			failed++
		default:
			t.Fatalf("error %v, want an injected 5xx", err)
		}
	}
	if failed != 2 {
		t.Errorf("%d of 4 single attempts failed, want 2 at an error rate of 0.5", failed)
	}
}
