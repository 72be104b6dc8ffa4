package sources

import (
	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
)

// PIQueries returns what the exporter asks Performance Insights, live and
// in backfills: db.load.avg by its top waitEvents wait events and by its
// top statements SQL digests (each 1 to 25). Both queries fit one
// GetResourceMetrics call, and one page while their keys and two totals
// stay within 25 series.
func PIQueries(waitEvents, statements int) []cloudwatch.PIMetricQuery {
	return []cloudwatch.PIMetricQuery{
		{Metric: catalog.PIMetricLoad, GroupBy: &cloudwatch.PIGroupBy{
			Group: catalog.PIGroupWaitEvent, Dimensions: []string{catalog.PIDimWaitEvent, catalog.PIDimWaitEventType}, Limit: waitEvents,
		}},
		{Metric: catalog.PIMetricLoad, GroupBy: &cloudwatch.PIGroupBy{
			Group: catalog.PIGroupSQL, Dimensions: []string{catalog.PIDimSQLID, catalog.PIDimSQLDBID, catalog.PIDimSQLStatement}, Limit: statements,
		}},
	}
}

// PIFamily is a series of the exporter that a Performance Insights series
// becomes: its name and labels, and whether it is an info series (value
// 1) rather than the load.
type PIFamily struct {
	Name   string
	Labels []catalog.Label
	Info   bool
}

// Sample returns the family's sample for a data point's value.
func (f PIFamily) Sample(v float64) Sample {
	if f.Info {
		v = 1
	}
	return Sample{Name: f.Name, Labels: f.Labels, Value: v}
}

// PIFamilies returns the series a Performance Insights series becomes: a
// wait event's load; a SQL digest's load and its info series; nothing for
// a query's total (Dimensions nil), which is CloudWatch's DBLoad.
func PIFamilies(s cloudwatch.PISeries) []PIFamily {
	d := s.Dimensions
	switch {
	case d[catalog.PIDimWaitEvent] != "":
		return []PIFamily{{Name: catalog.PILoadByWaitEvent, Labels: []catalog.Label{
			{Name: catalog.LabelWaitEvent, Value: d[catalog.PIDimWaitEvent]},
			{Name: catalog.LabelWaitEventType, Value: d[catalog.PIDimWaitEventType]},
		}}}
	case d[catalog.PIDimSQLID] != "":
		digest := catalog.Label{Name: catalog.LabelDigest, Value: d[catalog.PIDimSQLID]}
		return []PIFamily{
			{Name: catalog.PILoadBySQL, Labels: []catalog.Label{digest}},
			{Name: catalog.PISQLInfo, Info: true, Labels: []catalog.Label{digest,
				{Name: catalog.LabelDigestDBID, Value: d[catalog.PIDimSQLDBID]},
				{Name: catalog.LabelStatement, Value: d[catalog.PIDimSQLStatement]},
			}},
		}
	}
	return nil
}
