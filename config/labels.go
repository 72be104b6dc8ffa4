package config

import (
	"fmt"
	"slices"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
)

// validateExportedTags checks discovery.exported_tags_on_metrics: each key
// must give a valid label name, with and without --labels.snake-case, and
// no two keys the same label.
func (c *Config) validateExportedTags(p *problems) {
	keys := c.Discovery.ExportedTagsOnMetrics
	for i, key := range keys {
		f := fmt.Sprintf("discovery.exported_tags_on_metrics[%d]", i)
		if key == "" {
			p.errorf(f, "empty tag key")
			continue
		}
		for _, l := range []catalog.Labeling{{}, {SnakeCase: true}} {
			name, ok := l.TagLabel(key)
			if !ok {
				p.errorf(f, "tag key %q gives the label name %q, which is not valid (letters, digits and _ only)", key, name)
				break
			}
			if j := slices.IndexFunc(keys[:i], func(k string) bool { n, _ := l.TagLabel(k); return n == name }); j >= 0 {
				p.errorf(f, "tag key %q gives the label %q, as discovery.exported_tags_on_metrics[%d] does", key, name, j)
				break
			}
		}
	}
}
