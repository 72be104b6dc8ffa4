package awssim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// piAnswer is a Performance Insights answer as a test sees it.
type piAnswer struct {
	status  int
	errType string
	message string
	metrics getResourceMetricsOutput
	keys    describeDimensionKeysOutput
}

// piCall sends a raw JSON 1.1 request to the simulator, as the wire
// format of AWS's API reference has it, unsigned (the default account and
// region), and decodes the answer.
func piCall(t *testing.T, s *Server, op string, body map[string]any) piAnswer {
	t.Helper()
	return piCallAs(t, s, nil, op, body)
}

// piCallAs is piCall signed with SigV4 for the region and credentials of
// cfg, as the Performance Insights API expects; nil cfg sends it unsigned.
func piCallAs(t *testing.T, s *Server, cfg *aws.Config, op string, body map[string]any) piAnswer {
	t.Helper()
	p, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, s.URL()+"/", bytes.NewReader(p))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "PerformanceInsightsv20180227."+op)
	if cfg != nil {
		signPI(t, *cfg, req, p)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := piAnswer{status: resp.StatusCode}
	var raw json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct{ Type, Message string }
		e.Type = resp.Header.Get("X-Amzn-ErrorType")
		var body map[string]string
		_ = json.Unmarshal(raw, &body)
		a.errType, a.message = body["__type"], body["Message"]
		if e.Type != a.errType {
			t.Errorf("X-Amzn-ErrorType %q, __type %q", e.Type, a.errType)
		}
		return a
	}
	out := any(&a.metrics)
	if op == opDescribeDimensionKeys {
		out = &a.keys
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatal(err)
	}
	return a
}

// signPI signs a Performance Insights request with cfg's credentials for
// its region.
func signPI(t *testing.T, cfg aws.Config, req *http.Request, body []byte) {
	t.Helper()
	ctx := context.Background()
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "pi", cfg.Region, time.Now()); err != nil {
		t.Fatal(err)
	}
}

// piInstance returns an instance with Performance Insights on and the
// given retention (0: any) and engine prefix.
func piInstance(t *testing.T, s *Server, days int32, engine string) Instance {
	t.Helper()
	return findInstance(t, s, fmt.Sprintf("with PI retention %d and engine %s", days, engine), func(in Instance) bool {
		return in.PerformanceInsightsEnabled && (days == 0 || in.PerformanceInsightsRetentionPeriod == days) && strings.HasPrefix(in.Engine, engine)
	})
}

// piRequest is a GetResourceMetrics body.
func piRequest(in Instance, from, to time.Time, period int, queries ...map[string]any) map[string]any {
	b := map[string]any{
		"ServiceType": "RDS", "Identifier": in.ResourceID, "MetricQueries": queries,
		"StartTime": float64(from.Unix()), "EndTime": float64(to.Unix()),
	}
	if period > 0 {
		b["PeriodInSeconds"] = period
	}
	return b
}

// byGroup is a MetricQuery of db.load.avg grouped by group.
func byGroup(group string, limit int) map[string]any {
	return map[string]any{"Metric": "db.load.avg", "GroupBy": map[string]any{"Group": group, "Limit": limit}}
}

// checkPISeries checks that a MetricList element has the data points PILoad
// says, stamped with the ends of their periods.
func checkPISeries(t *testing.T, s *Server, in Instance, e piMetricKeyDataPoints, key *PIKey, from, to time.Time, per time.Duration) {
	t.Helper()
	var want []piDataPoint
	for a := from; a.Before(to); a = a.Add(per) {
		if v, ok := s.PILoad(in.ARN, key, a, per); ok {
			want = append(want, piDataPoint{Timestamp: float64(a.Add(per).Unix()), Value: v})
		}
	}
	series := s.PILoadSeries(in.ARN, key, from, to, per)
	if len(series) != len(want) {
		t.Fatalf("%v: PILoadSeries has %d points, PILoad %d", e.Key, len(series), len(want))
	}
	for i, p := range series {
		if float64(p.Start.Add(per).Unix()) != want[i].Timestamp || p.Value != want[i].Value {
			t.Fatalf("%v: PILoadSeries point %d is %+v, PILoad says %+v", e.Key, i, p, want[i])
		}
	}
	if len(e.DataPoints) != len(want) {
		t.Fatalf("%v: %d data points, want %d", e.Key, len(e.DataPoints), len(want))
	}
	for i, p := range e.DataPoints {
		if p != want[i] {
			t.Fatalf("%v: point %d is %+v, want %+v", e.Key, i, p, want[i])
		}
	}
}

func TestGetResourceMetricsGroupedAndAligned(t *testing.T) {
	s := startSim(t, Options{Instances: 8})
	in := piInstance(t, s, 7, "postgres")
	from, to := testNow.Add(-3*24*time.Hour+17*time.Second), testNow.Add(-time.Hour+5*time.Second)
	a := piCall(t, s, opGetResourceMetrics, piRequest(in, from, to, 300, map[string]any{"Metric": "db.load.avg"}, byGroup("db.wait_event", 5)))
	if a.status != http.StatusOK {
		t.Fatalf("%d %s: %s", a.status, a.errType, a.message)
	}
	m := a.metrics
	start, end := time.Unix(int64(m.AlignedStartTime), 0).UTC(), time.Unix(int64(m.AlignedEndTime), 0).UTC()
	if start.After(from) || start.Unix()%300 != 0 || end.Before(to) || end.Unix()%300 != 0 || end.Sub(to) >= 5*time.Minute {
		t.Errorf("aligned to %v..%v for %v..%v at 5 min", start, end, from, to)
	}
	if m.Identifier != in.ResourceID || len(m.MetricList) != 1+1+5 || m.NextToken != nil {
		t.Fatalf("identifier %s, %d elements, token %v; want 7 elements, no token", m.Identifier, len(m.MetricList), m.NextToken)
	}
	for _, i := range []int{0, 1} {
		if m.MetricList[i].Key.Metric != "db.load.avg" || m.MetricList[i].Key.Dimensions != nil {
			t.Errorf("element %d is %+v, want the total", i, m.MetricList[i].Key)
		}
		checkPISeries(t, s, in, m.MetricList[i], nil, start, end, 5*time.Minute)
	}
	top := s.PITopKeys(in.ARN, "db.wait_event", start, end, 5)
	for i, k := range top {
		e := m.MetricList[2+i]
		if !maps.Equal(e.Key.Dimensions, k.Dimensions) {
			t.Errorf("key %d is %v, want %v", i, e.Key.Dimensions, k.Dimensions)
		}
		checkPISeries(t, s, in, e, &k, start, end, 5*time.Minute)
	}
}

func TestGetResourceMetricsKeysAddUpToTotal(t *testing.T) {
	s := startSim(t, Options{Instances: 8})
	in := piInstance(t, s, 0, "mysql")
	from := testNow.Add(-2 * time.Hour).Truncate(time.Hour)
	a := piCall(t, s, opGetResourceMetrics, piRequest(in, from, from.Add(time.Hour), 60, byGroup("db.wait_event", 25), byGroup("db.wait_event_type", 25)))
	if a.status != http.StatusOK {
		t.Fatalf("%d %s: %s", a.status, a.errType, a.message)
	}
	events, types := len(s.PIKeys(in.ARN, "db.wait_event")), len(s.PIKeys(in.ARN, "db.wait_event_type"))
	list := a.metrics.MetricList
	if len(list) != 2+events+types {
		t.Fatalf("%d elements, want 2 totals, %d events and %d types", len(list), events, types)
	}
	for _, group := range [][]piMetricKeyDataPoints{list[1 : 1+events], list[2+events:]} {
		for i, p := range list[0].DataPoints {
			sum := 0.0
			for _, e := range group {
				sum += e.DataPoints[i].Value
			}
			if math.Abs(sum-p.Value) > 1e-9*math.Max(1, p.Value) {
				t.Fatalf("point %d: keys add up to %v, total %v", i, sum, p.Value)
			}
		}
	}
}

func TestGetResourceMetricsPeriodsAndPaging(t *testing.T) {
	s := startSim(t, Options{Instances: 8})
	in := piInstance(t, s, 7, "")
	from := testNow.Add(-3 * time.Hour).Truncate(time.Minute)
	auto := piCall(t, s, opGetResourceMetrics, piRequest(in, from, from.Add(3*time.Hour), 0, map[string]any{"Metric": "db.load.avg"}))
	if n := len(auto.metrics.MetricList[0].DataPoints); n != 180 {
		t.Errorf("3 hours without a period: %d points, want 180 (1 min, the finest at most 200)", n)
	}
	queries := []map[string]any{byGroup("db.wait_event", 10), byGroup("db.sql_tokenized", 10), {"Metric": "db.load.avg"}, byGroup("db.user", 3), byGroup("db.host", 5)}
	elements := 1 + min(10, len(s.PIKeys(in.ARN, "db.wait_event"))) + 11 + 1 + 4 + 6
	whole := piCall(t, s, opGetResourceMetrics, piRequest(in, from, from.Add(time.Hour), 60, queries...))
	if n := len(whole.metrics.MetricList); n != 25 || whole.metrics.NextToken == nil {
		t.Fatalf("%d elements in the first page, token %v; want 25 (the default maximum) and a token", n, whole.metrics.NextToken)
	}
	var pages []piMetricKeyDataPoints
	req := piRequest(in, from, from.Add(time.Hour), 60, queries...)
	req["MaxResults"] = 7
	calls := 0
	for {
		calls++
		a := piCall(t, s, opGetResourceMetrics, req)
		pages = append(pages, a.metrics.MetricList...)
		if a.metrics.NextToken == nil {
			break
		}
		req["NextToken"] = *a.metrics.NextToken
	}
	if len(pages) != elements || calls != (elements+6)/7 {
		t.Errorf("%d elements in %d calls, want %d in %d", len(pages), calls, elements, (elements+6)/7)
	}
	for i := range whole.metrics.MetricList {
		if !maps.Equal(pages[i].Key.Dimensions, whole.metrics.MetricList[i].Key.Dimensions) {
			t.Fatalf("element %d differs between pages of 7 and of 25", i)
		}
	}
	req["NextToken"] = pageToken("pi", 3, 42)
	if a := piCall(t, s, opGetResourceMetrics, req); a.errType != "InvalidArgumentException" {
		t.Errorf("a token of another request: %d %s", a.status, a.errType)
	}
	start := piRequest(in, from, from.Add(time.Hour), 3600, map[string]any{"Metric": "db.load.avg"})
	start["PeriodAlignment"] = "START_TIME"
	a := piCall(t, s, opGetResourceMetrics, start)
	h := from.Truncate(time.Hour)
	if p := a.metrics.MetricList[0].DataPoints; len(p) != 2 || p[0].Timestamp != float64(h.Unix()) || p[1].Timestamp != float64(h.Add(time.Hour).Unix()) {
		t.Errorf("START_TIME: points %+v, want two, at %v and an hour later", p, h)
	}
}

func TestPIErrors(t *testing.T) {
	s := startSim(t, Options{Instances: 10})
	short, long := piInstance(t, s, 7, ""), piInstance(t, s, 731, "")
	var off Instance
	for _, in := range s.Instances() {
		if !in.PerformanceInsightsEnabled {
			off = in
		}
	}
	day := 24 * time.Hour
	load := map[string]any{"Metric": "db.load.avg"}
	with := func(b map[string]any, k string, v any) map[string]any {
		b[k] = v
		return b
	}
	tests := []struct {
		name   string
		body   map[string]any
		status int
		typ    string
	}{
		{"PI off", piRequest(off, testNow.Add(-day), testNow, 60, load), 400, "NotAuthorizedException"},
		{"unknown resource", with(piRequest(short, testNow.Add(-day), testNow, 60, load), "Identifier", "db-NOPE"), 400, "NotAuthorizedException"},
		{"before 7 days of retention", piRequest(short, testNow.Add(-8*day), testNow, 3600, load), 400, "InvalidArgumentException"},
		{"30 days back with 731 days", piRequest(long, testNow.Add(-30*day), testNow, 3600, load), 200, ""},
		{"period 120", piRequest(short, testNow.Add(-day), testNow, 120, load), 400, "InvalidArgumentException"},
		{"end before start", piRequest(short, testNow, testNow.Add(-day), 60, load), 400, "InvalidArgumentException"},
		{"MaxResults 26", with(piRequest(short, testNow.Add(-day), testNow, 60, load), "MaxResults", 26), 400, "ValidationException"},
		{"Limit 26", piRequest(short, testNow.Add(-day), testNow, 60, byGroup("db.wait_event", 26)), 400, "ValidationException"},
		{"16 queries", piRequest(short, testNow.Add(-day), testNow, 60, make([]map[string]any, 16)...), 400, "ValidationException"},
		{"unknown group", piRequest(short, testNow.Add(-day), testNow, 60, byGroup("db.application", 5)), 400, "InvalidArgumentException"},
		{"unknown statistic", piRequest(short, testNow.Add(-day), testNow, 60, map[string]any{"Metric": "db.load.p99"}), 400, "InvalidArgumentException"},
		{"no ServiceType", with(piRequest(short, testNow.Add(-day), testNow, 60, load), "ServiceType", nil), 400, "ValidationException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := piCall(t, s, opGetResourceMetrics, tt.body)
			if a.status != tt.status || a.errType != tt.typ {
				t.Errorf("%d %s (%s), want %d %s", a.status, a.errType, a.message, tt.status, tt.typ)
			}
		})
	}
	a := piCall(t, s, opGetResourceMetrics, piRequest(off, testNow.Add(-day), testNow, 60, load))
	if want := "The resource " + off.ResourceID + " for service type RDS is not authorized for this account"; a.message != want {
		t.Errorf("PI off: message %q, want %q", a.message, want)
	}
}

func TestDescribeDimensionKeys(t *testing.T) {
	s := startSim(t, Options{Instances: 8})
	in := piInstance(t, s, 7, "postgres")
	from, to := testNow.Add(-24*time.Hour).Truncate(time.Hour), testNow.Truncate(time.Hour)
	body := map[string]any{
		"ServiceType": "RDS", "Identifier": in.ResourceID, "StartTime": float64(from.Unix()), "EndTime": float64(to.Unix()),
		"Metric": "db.load.avg", "GroupBy": map[string]any{"Group": "db.sql_tokenized", "Limit": 8}, "MaxResults": 5,
	}
	var keys []piDimensionKey
	calls := 0
	for {
		calls++
		a := piCall(t, s, opDescribeDimensionKeys, body)
		if a.status != http.StatusOK {
			t.Fatalf("%d %s: %s", a.status, a.errType, a.message)
		}
		keys = append(keys, a.keys.Keys...)
		if a.keys.NextToken == nil {
			break
		}
		body["NextToken"] = *a.keys.NextToken
	}
	top := s.PITopKeys(in.ARN, "db.sql_tokenized", from, to, 8)
	if len(keys) != 8 || calls != 2 {
		t.Fatalf("%d keys in %d calls, want 8 in 2", len(keys), calls)
	}
	per := time.Duration(piAutoPeriod(int64(to.Sub(from)/time.Second))) * time.Second
	for i, k := range keys {
		if k.Dimensions["db.sql_tokenized.id"] != top[i].Dimensions["db.sql_tokenized.id"] {
			t.Errorf("key %d is %s, want %s", i, k.Dimensions["db.sql_tokenized.id"], top[i].Dimensions["db.sql_tokenized.id"])
		}
		if i > 0 && k.Total > keys[i-1].Total {
			t.Errorf("key %d has more load (%v) than key %d (%v)", i, k.Total, i-1, keys[i-1].Total)
		}
		if st := k.Dimensions["db.sql_tokenized.statement"]; len(st) > 500 || !strings.HasPrefix(top[i].Dimensions["db.sql_tokenized.statement"], st) {
			t.Errorf("key %d: statement of %d bytes is not the first 500 bytes of the digest", i, len(st))
		}
		sum, n := 0.0, 0
		for a := from; a.Before(to); a = a.Add(per) {
			if v, ok := s.PILoad(in.ARN, &top[i], a, per); ok {
				sum, n = sum+v, n+1
			}
		}
		if math.Abs(k.Total-sum/float64(n)) > 1e-9 {
			t.Errorf("key %d: Total %v, mean load %v", i, k.Total, sum/float64(n))
		}
	}
	long := false
	for _, k := range s.PIKeys(in.ARN, "db.sql_tokenized") {
		long = long || len(k.Dimensions["db.sql_tokenized.statement"]) > 500
	}
	if !long {
		t.Error("no digest is longer than the 500 bytes PI returns")
	}
}

func TestPIGapsAndThrottling(t *testing.T) {
	s := startSim(t, Options{Instances: 10, Faults: Faults{ThrottleAboveRPS: 3}})
	var gappy Instance
	var gaps []time.Time
	for _, in := range s.Instances() {
		if in.HasGaps && in.PerformanceInsightsEnabled && len(gaps) == 0 {
			gappy, gaps = in, s.Gaps(in.ARN, testNow.Add(-6*24*time.Hour), testNow.Add(-time.Hour))
		}
	}
	if len(gaps) == 0 {
		t.Fatal("no instance with PI has a stopped hour in 6 days")
	}
	for _, h := range gaps {
		if _, ok := s.PILoad(gappy.ARN, nil, h, time.Minute); ok {
			t.Errorf("a data point in the stopped hour %v", h)
		}
	}
	from, to := gaps[0].Add(-time.Hour), gaps[0].Add(2*time.Hour)
	want := 180 - 60*len(s.Gaps(gappy.ARN, from, to))
	throttled := 0
	for range 10 {
		a := piCall(t, s, opGetResourceMetrics, piRequest(gappy, from, to, 60, map[string]any{"Metric": "db.load.avg"}))
		switch {
		case a.errType == "ThrottlingException":
			throttled++
		case a.status != http.StatusOK:
			t.Fatalf("%d %s", a.status, a.errType)
		case len(a.metrics.MetricList[0].DataPoints) != want:
			t.Errorf("%d points around a stopped hour, want %d of 180", len(a.metrics.MetricList[0].DataPoints), want)
		}
	}
	if throttled == 0 || s.Counters().Requests[opGetResourceMetrics] != 10 {
		t.Errorf("%d throttled of %d counted requests", throttled, s.Counters().Requests[opGetResourceMetrics])
	}
}
