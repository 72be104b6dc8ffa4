package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/units"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
)

// topN is how many instances the fleet's ranking panels draw.
const topN = 10

// lastValueNote explains the instant queries of stats and tables.
const lastValueNote = "Values are the last sample of the past hour (`last_over_time(...[1h])`), live or " +
	"backfilled, so instances show while the exporter is down as long as backfilled history is recent; " +
	"`max by (" + byInstance + ")` joins live and backfilled series of an instance into one row."

func fleetOverview() layout {
	cpu := continuous("CPUUtilization", catalog.Average)
	return layout{
		uid:   "rds-fleet-overview",
		title: "RDS fleet overview",
		description: "Every RDS instance of the selected jobs and regions: one table row per instance and " +
			"fleet-wide rankings, over live and backfilled CloudWatch history.",
		jobSource: catalog.PromName("CPUUtilization", catalog.Average),
		rows: []row{
			{panels: []cog.Builder[dashboard.Panel]{
				single(spec{
					title:       "Instances",
					description: "DB instances with a CPUUtilization sample in the past hour. " + lastValueNote,
					unit:        units.Short,
					width:       5,
					queries:     []query{{expr: fmt.Sprintf("count(%s)", cpu)}},
				}),
				single(spec{
					title: "Projected full within 14 days",
					description: "DB instances whose free storage, at its linear trend of the last " +
						storageTrendWindow + ", reaches zero within 14 days. " + lastValueNote,
					unit:    units.Short,
					width:   5,
					queries: []query{{expr: fmt.Sprintf("count((%s) < 14) or vector(0)", daysUntilFull())}},
				}),
				single(spec{
					title:       "Highest CPU utilization",
					description: "Highest average CPU utilization of any DB instance. " + lastValueNote,
					unit:        units.Percent,
					width:       5,
					queries:     []query{{expr: fmt.Sprintf("max(%s)", cpu)}},
				}),
				single(spec{
					title:       "Highest replica lag",
					description: "Highest replica lag (Maximum statistic) of any read replica. " + lastValueNote,
					unit:        units.Seconds,
					width:       5,
					queries:     []query{{expr: fmt.Sprintf("max(%s)", continuous("ReplicaLag", catalog.Maximum))}},
				}),
				single(spec{
					title: "CloudWatch cost per day",
					description: "What the exporter's GetMetricData requests cost per day, live polls and backfills, at " +
						"the rate of the last hour: metrics requested (rds_backfill_exporter_cloudwatch_metrics_requested_total) " +
						"at $0.01 per 1,000, the list price (check your region and free tier). The exporter's own metric: it " +
						"exists where Prometheus scraped the exporter, with no backfilled history.",
					unit:    units.Dollars,
					width:   4,
					queries: []query{{expr: projectedCostPerDay()}},
				}),
			}},
			{title: "Instances", panels: []cog.Builder[dashboard.Panel]{instanceTable()}},
			{title: "Top " + fmt.Sprint(topN), panels: fleetRankings()},
		},
	}
}

// instanceTable is one row per DB instance.
func instanceTable() cog.Builder[dashboard.Panel] {
	info := fmt.Sprintf("max by (%s, engine, engine_version, instance_class) (%s)", byInstance, selector(catalog.InfoMetric))
	return grid(spec{
		title: "Instances",
		description: "One row per DB instance: engine and class (from aws_rds_info, live only), CPU, " +
			"connections, free storage, days until free storage runs out at its linear trend of the last " +
			storageTrendWindow + " (predict_linear over hourly points; empty when free storage is not " +
			"shrinking), and replica lag (empty for instances that are not replicas). " + lastValueNote,
		unit:   units.Short,
		width:  24,
		height: 10,
		queries: []query{
			{expr: info},
			{expr: continuous("CPUUtilization", catalog.Average), column: "CPU", unit: units.Percent},
			{expr: continuous("DatabaseConnections", catalog.Average), column: "Connections", unit: units.Short},
			{expr: continuous("FreeStorageSpace", catalog.Average), column: "Free storage", unit: units.BytesIEC},
			{expr: daysUntilFull(), column: "Days until full", unit: units.Days},
			{expr: continuous("ReplicaLag", catalog.Maximum), column: "Replica lag", unit: units.Seconds},
		},
	})
}

// fleetRankings draw the instances that rank highest (or lowest, for free
// storage) over the dashboard range.
func fleetRankings() []cog.Builder[dashboard.Panel] {
	type ranking struct {
		metric, statistic, fn, title, about string
	}
	rankings := []ranking{
		{"CPUUtilization", catalog.Average, "topk", "CPU utilization", "Average CPU utilization"},
		{"DatabaseConnections", catalog.Maximum, "topk", "Database connections", "Peak client connections"},
		{"FreeStorageSpace", catalog.Average, "bottomk", "Free storage space", "Free storage space, lowest first"},
		{"ReplicaLag", catalog.Maximum, "topk", "Replica lag", "Peak replica lag of read replicas"},
		{"DBLoad", catalog.Average, "topk", "DB load", "Average active sessions (Performance Insights)"},
		{"DiskQueueDepth", catalog.Average, "topk", "Disk queue depth", "Outstanding I/Os waiting for the disk"},
	}
	panels := make([]cog.Builder[dashboard.Panel], 0, len(rankings))
	for _, r := range rankings {
		order := "highest"
		if r.fn == "bottomk" {
			order = "lowest"
		}
		panels = append(panels, graph(spec{
			title: fmt.Sprintf("%s: %s %d", r.title, order, topN),
			description: describe(fmt.Sprintf("%s of the %d instances with the %s value over the "+
				"dashboard range. The ranking is computed once, at the end of the range over the whole "+
				"range (`@ end()`), so the same instances are drawn from start to end.", r.about, topN, order),
				r.metric),
			unit: unitOf(r.metric),
			queries: []query{{
				expr:   rank(r.fn, topN, continuous(r.metric, r.statistic)),
				legend: "{{" + catalog.LabelInstanceID + "}}",
			}},
		}))
	}
	return panels
}
