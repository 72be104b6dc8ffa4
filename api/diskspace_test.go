package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// A backfill that lacks disk space answers 507 with the writer's message
// in the failed job's answer.
func TestBackfillNoSpace(t *testing.T) {
	space := &tsdbwriter.SpaceError{Dir: "/data", Samples: 960, Need: 8 << 20, Free: 1 << 20}
	rec := &recorder{err: fmt.Errorf("backfill: %w", space)}
	s := New(Options{
		Gatherer:  prometheus.NewRegistry(),
		Instances: fakeInstances{{ID: "db-1", ARN: "arn:aws:rds:us-east-1:1:db:db-1", Region: "us-east-1", AccountID: "1", Provider: "aws"}},
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
