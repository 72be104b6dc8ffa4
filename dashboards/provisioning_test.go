package dashboards_test

import (
	"path/filepath"
	"testing"
)

// TestProvisioning checks the Grafana provisioning files: a file provider
// for the dashboards and a Prometheus datasource whose scrape interval
// Grafana can build $__rate_interval from.
func TestProvisioning(t *testing.T) {
	var providers struct {
		APIVersion int `yaml:"apiVersion"`
		Providers  []struct {
			Name    string `yaml:"name"`
			Type    string `yaml:"type"`
			Options struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	readYAML(t, filepath.Join("provisioning", "dashboards", "rds-backfill-exporter.yml"), &providers)
	if providers.APIVersion != 1 || len(providers.Providers) != 1 ||
		providers.Providers[0].Type != "file" || providers.Providers[0].Options.Path == "" {
		t.Errorf("dashboard provisioning: want apiVersion 1 and one file provider with a path, got %+v", providers)
	}
	if d := scrapeInterval(t); d <= 0 {
		t.Errorf("datasource timeInterval %s, want the scrape interval", d)
	}
}
