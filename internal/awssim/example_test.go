package awssim_test

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
)

// The real SDK talks to the simulator once its endpoint points there
// (config.WithBaseEndpoint here; AWS_ENDPOINT_URL works the same way).
func Example() {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	sim := awssim.New(awssim.Options{Instances: 2, Now: func() time.Time { return now }})
	if err := sim.Start("127.0.0.1:0"); err != nil {
		panic(err)
	}
	defer sim.Close()

	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")),
		config.WithBaseEndpoint(sim.URL()))
	if err != nil {
		panic(err)
	}
	dbs, err := rds.NewFromConfig(cfg).DescribeDBInstances(ctx, &rds.DescribeDBInstancesInput{})
	if err != nil {
		panic(err)
	}
	for _, db := range dbs.DBInstances {
		fmt.Println(aws.ToString(db.DBInstanceIdentifier), aws.ToString(db.Engine))
	}

	start := now.Add(-3 * time.Hour)
	out, err := cloudwatch.NewFromConfig(cfg).GetMetricData(ctx, &cloudwatch.GetMetricDataInput{
		StartTime: &start,
		EndTime:   &now,
		MetricDataQueries: []cwtypes.MetricDataQuery{{
			Id: aws.String("cpu"),
			MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{
					Namespace:  aws.String("AWS/RDS"),
					MetricName: aws.String("CPUUtilization"),
					Dimensions: []cwtypes.Dimension{{Name: aws.String("DBInstanceIdentifier"), Value: aws.String("sim-postgres-01")}},
				},
				Period: aws.Int32(3600),
				Stat:   aws.String("Average"),
			},
		}},
	})
	if err != nil {
		panic(err)
	}
	r := out.MetricDataResults[0]
	want, _ := sim.Value(sim.InstanceARN("sim-postgres-01"), "CPUUtilization", "Average", r.Timestamps[0], time.Hour)
	fmt.Println(len(r.Values), "hourly datapoints, newest first; equal to Value:", r.Values[0] == want)
	// Output:
	// sim-mysql-02 mysql
	// sim-postgres-01 postgres
	// 3 hourly datapoints, newest first; equal to Value: true
}
