package awssim

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// auroraFleet is a fleet with every engine, clusters of three with
// readers, Serverless v2 and global clusters, and proxies.
func auroraFleet() Options {
	return Options{Instances: 20, Engines: allEngines(), ClusterSize: 3, Proxies: 3}
}

// seriesString is a series as one comparable string.
func seriesString(metric string, dims map[string]string) string {
	return metric + "{" + dimsString(sortedDims(dims)) + "}"
}

// listMetrics lists through the SDK paginator and returns the series as
// strings, with the size of every page.
func listMetrics(t *testing.T, c *cloudwatch.Client, in *cloudwatch.ListMetricsInput) ([]string, []int) {
	t.Helper()
	metrics, pages := allPages(t, cloudwatch.NewListMetricsPaginator(c, in), func(o *cloudwatch.ListMetricsOutput) []cwtypes.Metric { return o.Metrics })
	out := make([]string, len(metrics))
	for i, m := range metrics {
		if aws.ToString(m.Namespace) != "AWS/RDS" {
			t.Fatalf("namespace %q", aws.ToString(m.Namespace))
		}
		dims := map[string]string{}
		for _, d := range m.Dimensions {
			dims[aws.ToString(d.Name)] = aws.ToString(d.Value)
		}
		out[i] = seriesString(aws.ToString(m.MetricName), dims)
	}
	return out, pages
}

// publishedStrings returns the default scope's published series as strings
// that pass keep.
func publishedStrings(s *Server, keep func(Series) bool) []string {
	var out []string
	for _, sr := range s.PublishedSeries(s.AccountID(), s.Region()) {
		if keep(sr) {
			out = append(out, seriesString(sr.Metric, sr.Dimensions))
		}
	}
	return out
}

func TestListMetricsEveryDimensionSet(t *testing.T) {
	s := startSim(t, auroraFleet())
	c := cwClient(t, s)
	all, pages := listMetrics(t, c, &cloudwatch.ListMetricsInput{Namespace: aws.String("AWS/RDS")})
	want := publishedStrings(s, func(Series) bool { return true })
	if !slices.Equal(all, want) || len(pages) < 3 || pages[0] != 500 {
		t.Fatalf("ListMetrics: %d series in pages %v; PublishedSeries has %d", len(all), pages, len(want))
	}
	sets := map[string]bool{}
	for _, sr := range s.PublishedSeries(s.AccountID(), s.Region()) {
		sets[dimsNames(sortedDims(sr.Dimensions))] = true
	}
	wantSets := []string{"DBClusterIdentifier", "DBClusterIdentifier,Role", "DBInstanceIdentifier", "DatabaseClass", "DbClusterIdentifier,EngineName", "EndpointName,ProxyName", "EngineName", "ProxyName", "ProxyName,TargetGroup,TargetRole"}
	if got := slices.Sorted(maps.Keys(sets)); !slices.Equal(got, wantSets) {
		t.Errorf("dimension sets %v, want %v", got, wantSets)
	}
	cl, px := s.Clusters()[0], s.Proxies()[0]
	cases := []struct {
		name string
		in   cloudwatch.ListMetricsInput
		keep func(Series) bool
	}{
		{"one cluster, any role", cloudwatch.ListMetricsInput{Dimensions: []cwtypes.DimensionFilter{{Name: aws.String(dimCluster), Value: aws.String(cl.ID)}}},
			func(sr Series) bool { return sr.Dimensions[dimCluster] == cl.ID }},
		{"readers of every cluster", cloudwatch.ListMetricsInput{Dimensions: []cwtypes.DimensionFilter{{Name: aws.String(dimRole), Value: aws.String(roleReader)}}},
			func(sr Series) bool { return sr.Dimensions[dimRole] == roleReader }},
		{"one proxy, one metric", cloudwatch.ListMetricsInput{MetricName: aws.String("DatabaseConnections"), Dimensions: []cwtypes.DimensionFilter{{Name: aws.String(dimProxy), Value: aws.String(px.Name)}}},
			func(sr Series) bool { return sr.Dimensions[dimProxy] == px.Name && sr.Metric == "DatabaseConnections" }},
		{"by class", cloudwatch.ListMetricsInput{Dimensions: []cwtypes.DimensionFilter{{Name: aws.String(dimClass)}}},
			func(sr Series) bool { _, ok := sr.Dimensions[dimClass]; return ok }},
	}
	calls := len(pages)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, p := listMetrics(t, c, &tc.in)
			calls += len(p)
			if want := publishedStrings(s, tc.keep); !slices.Equal(got, want) || len(want) == 0 {
				t.Errorf("got %d series %v\nwant %d %v", len(got), got, len(want), want)
			}
		})
	}
	if n := s.Counters().Requests["ListMetrics"]; n != int64(calls) {
		t.Errorf("ListMetrics counted %d times", n)
	}
}

// metricQuery is a MetricDataQuery of any AWS/RDS series.
func metricQuery(id, metric string, dims map[string]string, stat string, period int32) cwtypes.MetricDataQuery {
	q := cwtypes.MetricDataQuery{Id: aws.String(id), MetricStat: &cwtypes.MetricStat{
		Metric: &cwtypes.Metric{Namespace: aws.String("AWS/RDS"), MetricName: aws.String(metric)},
		Period: aws.Int32(period), Stat: aws.String(stat),
	}}
	for _, d := range sortedDims(dims) {
		q.MetricStat.Metric.Dimensions = append(q.MetricStat.Metric.Dimensions, cwtypes.Dimension{Name: aws.String(d.name), Value: aws.String(d.value)})
	}
	return q
}

func TestGetMetricDataEveryDimensionSet(t *testing.T) {
	s := startSim(t, auroraFleet())
	var queries []cwtypes.MetricDataQuery
	var series []Series
	seen := map[string]bool{}
	for _, sr := range s.PublishedSeries(s.AccountID(), s.Region()) {
		set := dimsNames(sortedDims(sr.Dimensions))
		if !seen[set] {
			seen[set] = true
			series = append(series, sr)
			queries = append(queries, metricQuery(fmt.Sprintf("q%d", len(queries)), sr.Metric, sr.Dimensions, "Average", 300))
		}
	}
	cl, px := s.Clusters()[0], s.Proxies()[0]
	absent := []Series{
		{Metric: "VolumeBytesUsed", Dimensions: map[string]string{dimCluster: cl.ID, dimRole: roleWriter}},
		{Metric: "ReplicaLag", Dimensions: map[string]string{dimInstance: "sim-postgres-01"}},
		{Metric: "AvailabilityPercentage", Dimensions: map[string]string{dimProxy: px.Name}},
		{Metric: "ClientConnections", Dimensions: map[string]string{dimProxy: px.Name, dimEndpoint: "custom"}},
		{Metric: "CPUUtilization", Dimensions: map[string]string{dimClass: "db.x2g.16xlarge"}},
		{Metric: "VolumeBytesUsed", Dimensions: map[string]string{dimClusterLower: cl.ID, dimEngine: "postgres"}},
	}
	for _, sr := range absent {
		queries = append(queries, metricQuery(fmt.Sprintf("q%d", len(queries)), sr.Metric, sr.Dimensions, "Average", 300))
	}
	end := testNow.Truncate(time.Hour)
	start := end.Add(-3 * time.Hour)
	got := fetchAll(t, cwClient(t, s), &cloudwatch.GetMetricDataInput{StartTime: &start, EndTime: &end, MetricDataQueries: queries, ScanBy: cwtypes.ScanByTimestampAscending})
	for i, sr := range append(series, absent...) {
		sr.AccountID, sr.Region = s.AccountID(), s.Region()
		pts := got.series[fmt.Sprintf("q%d", i)]
		if i >= len(series) {
			if len(pts) != 0 {
				t.Errorf("%s: %d datapoints for a series CloudWatch does not have", seriesString(sr.Metric, sr.Dimensions), len(pts))
			}
			continue
		}
		if len(pts) != 36 {
			t.Errorf("%s: %d datapoints, want 36", seriesString(sr.Metric, sr.Dimensions), len(pts))
		}
		for _, p := range pts {
			if want, ok := s.SeriesValue(sr, "Average", p.t, 5*time.Minute); !ok || want != p.v {
				t.Errorf("%s at %v: %v, SeriesValue %v (%v)", seriesString(sr.Metric, sr.Dimensions), p.t, p.v, want, ok)
			}
		}
	}
	if len(series) != 9 {
		t.Errorf("%d dimension sets queried, want 9", len(series))
	}
}

func TestQueryCountsPerMetricAndResource(t *testing.T) {
	s := startSim(t, auroraFleet())
	cl, px := s.Clusters()[0], s.Proxies()[0]
	end := testNow.Truncate(time.Hour)
	start := end.Add(-time.Hour)
	queries := []cwtypes.MetricDataQuery{
		rdsQuery("a", "sim-postgres-01", "CPUUtilization", "Average", 60),
		rdsQuery("b", "sim-postgres-01", "CPUUtilization", "p99", 60),
		rdsQuery("c", "sim-postgres-01", "BinLogDiskUsage", "Average", 60),
		metricQuery("d", "VolumeBytesUsed", map[string]string{dimCluster: cl.ID}, "Average", 60),
		metricQuery("e", "CPUUtilization", map[string]string{dimCluster: cl.ID, dimRole: roleReader}, "Maximum", 60),
		metricQuery("f", "ClientConnections", map[string]string{dimProxy: px.Name}, "Sum", 60),
	}
	if _, err := cwClient(t, s).GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{StartTime: &start, EndTime: &end, MetricDataQueries: queries}); err != nil {
		t.Fatal(err)
	}
	c := s.Counters()
	roleKey := s.SeriesKey(Series{AccountID: s.AccountID(), Region: s.Region(), Dimensions: map[string]string{dimCluster: cl.ID, dimRole: roleReader}})
	want := map[string]map[string]int64{
		s.InstanceARN("sim-postgres-01"): {"CPUUtilization": 2, "BinLogDiskUsage": 1},
		cl.ARN:                           {"VolumeBytesUsed": 1},
		roleKey:                          {"CPUUtilization": 1},
		px.ARN:                           {"ClientConnections": 1},
	}
	if !maps.EqualFunc(c.ResourceQueries, want, maps.Equal) || roleKey != "123456789012/us-east-1/DBClusterIdentifier="+cl.ID+",Role=READER" {
		t.Errorf("resource queries %v\nwant %v (role key %s)", c.ResourceQueries, want, roleKey)
	}
	if c.MetricQueries["CPUUtilization"] != 3 || c.MetricQueries["BinLogDiskUsage"] != 1 || len(c.MetricQueries) != 4 {
		t.Errorf("metric queries %v", c.MetricQueries)
	}
	if got := getCounters(t, s); !maps.EqualFunc(got.ResourceQueries, want, maps.Equal) {
		t.Errorf("GET /awssim/counters resource queries %v", got.ResourceQueries)
	}
}

func TestAggregatesCombineTheirInstances(t *testing.T) {
	s := newTestSim(Options{Instances: 24, Engines: allEngines(), ClusterSize: 3})
	at := testNow.Truncate(time.Hour).Add(-5 * time.Hour)
	cases := []struct {
		name    string
		dims    map[string]string
		members func(Instance) bool
	}{
		{"database class", map[string]string{dimClass: "db.t4g.large"}, func(in Instance) bool { return in.Class == "db.t4g.large" }},
		{"engine", map[string]string{dimEngine: EnginePostgres}, func(in Instance) bool { return in.Engine == EnginePostgres }},
		{"cluster", map[string]string{dimCluster: "sim-aurora-postgresql-cluster-01"}, func(in Instance) bool { return in.ClusterID == "sim-aurora-postgresql-cluster-01" }},
		{"cluster readers", map[string]string{dimCluster: "sim-aurora-postgresql-cluster-01", dimRole: roleReader}, func(in Instance) bool {
			return in.ClusterID == "sim-aurora-postgresql-cluster-01" && !in.Writer
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var sum, count, mx float64
			n := 0
			for _, in := range s.Instances() {
				if !tc.members(in) {
					continue
				}
				a, ok := s.Value(in.ARN, "CPUUtilization", "Average", at, time.Hour)
				c, _ := s.Value(in.ARN, "CPUUtilization", "SampleCount", at, time.Hour)
				m, _ := s.Value(in.ARN, "CPUUtilization", "Maximum", at, time.Hour)
				if ok {
					sum, count, mx, n = sum+a*c, count+c, math.Max(mx, m), n+1
				}
			}
			sr := Series{AccountID: s.AccountID(), Region: s.Region(), Metric: "CPUUtilization", Dimensions: tc.dims}
			avg, ok := s.SeriesValue(sr, "Average", at, time.Hour)
			gotMax, _ := s.SeriesValue(sr, "Maximum", at, time.Hour)
			gotCount, _ := s.SeriesValue(sr, "SampleCount", at, time.Hour)
			if n < 2 || !ok || !near(avg, sum/count) || gotMax != mx || gotCount != count {
				t.Errorf("%d members: Average %v Maximum %v SampleCount %v, want %v %v %v", n, avg, gotMax, gotCount, sum/count, mx, count)
			}
		})
	}
}

func TestFiveMinuteMetrics(t *testing.T) {
	s := startSim(t, Options{Instances: 12, Classes: []string{"db.t3.medium"}})
	end := testNow.Truncate(time.Hour)
	start := end.Add(-time.Hour)
	got := fetchAll(t, cwClient(t, s), &cloudwatch.GetMetricDataInput{StartTime: &start, EndTime: &end, MetricDataQueries: []cwtypes.MetricDataQuery{
		rdsQuery("credits", "sim-postgres-01", "CPUCreditBalance", "Average", 60),
		rdsQuery("cpu", "sim-postgres-01", "CPUUtilization", "Average", 60),
		rdsQuery("hourly", "sim-postgres-01", "CPUCreditUsage", "SampleCount", 3600),
	}})
	if len(got.series["credits"]) != 12 || len(got.series["cpu"]) != 60 {
		t.Errorf("%d CPUCreditBalance and %d CPUUtilization datapoints in an hour of one-minute periods, want 12 and 60", len(got.series["credits"]), len(got.series["cpu"]))
	}
	for _, p := range got.series["credits"] {
		if p.t.Unix()%300 != 0 {
			t.Errorf("CPUCreditBalance datapoint at %v, not on a five-minute mark", p.t)
		}
	}
	if h := got.series["hourly"]; len(h) != 1 || h[0].v != 12 {
		t.Errorf("hourly SampleCount of CPUCreditUsage %v, want 12", h)
	}
}
