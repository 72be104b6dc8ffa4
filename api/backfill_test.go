package api

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/smithy-go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// gatedFetcher serves hourly datapoints in its target; while gate is set,
// fetches wait for it to be closed, so a backfill can be held running;
// fetches after the first failAfter (if positive) fail.
type gatedFetcher struct {
	target    model.Target
	mu        sync.Mutex
	gate      chan struct{}
	calls     int
	failAfter int
}

func (f *gatedFetcher) Target() model.Target { return f.target }

func (f *gatedFetcher) hold() chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gate = make(chan struct{})
	return f.gate
}

func (f *gatedFetcher) FetchPoints(ctx context.Context, req cloudwatch.FetchRequest, fn cloudwatch.PointsFunc) (cloudwatch.FetchStats, error) {
	f.mu.Lock()
	gate := f.gate
	f.calls++
	failing := f.failAfter > 0 && f.calls > f.failAfter
	f.mu.Unlock()
	if failing {
		return cloudwatch.FetchStats{Calls: 1}, &smithy.GenericAPIError{Code: "InternalFailure", Message: "simulated"}
	}
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return cloudwatch.FetchStats{Calls: 1}, ctx.Err()
		}
	}
	st := cloudwatch.FetchStats{Calls: 1, MetricsRequested: len(req.Queries)}
	for i := range req.Queries {
		var ts []int64
		var vs []float64
		for t := req.Window.Start; t.Before(req.Window.End); t = t.Add(req.Window.Period) {
			ts, vs = append(ts, t.UnixMilli()), append(vs, 1)
		}
		if err := fn(i, ts, vs); err != nil {
			return st, err
		}
	}
	return st, nil
}

// The targets and instances of the contract tests: db-1 is also the name
// of instances in another region and in another account.
var (
	east    = model.Target{AccountID: "111111111111", Region: "us-east-1"}
	west    = model.Target{AccountID: "111111111111", Region: "eu-west-1"}
	other   = model.Target{AccountID: "222222222222", Region: "us-east-1"}
	targets = []model.Target{east, west, other}
)

func awsResource(tg model.Target, k model.Kind, id string) model.Described {
	arn := tg.ARN(k, id)
	if k == model.KindProxy {
		arn = tg.ARN(k, "prx-"+id)
	}
	return model.Described{Resource: model.Resource{Target: tg, Kind: k, ID: id, ARN: arn}, Provider: "aws", Metrics: testtools.TwentyMetrics()}
}

func awsInstance(tg model.Target, id string) model.Described {
	return awsResource(tg, model.KindDBInstance, id)
}

func contractServer(t *testing.T, options ...func(*backfill.Options)) (*httptest.Server, *gatedFetcher) {
	t.Helper()
	fetchers := make([]backfill.Fetcher, len(targets))
	for i, tg := range targets {
		fetchers[i] = &gatedFetcher{target: tg}
	}
	o := backfill.Options{
		OutputDir: t.TempDir(),
		Fetchers:  fetchers,
		Labels:    map[string]string{"job": "rds"},
	}
	for _, opt := range options {
		opt(&o)
	}
	b, err := backfill.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	jobs := backfill.NewJobs(ctx, b)
	t.Cleanup(func() {
		cancel()
		jobs.Wait()
		_ = b.Close()
	})
	s := New(Options{
		Gatherer: prometheus.NewRegistry(),
		Resources: fakeResources{
			awsInstance(east, "db-1"), awsInstance(east, "db-2"),
			{Resource: model.Resource{Target: east, Kind: model.KindDBInstance, ID: "legacy"}, Provider: "onprem"},
			awsInstance(west, "db-1"), awsInstance(other, "db-1"),
			// A cluster and a proxy with the instance's identifier are
			// other resources.
			awsResource(east, model.KindCluster, "db-1"), awsResource(east, model.KindProxy, "db-1"),
			{Resource: model.Resource{Target: east, Kind: model.KindDatabaseClass, ID: "db.r6g.large"}, Provider: "aws", Metrics: testtools.TwentyMetrics()},
		},
		Ready: make(chan struct{}), Backfill: jobs, History: b,
	})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv, fetchers[0].(*gatedFetcher)
}

func call(t *testing.T, method, url string) (int, http.Header, map[string]any) {
	t.Helper()
	status, h, body := do(t, method, url)
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %q", method, url, status, body)
	}
	return status, h, m
}

func TestBackfillContract(t *testing.T) {
	srv, _ := contractServer(t)
	for _, tc := range []struct {
		name, method, path string
		status             int
		want               map[string]any
		errContains        string
	}{
		{"default days", "POST", "/api/v1/instances/db-1/metrics/backfill", 200,
			map[string]any{"success": true, "instance_id": "db-1", "hours_backfilled": 168.0, "days_requested": 7.0, "days": 7.0, "capped": false, "hours_skipped_covered": 0.0, "cloudwatch_requests": 1.0}, ""},
		{"repeat is free", "POST", "/api/v1/instances/db-1/metrics/backfill?days=7", 200,
			map[string]any{"success": true, "hours_backfilled": 0.0, "hours_skipped_covered": 168.0, "cloudwatch_requests": 0.0}, ""},
		{"capped", "POST", "/api/v1/instances/db-2/metrics/backfill?days=30&region=us-east-1&account_id=111111111111", 200,
			map[string]any{"success": true, "days_requested": 30.0, "days": 7.0, "max_days": 7.0, "capped": true, "hours_backfilled": 168.0}, ""},
		{"days not a number", "POST", "/api/v1/instances/db-1/metrics/backfill?days=abc", 400,
			map[string]any{"instance_id": "db-1"}, `Backfill failed: days="abc": want a whole number of days, at least 1`},
		{"days zero", "POST", "/api/v1/instances/db-1/metrics/backfill?days=0", 400, nil, `days="0"`},
		{"days fraction", "POST", "/api/v1/instances/db-1/metrics/backfill?days=1.5", 400, nil, `days="1.5"`},
		{"bad async", "POST", "/api/v1/instances/db-1/metrics/backfill?async=maybe", 400, nil, "async"},
		{"bad source", "POST", "/api/v1/instances/db-1/metrics/backfill?source=pi", 400, map[string]any{"instance_id": "db-1"},
			`Backfill failed: source: unknown source "pi": want cloudwatch, enhanced-monitoring, performance-insights or all`},
		{"Enhanced Monitoring off", "POST", "/api/v1/instances/db-1/metrics/backfill?source=enhanced-monitoring", 400, map[string]any{"instance_id": "db-1"},
			`Backfill failed: enhanced-monitoring: Enhanced Monitoring is not enabled for DB instance db-1 (its MonitoringInterval is 0)`},
		{"Performance Insights of a cluster", "POST", "/api/v1/clusters/db-1/metrics/backfill?source=performance-insights", 400, map[string]any{"cluster_id": "db-1"},
			`Backfill failed: performance-insights: cluster db-1 is not a DB instance, and Performance Insights serves DB instances only`},
		{"fleet without Enhanced Monitoring", "POST", "/api/v1/metrics/backfill?source=enhanced-monitoring", 400, nil,
			`Backfill failed: none of the 6 resources can be swept: enhanced-monitoring: Enhanced Monitoring is not enabled for DB instance db-1`},
		{"all sources of an instance without them", "POST", "/api/v1/instances/db-1/metrics/backfill?region=eu-west-1&source=all", 200,
			map[string]any{"success": true, "hours_backfilled": 168.0, "cloudwatch_requests": 1.0}, ""},
		{"not AWS", "POST", "/api/v1/instances/legacy/metrics/backfill", 400,
			map[string]any{"instance_id": "legacy"}, `Backfill failed: DB instance "legacy" has provider "onprem", which CloudWatch does not serve; only provider "aws" resources can be backfilled`},
		{"other region", "POST", "/api/v1/instances/db-1/metrics/backfill?region=ap-south-1", 404,
			map[string]any{"instance_id": "db-1"}, `Backfill failed: unknown DB instance "db-1"`},
		{"unknown", "POST", "/api/v1/instances/nope/metrics/backfill", 404,
			map[string]any{"instance_id": "nope"}, `Backfill failed: unknown DB instance "nope"`},
		{"GET on the POST route", "GET", "/api/v1/instances/db-1/metrics/backfill", 405, nil, "method GET not allowed; allowed: OPTIONS, POST"},
		{"unknown job", "GET", "/api/v1/backfill/jobs/0000", 404, nil, `unknown backfill job "0000"`},
		{"history", "GET", "/api/v1/instances/db-1/metrics/history?range=8d", 200, map[string]any{"instance_id": "db-1"}, ""},
		{"history bad range", "GET", "/api/v1/instances/db-1/metrics/history?range=soon", 400, nil, `range="soon"`},
		{"history unknown", "GET", "/api/v1/instances/nope/metrics/history", 404, nil, `unknown DB instance "nope"`},
		{"cluster", "POST", "/api/v1/clusters/db-1/metrics/backfill?days=7", 200,
			map[string]any{"success": true, "cluster_id": "db-1", "instance_id": nil, "hours_backfilled": 168.0, "hours_skipped_covered": 0.0}, ""},
		{"cluster history", "GET", "/api/v1/clusters/db-1/metrics/history?range=8d", 200, map[string]any{"cluster_id": "db-1"}, ""},
		{"unknown cluster", "POST", "/api/v1/clusters/db-2/metrics/backfill", 404,
			map[string]any{"cluster_id": "db-2"}, `Backfill failed: unknown Aurora cluster "db-2"; GET /api/v1/clusters lists the known ones`},
		{"proxy", "POST", "/api/v1/proxies/db-1/metrics/backfill?days=7", 200,
			map[string]any{"success": true, "proxy_id": "db-1", "hours_backfilled": 168.0, "hours_skipped_covered": 0.0}, ""},
		{"unknown proxy history", "GET", "/api/v1/proxies/nope/metrics/history", 404, map[string]any{"proxy_id": "nope"}, `unknown RDS Proxy "nope"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, h, body := call(t, tc.method, srv.URL+tc.path)
			if status != tc.status {
				t.Errorf("status %d, want %d: %v", status, tc.status, body)
			}
			if ct := h.Get("Content-Type"); ct != "application/json" {
				t.Errorf("content type %q", ct)
			}
			for k, v := range tc.want {
				if body[k] != v {
					t.Errorf("%s = %v (%T), want %v", k, body[k], body[k], v)
				}
			}
			if tc.errContains != "" {
				if msg, _ := body["error"].(string); !strings.Contains(msg, tc.errContains) {
					t.Errorf("error %q lacks %q", msg, tc.errContains)
				}
			}
		})
	}
}

func TestBackfillHistoryHoldsSamples(t *testing.T) {
	srv, _ := contractServer(t)
	if status, _, body := call(t, "POST", srv.URL+"/api/v1/instances/db-1/metrics/backfill?days=2"); status != 200 {
		t.Fatalf("%d %v", status, body)
	}
	_, _, body := call(t, "GET", srv.URL+"/api/v1/instances/db-1/metrics/history?range=3d")
	series, _ := body["series"].([]any)
	if len(series) != 40 {
		t.Fatalf("%d series, want 40", len(series))
	}
	first := series[0].(map[string]any)
	if samples, _ := first["samples"].([]any); len(samples) != 48 {
		t.Errorf("%d samples, want 48", len(samples))
	}
	if labels, _ := first["labels"].(map[string]any); labels["name"] != east.ARN(model.KindDBInstance, "db-1") {
		t.Errorf("labels %v", labels)
	}
	// The db-1 of another region or account has no history.
	for _, q := range []string{"region=eu-west-1", "account_id=222222222222"} {
		if _, _, body := call(t, "GET", srv.URL+"/api/v1/instances/db-1/metrics/history?range=3d&"+q); len(body["series"].([]any)) != 0 {
			t.Errorf("db-1 with %s: %d series, want none", q, len(body["series"].([]any)))
		}
	}
	_, _, inst := call(t, "GET", srv.URL+"/api/v1/instances")
	for _, i := range inst["instances"].([]any) {
		m := i.(map[string]any)
		want := map[string]any{"db-1": 48.0, "db-2": 0.0, "legacy": nil}[m["id"].(string)]
		if m["id"] == "db-1" && m["region"] != east.Region || m["account_id"] == other.AccountID {
			want = 0.0 // the other db-1s
		}
		if m["hours_covered"] != want {
			t.Errorf("%s in %s/%s: hours_covered %v, want %v", m["id"], m["account_id"], m["region"], m["hours_covered"], want)
		}
	}
}

func TestBackfillAsyncConflictCancel(t *testing.T) {
	srv, f := contractServer(t)
	gate := f.hold()
	status, h, body := call(t, "POST", srv.URL+"/api/v1/instances/db-1/metrics/backfill?days=3&async=true")
	if status != 202 || body["state"] != "running" {
		t.Fatalf("async: %d %v", status, body)
	}
	loc := h.Get("Location")
	job, _ := body["job_id"].(string)
	if loc != "/api/v1/backfill/jobs/"+job || body["location"] != loc {
		t.Fatalf("Location %q, body %v", loc, body)
	}
	// A second backfill of the same instance, sync or async, or of all
	// instances, conflicts with the running job and names it.
	for _, path := range []string{
		"/api/v1/instances/db-1/metrics/backfill",
		"/api/v1/instances/db-1/metrics/backfill?async=true",
		"/api/v1/metrics/backfill",
	} {
		status, _, body := call(t, "POST", srv.URL+path)
		if status != 409 || body["job_id"] != job || !strings.Contains(body["error"].(string), "already running as job "+job) {
			t.Errorf("%s: %d %v, want 409 naming job %s", path, status, body, job)
		}
	}
	// The instance of the same name in another region or account is
	// another resource: not blocked.
	for _, q := range []string{"region=eu-west-1", "account_id=222222222222"} {
		if status, _, body := call(t, "POST", srv.URL+"/api/v1/instances/db-1/metrics/backfill?days=1&"+q); status != 200 || body["hours_backfilled"] != 24.0 {
			t.Errorf("db-1 with %s while the other runs: %d %v", q, status, body)
		}
	}
	close(gate)
	waitState(t, srv.URL+loc, "succeeded")
	_, _, st := call(t, "GET", srv.URL+loc)
	if st["hours_done"] != 72.0 || st["hours_to_fetch"] != 72.0 || st["hours_backfilled"] != 72.0 {
		t.Errorf("progress %v/%v, backfilled %v, want 72/72 and 72", st["hours_done"], st["hours_to_fetch"], st["hours_backfilled"])
	}

	gate = f.hold()
	defer close(gate)
	_, h, _ = call(t, "POST", srv.URL+"/api/v1/metrics/backfill?days=5&async=true")
	loc = h.Get("Location")
	status, _, st = call(t, "DELETE", srv.URL+loc)
	if status != 200 || st["state"] != "canceled" {
		t.Errorf("DELETE: %d %v", status, st)
	}
	// The canceled job released its instances.
	status, _, body = call(t, "POST", srv.URL+"/api/v1/instances/db-2/metrics/backfill?days=30&async=true")
	if status != 202 || body["days_requested"] != 30.0 || body["days"] != 7.0 || body["capped"] != true {
		t.Errorf("after cancel, a capped async request: %d %v", status, body)
	}
}

func waitState(t *testing.T, url, want string) {
	t.Helper()
	testtools.Eventually(t, 30*time.Second, 10*time.Millisecond, func() error {
		if _, _, st := call(t, "GET", url); st["state"] != want {
			return fmt.Errorf("job %s is %v, want %s", url, st["state"], want)
		}
		return nil
	})
}

// The POST answer and the job's GET are the same JSON, field by field.
func TestBackfillAnswerIsTheJob(t *testing.T) {
	srv, _ := contractServer(t)
	status, _, posted := call(t, "POST", srv.URL+"/api/v1/instances/db-1/metrics/backfill?days=2")
	if status != 200 {
		t.Fatalf("%d %v", status, posted)
	}
	loc, _ := posted["location"].(string)
	_, _, got := call(t, "GET", srv.URL+loc)
	if !reflect.DeepEqual(posted, got) {
		t.Errorf("POST answered\n%v\nGET %s answers\n%v", posted, loc, got)
	}
	_, _, list := call(t, "GET", srv.URL+"/api/v1/backfill/jobs")
	if jobs, _ := list["jobs"].([]any); len(jobs) != 1 || !reflect.DeepEqual(jobs[0], posted) {
		t.Errorf("the job list has %v, want the POST's answer", list["jobs"])
	}
	// Every field of the typed answer is in the JSON, and nothing else;
	// those omitted when empty are left out.
	fields := jsonFields(reflect.TypeFor[BackfillJSON]())
	omitted := []string{"source", "phase", "error", "cluster_id", "proxy_id"}
	for _, f := range fields {
		if _, ok := posted[f]; !ok && !slices.Contains(omitted, f) {
			t.Errorf("field %s missing from %v", f, posted)
		}
	}
	if len(posted) != len(fields)-len(omitted) {
		t.Errorf("%d fields, want %d: %v", len(posted), len(fields)-len(omitted), posted)
	}
	for k, want := range map[string]any{
		"success": true, "instance_id": "db-1", "state": "succeeded", "days_requested": 2.0, "days": 2.0,
		"hours_total": 48.0, "hours_backfilled": 48.0, "cloudwatch_requests": 1.0, "cloudwatch_metrics_requested": 40.0,
		"blocks_written": 3.0, "samples_written": 40 * 48.0,
	} {
		if posted[k] != want {
			t.Errorf("%s = %v, want %v", k, posted[k], want)
		}
	}
}

// jsonFields lists the JSON names of a struct's fields, embedded ones
// flattened.
func jsonFields(typ reflect.Type) []string {
	var out []string
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case f.Anonymous:
			out = append(out, jsonFields(f.Type)...)
		case name != "-" && f.IsExported():
			out = append(out, name)
		}
	}
	return out
}

// A sweep that fails after it committed blocks says what it committed in
// its error answer, as its job does.
func TestBackfillFailureSaysWhatWasCommitted(t *testing.T) {
	srv, f := contractServer(t, func(o *backfill.Options) { o.BatchSamples = 40 * 48 })
	f.failAfter = 1 // the second instance's batch fails
	status, _, body := call(t, "POST", srv.URL+"/api/v1/metrics/backfill?days=2")
	if status != 502 || body["success"] != false || body["state"] != "failed" {
		t.Fatalf("%d %v, want 502 and a failed job", status, body)
	}
	if msg, _ := body["error"].(string); !strings.HasPrefix(msg, "Backfill failed: ") || !strings.Contains(msg, "InternalFailure") {
		t.Errorf("error %q", msg)
	}
	if body["hours_backfilled"] != 48.0 || body["blocks_written"] != 3.0 {
		t.Errorf("the answer says %v hours in %v blocks, want the first batch's 48 in 3", body["hours_backfilled"], body["blocks_written"])
	}
	_, _, job := call(t, "GET", srv.URL+body["location"].(string))
	if job["hours_backfilled"] != body["hours_backfilled"] || job["blocks_written"] != body["blocks_written"] {
		t.Errorf("the job says %v hours in %v blocks", job["hours_backfilled"], job["blocks_written"])
	}
}

// The README's example answer has exactly the fields of BackfillJSON (but
// source, phase and error, empty in a finished job, and the identifiers of
// clusters and proxies, empty in an instance's job).
func TestReadmeExampleIsTheAnswer(t *testing.T) {
	block := testtools.ReadmeBlock(t, "../README.md", "```json\n{\n  \"success\"")
	var example map[string]any
	if err := json.Unmarshal([]byte("{\"success\""+block), &example); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, f := range jsonFields(reflect.TypeFor[BackfillJSON]()) {
		if !slices.Contains([]string{"source", "phase", "error", "cluster_id", "proxy_id"}, f) {
			want = append(want, f)
		}
	}
	got := slices.Sorted(maps.Keys(example))
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("README example fields\n%v\nanswer fields\n%v", got, want)
	}
}
