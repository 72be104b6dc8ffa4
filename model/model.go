// Package model holds the plain data types that flow between the AWS
// boundary (cloudwatch), the live collector, the backfill and the web API.
// It imports neither the AWS SDK nor Prometheus.
package model

import "time"

// ProviderAWS is the provider of instances that CloudWatch serves.
const ProviderAWS = "aws"

// Instance is one RDS DB instance, discovered through DescribeDBInstances or
// declared statically in the config file.
type Instance struct {
	// ID is the DB instance identifier (CloudWatch's DBInstanceIdentifier).
	ID string
	// ARN is the instance ARN; it is the `name` label of every series.
	ARN       string
	AccountID string
	Region    string
	// Provider is "aws" for instances CloudWatch serves; anything else is
	// inventory only.
	Provider         string
	Engine           string
	EngineVersion    string
	InstanceClass    string
	Status           string
	AvailabilityZone string
	MultiAZ          bool
	StorageType      string
	AllocatedStorage int32 // GiB
	Tags             map[string]string
}

// ProviderName returns the instance's provider, ProviderAWS when unset.
func (i Instance) ProviderName() string {
	if i.Provider == "" {
		return ProviderAWS
	}
	return i.Provider
}

// ServedByCloudWatch reports whether CloudWatch has metrics for the instance.
func (i Instance) ServedByCloudWatch() bool { return i.ProviderName() == ProviderAWS }

// Target returns the instance's account and region.
func (i Instance) Target() Target { return Target{AccountID: i.AccountID, Region: i.Region} }

// Resource returns the instance's identity.
func (i Instance) Resource() Resource {
	return Resource{Target: i.Target(), Kind: KindDBInstance, ID: i.ID, ARN: i.ARN}
}

// MetricQuery asks for one statistic of one CloudWatch metric of one
// resource.
type MetricQuery struct {
	Resource  Resource
	Metric    string // CloudWatch metric name, e.g. "CPUUtilization"
	Statistic string // CloudWatch statistic, e.g. "Average"
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

// Find returns the first instance of all with the DB identifier id and, when
// they are not empty, the region and account ID. Identifiers are unique only
// per account and region.
func Find(all []Instance, id, region, accountID string) (Instance, bool) {
	for _, i := range all {
		if i.ID == id && (region == "" || i.Region == region) && (accountID == "" || i.AccountID == accountID) {
			return i, true
		}
	}
	return Instance{}, false
}

// CloudWatchInstances returns the instances of all that CloudWatch serves.
func CloudWatchInstances(all []Instance) []Instance {
	var out []Instance
	for _, i := range all {
		if i.ServedByCloudWatch() {
			out = append(out, i)
		}
	}
	return out
}
