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

// LabelNames returns the names of a sample's series' labels: the identity
// labels of a DB instance, then the family's.
func (s Sample) LabelNames() []string {
	names := catalog.LabelNames(model.KindDBInstance)
	for _, l := range s.Labels {
		names = append(names, l.Name)
	}
	return names
}

// LabelValues returns the values of the labels LabelNames names, for the
// DB instance r.
func (s Sample) LabelValues(r model.Resource) []string {
	values := catalog.LabelValues(r)
	for _, l := range s.Labels {
		values = append(values, l.Value)
	}
	return values
}

// Help returns the HELP text of a family of either source.
func Help(name string) string {
	if h := catalog.OSMetricHelp(name); h != "" {
		return "Enhanced Monitoring: " + h
	}
	return catalog.PIMetricHelp(name)
}
