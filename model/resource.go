package model

import "strings"

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
// the ARN AWS gives).
func (t Target) ARN(k Kind, id string) string {
	return "arn:" + t.partition() + ":rds:" + t.Region + ":" + t.AccountID + ":" + string(k) + ":" + id
}

// Kind is the kind of an RDS resource, as the resource type of its ARN
// names it. Each kind has the CloudWatch dimension that selects one
// resource of the kind in AWS/RDS.
type Kind string

// The kinds of resources the exporter serves. A new kind (Aurora clusters
// "cluster" with DBClusterIdentifier, RDS Proxies "db-proxy" with
// ProxyName) is a constant here, an entry in Kinds and its dimension in Dimension.
const (
	KindDBInstance Kind = "db"
)

// Kinds returns every kind, in a stable order.
func Kinds() []Kind { return []Kind{KindDBInstance} }

// Dimension returns the CloudWatch dimension that selects one resource of
// kind k, or "" for an unknown kind.
func (k Kind) Dimension() string {
	if k == KindDBInstance {
		return "DBInstanceIdentifier"
	}
	return ""
}

// Resource identifies one RDS resource: its account and region, its kind
// and its identifier, which is unique only within the account, region and
// kind. Its ARN says all four; everything that remembers a resource
// (coverage, empty hours, jobs, history, gauges) keys on Key.
type Resource struct {
	Target
	Kind Kind
	ID   string
	ARN  string
}

// Key returns the resource's key: its ARN.
func (r Resource) Key() string { return r.ARN }
