package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// recorder stands in for the backfill and the history reader: it records
// what the handlers parsed out of the request and answers at once.
type recorder struct {
	req      *backfill.Request
	from, to time.Time
	err      error // what Run answers
}

var errNoJob = errors.New("no such job")

// Run answers as backfill.Jobs does: the finished job, failed with the
// recorder's error if it has one.
func (r *recorder) Run(_ context.Context, req backfill.Request) (backfill.JobStatus, error) {
	r.req = &req
	st := backfill.JobStatus{ID: "job-1", State: backfill.StateSucceeded, Result: backfill.Result{DaysRequested: req.Days, Days: req.Days}}
	for _, d := range req.Resources {
		st.Resources = append(st.Resources, backfill.ResourceRef{Kind: d.Kind, ID: d.ID, ARN: d.ARN, Region: d.Region, AccountID: d.AccountID})
		if d.Kind == model.KindDBInstance {
			st.InstanceIDs = append(st.InstanceIDs, d.ID)
		}
	}
	if r.err != nil {
		st.State, st.Error = backfill.StateFailed, r.err.Error()
	}
	return st, r.err
}

func (r *recorder) Start(req backfill.Request) (backfill.JobStatus, error) {
	r.req = &req
	return backfill.JobStatus{ID: "job-1", State: backfill.StateRunning, Result: backfill.Result{DaysRequested: req.Days, Days: req.Days}}, nil
}

func (r *recorder) Get(id string) (backfill.JobStatus, error) {
	if id != "job-1" {
		return backfill.JobStatus{}, errNoJob
	}
	return backfill.JobStatus{ID: id}, nil
}

func (r *recorder) List() []backfill.JobStatus { return nil }

func (r *recorder) Cancel(id string) (backfill.JobStatus, error) { return r.Get(id) }

func (r *recorder) MaxDays() int { return backfill.DefaultDays }

func (r *recorder) Coverage(context.Context, int) (*backfill.Coverage, backfill.Range, error) {
	return nil, backfill.Range{}, errors.New("not used by the fuzzed routes")
}

func (r *recorder) History(_ context.Context, _ model.Resource, from, to time.Time) ([]tsdbwriter.Series, error) {
	r.from, r.to = from, to
	return nil, nil
}

// fuzzRoutes are the routes whose path and query FuzzAPIQuery varies; ID
// stands for the resource or job identifier. New routes go at the end:
// the corpus names routes by index.
var fuzzRoutes = []struct{ method, path string }{
	{http.MethodPost, "/api/v1/instances/ID/metrics/backfill"},
	{http.MethodPost, "/api/v1/metrics/backfill"},
	{http.MethodGet, "/api/v1/instances/ID/metrics/history"},
	{http.MethodGet, "/api/v1/backfill/jobs/ID"},
	{http.MethodDelete, "/api/v1/backfill/jobs/ID"},
	{http.MethodPost, "/api/v1/clusters/ID/metrics/backfill"},
	{http.MethodGet, "/api/v1/proxies/ID/metrics/history"},
}

// fuzzResource is a resource of kind k in account 1, us-east-1.
func fuzzResource(k model.Kind, id string) model.Described {
	tg := model.Target{AccountID: "1", Region: "us-east-1"}
	return model.Described{Resource: model.Resource{Target: tg, Kind: k, ID: id, ARN: tg.ARN(k, id)}, Provider: "aws",
		Metrics: []model.Selection{{Metric: "CPUUtilization", Statistics: []string{"Average"}}}}
}

// FuzzAPIQuery sends requests with arbitrary identifiers and query strings
// (days, async, range, region, account_id...) through the HTTP handler:
// it never panics and never answers 5xx; every answer is JSON, an error
// has a message, and what reaches the backfill or the history reader is
// in bounds (at least a day; a range of at most 455 days).
// Longer runs: go test -run '^$' -fuzz FuzzAPIQuery -fuzztime 10m ./api/
func FuzzAPIQuery(f *testing.F) {
	for i := range fuzzRoutes {
		for _, q := range []string{"", "days=3", "days=0", "days=-1", "days=1e3", "days=99999999999999999999", "days=%zz",
			"async=true", "async=yes", "async=1&days=2", "range=7d", "range=455d", "range=456d", "range=-1h", "range=1y2w",
			"region=us-east-1&account_id=1", "region=eu-west-1", "days=2&days=x", ";;&&=="} {
			f.Add(uint8(i), "db-1", q)
		}
	}
	f.Add(uint8(0), "../../x", "days=1")
	f.Add(uint8(2), "db-1%2Fx", "range=0s")
	rec := &recorder{}
	s := New(Options{
		Gatherer: prometheus.NewRegistry(),
		Resources: fakeResources{
			fuzzResource(model.KindDBInstance, "db-1"),
			fuzzResource(model.KindCluster, "db-1"),
			fuzzResource(model.KindProxy, "db-1"),
			{Resource: model.Resource{Target: model.Target{Region: "us-east-1"}, Kind: model.KindDBInstance, ID: "legacy"}, Provider: "onprem"},
		},
		Ready: make(chan struct{}), Backfill: rec, History: rec,
	})
	f.Fuzz(func(t *testing.T, route uint8, id, query string) {
		rt := fuzzRoutes[int(route)%len(fuzzRoutes)]
		*rec = recorder{}
		path := strings.Replace(rt.path, "ID", id, 1)
		req := &http.Request{
			Method: rt.method,
			URL:    &url.URL{Path: path, RawQuery: query},
			Header: http.Header{},
		}
		req = req.WithContext(context.Background())
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, req)
		checkAnswer(t, path, w, rec)
	})
}

// checkAnswer checks one answer of FuzzAPIQuery and what the recorder got.
func checkAnswer(t *testing.T, path string, w *httptest.ResponseRecorder, rec *recorder) {
	t.Helper()
	if w.Code/100 == 3 {
		// Only the redirect of a path with a trailing slash to the same
		// path without it.
		if !strings.HasSuffix(path, "/") || rec.req != nil {
			t.Fatalf("%s: status %d to %q", path, w.Code, w.Header().Get("Location"))
		}
		return
	}
	if w.Code >= 500 {
		t.Fatalf("%s: status %d: %s", path, w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s: status %d with Content-Type %q", path, w.Code, ct)
	}
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("%s: status %d, body not JSON: %v: %q", path, w.Code, err, w.Body)
	}
	if msg, _ := body["error"].(string); w.Code >= 400 && msg == "" {
		t.Fatalf("%s: status %d without an error message: %s", path, w.Code, w.Body)
	}
	if w.Code >= 400 && (rec.req != nil || !rec.to.IsZero()) {
		t.Fatalf("%s: status %d, but the request reached the backend", path, w.Code)
	}
	if rec.req != nil && rec.req.Days < 1 {
		t.Fatalf("%s: backfill of %d days", path, rec.req.Days)
	}
	if rng := rec.to.Sub(rec.from); !rec.to.IsZero() && (rng <= 0 || rng > MaxHistoryRange) {
		t.Fatalf("%s: history over %s", path, rng)
	}
}
