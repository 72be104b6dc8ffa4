package awssim

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Accounts of the multi-scope tests.
const (
	acctA = "111111111111"
	acctB = "222222222222"
)

// assumedConfig returns an SDK config for the simulator in region that
// acts in account through AssumeRole, as a cross-account exporter does.
func assumedConfig(t *testing.T, s *Server, region, account string) aws.Config {
	t.Helper()
	base := awsConfig(t, s, config.WithRegion(region))
	cfg := base.Copy()
	role := "arn:aws:iam::" + account + ":role/rds-reader"
	cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(base), role))
	return cfg
}

// describedARNs returns the identifiers and ARNs DescribeDBInstances lists.
func describedARNs(t *testing.T, cfg aws.Config) (ids, arns []string) {
	t.Helper()
	got, _ := describeAll(t, rds.NewFromConfig(cfg), &rds.DescribeDBInstancesInput{})
	for _, g := range got {
		ids = append(ids, aws.ToString(g.DBInstanceIdentifier))
		arns = append(arns, aws.ToString(g.DBInstanceArn))
	}
	return ids, arns
}

func TestScopesDescribe(t *testing.T) {
	s := startSim(t, Options{Instances: 3, Regions: []string{"us-east-1", "eu-west-1"}, Accounts: []string{acctA, acctB}})
	if s.AccountID() != acctA || s.Region() != "us-east-1" || len(s.Instances()) != 12 {
		t.Fatalf("defaults %s %s, %d instances, want %s us-east-1 and 12", s.AccountID(), s.Region(), len(s.Instances()), acctA)
	}
	wantIDs := []string{"sim-mariadb-03", "sim-mysql-02", "sim-postgres-01"}
	cases := []struct {
		name, region, account string
		cfg                   aws.Config
	}{
		{"default account, us-east-1", "us-east-1", acctA, awsConfig(t, s)},
		{"default account, eu-west-1", "eu-west-1", acctA, awsConfig(t, s, config.WithRegion("eu-west-1"))},
		{"assumed role, eu-west-1", "eu-west-1", acctB, assumedConfig(t, s, "eu-west-1", acctB)},
		{"assumed role, us-east-1", "us-east-1", acctB, assumedConfig(t, s, "us-east-1", acctB)},
	}
	seen := map[string]string{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ids, arns := describedARNs(t, tc.cfg)
			if !slices.Equal(ids, wantIDs) {
				t.Errorf("identifiers %v, want %v", ids, wantIDs)
			}
			for i, arn := range arns {
				if want := "arn:aws:rds:" + tc.region + ":" + tc.account + ":db:" + ids[i]; arn != want {
					t.Errorf("ARN %s, want %s", arn, want)
				}
			}
			id, err := sts.NewFromConfig(tc.cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
			if err != nil || aws.ToString(id.Account) != tc.account {
				t.Errorf("GetCallerIdentity: %v, account %s, want %s", err, aws.ToString(id.Account), tc.account)
			}
			if n := s.Counters().Scope(tc.account, tc.region).Requests["DescribeDBInstances"]; n != 1 {
				t.Errorf("DescribeDBInstances counted %d times in %s/%s, want 1", n, tc.account, tc.region)
			}
		})
	}
	for _, in := range s.Instances() {
		if other, dup := seen[in.ResourceID]; dup {
			t.Errorf("%s and %s share DbiResourceId %s", in.ARN, other, in.ResourceID)
		}
		seen[in.ResourceID] = in.ARN
	}
}

func TestScopesWithoutFleet(t *testing.T) {
	s := startSim(t, Options{Instances: 2, Regions: []string{"us-east-1", "eu-west-1"}, Accounts: []string{acctA, acctB}})
	for name, cfg := range map[string]aws.Config{
		"region without fleet":  awsConfig(t, s, config.WithRegion("ap-south-1")),
		"account without fleet": assumedConfig(t, s, "us-east-1", "333333333333"),
	} {
		if ids, _ := describedARNs(t, cfg); len(ids) != 0 {
			t.Errorf("%s: instances %v, want none", name, ids)
		}
	}
}

func TestScopesMetricData(t *testing.T) {
	s := startSim(t, Options{Instances: 2, Regions: []string{"us-east-1", "eu-west-1"}, Accounts: []string{acctA, acctB}})
	end := testNow.Truncate(time.Hour)
	start := end.Add(-6 * time.Hour)
	in := &cloudwatch.GetMetricDataInput{StartTime: &start, EndTime: &end, ScanBy: cwtypes.ScanByTimestampAscending,
		MetricDataQueries: []cwtypes.MetricDataQuery{rdsQuery("cpu", "sim-postgres-01", "CPUUtilization", "Average", 3600)}}
	firsts := map[float64]string{}
	for _, sc := range []scope{{acctA, "us-east-1"}, {acctA, "eu-west-1"}, {acctB, "us-east-1"}, {acctB, "eu-west-1"}} {
		arn := rdsARN(sc, "db", "sim-postgres-01")
		out, err := cloudwatch.NewFromConfig(assumedConfig(t, s, sc.region, sc.account)).GetMetricData(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		r := out.MetricDataResults[0]
		if len(r.Values) != 6 {
			t.Fatalf("%s: %d datapoints, want 6", arn, len(r.Values))
		}
		for i, ts := range r.Timestamps {
			if want, ok := s.Value(arn, "CPUUtilization", "Average", ts, time.Hour); !ok || want != r.Values[i] {
				t.Errorf("%s at %v: %v, Value says %v (ok %v)", arn, ts, r.Values[i], want, ok)
			}
		}
		if other, dup := firsts[r.Values[0]]; dup {
			t.Errorf("%s and %s have the same data", arn, other)
		}
		firsts[r.Values[0]] = arn
		if c := s.Counters().Scope(sc.account, sc.region); c.Requests["GetMetricData"] != 1 || c.MetricsRequested != 1 || c.DatapointsReturned != 6 {
			t.Errorf("%s: counters %+v", sc.key(), c)
		}
	}
}

func TestThrottlingPerScope(t *testing.T) {
	s := startSim(t, Options{Regions: []string{"us-east-1", "eu-west-1"}, Faults: Faults{ThrottleAboveRPS: 0.001}})
	east := cwClient(t, s, noRetries())
	west := cwClient(t, s, noRetries(), config.WithRegion("eu-west-1"))
	ctx := context.Background()
	if _, err := east.GetMetricData(ctx, smallGMD()); err != nil {
		t.Fatalf("first request in us-east-1: %v", err)
	}
	if _, err := east.GetMetricData(ctx, smallGMD()); errorCode(err) != "Throttling" {
		t.Fatalf("second request in us-east-1: %v, want Throttling", err)
	}
	if _, err := west.GetMetricData(ctx, smallGMD()); err != nil {
		t.Errorf("first request in eu-west-1: %v, want no throttling from the other region's quota", err)
	}
	if c := s.Counters(); c.Throttled != 1 || c.Scope(s.AccountID(), "us-east-1").Throttled != 1 || c.Scope(s.AccountID(), "eu-west-1").Throttled != 0 {
		t.Errorf("throttle counters %+v", c)
	}
}

func TestSigV4Scope(t *testing.T) {
	cases := []struct{ header, key, region string }{
		{"AWS4-HMAC-SHA256 Credential=AKID/20260310/eu-west-1/monitoring/aws4_request, SignedHeaders=host, Signature=abc", "AKID", "eu-west-1"},
		{"AWS4-HMAC-SHA256 Credential=AKID/20260310/ap-south-2/rds/aws4_request,SignedHeaders=host,Signature=abc", "AKID", "ap-south-2"},
		{"AWS4-HMAC-SHA256 Credential=AKID/broken, Signature=abc", "AKID", ""},
		{"Bearer token", "", ""},
		{"", "", ""},
	}
	for _, tc := range cases {
		r, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/", nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Authorization", tc.header)
		if key, region := sigV4Scope(r); key != tc.key || region != tc.region {
			t.Errorf("%q: key %q region %q, want %q %q", tc.header, key, region, tc.key, tc.region)
		}
	}
}

func TestOptionsScopes(t *testing.T) {
	cases := []struct {
		name              string
		in                Options
		region, account   string
		regions, accounts []string
	}{
		{"zero", Options{}, DefaultRegion, DefaultAccountID, []string{DefaultRegion}, []string{DefaultAccountID}},
		{"one each", Options{Region: "eu-west-1", AccountID: acctA}, "eu-west-1", acctA, []string{"eu-west-1"}, []string{acctA}},
		{"lists", Options{Regions: []string{"eu-west-1", "us-east-1", "eu-west-1"}, Accounts: []string{acctB, acctA}}, "eu-west-1", acctB, []string{"eu-west-1", "us-east-1"}, []string{acctB, acctA}},
		{"default outside the lists", Options{Region: "ap-south-1", Regions: []string{"eu-west-1"}}, "ap-south-1", DefaultAccountID, []string{"eu-west-1"}, []string{DefaultAccountID}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := New(tc.in)
			if s.Region() != tc.region || s.AccountID() != tc.account || !slices.Equal(s.Regions(), tc.regions) || !slices.Equal(s.Accounts(), tc.accounts) {
				t.Errorf("region %s account %s regions %v accounts %v", s.Region(), s.AccountID(), s.Regions(), s.Accounts())
			}
			if n := len(s.Instances()); n != 3*len(tc.regions)*len(tc.accounts) {
				t.Errorf("%d instances", n)
			}
		})
	}
}
