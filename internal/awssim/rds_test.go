package awssim

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
)

// describeAll lists instances through the SDK paginator and returns them
// with the size of every page.
func describeAll(t *testing.T, c *rds.Client, in *rds.DescribeDBInstancesInput) ([]rdstypes.DBInstance, []int) {
	t.Helper()
	return allPages(t, rds.NewDescribeDBInstancesPaginator(c, in), func(o *rds.DescribeDBInstancesOutput) []rdstypes.DBInstance { return o.DBInstances })
}

func TestDescribeDBInstancesPaging(t *testing.T) {
	s := startSim(t, Options{Instances: 45, Region: "eu-west-1", AccountID: "111122223333"})
	c := rds.NewFromConfig(awsConfig(t, s))
	got, pages := describeAll(t, c, &rds.DescribeDBInstancesInput{MaxRecords: aws.Int32(20)})
	if !slices.Equal(pages, []int{20, 20, 5}) {
		t.Errorf("pages %v, want [20 20 5]", pages)
	}
	want := s.Instances()
	slices.SortFunc(want, func(a, b Instance) int { return strings.Compare(a.ID, b.ID) })
	if len(got) != len(want) {
		t.Fatalf("%d instances, want %d", len(got), len(want))
	}
	for i, w := range want {
		checkDescribed(t, got[i], w)
	}
}

// checkDescribed compares a DBInstance the SDK decoded with the simulated
// instance.
func checkDescribed(t *testing.T, g rdstypes.DBInstance, w Instance) {
	t.Helper()
	tags := map[string]string{}
	for _, tag := range g.TagList {
		tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	same := aws.ToString(g.DBInstanceIdentifier) == w.ID &&
		aws.ToString(g.DBInstanceArn) == w.ARN &&
		aws.ToString(g.Engine) == w.Engine &&
		aws.ToString(g.EngineVersion) == w.EngineVersion &&
		aws.ToString(g.DBInstanceClass) == w.Class &&
		aws.ToString(g.DBInstanceStatus) == "available" &&
		aws.ToString(g.AvailabilityZone) == w.AvailabilityZone &&
		aws.ToBool(g.MultiAZ) == w.MultiAZ &&
		aws.ToString(g.StorageType) == w.StorageType &&
		aws.ToInt32(g.AllocatedStorage) == w.AllocatedStorage &&
		aws.ToString(g.DbiResourceId) == w.ResourceID &&
		aws.ToString(g.ReadReplicaSourceDBInstanceIdentifier) == w.ReplicaSource &&
		g.Endpoint != nil && aws.ToString(g.Endpoint.Address) == w.Endpoint && aws.ToInt32(g.Endpoint.Port) == w.Port &&
		g.InstanceCreateTime != nil && g.InstanceCreateTime.Equal(w.CreateTime) &&
		maps.Equal(tags, w.Tags)
	if !same {
		t.Errorf("described %+v\nwant %+v", g, w)
	}
	if !strings.HasPrefix(w.ARN, "arn:aws:rds:eu-west-1:111122223333:db:") || !strings.HasPrefix(w.AvailabilityZone, "eu-west-1") {
		t.Errorf("region or account not applied: %s %s", w.ARN, w.AvailabilityZone)
	}
}

func TestDescribeDBInstancesSelection(t *testing.T) {
	s := startSim(t, Options{Instances: 12})
	c := rds.NewFromConfig(awsConfig(t, s))
	in := s.Instances()[4]
	cases := []struct {
		name string
		in   rds.DescribeDBInstancesInput
		want []string
	}{
		{"by identifier", rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(in.ID)}, []string{in.ID}},
		{"by ARN", rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String(in.ARN)}, []string{in.ID}},
		{"engine filter", rds.DescribeDBInstancesInput{Filters: []rdstypes.Filter{{Name: aws.String("engine"), Values: []string{"mariadb", "aurora-postgresql"}}}},
			[]string{"sim-aurora-postgresql-04", "sim-aurora-postgresql-08", "sim-aurora-postgresql-12", "sim-mariadb-03", "sim-mariadb-07", "sim-mariadb-11"}},
		{"db-instance-id filter", rds.DescribeDBInstancesInput{Filters: []rdstypes.Filter{{Name: aws.String("db-instance-id"), Values: []string{"sim-mysql-02", in.ARN}}}},
			[]string{"sim-mysql-02", in.ID}},
		{"dbi-resource-id filter", rds.DescribeDBInstancesInput{Filters: []rdstypes.Filter{{Name: aws.String("dbi-resource-id"), Values: []string{in.ResourceID}}}}, []string{in.ID}},
		{"filters and", rds.DescribeDBInstancesInput{Filters: []rdstypes.Filter{
			{Name: aws.String("engine"), Values: []string{"mysql"}},
			{Name: aws.String("db-instance-id"), Values: []string{"sim-postgres-01"}},
		}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := describeAll(t, c, &tc.in)
			var ids []string
			for _, g := range got {
				ids = append(ids, aws.ToString(g.DBInstanceIdentifier))
			}
			if !slices.Equal(ids, tc.want) {
				t.Errorf("got %v, want %v", ids, tc.want)
			}
		})
	}
}

func TestDescribeDBInstancesErrors(t *testing.T) {
	s := startSim(t, Options{})
	c := rds.NewFromConfig(awsConfig(t, s, noRetries()))
	cases := []struct {
		name   string
		in     rds.DescribeDBInstancesInput
		code   string
		status int
	}{
		{"MaxRecords too small", rds.DescribeDBInstancesInput{MaxRecords: aws.Int32(10)}, "InvalidParameterValue", 400},
		{"MaxRecords too large", rds.DescribeDBInstancesInput{MaxRecords: aws.Int32(101)}, "InvalidParameterValue", 400},
		{"unknown instance", rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("nope")}, "DBInstanceNotFound", 404},
		{"unknown filter", rds.DescribeDBInstancesInput{Filters: []rdstypes.Filter{{Name: aws.String("tag:env"), Values: []string{"prod"}}}}, "InvalidParameterValue", 400},
		{"bad marker", rds.DescribeDBInstancesInput{Marker: aws.String("garbage!")}, "InvalidParameterValue", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.DescribeDBInstances(context.Background(), &tc.in)
			var re *awshttp.ResponseError
			if errorCode(err) != tc.code || !errors.As(err, &re) || re.HTTPStatusCode() != tc.status {
				t.Errorf("error %v, want %s (%d)", err, tc.code, tc.status)
			}
		})
	}
	_, err := c.DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{DBInstanceIdentifier: aws.String("nope")})
	var nf *rdstypes.DBInstanceNotFoundFault
	if !errors.As(err, &nf) || nf.ErrorMessage() != "DBInstance nope not found." {
		t.Errorf("want the SDK's DBInstanceNotFoundFault, got %T %v", err, err)
	}
}

func TestUnknownQueryAction(t *testing.T) {
	s := startSim(t, Options{})
	_, err := rds.NewFromConfig(awsConfig(t, s, noRetries())).DescribeDBSnapshots(context.Background(), &rds.DescribeDBSnapshotsInput{})
	if code := errorCode(err); code != "InvalidAction" {
		t.Errorf("DescribeDBSnapshots: %v", err)
	}
}
