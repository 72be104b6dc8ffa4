package awssim

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// describeClusters lists clusters through the SDK paginator and returns
// them with the size of every page.
func describeClusters(t *testing.T, c *rds.Client, in *rds.DescribeDBClustersInput) ([]rdstypes.DBCluster, []int) {
	t.Helper()
	return allPages(t, rds.NewDescribeDBClustersPaginator(c, in), func(o *rds.DescribeDBClustersOutput) []rdstypes.DBCluster { return o.DBClusters })
}

// tagMap returns SDK tags as a map.
func tagMap(tags []rdstypes.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range tags {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func TestDescribeDBClustersPaging(t *testing.T) {
	s := startSim(t, Options{Instances: 90, Engines: []string{EngineAuroraPostgres, EngineAuroraMySQL}, ClusterSize: 3, Region: "eu-west-1"})
	got, pages := describeClusters(t, rds.NewFromConfig(awsConfig(t, s)), &rds.DescribeDBClustersInput{MaxRecords: aws.Int32(20)})
	if !slices.Equal(pages, []int{20, 10}) {
		t.Errorf("pages %v, want [20 10]", pages)
	}
	want := s.Clusters()
	slices.SortFunc(want, func(a, b Cluster) int { return strings.Compare(a.ID, b.ID) })
	if len(got) != len(want) {
		t.Fatalf("%d clusters, want %d", len(got), len(want))
	}
	kinds := map[string]int{}
	for i, w := range want {
		checkCluster(t, got[i], w)
		kinds["serverless"] += int(boolInt(w.Serverless()))
		kinds["global"] += int(boolInt(w.GlobalClusterID != ""))
	}
	if kinds["serverless"] != 10 || kinds["global"] != 7 {
		t.Errorf("%d serverless and %d global clusters of 30, want 10 and 7", kinds["serverless"], kinds["global"])
	}
}

// checkCluster compares a DBCluster the SDK decoded with the simulated one.
func checkCluster(t *testing.T, g rdstypes.DBCluster, w Cluster) {
	t.Helper()
	var members []ClusterMember
	for _, m := range g.DBClusterMembers {
		members = append(members, ClusterMember{aws.ToString(m.DBInstanceIdentifier), aws.ToBool(m.IsClusterWriter)})
	}
	var minACU, maxACU float64
	if sc := g.ServerlessV2ScalingConfiguration; sc != nil {
		minACU, maxACU = aws.ToFloat64(sc.MinCapacity), aws.ToFloat64(sc.MaxCapacity)
	}
	same := aws.ToString(g.DBClusterIdentifier) == w.ID &&
		aws.ToString(g.DBClusterArn) == w.ARN &&
		strings.HasPrefix(w.ARN, "arn:aws:rds:eu-west-1:123456789012:cluster:") &&
		aws.ToString(g.DbClusterResourceId) == w.ResourceID &&
		aws.ToString(g.Engine) == w.Engine && aws.ToString(g.EngineVersion) == w.EngineVersion &&
		aws.ToString(g.EngineMode) == "provisioned" && aws.ToString(g.Status) == "available" &&
		aws.ToString(g.Endpoint) == w.Endpoint && aws.ToString(g.ReaderEndpoint) == w.ReaderEndpoint &&
		aws.ToInt32(g.Port) == w.Port && aws.ToBool(g.MultiAZ) == w.MultiAZ &&
		g.ClusterCreateTime != nil && g.ClusterCreateTime.Equal(w.CreateTime) &&
		slices.Equal(members, w.Members) && len(members) > 0 && members[0].Writer &&
		minACU == w.MinACU && maxACU == w.MaxACU &&
		aws.ToString(g.GlobalClusterIdentifier) == w.GlobalClusterID &&
		len(g.AvailabilityZones) > 0 &&
		maps.Equal(tagMap(g.TagList), w.Tags)
	if !same {
		t.Errorf("described %+v\nwant %+v", g, w)
	}
}

func TestClusterMembersAreDescribedInstances(t *testing.T) {
	s := startSim(t, Options{Instances: 12, Engines: []string{EnginePostgres, EngineAuroraPostgres, EngineAuroraMySQL}, ClusterSize: 2})
	c := rds.NewFromConfig(awsConfig(t, s))
	instances, _ := describeAll(t, c, &rds.DescribeDBInstancesInput{})
	clusterOf := map[string]string{}
	for _, in := range instances {
		clusterOf[aws.ToString(in.DBInstanceIdentifier)] = aws.ToString(in.DBClusterIdentifier)
	}
	clusters, _ := describeClusters(t, c, &rds.DescribeDBClustersInput{})
	members := 0
	for _, cl := range clusters {
		for _, m := range cl.DBClusterMembers {
			members++
			if id := aws.ToString(m.DBInstanceIdentifier); clusterOf[id] != aws.ToString(cl.DBClusterIdentifier) {
				t.Errorf("%s is a member of %s but DescribeDBInstances says %q", id, aws.ToString(cl.DBClusterIdentifier), clusterOf[id])
			}
		}
	}
	if members != 8 || len(clusters) != 4 {
		t.Errorf("%d clusters with %d members, want 4 with the 8 Aurora instances", len(clusters), members)
	}
	for _, in := range s.Instances() {
		if in.Class == serverlessClass && !slices.ContainsFunc(s.Clusters(), func(c Cluster) bool { return c.ID == in.ClusterID && c.Serverless() }) {
			t.Errorf("%s is db.serverless outside a Serverless v2 cluster", in.ID)
		}
	}
}

func TestDescribeDBClustersSelection(t *testing.T) {
	s := startSim(t, Options{Instances: 8, Engines: []string{EngineAuroraPostgres, EngineAuroraMySQL}})
	c := rds.NewFromConfig(awsConfig(t, s))
	one := s.Clusters()[1]
	cases := []struct {
		name string
		in   rds.DescribeDBClustersInput
		want []string
	}{
		{"by identifier", rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(one.ID)}, []string{one.ID}},
		{"by ARN", rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String(one.ARN)}, []string{one.ID}},
		{"engine filter", rds.DescribeDBClustersInput{Filters: []rdstypes.Filter{{Name: aws.String("engine"), Values: []string{EngineAuroraMySQL}}}},
			[]string{"sim-aurora-mysql-cluster-02", "sim-aurora-mysql-cluster-04"}},
		{"db-cluster-id filter", rds.DescribeDBClustersInput{Filters: []rdstypes.Filter{{Name: aws.String("db-cluster-id"), Values: []string{one.ARN, "sim-aurora-postgresql-cluster-01"}}}},
			[]string{one.ID, "sim-aurora-postgresql-cluster-01"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := describeClusters(t, c, &tc.in)
			var ids []string
			for _, g := range got {
				ids = append(ids, aws.ToString(g.DBClusterIdentifier))
			}
			if !slices.Equal(ids, tc.want) {
				t.Errorf("got %v, want %v", ids, tc.want)
			}
		})
	}
	_, err := rds.NewFromConfig(awsConfig(t, s, noRetries())).DescribeDBClusters(context.Background(), &rds.DescribeDBClustersInput{DBClusterIdentifier: aws.String("nope")})
	var nf *rdstypes.DBClusterNotFoundFault
	if !errors.As(err, &nf) || nf.ErrorMessage() != "DBCluster nope not found." {
		t.Errorf("unknown cluster: want the SDK's DBClusterNotFoundFault, got %T %v", err, err)
	}
}
