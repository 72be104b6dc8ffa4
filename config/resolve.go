package config

import (
	"slices"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// MetricRules resolves the metrics section into the rules that choose
// each resource's metrics. The slices are new on every call.
func (c *Config) MetricRules() catalog.Rules {
	r := catalog.Rules{Defaults: c.Metrics.Defaults, Statistics: append([]string(nil), c.Metrics.Statistics...),
		Remove: append([]string(nil), c.Metrics.Remove...), NilToZero: c.Metrics.NilToZero}
	for _, a := range c.Metrics.Add {
		nilToZero := c.Metrics.NilToZero
		if a.NilToZero != nil {
			nilToZero = *a.NilToZero
		}
		r.Add = append(r.Add, model.Selection{Metric: a.Name, Statistics: append([]string(nil), a.Statistics...), NilToZero: nilToZero})
	}
	return r
}

// Labeling returns how the series are labeled: YACE's snake case when
// snakeCase (the command line's --labels.snake-case), and the exported
// tags of the file.
func (c *Config) Labeling(snakeCase bool) catalog.Labeling {
	return catalog.Labeling{SnakeCase: snakeCase, ExportedTags: slices.Clone(c.Discovery.ExportedTagsOnMetrics)}
}
