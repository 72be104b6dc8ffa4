package model

import (
	"slices"
	"strings"
	"unique"
)

// Target is one AWS account and region: the unit that owns a set of SDK
// clients and a rate limiter, and that discovery, the collector and the
// backfill work in.
type Target struct {
	AccountID string
	Region    string
}

// Key returns "account/region", the one text form of a target, for maps
// and messages.
func (t Target) Key() string { return t.AccountID + "/" + t.Region }

// partition returns the AWS partition of the target's region: aws, aws-cn
// or aws-us-gov.
func (t Target) partition() string {
	switch {
	case strings.HasPrefix(t.Region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(t.Region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// ARN returns the ARN of the RDS resource of kind k named id in t, for
// resources that were declared rather than discovered (discovery reports
// the ARN AWS gives). k must be a kind whose ARN holds its identifier
// (KindDBInstance, KindCluster); an RDS Proxy's ARN holds an ID that only
// DescribeDBProxies knows.
func (t Target) ARN(k Kind, id string) string {
	return "arn:" + t.partition() + ":rds:" + t.Region + ":" + t.AccountID + ":" + string(k) + ":" + id
}

// Kind is the kind of an RDS resource whose CloudWatch metrics the
// exporter serves. The kinds of resources with an ARN (DB instances,
// Aurora clusters, RDS Proxies) are named as the resource type of their
// ARN; the aggregates CloudWatch computes over DB instances (per database
// class, per engine, per Aurora cluster and role) have no ARN. Each kind
// has the CloudWatch dimensions that select one resource of the kind in
// AWS/RDS.
//
// A new kind is a constant here, an entry in Kinds and its dimensions in
// Dimensions; catalog.Labeling and the catalog's metrics then apply.
type Kind string

// The kinds of resources the exporter serves.
const (
	KindDBInstance Kind = "db"
	KindCluster    Kind = "cluster"
	KindProxy      Kind = "db-proxy"
	// KindClusterRole is the aggregate of the instances of an Aurora
	// cluster in one role (WRITER or READER).
	KindClusterRole Kind = "cluster-role"
	// KindDatabaseClass is the aggregate of the instances of a class in an
	// account and region.
	KindDatabaseClass Kind = "database-class"
	// KindEngineName is the aggregate of the instances of an engine in an
	// account and region.
	KindEngineName Kind = "engine-name"
)

// CloudWatch dimension names of AWS/RDS, as CloudWatch spells them.
const (
	DimInstance = "DBInstanceIdentifier"
	DimCluster  = "DBClusterIdentifier"
	DimProxy    = "ProxyName"
	DimRole     = "Role"
	DimClass    = "DatabaseClass"
	DimEngine   = "EngineName"
)

// Values of the Role dimension.
const (
	RoleWriter = "WRITER"
	RoleReader = "READER"
)

// Kinds returns every kind, in a stable order: the resources, then the
// aggregates.
func Kinds() []Kind {
	return append(ResourceKinds(), AggregateKinds()...)
}

// ResourceKinds returns the kinds of resources with an ARN.
func ResourceKinds() []Kind { return []Kind{KindDBInstance, KindCluster, KindProxy} }

// AggregateKinds returns the kinds of aggregates of DB instances.
func AggregateKinds() []Kind {
	return []Kind{KindClusterRole, KindDatabaseClass, KindEngineName}
}

// Known reports whether k is one of Kinds.
func (k Kind) Known() bool { return slices.Contains(Kinds(), k) }

// Aggregate reports whether k is an aggregate of DB instances, which has
// no ARN of its own.
func (k Kind) Aggregate() bool { return slices.Contains(AggregateKinds(), k) }

// Dimensions returns the names of the CloudWatch dimensions that select
// one resource of kind k, the one that names it first, or nil for an
// unknown kind.
func (k Kind) Dimensions() []string {
	switch k {
	case KindDBInstance:
		return []string{DimInstance}
	case KindCluster:
		return []string{DimCluster}
	case KindProxy:
		return []string{DimProxy}
	case KindClusterRole:
		return []string{DimCluster, DimRole}
	case KindDatabaseClass:
		return []string{DimClass}
	case KindEngineName:
		return []string{DimEngine}
	}
	return nil
}

// Dimension is one CloudWatch dimension.
type Dimension struct{ Name, Value string }

// Resource identifies one RDS resource: its account and region, its kind
// and its identifier, which is unique only within the account, region and
// kind. Everything that remembers a resource (coverage, empty hours, jobs,
// history, gauges) keys on Key: the ARN of a resource, which says all
// four.
type Resource struct {
	Target
	Kind Kind
	// ID is the value of the kind's first dimension: the DB instance or
	// cluster identifier, the proxy's name, the class or the engine.
	ID string
	// ARN is the resource's ARN; for a KindClusterRole aggregate its
	// cluster's, and empty for the other aggregates.
	ARN string
	// Role is RoleWriter or RoleReader for a KindClusterRole aggregate,
	// empty otherwise.
	Role string
}

// Key returns the resource's key: its ARN, or for an aggregate
// "account/region/Name=Value,..." with its dimensions sorted by name, e.g.
// "123456789012/us-east-1/DBClusterIdentifier=c,Role=WRITER".
func (r Resource) Key() string {
	if r.Kind.Aggregate() {
		return r.Target.Key() + "/" + r.DimensionsKey()
	}
	return r.ARN
}

// Dimensions returns the CloudWatch dimensions of the resource's series,
// in the order of Kind.Dimensions.
func (r Resource) Dimensions() []Dimension {
	names := r.Kind.Dimensions()
	out := make([]Dimension, len(names))
	for i, n := range names {
		out[i] = Dimension{Name: n, Value: r.ID}
		if n == DimRole {
			out[i].Value = r.Role
		}
	}
	return out
}

// DimensionsKey returns the resource's dimensions as
// "Name=Value,Name=Value", sorted by name: the key of its series in a
// Listing.
func (r Resource) DimensionsKey() string { return DimensionsKey(r.Dimensions()) }

// DimensionsKey returns dimensions as "Name=Value,Name=Value", sorted by
// name.
func DimensionsKey(ds []Dimension) string {
	sorted := slices.Clone(ds)
	slices.SortFunc(sorted, func(a, b Dimension) int { return strings.Compare(a.Name, b.Name) })
	parts := make([]string, len(sorted))
	for i, d := range sorted {
		parts[i] = d.Name + "=" + d.Value
	}
	return strings.Join(parts, ",")
}

// Listing is what ListMetrics reported for one account and region: the
// AWS/RDS metric names of each dimension set, keyed by DimensionsKey.
type Listing map[string]map[string]bool

// Add records that the series of metric with dimensions ds exists. The
// metric's name is interned: a listing holds a handful of names thousands
// of times, and a name decoded from a response would keep the decoder's
// whole buffer alive.
func (l Listing) Add(metric string, ds []Dimension) {
	k := DimensionsKey(ds)
	if l[k] == nil {
		l[k] = map[string]bool{}
	}
	l[k][unique.Make(metric).Value()] = true
}
