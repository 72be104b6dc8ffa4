// Package catalog is the one list of RDS CloudWatch metrics the exporter
// knows (their units, help texts, the kinds of resources that publish them
// and when they are fetched by default), the one naming function that
// turns a CloudWatch metric and statistic into a Prometheus metric name,
// and the one function that builds a series' identity labels. The live
// collector and the backfill both use it, so a live series and its
// backfilled history have the same name and labels.
package catalog

import (
	"strings"
	"unicode"
)

// Namespace is the CloudWatch namespace of RDS metrics.
const Namespace = "AWS/RDS"

// The five standard statistics CloudWatch computes for every metric.
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

// PromName returns the Prometheus metric name of a CloudWatch metric and
// statistic of AWS/RDS, exactly as YACE's BuildMetricName builds it: the
// namespace "aws_rds", the metric in YACE's snake case without a leading
// "aws" or "rds" (YACE trims the parts of the namespace), and the
// statistic in snake case:
// "CPUUtilization", "Average" -> "aws_rds_cpuutilization_average";
// "ReadLatency", "p99.9" -> "aws_rds_read_latency_p99_9".
func PromName(metric, statistic string) string {
	m := snake(metric)
	for _, part := range []string{"aws", "rds"} {
		m = strings.TrimPrefix(m, part)
	}
	m = strings.TrimPrefix(m, "_")
	var b strings.Builder
	b.Grow(len("aws_rds_") + len(m) + len(statistic) + 10)
	b.WriteString("aws_rds_")
	b.WriteString(m)
	b.WriteByte('_')
	b.WriteString(snake(statistic))
	return b.String()
}

// snake converts a CloudWatch name to YACE's snake case (its PromString):
// an upper-case letter that follows a lower-case letter or a digit starts
// a new word, separators become '_' and '%' becomes "_percent".
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

// Label names of every RDS series, as YACE names them by default (without
// its -labels-snake-case). LabelInstanceID is
// Labeling{}.DimensionLabel(model.DimInstance).
const (
	LabelName       = "name"
	LabelInstanceID = "dimension_DBInstanceIdentifier"
	LabelClusterID  = "dimension_DBClusterIdentifier"
	LabelProxyName  = "dimension_ProxyName"
	LabelRegion     = "region"
	LabelAccountID  = "account_id"
)

// NameGlobal is the name label of the aggregates that belong to no
// resource (DatabaseClass, EngineName), as YACE names series it cannot
// associate with a resource.
const NameGlobal = "global"

// InfoMetric is the name of the per-resource info series.
const InfoMetric = "aws_rds_info"
