package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// gatedFetcher serves hourly datapoints; while gate is set, fetches wait
// for it to be closed, so a backfill can be held running.
type gatedFetcher struct {
	mu    sync.Mutex
	gate  chan struct{}
	calls int
}

func (f *gatedFetcher) hold() chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.gate = make(chan struct{})
	return f.gate
}

func (f *gatedFetcher) Fetch(ctx context.Context, req cloudwatch.FetchRequest) ([]model.Series, cloudwatch.FetchStats, error) {
	f.mu.Lock()
	gate := f.gate
	f.calls++
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, cloudwatch.FetchStats{Calls: 1}, ctx.Err()
		}
	}
	out := make([]model.Series, len(req.Queries))
	for i, q := range req.Queries {
		out[i].Query = q
		for t := req.Window.Start; t.Before(req.Window.End); t = t.Add(req.Window.Period) {
			out[i].Points = append(out[i].Points, model.Datapoint{Timestamp: t, Value: 1})
		}
	}
	return out, cloudwatch.FetchStats{Calls: 1, MetricsRequested: len(req.Queries)}, nil
}

func contractServer(t *testing.T) (*httptest.Server, *gatedFetcher) {
	t.Helper()
	f := &gatedFetcher{}
	b, err := backfill.New(backfill.Options{
		OutputDir: t.TempDir(),
		Targets:   []backfill.Target{{AccountID: "1", Region: "us-east-1", Fetcher: f}},
		Metrics:   catalog.DefaultSelection(),
		Labels:    map[string]string{"job": "rds"},
	})
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
		Instances: fakeInstances{
			{ID: "db-1", ARN: "arn:aws:rds:us-east-1:1:db:db-1", Region: "us-east-1", AccountID: "1", Provider: "aws"},
			{ID: "db-2", ARN: "arn:aws:rds:us-east-1:1:db:db-2", Region: "us-east-1", AccountID: "1", Provider: "aws"},
			{ID: "legacy", Region: "us-east-1", Provider: "onprem"},
		},
		Ready: make(chan struct{}), Backfill: jobs, History: b,
	})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv, f
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
		{"capped", "POST", "/api/v1/instances/db-2/metrics/backfill?days=30&region=us-east-1&account_id=1", 200,
			map[string]any{"success": true, "days_requested": 30.0, "days": 7.0, "max_days": 7.0, "capped": true, "hours_backfilled": 168.0}, ""},
		{"days not a number", "POST", "/api/v1/instances/db-1/metrics/backfill?days=abc", 400,
			map[string]any{"instance_id": "db-1"}, `Backfill failed: days="abc": want a whole number of days, at least 1`},
		{"days zero", "POST", "/api/v1/instances/db-1/metrics/backfill?days=0", 400, nil, `days="0"`},
		{"days fraction", "POST", "/api/v1/instances/db-1/metrics/backfill?days=1.5", 400, nil, `days="1.5"`},
		{"bad async", "POST", "/api/v1/instances/db-1/metrics/backfill?async=maybe", 400, nil, "async"},
		{"not AWS", "POST", "/api/v1/instances/legacy/metrics/backfill", 400,
			map[string]any{"instance_id": "legacy"}, `Backfill failed: instance "legacy" has provider "onprem", which CloudWatch does not serve; only provider "aws" instances can be backfilled`},
		{"other region", "POST", "/api/v1/instances/db-1/metrics/backfill?region=eu-west-1", 404,
			map[string]any{"instance_id": "db-1"}, `Backfill failed: unknown DB instance "db-1"`},
		{"unknown", "POST", "/api/v1/instances/nope/metrics/backfill", 404,
			map[string]any{"instance_id": "nope"}, `Backfill failed: unknown DB instance "nope"`},
		{"GET on the POST route", "GET", "/api/v1/instances/db-1/metrics/backfill", 405, nil, "method GET not allowed; allowed: OPTIONS, POST"},
		{"unknown job", "GET", "/api/v1/backfill/jobs/0000", 404, nil, `unknown backfill job "0000"`},
		{"history", "GET", "/api/v1/instances/db-1/metrics/history?range=8d", 200, map[string]any{"instance_id": "db-1"}, ""},
		{"history bad range", "GET", "/api/v1/instances/db-1/metrics/history?range=soon", 400, nil, `range="soon"`},
		{"history unknown", "GET", "/api/v1/instances/nope/metrics/history", 404, nil, `unknown DB instance "nope"`},
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
	_, _, inst := call(t, "GET", srv.URL+"/api/v1/instances")
	for _, i := range inst["instances"].([]any) {
		m := i.(map[string]any)
		want := map[string]any{"db-1": 48.0, "db-2": 0.0, "legacy": nil}[m["id"].(string)]
		if m["hours_covered"] != want {
			t.Errorf("%s: hours_covered %v, want %v", m["id"], m["hours_covered"], want)
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
	// Another instance is not blocked.
	close(gate)
	waitState(t, srv.URL+loc, "succeeded")
	_, _, st := call(t, "GET", srv.URL+loc)
	if st["hours_done"] != 72.0 || st["hours_total"] != 72.0 {
		t.Errorf("progress %v/%v, want 72/72", st["hours_done"], st["hours_total"])
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
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		_, _, st := call(t, "GET", url)
		if st["state"] == want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("job %s never reached %s", url, want)
}
