package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// A backfill that lacks disk space answers 507 with the writer's message
// in the failed job's answer.
func TestBackfillNoSpace(t *testing.T) {
	space := &tsdbwriter.SpaceError{Dir: "/data", Samples: 960, Need: 8 << 20, Free: 1 << 20}
	rec := &recorder{err: fmt.Errorf("backfill: %w", space)}
	s := New(Options{
		Gatherer:  prometheus.NewRegistry(),
		Resources: fakeResources{fuzzResource(model.KindDBInstance, "db-1")},
		Ready:     make(chan struct{}), Backfill: rec, History: rec,
	})
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/api/v1/instances/db-1/metrics/backfill?days=1", nil))
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	want := "Backfill failed: backfill: " + space.Error()
	if w.Code != http.StatusInsufficientStorage || body["error"] != want || body["instance_id"] != "db-1" ||
		body["success"] != false || body["state"] != backfill.StateFailed || body["job_id"] != "job-1" {
		t.Errorf("got %d %v, want 507 %q, the failed job", w.Code, body, want)
	}
}

// When the backfill could not start (its output folder cannot be
// written), every backfill route answers 503 with the reason, the landing
// page says it, and the rest is served.
func TestBackfillUnavailable(t *testing.T) {
	why := fmt.Errorf("backfill: %w /data/backfill: create staging folder: read-only file system", backfill.ErrOutputFolder)
	s := New(Options{
		Gatherer:            prometheus.NewRegistry(),
		Resources:           fakeResources{fuzzResource(model.KindDBInstance, "db-1"), fuzzResource(model.KindCluster, "c-1")},
		Ready:               make(chan struct{}),
		BackfillUnavailable: why,
	})
	for _, tc := range []struct{ method, path, field, id string }{
		{http.MethodPost, "/api/v1/instances/db-1/metrics/backfill?days=1", "instance_id", "db-1"},
		{http.MethodPost, "/api/v1/clusters/c-1/metrics/backfill", "cluster_id", "c-1"},
		{http.MethodPost, "/api/v1/metrics/backfill", "", ""},
		{http.MethodGet, "/api/v1/backfill/jobs", "", ""},
		{http.MethodGet, "/api/v1/backfill/jobs/j-1", "", ""},
		{http.MethodDelete, "/api/v1/backfill/jobs/j-1", "", ""},
		{http.MethodGet, "/api/v1/instances/db-1/metrics/history", "instance_id", "db-1"},
		{http.MethodGet, "/api/v1/proxies/p-1/metrics/history", "proxy_id", "p-1"},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, httptest.NewRequest(tc.method, tc.path, nil))
			var body map[string]any
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"error": "Backfill unavailable: " + why.Error()}
			if tc.id != "" {
				want[tc.field] = tc.id
			}
			if w.Code != http.StatusServiceUnavailable || fmt.Sprint(body) != fmt.Sprint(want) {
				t.Errorf("got %d %v, want 503 %v", w.Code, body, want)
			}
		})
	}
	for path, want := range map[string]string{
		"/":                 `<p id="backfill-unavailable">Backfill unavailable: ` + why.Error() + `</p>`,
		"/metrics":          "",
		"/api/v1/resources": `"id": "db-1"`,
	} {
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), want) {
			t.Errorf("GET %s: %d, want 200 with %q:\n%s", path, w.Code, want, w.Body)
		}
	}
}
