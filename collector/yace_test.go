package collector

import (
	"context"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/telemetry"
)

// YACE's options: snake-case labels, tags on value series, the account's
// alias, and a metric without datapoints served as 0 (nilToZero). The
// golden file shows every series; with snake case the exposition has no
// lint finding at all.
func TestCollectorYACEOptions(t *testing.T) {
	res := testResources()
	for i := range res {
		if res[i].Region == "us-east-1" {
			res[i].AccountAlias = "acme-prod"
		}
		for j := range res[i].Metrics {
			if res[i].ID == "db-a" && res[i].Metrics[j].Metric == "SwapUsage" {
				res[i].Metrics[j].NilToZero = true
			}
		}
	}
	now := time.Date(2026, 11, 28, 12, 7, 30, 0, time.UTC)
	c := New(Options{
		Fetchers:  []Fetcher{testFetcher()},
		Resources: res,
		Interval:  5 * time.Minute, Period: time.Minute, Delay: 2 * time.Minute,
		Labeling: catalog.Labeling{SnakeCase: true, ExportedTags: []string{"team", "cost-center", "bad+key"}},
		Env:      telemetry.Env{Now: func() time.Time { return now }, Telemetry: telemetry.New()},
	})
	if err := c.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, c, "testdata/metrics-yace.golden.prom")
}
