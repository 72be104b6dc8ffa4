// Package model holds the plain data types that flow between the AWS
// boundary (cloudwatch), the inventory, the live collector, the backfill
// and the web API. It imports neither the AWS SDK nor Prometheus.
package model

import (
	"strings"
	"time"
)

// ProviderAWS is the provider of resources that CloudWatch serves.
const ProviderAWS = "aws"

// Described is one resource as the exporter knows it: its identity, what
// DescribeDBInstances, DescribeDBClusters or DescribeDBProxies (or the
// config file) says of it, and the metrics the inventory chose to fetch
// for it. The fields of the kind's own info (Instance, Cluster, Proxy)
// are zero for the other kinds.
type Described struct {
	Resource
	// Provider is ProviderAWS for resources CloudWatch serves; a static DB
	// instance of any other provider is inventory only.
	Provider      string
	Engine        string
	EngineVersion string
	Status        string
	Tags          map[string]string
	// AccountAlias is the IAM alias of the resource's account, empty when
	// it has none or it could not be read.
	AccountAlias string
	// Static is true for a resource declared in the config file.
	Static   bool
	Instance InstanceInfo
	Cluster  ClusterInfo
	Proxy    ProxyInfo
	// Metrics are the metrics and statistics polled and backfilled for the
	// resource, set by the inventory.
	Metrics []Selection
	// MetricsListed is true when Metrics were checked against what
	// ListMetrics lists for the resource, false when they are the
	// defaults for its kind, engine and role.
	MetricsListed bool
}

// InstanceInfo is what DescribeDBInstances says of a DB instance.
type InstanceInfo struct {
	Class            string
	AvailabilityZone string
	MultiAZ          bool
	StorageType      string
	AllocatedStorage int32 // GiB
	// ResourceID is the DbiResourceId (Enhanced Monitoring's log stream,
	// Performance Insights' identifier).
	ResourceID string
	// ClusterID is the Aurora cluster of a member instance.
	ClusterID string
	// Writer is true for the writer of an Aurora cluster (from
	// DescribeDBClusters).
	Writer bool
	// ReplicaSource is the source instance of a read replica.
	ReplicaSource       string
	PerformanceInsights bool
	// PIRetentionDays is how many days Performance Insights keeps (its
	// PerformanceInsightsRetentionPeriod: 7, a multiple of 31, or 731); 0
	// when it is off or unknown.
	PIRetentionDays int
	// MonitoringInterval is Enhanced Monitoring's interval (1 to 60
	// seconds); 0 when it is off or unknown.
	MonitoringInterval time.Duration
}

// ClusterInfo is what DescribeDBClusters says of an Aurora cluster.
type ClusterInfo struct {
	EngineMode string
	MultiAZ    bool
	// Serverless is true for Aurora Serverless v2 (a capacity range).
	Serverless bool
	// GlobalClusterID is the Aurora global database of the cluster.
	GlobalClusterID string
	// Writer and Readers are the identifiers of the cluster's instances.
	Writer  string
	Readers []string
}

// ProxyInfo is what DescribeDBProxies says of an RDS Proxy.
type ProxyInfo struct {
	EngineFamily string
	RequireTLS   bool
}

// Roles of DB instances, as the info series names them.
const (
	RolePrimary       = "primary"
	RoleReplica       = "replica"
	RoleClusterWriter = "writer"
	RoleClusterReader = "reader"
)

// ProviderName returns the provider, ProviderAWS when unset.
func (d Described) ProviderName() string {
	if d.Provider == "" {
		return ProviderAWS
	}
	return d.Provider
}

// ServedByCloudWatch reports whether CloudWatch has metrics for the
// resource.
func (d Described) ServedByCloudWatch() bool { return d.ProviderName() == ProviderAWS }

// InstanceRole returns a DB instance's replication role: writer or reader in an
// Aurora cluster, else primary or replica; "" for other kinds.
func (d Described) InstanceRole() string {
	switch {
	case d.Kind != KindDBInstance:
		return ""
	case d.Instance.ClusterID != "" && d.Instance.Writer:
		return RoleClusterWriter
	case d.Instance.ClusterID != "":
		return RoleClusterReader
	case d.Instance.ReplicaSource != "":
		return RoleReplica
	}
	return RolePrimary
}

// EngineFamily returns the family of an RDS engine name: "postgresql"
// (postgres, aurora-postgresql), "mysql" (mysql, mariadb, aurora-mysql),
// "sqlserver", "oracle", "db2", or the engine itself.
func EngineFamily(engine string) string {
	switch {
	case engine == "postgres" || engine == "aurora-postgresql":
		return "postgresql"
	case engine == "mysql" || engine == "mariadb" || engine == "aurora-mysql" || engine == "aurora":
		return "mysql"
	case strings.Contains(engine, "sqlserver"):
		return "sqlserver"
	case strings.Contains(engine, "oracle"):
		return "oracle"
	case strings.HasPrefix(engine, "db2"):
		return "db2"
	}
	return engine
}

// Aurora reports whether an engine name is an Aurora engine.
func Aurora(engine string) bool { return strings.HasPrefix(engine, "aurora") }

// Selection is one metric to fetch and its statistics.
type Selection struct {
	Metric     string
	Statistics []string
	// NilToZero makes the live value of a statistic 0 when CloudWatch has
	// no datapoint for it in a poll, instead of no series (YACE's
	// nilToZero). The backfill writes what CloudWatch has, whatever it
	// says.
	NilToZero bool
}

// MetricQuery asks for one statistic of one CloudWatch metric of one
// resource.
type MetricQuery struct {
	Resource  Resource
	Metric    string // CloudWatch metric name, e.g. "CPUUtilization"
	Statistic string // CloudWatch statistic, e.g. "Average" or "p99"
}

// Datapoint is one CloudWatch datapoint. Timestamp is the start of its period.
type Datapoint struct {
	Timestamp time.Time
	Value     float64
}

// Series is the answer to one MetricQuery, datapoints in ascending time order.
// A query CloudWatch has no data for yields a Series with no Points: missing
// data is not an error.
type Series struct {
	Query  MetricQuery
	Points []Datapoint
}

// QueryCount returns how many queries (metric and statistic pairs, the
// unit GetMetricData is billed on) one time range of the resource costs.
func (d Described) QueryCount() int {
	n := 0
	for _, m := range d.Metrics {
		n += len(m.Statistics)
	}
	return n
}

// Queries returns one query per resource, metric and statistic, resource
// by resource in the given order, each resource's in the order of its
// Metrics: the queries of a poll or a backfill.
func Queries(ds []Described) []MetricQuery {
	n := 0
	for _, d := range ds {
		n += d.QueryCount()
	}
	qs := make([]MetricQuery, 0, n)
	for _, d := range ds {
		for _, m := range d.Metrics {
			for _, st := range m.Statistics {
				qs = append(qs, MetricQuery{Resource: d.Resource, Metric: m.Metric, Statistic: st})
			}
		}
	}
	return qs
}

// Find returns the first resource of all of kind k with the identifier id
// and, when they are not empty, the region and account ID. Identifiers
// are unique only per account, region and kind.
func Find(all []Described, k Kind, id, region, accountID string) (Described, bool) {
	for _, d := range all {
		if d.Kind == k && d.ID == id && (region == "" || d.Region == region) && (accountID == "" || d.AccountID == accountID) {
			return d, true
		}
	}
	return Described{}, false
}

// Backfillable returns the resources of all that the backfill can sweep:
// those CloudWatch serves that have an ARN of their own (not the
// aggregates, whose YACE name label does not tell them apart). When
// that is every one it returns all itself (its capacity clipped), not a
// copy of a fleet's list per sweep: the caller must not modify the
// result.
func Backfillable(all []Described) []Described {
	ok := func(d *Described) bool { return d.ServedByCloudWatch() && !d.Kind.Aggregate() }
	n := 0
	for i := range all {
		if ok(&all[i]) {
			n++
		}
	}
	if n == len(all) {
		// Every one: all itself, not a copy of a fleet's list per sweep.
		return all[:n:n]
	}
	out := make([]Described, 0, n)
	for i := range all {
		if ok(&all[i]) {
			out = append(out, all[i])
		}
	}
	return out
}

// OfKind returns the resources of all of kind k.
func OfKind(all []Described, k Kind) []Described {
	var out []Described
	for _, d := range all {
		if d.Kind == k {
			out = append(out, d)
		}
	}
	return out
}
