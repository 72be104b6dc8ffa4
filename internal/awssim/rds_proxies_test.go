package awssim

import (
	"context"
	"errors"
	"maps"
	"regexp"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

func TestDescribeDBProxiesPaging(t *testing.T) {
	s := startSim(t, Options{Instances: 6, Proxies: 25})
	c := rds.NewFromConfig(awsConfig(t, s))
	got, pages := allPages(t, rds.NewDescribeDBProxiesPaginator(c, &rds.DescribeDBProxiesInput{MaxRecords: aws.Int32(20)}),
		func(o *rds.DescribeDBProxiesOutput) []rdstypes.DBProxy { return o.DBProxies })
	if !slices.Equal(pages, []int{20, 5}) {
		t.Errorf("pages %v, want [20 5]", pages)
	}
	want := s.Proxies()
	if len(got) != len(want) {
		t.Fatalf("%d proxies, want %d", len(got), len(want))
	}
	arnPattern := regexp.MustCompile(`^arn:aws:rds:us-east-1:123456789012:db-proxy:prx-[0-9a-f]{17}$`)
	for i, w := range want {
		g := got[i]
		same := aws.ToString(g.DBProxyName) == w.Name && aws.ToString(g.DBProxyArn) == w.ARN && arnPattern.MatchString(w.ARN) &&
			g.Status == rdstypes.DBProxyStatusAvailable && aws.ToString(g.EngineFamily) == w.EngineFamily &&
			aws.ToString(g.Endpoint) == w.Endpoint && aws.ToString(g.VpcId) == w.VpcID && aws.ToString(g.RoleArn) == w.RoleARN &&
			aws.ToBool(g.RequireTLS) == w.RequireTLS && aws.ToInt32(g.IdleClientTimeout) == w.IdleClientTimeout &&
			len(g.VpcSubnetIds) == 2 && len(g.VpcSecurityGroupIds) == 1 && g.CreatedDate != nil && g.CreatedDate.Equal(w.CreateTime)
		if !same {
			t.Errorf("described %+v\nwant %+v", g, w)
		}
	}
	// Six instances of the default rotation: one Aurora cluster, then the
	// four primaries outside it (sim-mysql-06 is a replica).
	targets := []string{"sim-aurora-postgresql-cluster-01", "sim-postgres-01", "sim-mysql-02", "sim-mariadb-03", "sim-postgres-05"}
	families := []string{"POSTGRESQL", "POSTGRESQL", "MYSQL", "MYSQL", "POSTGRESQL"}
	for j, w := range want[:5] {
		if w.TargetID != targets[j] || w.TargetCluster != (j == 0) || w.EngineFamily != families[j] {
			t.Errorf("%s targets %s (cluster %v, %s), want %s (%s)", w.Name, w.TargetID, w.TargetCluster, w.EngineFamily, targets[j], families[j])
		}
	}
}

func TestDescribeDBProxiesByName(t *testing.T) {
	s := startSim(t, Options{Proxies: 3})
	c := rds.NewFromConfig(awsConfig(t, s, noRetries()))
	out, err := c.DescribeDBProxies(context.Background(), &rds.DescribeDBProxiesInput{DBProxyName: aws.String("sim-proxy-02")})
	if err != nil || len(out.DBProxies) != 1 || aws.ToString(out.DBProxies[0].DBProxyName) != "sim-proxy-02" {
		t.Fatalf("by name: %v %+v", err, out)
	}
	_, err = c.DescribeDBProxies(context.Background(), &rds.DescribeDBProxiesInput{DBProxyName: aws.String("nope")})
	var nf *rdstypes.DBProxyNotFoundFault
	if !errors.As(err, &nf) {
		t.Errorf("unknown proxy: want the SDK's DBProxyNotFoundFault, got %T %v", err, err)
	}
}

func TestListTagsForResource(t *testing.T) {
	s := startSim(t, Options{Instances: 4, Proxies: 1, Regions: []string{"us-east-1", "eu-west-1"}})
	c := rds.NewFromConfig(awsConfig(t, s, noRetries()))
	in, cl, px := s.Instances()[3], s.Clusters()[0], s.Proxies()[0]
	ok := []struct {
		arn  string
		tags map[string]string
	}{{in.ARN, in.Tags}, {cl.ARN, cl.Tags}, {px.ARN, px.Tags}}
	for _, tc := range ok {
		out, err := c.ListTagsForResource(context.Background(), &rds.ListTagsForResourceInput{ResourceName: aws.String(tc.arn)})
		if err != nil || !maps.Equal(tagMap(out.TagList), tc.tags) || len(tc.tags) != 3 {
			t.Errorf("%s: %v, tags %v, want %v", tc.arn, err, out, tc.tags)
		}
	}
	west := rds.NewFromConfig(awsConfig(t, s, noRetries(), config.WithRegion("eu-west-1")))
	failing := []struct {
		name, arn, code string
		c               *rds.Client
	}{
		{"unknown instance", "arn:aws:rds:us-east-1:123456789012:db:nope", "DBInstanceNotFound", c},
		{"unknown cluster", "arn:aws:rds:us-east-1:123456789012:cluster:nope", "DBClusterNotFoundFault", c},
		{"unknown proxy", "arn:aws:rds:us-east-1:123456789012:db-proxy:prx-00000000000000000", "DBProxyNotFoundFault", c},
		{"another region's instance", in.ARN, "DBInstanceNotFound", west},
		{"not an ARN", "sim-postgres-01", "InvalidParameterValue", c},
	}
	for _, tc := range failing {
		_, err := tc.c.ListTagsForResource(context.Background(), &rds.ListTagsForResourceInput{ResourceName: aws.String(tc.arn)})
		if code := errorCode(err); code != tc.code {
			t.Errorf("%s: error %v, want %s", tc.name, err, tc.code)
		}
	}
}
