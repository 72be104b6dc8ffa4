package cloudwatch

import (
	"context"
	"fmt"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// DiscoveryFilter narrows DescribeDBInstances.
type DiscoveryFilter struct {
	// Engines, if any, keeps instances of these engines (server-side filter).
	Engines []string
	// Tags, if any, keeps instances that carry every one of these tags.
	Tags map[string]string
}

// DescribeInstances pages through DescribeDBInstances and returns the
// instances of the client's account and region that match f.
func (c *Client) DescribeInstances(ctx context.Context, f DiscoveryFilter) ([]model.Instance, error) {
	in := &rds.DescribeDBInstancesInput{MaxRecords: aws.Int32(100)}
	if len(f.Engines) > 0 {
		in.Filters = []types.Filter{{Name: aws.String("engine"), Values: f.Engines}}
	}
	p := rds.NewDescribeDBInstancesPaginator(c.rds, in)
	var out []model.Instance
	for p.HasMorePages() {
		if err := c.limiter.Wait(ctx); err != nil {
			return nil, fmt.Errorf("describe DB instances in %s: wait for rate limiter: %w", c.Target().Key(), err)
		}
		page, err := p.NextPage(ctx)
		c.observer.Request(APIDescribeDBInstances, err)
		if err != nil {
			return nil, fmt.Errorf("describe DB instances in %s: %w", c.Target().Key(), err)
		}
		for _, db := range page.DBInstances {
			inst := c.toInstance(db)
			if hasTags(inst.Tags, f.Tags) {
				out = append(out, inst)
			}
		}
	}
	return out, nil
}

func (c *Client) toInstance(db types.DBInstance) model.Instance {
	tags := make(map[string]string, len(db.TagList))
	for _, t := range db.TagList {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return model.Instance{
		ID:               aws.ToString(db.DBInstanceIdentifier),
		ARN:              aws.ToString(db.DBInstanceArn),
		AccountID:        c.accountOfARN(aws.ToString(db.DBInstanceArn)),
		Region:           c.region,
		Provider:         model.ProviderAWS,
		Engine:           aws.ToString(db.Engine),
		EngineVersion:    aws.ToString(db.EngineVersion),
		InstanceClass:    aws.ToString(db.DBInstanceClass),
		Status:           aws.ToString(db.DBInstanceStatus),
		AvailabilityZone: aws.ToString(db.AvailabilityZone),
		MultiAZ:          aws.ToBool(db.MultiAZ),
		StorageType:      aws.ToString(db.StorageType),
		AllocatedStorage: aws.ToInt32(db.AllocatedStorage),
		Tags:             tags,
	}
}

func hasTags(have, want map[string]string) bool {
	for k, v := range maps.All(want) {
		if have[k] != v {
			return false
		}
	}
	return true
}
