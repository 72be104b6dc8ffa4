package cloudwatch

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// ListMetrics pages through ListMetrics of the AWS/RDS namespace and
// returns, per dimension set, the metrics CloudWatch has in the client's
// account and region (those with datapoints in the last two weeks). Each
// page waits for the client's limiter and is reported under
// APIListMetrics; ListMetrics is billed per request, not per metric.
func (c *Client) ListMetrics(ctx context.Context) (model.Listing, error) {
	in := &cw.ListMetricsInput{Namespace: aws.String(catalog.Namespace)}
	out := model.Listing{}
	err := eachPage(ctx, c, APIListMetrics, "list metrics", cw.NewListMetricsPaginator(c.cw, in),
		[]func(*cw.Options){c.cwRetryer(APIListMetrics)},
		func(page *cw.ListMetricsOutput) {
			for _, m := range page.Metrics {
				dims := make([]model.Dimension, len(m.Dimensions))
				for i, d := range m.Dimensions {
					dims[i] = model.Dimension{Name: aws.ToString(d.Name), Value: aws.ToString(d.Value)}
				}
				out.Add(aws.ToString(m.MetricName), dims)
			}
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}
