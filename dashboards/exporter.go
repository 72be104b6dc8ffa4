package dashboards

import (
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/units"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
)

// liveOnlyNote is in the description of every panel of self-metrics.
const liveOnlyNote = "The exporter's own metrics exist only where Prometheus scraped it: they have no backfilled history."

// rateNote explains $__rate_interval.
const rateNote = "Counters are drawn as `rate(...[$__rate_interval])`: at least four scrape intervals, and " +
	"at least one step, so every step has a value at any zoom."

// costNote explains the cost estimate.
const costNote = "CloudWatch bills GetMetricData per metric requested, $0.01 per 1,000 metrics whatever " +
	"the time range (list price; check your region and free tier)."

func exporterHealth() layout {
	return layout{
		uid:   "rds-exporter-health",
		title: "RDS exporter and backfill health",
		description: "The exporter's own metrics: CloudWatch requests, throttles and estimated cost, live " +
			"polling, discovery and backfill progress.",
		jobSource: selfPrefix + "build_info",
		rows: []row{
			{title: "CloudWatch", panels: cloudWatchPanels()},
			{title: "Live polling", panels: pollingPanels()},
			{title: "Backfill", panels: backfillPanels()},
		},
	}
}

func cloudWatchPanels() []cog.Builder[dashboard.Panel] {
	metrics := selfSelector("cloudwatch_metrics_requested_total")
	return []cog.Builder[dashboard.Panel]{
		single(spec{
			title: "Estimated CloudWatch cost, last 24 hours",
			description: "GetMetricData cost of the metrics the exporter requested in the last 24 hours, " +
				"live polling and backfill together. " + costNote + " " + liveOnlyNote,
			unit:    units.Dollars,
			queries: []query{{expr: fmt.Sprintf("sum(increase(%s[1d])) * %s", metrics, getMetricDataDollarsPerMetric)}},
		}),
		single(spec{
			title: "Projected CloudWatch cost per day",
			description: "GetMetricData cost per day at the request rate of the last hour. " + costNote + " " +
				liveOnlyNote,
			unit:    units.Dollars,
			queries: []query{{expr: projectedCostPerDay()}},
		}),
		single(spec{
			title: "CloudWatch throttles, last 24 hours",
			description: "Requests CloudWatch refused with a throttling error in the last 24 hours. The " +
				"exporter retries them; a steady count means the rate limit is above the account's quota. " +
				liveOnlyNote,
			unit:    units.Short,
			queries: []query{{expr: fmt.Sprintf("sum(increase(%s[1d]))", selfSelector("cloudwatch_throttles_total"))}},
		}),
		single(spec{
			title:       "CloudWatch error ratio",
			description: "Share of CloudWatch requests that failed over the last hour. " + liveOnlyNote,
			unit:        units.PercentUnit,
			queries: []query{{expr: fmt.Sprintf(
				`sum(rate(%s[1h])) / sum(rate(%s[1h]))`,
				fmt.Sprintf(`%scloudwatch_requests_total{job=~"$%s", outcome="error"}`, selfPrefix, varJob),
				selfSelector("cloudwatch_requests_total"))}},
		}),
		rateGraph("CloudWatch requests", "CloudWatch API requests per second by API and outcome.",
			"cloudwatch_requests_total", units.RequestsPerSecond, "api", "outcome"),
		rateGraph("CloudWatch throttles", "CloudWatch requests refused with a throttling error, per second by API.",
			"cloudwatch_throttles_total", units.RequestsPerSecond, "api"),
		rateGraph("Metrics requested", "Metrics requested from GetMetricData per second, by caller (live "+
			"polling or backfill): the unit CloudWatch bills.",
			"cloudwatch_metrics_requested_total", units.CountsPerSecond, "caller"),
		graph(spec{
			title: "Estimated CloudWatch cost per day",
			description: "GetMetricData cost per day at each moment's request rate, by caller. " + costNote +
				" " + rateNote + " " + liveOnlyNote,
			unit: units.Dollars,
			queries: []query{{expr: fmt.Sprintf("%s * 86400 * %s",
				rate("cloudwatch_metrics_requested_total", "caller"), getMetricDataDollarsPerMetric),
				legend: "{{caller}}"}},
		}),
		rateGraph("Datapoints received", "CloudWatch datapoints received per second, by caller.",
			"cloudwatch_datapoints_total", units.CountsPerSecond, "caller"),
	}
}

func pollingPanels() []cog.Builder[dashboard.Panel] {
	return []cog.Builder[dashboard.Panel]{
		graph(spec{
			title: "Time since last successful poll",
			description: "Age of the live values the exporter serves: it polls CloudWatch in the background " +
				"and serves the last successful poll, so this grows by the poll interval and drops after each " +
				"poll. Well above the poll interval means polls fail. " + liveOnlyNote,
			unit: units.Seconds,
			queries: []query{{expr: fmt.Sprintf("time() - max by (job, instance) (%s)",
				selfSelector("last_poll_success_timestamp_seconds")), legend: "{{job}} {{instance}}"}},
		}),
		rateGraph("Polls", "Live polls per second by outcome; any failure rate means live values are getting old.",
			"polls_total", units.OpsPerSecond, "outcome"),
		graph(spec{
			title: "Poll duration",
			description: "Time one live poll of all instances takes: median and 99th percentile from the " +
				"poll duration histogram. It must stay well below the poll interval. " + rateNote + " " +
				liveOnlyNote,
			unit: units.Seconds,
			queries: []query{
				{expr: pollQuantile("0.5"), legend: "p50"},
				{expr: pollQuantile("0.99"), legend: "p99"},
			},
		}),
		graph(spec{
			title:       "Last poll succeeded",
			description: "1 when the last live poll succeeded, 0 when it failed. " + liveOnlyNote,
			unit:        units.Bool,
			queries: []query{{expr: fmt.Sprintf("min by (job, instance) (%s)", selfSelector("last_poll_success")),
				legend: "{{job}} {{instance}}"}},
		}),
		graph(spec{
			title: "Instances polled",
			description: "DB instances the exporter knows, by provider (aws: served by CloudWatch; other " +
				"providers are inventory only). " + liveOnlyNote,
			unit:    units.Short,
			queries: []query{{expr: fmt.Sprintf("sum by (provider) (%s)", selfSelector("instances")), legend: "{{provider}}"}},
		}),
		graph(spec{
			title: "Time since last discovery",
			description: "Age of the instance list: time since DescribeDBInstances last succeeded. " +
				liveOnlyNote,
			unit: units.Seconds,
			queries: []query{{expr: fmt.Sprintf("time() - max by (job, instance) (%s)",
				selfSelector("discovery_last_success_timestamp_seconds")), legend: "{{job}} {{instance}}"}},
		}),
	}
}

// rateGraph draws the per-second rate of a self-metric counter, one line
// per value of the by labels.
func rateGraph(title, about, counter, unit string, by ...string) cog.Builder[dashboard.Panel] {
	legend := make([]string, len(by))
	for i, l := range by {
		legend[i] = "{{" + l + "}}"
	}
	return graph(spec{
		title:       title,
		description: about + " " + rateNote + " " + liveOnlyNote,
		unit:        unit,
		queries:     []query{{expr: rate(counter, strings.Join(by, ", ")), legend: strings.Join(legend, " ")}},
	})
}

func pollQuantile(q string) string {
	return fmt.Sprintf("histogram_quantile(%s, %s)", q, rate("poll_duration_seconds_bucket", "le"))
}

func backfillPanels() []cog.Builder[dashboard.Panel] {
	covered := fmt.Sprintf(`max by (%s) (%s{job=~"$%s", %s=~"$%s", %s!=""}) / 3600`, catalog.LabelInstanceID,
		selfPrefix+"backfill_coverage_seconds", varJob, catalog.LabelInstanceID, varInstance, catalog.LabelInstanceID)
	return []cog.Builder[dashboard.Panel]{
		graph(spec{
			title:       "Backfill jobs running",
			description: "Backfill jobs in progress. " + liveOnlyNote,
			unit:        units.Short,
			queries:     []query{{expr: fmt.Sprintf("sum(%s)", selfSelector("backfill_jobs_running")), legend: "running"}},
		}),
		graph(spec{
			title: "Backfill jobs finished",
			description: "Backfill jobs that finished in each interval, by outcome " +
				"(`increase(...[$__rate_interval])`). " + liveOnlyNote,
			unit: units.Short,
			queries: []query{{expr: fmt.Sprintf("sum by (outcome) (increase(%s[$__rate_interval]))",
				selfSelector("backfill_jobs_total")), legend: "{{outcome}}"}},
		}),
		graph(spec{
			title: "Backfill hours and blocks written",
			description: "Instance-hours of history and TSDB blocks the backfill wrote in each interval " +
				"(`increase(...[$__rate_interval])`; history is counted in seconds, shown in hours). " + liveOnlyNote,
			unit: units.Short,
			queries: []query{
				{expr: fmt.Sprintf("sum(increase(%s[$__rate_interval])) / 3600", selfSelector("backfill_history_seconds_total")),
					legend: "instance-hours"},
				{expr: fmt.Sprintf("sum(increase(%s[$__rate_interval]))", selfSelector("backfill_blocks_total")), legend: "blocks"},
			},
		}),
		rateGraph("Backfill samples written", "Samples the backfill wrote into TSDB blocks per second.",
			"backfill_samples_total", units.CountsPerSecond, "job"),
		bars(spec{
			title: "Hours covered per instance",
			description: "Hours of the backfill range that blocks already cover, per DB instance " +
				"(backfill_coverage_seconds / 3600): the backfill skips these hours. Fewer than the backfill range (7 days: 168 hours) means history " +
				"is missing; run a backfill. " + liveOnlyNote,
			unit:    units.Hours,
			width:   12,
			height:  8,
			queries: []query{{expr: covered, legend: "{{" + catalog.LabelInstanceID + "}}"}},
		}),
		grid(spec{
			title:       "Exporter versions",
			description: "Version and revision of every scraped exporter, from its build info. " + liveOnlyNote,
			unit:        units.NoUnit,
			queries: []query{{expr: fmt.Sprintf("max by (job, instance, version, revision) (%s)",
				selfSelector("build_info"))}},
		}),
	}
}
