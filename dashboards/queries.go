package dashboards

import (
	"fmt"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// Names of the template variables every dashboard declares. Queries refer to
// them as $job, $region and $instance; Grafana substitutes the selected
// values, or the All value ".*", before it sends a query.
const (
	varDatasource = "datasource"
	varJob        = "job"
	varAccount    = "account_id"
	varRegion     = "region"
	varInstance   = "instance"
	varCluster    = "cluster"
	varProxy      = "proxy"
)

// resourceKind is the kind of resource the RDS series of a panel belong
// to: the dimension label that names one, the dashboard variable that
// selects them, the dimension labels its series must not have (Aurora
// clusters' series by role share DBClusterIdentifier), and the series the
// variable lists its values from.
type resourceKind struct {
	label, variable, title string
	without                []string
	source                 string
}

// The kinds of resources the dashboards show.
func instances() resourceKind {
	return resourceKind{label: catalog.LabelInstanceID, variable: varInstance, title: "DB instance",
		source: catalog.PromName("CPUUtilization", catalog.Average)}
}

func clusters() resourceKind {
	return resourceKind{label: catalog.LabelClusterID, variable: varCluster, title: "Aurora cluster",
		without: []string{(catalog.Labeling{}).DimensionLabel(model.DimRole)}, source: catalog.PromName("VolumeBytesUsed", catalog.Average)}
}

func proxies() resourceKind {
	return resourceKind{label: catalog.LabelProxyName, variable: varProxy, title: "RDS Proxy",
		source: catalog.PromName("ClientConnections", catalog.Average)}
}

// by are the labels that identify one resource of the kind (see byInstance).
func (k resourceKind) by() string {
	return catalog.LabelAccountID + ", " + catalog.LabelRegion + ", " + k.label
}

// selector selects an RDS series (metric or info) of resources of the
// kind, filtered by the variables. The kind's label must not be empty:
// series of other kinds share metric names (DatabaseConnections of
// instances and proxies, aws_rds_info of every kind) but not that label,
// and the All value ".*" of its variable matches its absence.
func (k resourceKind) selector(name string) string {
	s := fmt.Sprintf(`%s{job=~"$%s", %s=~"$%s", %s=~"$%s", %s=~"$%s", %s!=""`,
		name, varJob, catalog.LabelAccountID, varAccount, catalog.LabelRegion, varRegion, k.label, k.variable, k.label)
	for _, l := range k.without {
		s += fmt.Sprintf(`, %s=""`, l)
	}
	return s + "}"
}

// continuous returns one gap-free series per resource of the kind of a
// metric statistic, joining live and backfilled samples (see
// continuityNote).
func (k resourceKind) continuous(metric, statistic string) string {
	return fmt.Sprintf("max by (%s) (last_over_time(%s[%s]))", k.by(), k.selector(catalog.PromName(metric, statistic)), holdWindow)
}

// byInstance are the labels that identify one DB instance. Live series carry
// an extra `instance` label (the scrape target) and may carry another `job`
// than the backfill writes; backfilled series carry neither instance nor,
// sometimes, the same job. Aggregating by these labels joins both into one
// series per DB instance.
const byInstance = catalog.LabelAccountID + ", " + catalog.LabelRegion + ", " + catalog.LabelInstanceID

// holdWindow is how long a sample is carried forward. Backfilled samples are
// hourly (timestamped at the start of their CloudWatch period), so one hour
// always holds exactly one backfilled sample, whatever the step.
const holdWindow = "1h"

// continuityNote explains, in every description of a panel that reads RDS
// series, why its query is wrapped the way it is.
const continuityNote = "History comes from two sources: backfilled CloudWatch history (one sample per hour, " +
	"no `instance` label) and live scrapes (one sample per scrape). Prometheus looks back only 5 minutes " +
	"for a raw sample, which would draw hourly history as dots; `last_over_time(...[1h])` carries each " +
	"value forward until the next one, so history and live data draw as one continuous line at any step " +
	"(1m, 5m, 1h), and `max by (" + byInstance + ")` joins the live and backfilled series of an instance " +
	"into one line. A series that stops is drawn for up to one more hour."

// selector selects an RDS series (metric or info) of DB instances,
// filtered by the variables (see resourceKind.selector).
func selector(name string) string { return instances().selector(name) }

// continuous returns one gap-free series per DB instance of a metric
// statistic, joining live and backfilled samples (see continuityNote).
func continuous(metric, statistic string) string { return instances().continuous(metric, statistic) }

// rank keeps the k instances whose expr ranks highest (fn "topk") or lowest
// (fn "bottomk") over the whole dashboard range. Ranking once at the end of
// the range (`@ end()`) keeps the same k lines across the range; ranking at
// every step would draw more than k broken lines.
func rank(fn string, k int, expr string) string {
	over := "max_over_time"
	if fn == "bottomk" {
		over = "min_over_time"
	}
	return fmt.Sprintf("%s and on (%s) %s(%d, %s((%s)[$__range:1h] @ end()))", expr, byInstance, fn, k, over, expr)
}

// storageTrendWindow is the history the free-storage trend is fitted on.
// Backfilled history makes a week available from the first day.
const storageTrendWindow = "7d"

// dailyStorageLoss returns the bytes of free storage each instance is
// predicted to lose in the next day: predict_linear's value now minus its
// value in one day, fitted on hourly points of the last storageTrendWindow.
func dailyStorageLoss() string {
	sub := fmt.Sprintf("(%s)[%s:1h]", continuous("FreeStorageSpace", catalog.Average), storageTrendWindow)
	return fmt.Sprintf("predict_linear(%s, 0) - predict_linear(%s, 86400)", sub, sub)
}

// daysUntilFull returns, for instances whose free storage is shrinking, the
// days until it reaches zero at the current trend.
func daysUntilFull() string {
	return fmt.Sprintf("%s / ((%s) > 0)", continuous("FreeStorageSpace", catalog.Average), dailyStorageLoss())
}

// selfSelector selects an exporter self-metric filtered by the job variable.
func selfSelector(name string) string {
	return fmt.Sprintf(`%s{job=~"$%s"}`, selfPrefix+name, varJob)
}

// selfPrefix is the namespace of the exporter's own metrics.
const selfPrefix = "rds_backfill_exporter_"

// rate returns the per-second rate of a self-metric counter summed by labels.
func rate(counter, by string) string {
	return fmt.Sprintf("sum by (%s) (rate(%s[$__rate_interval]))", by, selfSelector(counter))
}

// getMetricDataDollarsPerMetric is what CloudWatch charges for one metric
// requested through GetMetricData: $0.01 per 1,000 metrics.
const getMetricDataDollarsPerMetric = "0.00001"

// projectedCostPerDay is the GetMetricData cost per day, live and
// backfill, at the rate of metrics requested of the last hour.
func projectedCostPerDay() string {
	return fmt.Sprintf("sum(rate(%s[1h])) * 86400 * %s", selfSelector("cloudwatch_metrics_requested_total"), getMetricDataDollarsPerMetric)
}
