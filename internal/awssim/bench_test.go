package awssim

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// BenchmarkGetMetricData500x168 measures one full GetMetricData call through
// the SDK: 500 queries (25 instances x 20 metrics) of 168 hourly
// datapoints each, 84,000 datapoints.
func BenchmarkGetMetricData500x168(b *testing.B) {
	s := startSim(b, Options{Instances: 25})
	c := cwClient(b, s)
	var queries []cwtypes.MetricDataQuery
	for _, in := range s.Instances() {
		for _, m := range benchMetrics {
			queries = append(queries, rdsQuery(fmt.Sprintf("q%d", len(queries)), in.ID, m, "Average", 3600))
		}
	}
	end := testNow.Truncate(time.Hour)
	in := &cloudwatch.GetMetricDataInput{StartTime: new(end.Add(-168 * time.Hour)), EndTime: &end, MetricDataQueries: queries}
	points := 0
	for b.Loop() {
		out, err := c.GetMetricData(context.Background(), in)
		if err != nil {
			b.Fatal(err)
		}
		points = 0
		for _, r := range out.MetricDataResults {
			points += len(r.Values)
		}
	}
	b.ReportMetric(float64(points), "datapoints/op")
	b.ReportMetric(float64(points)*float64(b.N)/b.Elapsed().Seconds(), "datapoints/s")
}

// BenchmarkValue measures the data function alone.
func BenchmarkValue(b *testing.B) {
	s := New(Options{Instances: 1000, Now: func() time.Time { return testNow }})
	at, arn := testNow.Truncate(time.Hour).Add(-24*time.Hour), s.InstanceARN("sim-mariadb-503")
	for b.Loop() {
		s.Value(arn, "CPUUtilization", "Average", at, time.Hour)
	}
}

// benchMetrics are 20 instance metrics: the usual dashboard set.
var benchMetrics = []string{
	"CPUUtilization", "DatabaseConnections", "FreeStorageSpace", "FreeableMemory",
	"ReadIOPS", "WriteIOPS", "ReadLatency", "WriteLatency", "ReadThroughput", "WriteThroughput",
	"NetworkReceiveThroughput", "NetworkTransmitThroughput", "DiskQueueDepth", "SwapUsage",
	"BurstBalance", "CPUCreditBalance", "ReplicaLag", "EBSByteBalance%", "EBSIOBalance%", "DBLoad",
}

// BenchmarkAggregateValue measures the data function of an aggregate: one
// hourly CPUUtilization of a DatabaseClass that a sixth of 1000 instances
// have.
func BenchmarkAggregateValue(b *testing.B) {
	s := New(Options{Instances: 1000, Now: func() time.Time { return testNow }})
	sr := Series{AccountID: s.AccountID(), Region: s.Region(), Metric: "CPUUtilization", Dimensions: map[string]string{dimClass: "db.t3.medium"}}
	at := testNow.Truncate(time.Hour).Add(-24 * time.Hour)
	for b.Loop() {
		s.SeriesValue(sr, "Average", at, time.Hour)
	}
}

// BenchmarkListMetrics measures listing every series of a fleet of 1000
// instances, 100 clusters and 20 proxies through the SDK, 500 a page, once
// the fleet's list is built.
func BenchmarkListMetrics(b *testing.B) {
	s := startSim(b, Options{Instances: 1000, Engines: allEngines(), ClusterSize: 4, Proxies: 20})
	c := cwClient(b, s)
	series := 0
	for b.Loop() {
		p := cloudwatch.NewListMetricsPaginator(c, &cloudwatch.ListMetricsInput{Namespace: new("AWS/RDS")})
		series = 0
		for p.HasMorePages() {
			out, err := p.NextPage(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			series += len(out.Metrics)
		}
	}
	b.ReportMetric(float64(series), "series/op")
}
