package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

type fakeInstances []model.Instance

func (f fakeInstances) All() []model.Instance { return f }

func testServer(t *testing.T, ready chan struct{}) *httptest.Server {
	t.Helper()
	reg := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "test_gauge", Help: "A test gauge."})
	g.Set(42)
	reg.MustRegister(g)
	s := New(Options{
		Gatherer: reg,
		Instances: fakeInstances{
			{ID: "db-1", ARN: "arn:aws:rds:us-east-1:1:db:db-1", Region: "us-east-1", AccountID: "1", Provider: "aws", Engine: "postgres", EngineVersion: "16.3", InstanceClass: "db.t4g.micro", Status: "available"},
			{ID: "legacy", Region: "us-east-1", Provider: "onprem", Engine: "<b>mysql</b>"},
		},
		Ready:   ready,
		Version: "1.2.3",
	})
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, method, url string) (int, http.Header, string) {
	t.Helper()
	status, h, b := testtools.Do(t, method, url)
	return status, h, string(b)
}

func TestRoutes(t *testing.T) {
	ready := make(chan struct{})
	srv := testServer(t, ready)
	for _, tc := range []struct {
		method, path string
		status       int
		contentType  string
		contains     string
	}{
		{"GET", "/metrics", 200, "text/plain", "test_gauge 42"},
		{"HEAD", "/metrics", 200, "text/plain", ""},
		{"HEAD", "/-/healthy", 200, "text/plain", ""},
		{"GET", "/-/healthy", 200, "text/plain", "Healthy."},
		{"GET", "/-/ready", 503, "text/plain", "Not ready"},
		{"GET", "/api/v1/instances", 200, "application/json", `"provider": "onprem"`},
		{"GET", "/nope", 404, "application/json", `"error": "no such endpoint`},
		{"POST", "/api/v1/instances", 405, "application/json", `"error": "method POST not allowed; allowed: GET, OPTIONS"`},
		{"GET", "/", 200, "text/html", "db.t4g.micro"},
	} {
		status, h, body := do(t, tc.method, srv.URL+tc.path)
		if status != tc.status {
			t.Errorf("%s %s: status %d, want %d (%s)", tc.method, tc.path, status, tc.status, body)
		}
		if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, tc.contentType) {
			t.Errorf("%s %s: content type %q, want %q", tc.method, tc.path, ct, tc.contentType)
		}
		if !strings.Contains(body, tc.contains) {
			t.Errorf("%s %s: body %q lacks %q", tc.method, tc.path, body, tc.contains)
		}
		if tc.method == "HEAD" && body != "" {
			t.Errorf("HEAD %s: a body: %q", tc.path, body)
		}
		if strings.HasPrefix(tc.contentType, "application/json") && !json.Valid([]byte(body)) {
			t.Errorf("%s %s: invalid JSON %q", tc.method, tc.path, body)
		}
	}
	close(ready)
	if status, _, _ := do(t, "GET", srv.URL+"/-/ready"); status != 200 {
		t.Errorf("/-/ready after the first poll: %d, want 200", status)
	}
	// The landing page escapes what it shows.
	if _, _, body := do(t, "GET", srv.URL+"/"); strings.Contains(body, "<b>mysql</b>") {
		t.Error("landing page does not escape instance fields")
	}
}
