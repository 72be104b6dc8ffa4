package e2e

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/exporter"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
)

// historyOf reads every resource of sim through the history endpoint
// (range=8d, more than the backfill's 7 days).
func (a *api) historyOf(t *testing.T, sim *awssim.Server) (history, error) {
	t.Helper()
	paths := map[string]string{
		"dimension_DBInstanceIdentifier": "instances", "dimension_DBClusterIdentifier": "clusters", "dimension_ProxyName": "proxies",
	}
	h := history{}
	for _, r := range resourcesOf(sim) {
		path := "/api/v1/" + paths[r.label] + "/" + r.id + "/metrics/history?range=8d"
		status, body := a.call(t, http.MethodGet, path)
		if status != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %d %v", path, status, body)
		}
		for _, s := range body["series"].([]any) {
			if err := addHistorySeries(h, sim, s.(map[string]any)); err != nil {
				return nil, fmt.Errorf("GET %s: %w", path, err)
			}
		}
	}
	return h, nil
}

// addHistorySeries adds one series of the history endpoint's answer to h.
func addHistorySeries(h history, sim *awssim.Server, s map[string]any) error {
	lbls := map[string]string{"__name__": s["metric"].(string)}
	for k, v := range s["labels"].(map[string]any) {
		lbls[k] = v.(string)
	}
	var samples []sample
	for _, p := range s["samples"].([]any) {
		tv := p.([]any)
		samples = append(samples, sample{T: int64(math.Round(tv[0].(float64) * 1000)), V: tv[1].(float64)})
	}
	return h.add(sim, lbls, samples)
}

// TestHistoryStoreFailureIs502: when the coverage query URL refuses the
// connection or answers an error, the history endpoint answers 502 with
// a JSON error naming the instance, not an empty history.
func TestHistoryStoreFailureIs502(t *testing.T) {
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "store is down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(down.Close)
	tests := []struct{ name, url string }{
		{"refused", "http://" + testtools.FreeAddr(t)},
		{"503", down.URL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := startSim(t)
			a := startExporter(t, sim, "", exporter.StoreOptions{RemoteWriteURL: "http://" + testtools.FreeAddr(t) + "/api/v1/write", CoverageQueryURL: tt.url})
			id := sim.Instances()[0].ID
			status, body := a.call(t, http.MethodGet, "/api/v1/instances/"+id+"/metrics/history?range=1d")
			msg, _ := body["error"].(string)
			if status != http.StatusBadGateway || body["instance_id"] != id || !strings.Contains(msg, "query history") {
				t.Fatalf("history: %d %v, want 502 with the store's error and instance_id %s", status, body, id)
			}
		})
	}
}
