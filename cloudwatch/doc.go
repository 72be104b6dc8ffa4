// Package cloudwatch is the exporter's AWS boundary. It builds SDK clients
// with config.LoadDefaultConfig (so the usual AWS environment works unchanged),
// plans GetMetricData calls within CloudWatch's limits (500 queries and
// 100,800 datapoints per response, following NextToken), throttles every
// request through one token bucket per account and region, and discovers DB
// instances with DescribeDBInstances.
//
// It returns plain model types and wrapped errors: it never turns an AWS error
// into "no data", and it knows nothing of Prometheus. Callers observe what it
// does through the Observer interface.
package cloudwatch
