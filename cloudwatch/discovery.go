package cloudwatch

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// DiscoveryFilter narrows the discovery of DB instances, Aurora clusters
// and RDS Proxies.
type DiscoveryFilter struct {
	// Engines, if any, keeps instances and clusters of these engines
	// (server-side filter) and proxies of their engine families.
	Engines []string
	// Tags, if any, keeps resources that carry every one of these tags.
	Tags map[string]string
}

// paginator is an SDK paginator whose pages are of type O and whose
// requests take options of type Opt.
type paginator[O, Opt any] interface {
	HasMorePages() bool
	NextPage(ctx context.Context, optFns ...func(Opt)) (O, error)
}

// eachPage calls fn with every page of p; each request waits for the
// client's limiter and is reported under api. what names the operation in
// errors.
func eachPage[O, Opt any](ctx context.Context, c *Client, api, what string, p paginator[O, Opt], opts []func(Opt), fn func(O)) error {
	for p.HasMorePages() {
		if err := c.limiter.Wait(ctx); err != nil {
			return fmt.Errorf("%s in %s: wait for rate limiter: %w", what, c.Target().Key(), err)
		}
		page, err := p.NextPage(ctx, opts...)
		c.observer.Request(api, err)
		if err != nil {
			return fmt.Errorf("%s in %s: %w", what, c.Target().Key(), err)
		}
		fn(page)
	}
	return nil
}

// engineFilter is DescribeDBInstances' and DescribeDBClusters' filter of
// f's engines.
func (f DiscoveryFilter) engineFilter() []types.Filter {
	if len(f.Engines) == 0 {
		return nil
	}
	return []types.Filter{{Name: aws.String("engine"), Values: f.Engines}}
}

// DescribeInstances pages through DescribeDBInstances and returns the DB
// instances of the client's account and region that match f. The writer
// of an Aurora cluster is known only from DescribeDBClusters (see
// DescribeClusters).
func (c *Client) DescribeInstances(ctx context.Context, f DiscoveryFilter) ([]model.Described, error) {
	in := &rds.DescribeDBInstancesInput{MaxRecords: aws.Int32(100), Filters: f.engineFilter()}
	var out []model.Described
	err := eachPage(ctx, c, APIDescribeDBInstances, "describe DB instances", rds.NewDescribeDBInstancesPaginator(c.rds, in), nil,
		func(page *rds.DescribeDBInstancesOutput) {
			for _, db := range page.DBInstances {
				if d := c.toInstance(db); hasTags(d.Tags, f.Tags) {
					out = append(out, d)
				}
			}
		})
	return out, err
}

func (c *Client) toInstance(db types.DBInstance) model.Described {
	return model.Described{
		Resource:      model.Resource{Target: c.targetOfARN(aws.ToString(db.DBInstanceArn)), Kind: model.KindDBInstance, ID: aws.ToString(db.DBInstanceIdentifier), ARN: aws.ToString(db.DBInstanceArn)},
		Provider:      model.ProviderAWS,
		Engine:        aws.ToString(db.Engine),
		EngineVersion: aws.ToString(db.EngineVersion),
		Status:        aws.ToString(db.DBInstanceStatus),
		Tags:          tagMap(db.TagList),
		Instance: model.InstanceInfo{
			Class:               aws.ToString(db.DBInstanceClass),
			AvailabilityZone:    aws.ToString(db.AvailabilityZone),
			MultiAZ:             aws.ToBool(db.MultiAZ),
			StorageType:         aws.ToString(db.StorageType),
			AllocatedStorage:    aws.ToInt32(db.AllocatedStorage),
			ResourceID:          aws.ToString(db.DbiResourceId),
			ClusterID:           aws.ToString(db.DBClusterIdentifier),
			ReplicaSource:       aws.ToString(db.ReadReplicaSourceDBInstanceIdentifier),
			PerformanceInsights: aws.ToBool(db.PerformanceInsightsEnabled),
			PIRetentionDays:     int(aws.ToInt32(db.PerformanceInsightsRetentionPeriod)),
			MonitoringInterval:  time.Duration(aws.ToInt32(db.MonitoringInterval)) * time.Second,
		},
	}
}

// DescribeClusters pages through DescribeDBClusters and returns the
// Aurora clusters of the client's account and region that match f, with
// their writer and readers.
func (c *Client) DescribeClusters(ctx context.Context, f DiscoveryFilter) ([]model.Described, error) {
	in := &rds.DescribeDBClustersInput{MaxRecords: aws.Int32(100), Filters: f.engineFilter()}
	var out []model.Described
	err := eachPage(ctx, c, APIDescribeDBClusters, "describe DB clusters", rds.NewDescribeDBClustersPaginator(c.rds, in),
		[]func(*rds.Options){c.rdsRetryer(APIDescribeDBClusters)},
		func(page *rds.DescribeDBClustersOutput) {
			for _, cl := range page.DBClusters {
				if d := c.toCluster(cl); hasTags(d.Tags, f.Tags) {
					out = append(out, d)
				}
			}
		})
	return out, err
}

func (c *Client) toCluster(cl types.DBCluster) model.Described {
	d := model.Described{
		Resource:      model.Resource{Target: c.targetOfARN(aws.ToString(cl.DBClusterArn)), Kind: model.KindCluster, ID: aws.ToString(cl.DBClusterIdentifier), ARN: aws.ToString(cl.DBClusterArn)},
		Provider:      model.ProviderAWS,
		Engine:        aws.ToString(cl.Engine),
		EngineVersion: aws.ToString(cl.EngineVersion),
		Status:        aws.ToString(cl.Status),
		Tags:          tagMap(cl.TagList),
		Cluster: model.ClusterInfo{
			EngineMode:      aws.ToString(cl.EngineMode),
			MultiAZ:         aws.ToBool(cl.MultiAZ),
			Serverless:      cl.ServerlessV2ScalingConfiguration != nil,
			GlobalClusterID: aws.ToString(cl.GlobalClusterIdentifier),
		},
	}
	for _, m := range cl.DBClusterMembers {
		id := aws.ToString(m.DBInstanceIdentifier)
		if aws.ToBool(m.IsClusterWriter) {
			d.Cluster.Writer = id
		} else {
			d.Cluster.Readers = append(d.Cluster.Readers, id)
		}
	}
	return d
}

// DescribeProxies pages through DescribeDBProxies and returns the RDS
// Proxies of the client's account and region that match f, with their
// tags from ListTagsForResource (one request per proxy of f's engine
// families).
func (c *Client) DescribeProxies(ctx context.Context, f DiscoveryFilter) ([]model.Described, error) {
	in := &rds.DescribeDBProxiesInput{MaxRecords: aws.Int32(100)}
	var found []model.Described
	err := eachPage(ctx, c, APIDescribeDBProxies, "describe DB proxies", rds.NewDescribeDBProxiesPaginator(c.rds, in),
		[]func(*rds.Options){c.rdsRetryer(APIDescribeDBProxies)},
		func(page *rds.DescribeDBProxiesOutput) {
			for _, p := range page.DBProxies {
				if d := c.toProxy(p); f.keepsFamily(d.Proxy.EngineFamily) {
					found = append(found, d)
				}
			}
		})
	if err != nil {
		return nil, err
	}
	var out []model.Described
	for _, d := range found {
		if d.Tags, err = c.tagsOf(ctx, d.ARN); err != nil {
			return nil, err
		}
		if hasTags(d.Tags, f.Tags) {
			out = append(out, d)
		}
	}
	return out, nil
}

func (c *Client) toProxy(p types.DBProxy) model.Described {
	return model.Described{
		Resource: model.Resource{Target: c.targetOfARN(aws.ToString(p.DBProxyArn)), Kind: model.KindProxy, ID: aws.ToString(p.DBProxyName), ARN: aws.ToString(p.DBProxyArn)},
		Provider: model.ProviderAWS,
		Status:   string(p.Status),
		Proxy:    model.ProxyInfo{EngineFamily: aws.ToString(p.EngineFamily), RequireTLS: aws.ToBool(p.RequireTLS)},
	}
}

// keepsFamily reports whether f keeps a proxy of an engine family
// (POSTGRESQL, MYSQL, SQLSERVER): one of f's engines is of the family.
func (f DiscoveryFilter) keepsFamily(family string) bool {
	if len(f.Engines) == 0 {
		return true
	}
	return slices.ContainsFunc(f.Engines, func(e string) bool { return strings.EqualFold(model.EngineFamily(e), family) })
}

// tagsOf returns the tags of the resource with the given ARN.
func (c *Client) tagsOf(ctx context.Context, arn string) (map[string]string, error) {
	if err := c.limiter.Wait(ctx); err != nil {
		return nil, fmt.Errorf("list tags of %s: wait for rate limiter: %w", arn, err)
	}
	out, err := c.rds.ListTagsForResource(ctx, &rds.ListTagsForResourceInput{ResourceName: aws.String(arn)}, c.rdsRetryer(APIListTagsForResource))
	c.observer.Request(APIListTagsForResource, err)
	if err != nil {
		return nil, fmt.Errorf("list tags of %s: %w", arn, err)
	}
	return tagMap(out.TagList), nil
}

func tagMap(list []types.Tag) map[string]string {
	tags := make(map[string]string, len(list))
	for _, t := range list {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return tags
}

func hasTags(have, want map[string]string) bool {
	for k, v := range maps.All(want) {
		if have[k] != v {
			return false
		}
	}
	return true
}
