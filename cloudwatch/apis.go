package cloudwatch

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/rds"
)

// cloudWatchAPI is the methods of *cloudwatch.Client the package uses.
type cloudWatchAPI interface {
	GetMetricDataAPI
	cw.ListMetricsAPIClient
}

// rdsAPI is the methods of *rds.Client the discovery uses.
type rdsAPI interface {
	rds.DescribeDBInstancesAPIClient
	rds.DescribeDBClustersAPIClient
	rds.DescribeDBProxiesAPIClient
	ListTagsForResource(ctx context.Context, in *rds.ListTagsForResourceInput, optFns ...func(*rds.Options)) (*rds.ListTagsForResourceOutput, error)
}

// newRetryers returns an observing retryer per API, each with its own
// adaptive state.
func newRetryers(maxAttempts int, obs Observer, apis ...string) map[string]aws.Retryer {
	out := make(map[string]aws.Retryer, len(apis))
	for _, api := range apis {
		out[api] = newRetryer(maxAttempts, api, obs)
	}
	return out
}

// rdsRetryer returns the option that makes an RDS call retry with the
// retryer of api, so that its throttles are counted under its own name.
func (c *Client) rdsRetryer(api string) func(*rds.Options) {
	r := c.retryers[api]
	return func(o *rds.Options) { o.Retryer = r }
}

// cwRetryer is rdsRetryer for CloudWatch calls.
func (c *Client) cwRetryer(api string) func(*cw.Options) {
	r := c.retryers[api]
	return func(o *cw.Options) { o.Retryer = r }
}
