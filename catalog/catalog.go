// Package catalog is the one list of RDS CloudWatch metrics the exporter knows
// and the one naming function that turns a CloudWatch metric and statistic
// into a Prometheus metric name. The live collector and the backfill both use
// it, so a live series and its backfilled history have the same name.
package catalog

import (
	"slices"
	"strings"
	"unicode"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// Namespace is the CloudWatch namespace of RDS metrics.
const Namespace = "AWS/RDS"

// Statistics CloudWatch computes for every metric.
const (
	Average     = "Average"
	Maximum     = "Maximum"
	Minimum     = "Minimum"
	Sum         = "Sum"
	SampleCount = "SampleCount"
)

// DefaultStatistics are the statistics fetched for a metric unless the config
// says otherwise.
func DefaultStatistics() []string { return []string{Average, Maximum} }

// ValidStatistic reports whether s is a statistic CloudWatch computes.
func ValidStatistic(s string) bool {
	switch s {
	case Average, Maximum, Minimum, Sum, SampleCount:
		return true
	}
	return false
}

// Metric describes one CloudWatch metric of AWS/RDS at instance level.
type Metric struct {
	// Name is the CloudWatch metric name, e.g. "CPUUtilization".
	Name string
	// Unit is CloudWatch's unit, e.g. "Percent", "Bytes", "Count/Second".
	Unit string
	// Help is what the metric measures, for HELP text and dashboards.
	Help string
	// Default is true for the metrics fetched when the config names none.
	Default bool
}

// Metrics returns the catalog: every instance-level RDS metric AWS documents,
// in a stable order. The slice is new on every call; callers may modify it.
func Metrics() []Metric {
	return []Metric{
		{"CPUUtilization", "Percent", "Percentage of CPU utilization.", true},
		{"DatabaseConnections", "Count", "Number of client network connections to the database instance.", true},
		{"FreeStorageSpace", "Bytes", "Amount of available storage space.", true},
		{"FreeableMemory", "Bytes", "Amount of available random access memory.", true},
		{"ReadIOPS", "Count/Second", "Average number of disk read I/O operations per second.", true},
		{"WriteIOPS", "Count/Second", "Average number of disk write I/O operations per second.", true},
		{"ReadLatency", "Seconds", "Average amount of time taken per disk read I/O operation.", true},
		{"WriteLatency", "Seconds", "Average amount of time taken per disk write I/O operation.", true},
		{"ReadThroughput", "Bytes/Second", "Average number of bytes read from disk per second.", true},
		{"WriteThroughput", "Bytes/Second", "Average number of bytes written to disk per second.", true},
		{"NetworkReceiveThroughput", "Bytes/Second", "Incoming network traffic on the DB instance, including customer database traffic and replication traffic.", true},
		{"NetworkTransmitThroughput", "Bytes/Second", "Outgoing network traffic on the DB instance, including customer database traffic and replication traffic.", true},
		{"DiskQueueDepth", "Count", "Number of outstanding I/Os (read/write requests) waiting to access the disk.", true},
		{"SwapUsage", "Bytes", "Amount of swap space used on the DB instance.", true},
		{"BurstBalance", "Percent", "Percent of General Purpose SSD (gp2) burst-bucket I/O credits available.", true},
		{"CPUCreditBalance", "Count", "Number of earned CPU credits that a burstable instance has accrued.", true},
		{"ReplicaLag", "Seconds", "Amount of time a read replica lags behind the source DB instance.", true},
		{"EBSByteBalance%", "Percent", "Percentage of throughput credits remaining in the burst bucket of the RDS database.", true},
		{"EBSIOBalance%", "Percent", "Percentage of I/O credits remaining in the burst bucket of the RDS database.", true},
		{"DBLoad", "Count", "Number of active sessions for the DB engine (Performance Insights).", true},

		{"BinLogDiskUsage", "Bytes", "Amount of disk space occupied by binary logs (MySQL, MariaDB).", false},
		{"CheckpointLag", "Seconds", "Amount of time since the most recent checkpoint (PostgreSQL).", false},
		{"ConnectionAttempts", "Count", "Number of attempts to connect to the instance, whether successful or not (MySQL).", false},
		{"CPUCreditUsage", "Count", "Number of CPU credits spent by a burstable instance.", false},
		{"CPUSurplusCreditBalance", "Count", "Number of surplus credits spent by an unlimited burstable instance when its CPUCreditBalance is zero.", false},
		{"CPUSurplusCreditsCharged", "Count", "Number of spent surplus credits not paid down by earned CPU credits, which incur an additional charge.", false},
		{"DBLoadCPU", "Count", "Number of active sessions where the wait event type is CPU (Performance Insights).", false},
		{"DBLoadNonCPU", "Count", "Number of active sessions where the wait event type is not CPU (Performance Insights).", false},
		{"DBLoadRelativeToNumVCPUs", "Count", "Ratio of the DB load to the number of virtual CPUs of the database (Performance Insights).", false},
		{"FailedSQLServerAgentJobsCount", "Count/Minute", "Number of failed Microsoft SQL Server Agent jobs during the last minute.", false},
		{"FreeLocalStorage", "Bytes", "Amount of available local storage space (instances with local NVMe storage).", false},
		{"MaximumUsedTransactionIDs", "Count", "Maximum transaction IDs that have been used (PostgreSQL); watch for wraparound.", false},
		{"OldestLogicalReplicationSlotLag", "Bytes", "Lagging size of the replica lagging the most in receiving write-ahead log data (PostgreSQL logical slots).", false},
		{"OldestReplicationSlotLag", "Bytes", "Lagging size of the replica lagging the most in receiving write-ahead log data (PostgreSQL).", false},
		{"ReadIOPSLocalStorage", "Count/Second", "Average number of disk read I/O operations to local storage per second.", false},
		{"ReadLatencyLocalStorage", "Seconds", "Average amount of time taken per disk read I/O operation to local storage.", false},
		{"ReadThroughputLocalStorage", "Bytes/Second", "Average number of bytes read from local storage per second.", false},
		{"ReplicationChannelLag", "Seconds", "Amount of time a multi-source replica channel lags behind its source (MySQL).", false},
		{"ReplicationSlotDiskUsage", "Bytes", "Disk space used by replication slot files (PostgreSQL).", false},
		{"TransactionLogsDiskUsage", "Bytes", "Disk space used by transaction logs (PostgreSQL).", false},
		{"TransactionLogsGeneration", "Bytes/Second", "Size of transaction logs generated per second (PostgreSQL).", false},
		{"WriteIOPSLocalStorage", "Count/Second", "Average number of disk write I/O operations per second on local storage.", false},
		{"WriteLatencyLocalStorage", "Seconds", "Average amount of time taken per disk write I/O operation on local storage.", false},
		{"WriteThroughputLocalStorage", "Bytes/Second", "Average number of bytes written to local storage per second.", false},
		{"TempDbAvailableDataSpace", "Bytes", "Amount of available data space on tempdb (SQL Server).", false},
		{"TempDbAvailableLogSpace", "Bytes", "Amount of available log space on tempdb (SQL Server).", false},
		{"TempDbDataFileUsage", "Percent", "Percentage of data files used on tempdb (SQL Server).", false},
		{"TempDbLogFileUsage", "Percent", "Percentage of log files used on tempdb (SQL Server).", false},
	}
}

// Lookup returns the catalog entry of a CloudWatch metric name.
func Lookup(name string) (Metric, bool) {
	ms := Metrics()
	i := slices.IndexFunc(ms, func(m Metric) bool { return m.Name == name })
	if i < 0 {
		return Metric{}, false
	}
	return ms[i], true
}

// DefaultMetrics returns the names of the default-enabled metrics.
func DefaultMetrics() []string {
	var names []string
	for _, m := range Metrics() {
		if m.Default {
			names = append(names, m.Name)
		}
	}
	return names
}

// PromName returns the Prometheus metric name of a CloudWatch metric and
// statistic of AWS/RDS, exactly as YACE builds it:
// "CPUUtilization", "Average" -> "aws_rds_cpuutilization_average".
func PromName(metric, statistic string) string {
	var b strings.Builder
	b.Grow(len("aws_rds_") + len(metric) + len(statistic) + 10)
	b.WriteString("aws_rds_")
	m := snake(metric)
	b.WriteString(m)
	if !strings.HasSuffix(m, "_") {
		b.WriteByte('_')
	}
	b.WriteString(snake(statistic))
	return b.String()
}

// snake converts a CloudWatch name to YACE's snake case: an upper-case letter
// that follows a lower-case letter or a digit starts a new word, separators
// become '_' and '%' becomes "_percent".
func snake(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 8)
	var prev rune
	for _, c := range s {
		switch c {
		case ' ', ',', '\t', '/', '\\', '.', '-', ':', '=', '@', '<', '>', '(', ')', '“':
			b.WriteByte('_')
		case '%':
			b.WriteString("_percent")
		default:
			if unicode.IsUpper(c) && (unicode.IsLower(prev) || unicode.IsDigit(prev)) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(c))
		}
		prev = c
	}
	return b.String()
}

// Label names of every RDS series, as YACE names them. LabelInstanceID is
// DimensionLabel(model.KindDBInstance).
const (
	LabelName       = "name"
	LabelInstanceID = "dimension_DBInstanceIdentifier"
	LabelRegion     = "region"
	LabelAccountID  = "account_id"
)

// DimensionLabel returns the name of the label that carries the CloudWatch
// dimension of a resource of kind k, as YACE names it:
// "dimension_DBInstanceIdentifier".
func DimensionLabel(k model.Kind) string { return "dimension_" + k.Dimension() }

// Label is one label of a series.
type Label struct{ Name, Value string }

// SeriesLabels returns the identity labels of every series of a resource,
// in YACE's order: name (the ARN), the kind's dimension label (the
// identifier), region, account_id. It is the one place these labels are
// built: the live collector, the backfill, the history endpoint and the
// per-resource self-metrics use it, so that a live series and its
// backfilled history have the same labels.
func SeriesLabels(r model.Resource) []Label {
	return []Label{
		{LabelName, r.ARN},
		{DimensionLabel(r.Kind), r.ID},
		{LabelRegion, r.Region},
		{LabelAccountID, r.AccountID},
	}
}

// LabelNames returns the names of SeriesLabels of a resource of kind k, in
// order.
func LabelNames(k model.Kind) []string {
	ls := SeriesLabels(model.Resource{Kind: k})
	names := make([]string, len(ls))
	for i, l := range ls {
		names[i] = l.Name
	}
	return names
}

// LabelValues returns the values of SeriesLabels of r, in order.
func LabelValues(r model.Resource) []string {
	ls := SeriesLabels(r)
	values := make([]string, len(ls))
	for i, l := range ls {
		values[i] = l.Value
	}
	return values
}

// InfoMetric is the name of the per-instance info series.
const InfoMetric = "aws_rds_info"

// Selection is one metric to fetch and its statistics.
type Selection struct {
	Metric     string
	Statistics []string
}

// DefaultSelection is the default metrics with the default statistics.
func DefaultSelection() []Selection {
	var out []Selection
	for _, name := range DefaultMetrics() {
		out = append(out, Selection{Metric: name, Statistics: DefaultStatistics()})
	}
	return out
}

// QueriesPerResource returns how many queries (metric and statistic
// pairs, the unit GetMetricData is billed on) one resource costs.
func QueriesPerResource(metrics []Selection) int {
	n := 0
	for _, m := range metrics {
		n += len(m.Statistics)
	}
	return n
}

// Queries returns one query per resource, metric and statistic, resource
// by resource in the given order: the queries of a poll or a backfill.
func Queries(resources []model.Resource, metrics []Selection) []model.MetricQuery {
	qs := make([]model.MetricQuery, 0, QueriesPerResource(metrics)*len(resources))
	for _, r := range resources {
		for _, m := range metrics {
			for _, st := range m.Statistics {
				qs = append(qs, model.MetricQuery{Resource: r, Metric: m.Metric, Statistic: st})
			}
		}
	}
	return qs
}
