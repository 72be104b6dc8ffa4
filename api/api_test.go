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

type fakeResources []model.Described

func (f fakeResources) All() []model.Described { return f }

func testServer(t *testing.T, ready chan struct{}) *httptest.Server {
	t.Helper()
	reg := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "test_gauge", Help: "A test gauge."})
	g.Set(42)
	reg.MustRegister(g)
	s := New(Options{
		Gatherer: reg,
		Resources: fakeResources{
			{Resource: model.Resource{Target: model.Target{AccountID: "1", Region: "us-east-1"}, Kind: model.KindDBInstance, ID: "db-1", ARN: "arn:aws:rds:us-east-1:1:db:db-1"},
				Provider: "aws", Engine: "postgres", EngineVersion: "16.3", Status: "available", Instance: model.InstanceInfo{Class: "db.t4g.micro"},
				Metrics: []model.Selection{{Metric: "CPUUtilization", Statistics: []string{"Average", "p99"}}}, MetricsListed: true},
			{Resource: model.Resource{Target: model.Target{Region: "us-east-1"}, Kind: model.KindDBInstance, ID: "legacy"}, Provider: "onprem", Engine: "<b>mysql</b>"},
			{Resource: model.Resource{Target: model.Target{AccountID: "1", Region: "us-east-1"}, Kind: model.KindCluster, ID: "db-1", ARN: "arn:aws:rds:us-east-1:1:cluster:db-1"},
				Provider: "aws", Engine: "aurora-postgresql", Cluster: model.ClusterInfo{Writer: "db-1-a", Readers: []string{"db-1-b"}}},
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
		{"GET", "/api/v1/resources", 200, "application/json", `"statistics": [`},
		{"GET", "/api/v1/clusters", 200, "application/json", `"writer": "db-1-a"`},
		{"GET", "/api/v1/proxies", 200, "application/json", `"proxies": []`},
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
