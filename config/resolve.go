package config

import (
	"slices"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
)

// SelectedMetrics resolves the metrics section: the catalog's default
// metrics (when Metrics.Defaults), plus Metrics.Add, minus Metrics.Remove, in
// catalog order. Each gets its own statistics or Metrics.Statistics, without
// duplicates. The slices are new on every call.
func (c *Config) SelectedMetrics() []catalog.Selection {
	own := map[string][]string{}
	if c.Metrics.Defaults {
		for _, name := range catalog.DefaultMetrics() {
			own[name] = nil
		}
	}
	for _, a := range c.Metrics.Add {
		own[a.Name] = a.Statistics
	}
	for _, name := range c.Metrics.Remove {
		delete(own, name)
	}
	common := c.Metrics.Statistics
	if len(common) == 0 {
		common = catalog.DefaultStatistics()
	}
	var out []catalog.Selection
	for _, m := range catalog.Metrics() {
		stats, ok := own[m.Name]
		if !ok {
			continue
		}
		if len(stats) == 0 {
			stats = common
		}
		out = append(out, catalog.Selection{Metric: m.Name, Statistics: dedupe(stats)})
	}
	return out
}

// QueriesPerInstance is the number of GetMetricData queries (metric and
// statistic pairs, the billing unit) that one instance costs for one time
// range, whatever its length.
func (c *Config) QueriesPerInstance() int { return catalog.QueriesPerResource(c.SelectedMetrics()) }

// dedupe returns a copy of s without repeated values, first ones kept.
func dedupe(s []string) []string {
	out := make([]string, 0, len(s))
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
