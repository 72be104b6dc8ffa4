// Package sources turns what Enhanced Monitoring and Performance Insights
// return (cloudwatch.OSEvent, cloudwatch.PIResult) into the series the
// exporter serves and backfills, named as the catalog names them. It is
// pure conversion: the live collector and the backfill both use it, so
// that a live series and its backfilled history have the same name and
// labels.
package sources

import (
	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// Sample is one value of a series: its family's name, the labels of the
// family besides the resource's identity labels (in the family's order),
// and the value.
type Sample struct {
	Name   string
	Labels []catalog.Label
	Value  float64
}

// SeriesLabels returns the labels of a sample's series of the DB instance
// r: r's identity labels as l names them (catalog.Labeling.Identity, the
// same names for every DB instance), then the family's. Live and
// backfilled series both take theirs from here.
func (s Sample) SeriesLabels(l catalog.Labeling, r model.Resource) []catalog.Label {
	return append(l.Identity(r), s.Labels...)
}

// Help returns the HELP text of a family of either source.
func Help(name string) string {
	if h := catalog.OSMetricHelp(name); h != "" {
		return "Enhanced Monitoring: " + h
	}
	return catalog.PIMetricHelp(name)
}
