package config

import (
	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// MetricRules resolves the metrics section into the rules that choose
// each resource's metrics. The slices are new on every call.
func (c *Config) MetricRules() catalog.Rules {
	r := catalog.Rules{Defaults: c.Metrics.Defaults, Statistics: append([]string(nil), c.Metrics.Statistics...),
		Remove: append([]string(nil), c.Metrics.Remove...)}
	for _, a := range c.Metrics.Add {
		r.Add = append(r.Add, model.Selection{Metric: a.Name, Statistics: append([]string(nil), a.Statistics...)})
	}
	return r
}
