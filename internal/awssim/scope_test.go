package awssim

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
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

// scopeInstance returns the instance an ARN names.
func scopeInstance(t *testing.T, s *Server, arn string) Instance {
	t.Helper()
	return findInstance(t, s, arn, func(in Instance) bool { return in.ARN == arn })
}

// emStreams returns the sorted stream names RDSOSMetrics has in a scope:
// the resource IDs of its instances with Enhanced Monitoring on.
func emStreams(s *Server, sc scope) []string {
	var out []string
	for _, in := range s.Instances() {
		if in.AccountID == sc.account && in.Region == sc.region && in.EnhancedMonitoring() {
			out = append(out, in.ResourceID)
		}
	}
	slices.Sort(out)
	return out
}

// Enhanced Monitoring's streams and Performance Insights' data belong to
// the caller's account and region, through the real cloudwatchlogs client
// and SigV4-signed PI requests, with AssumeRole for another account: each
// scope lists and serves its own instances' streams and data, a stream,
// group ARN or PI identifier of another scope is not found there, and the
// requests are counted in the caller's scope.
func TestScopesLogsAndPI(t *testing.T) {
	s := startSim(t, Options{Instances: 2, Regions: []string{"us-east-1", "eu-west-1"}, Accounts: []string{acctA, acctB}})
	cases := []struct {
		name string
		sc   scope
		cfg  aws.Config
	}{
		{"default account, us-east-1", scope{acctA, "us-east-1"}, awsConfig(t, s)},
		{"default account, eu-west-1", scope{acctA, "eu-west-1"}, awsConfig(t, s, config.WithRegion("eu-west-1"))},
		{"assumed role, us-east-1", scope{acctB, "us-east-1"}, assumedConfig(t, s, "us-east-1", acctB)},
	}
	messages, loads := map[string]string{}, map[float64]string{}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := scopeInstance(t, s, rdsARN(tc.sc, "db", "sim-postgres-01"))
			other := scopeInstance(t, s, rdsARN(cases[(i+1)%len(cases)].sc, "db", "sim-postgres-01"))
			msg := checkScopeLogs(t, s, tc.cfg, in, other)
			load := checkScopePI(t, s, tc.cfg, in, other)
			if prev, dup := messages[msg]; dup {
				t.Errorf("%s has the newest OS event of %s", tc.sc.key(), prev)
			}
			if prev, dup := loads[load]; dup {
				t.Errorf("%s has the DB load of %s", tc.sc.key(), prev)
			}
			messages[msg], loads[load] = tc.sc.key(), tc.sc.key()
			c := s.Counters().Scope(tc.sc.account, tc.sc.region)
			want := map[string]int64{opDescribeLogStreams: 1, opGetLogEvents: 2, opFilterLogEvents: 2, opGetResourceMetrics: 2, opDescribeDimensionKeys: 1}
			for op, n := range want {
				if c.Requests[op] != n {
					t.Errorf("%s counted %d times in %s, want %d", op, c.Requests[op], tc.sc.key(), n)
				}
			}
			if c.ClientErrors != 3 {
				t.Errorf("%d client errors in %s, want 3 (another scope's stream, group and PI identifier)", c.ClientErrors, tc.sc.key())
			}
		})
	}
}

// checkScopeLogs checks RDSOSMetrics as cfg's caller sees it: the streams
// of its scope, in's newest event as OSMetrics has it, and other's stream
// and group not found. It returns the newest event's message.
func checkScopeLogs(t *testing.T, s *Server, cfg aws.Config, in, other Instance) string {
	t.Helper()
	ctx, c := context.Background(), cloudwatchlogs.NewFromConfig(cfg)
	group := aws.String(osMetricsGroup)
	streams, err := c.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: group})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, st := range streams.LogStreams {
		names = append(names, aws.ToString(st.LogStreamName))
	}
	if want := emStreams(s, scope{in.AccountID, in.Region}); !slices.Equal(names, want) {
		t.Errorf("streams %v, want %v", names, want)
	}
	out, err := c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: group, LogStreamName: aws.String(in.ResourceID), StartFromHead: aws.Bool(false), Limit: aws.Int32(1)})
	if err != nil {
		t.Fatalf("GetLogEvents of %s: %v", in.ARN, err)
	}
	if len(out.Events) != 1 {
		t.Fatalf("GetLogEvents of %s: %d events, want 1", in.ARN, len(out.Events))
	}
	newest := out.Events[0]
	if m, ok := s.OSMetrics(in.ARN, time.UnixMilli(aws.ToInt64(newest.Timestamp))); !ok || m.Message() != aws.ToString(newest.Message) {
		t.Errorf("newest event of %s differs from OSMetrics (ok %v)", in.ARN, ok)
	}
	_, err = c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{LogGroupName: group, LogStreamName: aws.String(other.ResourceID)})
	if errorCode(err) != "ResourceNotFoundException" {
		t.Errorf("stream of %s: %v, want ResourceNotFoundException", other.ARN, err)
	}
	for arn, want := range map[string]string{groupARN(other.Region, other.AccountID): "ResourceNotFoundException", groupARN(in.Region, in.AccountID): ""} {
		_, err := c.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupIdentifier: aws.String(arn), LogStreamNames: []string{in.ResourceID}, Limit: aws.Int32(1)})
		if errorCode(err) != want || (want == "" && err != nil) {
			t.Errorf("FilterLogEvents in %s: %v, want %q", arn, err, want)
		}
	}
	return aws.ToString(newest.Message)
}

// checkScopePI checks Performance Insights as cfg's caller sees it: in's
// load as PILoad has it, its top keys, and other's identifier not
// authorized. It returns in's first data point.
func checkScopePI(t *testing.T, s *Server, cfg aws.Config, in, other Instance) float64 {
	t.Helper()
	to := testNow.Truncate(time.Hour)
	from := to.Add(-time.Hour)
	q := map[string]any{"Metric": "db.load.avg"}
	a := piCallAs(t, s, &cfg, opGetResourceMetrics, piRequest(in, from, to, 60, q))
	if a.status != http.StatusOK || a.metrics.Identifier != in.ResourceID || len(a.metrics.MetricList) != 1 {
		t.Fatalf("GetResourceMetrics of %s: %d %s %s, identifier %s", in.ARN, a.status, a.errType, a.message, a.metrics.Identifier)
	}
	checkPISeries(t, s, in, a.metrics.MetricList[0], nil, from, to, time.Minute)
	keys := piCallAs(t, s, &cfg, opDescribeDimensionKeys, map[string]any{
		"ServiceType": "RDS", "Identifier": in.ResourceID, "Metric": "db.load.avg", "GroupBy": map[string]any{"Group": "db.wait_event"},
		"StartTime": float64(from.Unix()), "EndTime": float64(to.Unix()),
	})
	top := s.PITopKeys(in.ARN, "db.wait_event", from, to, 10)
	if keys.status != http.StatusOK || len(keys.keys.Keys) != len(top) || !maps.Equal(keys.keys.Keys[0].Dimensions, top[0].Dimensions) {
		t.Errorf("DescribeDimensionKeys of %s: %d %s, %d keys, want %d led by %v", in.ARN, keys.status, keys.errType, len(keys.keys.Keys), len(top), top[0].Dimensions)
	}
	if a := piCallAs(t, s, &cfg, opGetResourceMetrics, piRequest(other, from, to, 60, q)); a.errType != "NotAuthorizedException" {
		t.Errorf("identifier of %s: %d %q, want NotAuthorizedException", other.ARN, a.status, a.errType)
	}
	return a.metrics.MetricList[0].DataPoints[0].Value
}

// Throttling holds per account, region and operation: each CloudWatch Logs
// and Performance Insights operation has its own bucket in each scope,
// apart from GetMetricData's.
func TestThrottlingPerScopeAndOperation(t *testing.T) {
	s := startSim(t, Options{Regions: []string{"us-east-1", "eu-west-1"}, Faults: Faults{ThrottleAboveRPS: 0.001}})
	eastCfg, westCfg := awsConfig(t, s, noRetries()), awsConfig(t, s, noRetries(), config.WithRegion("eu-west-1"))
	east, west := cloudwatchlogs.NewFromConfig(eastCfg), cloudwatchlogs.NewFromConfig(westCfg)
	ctx := context.Background()
	describe := &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String(osMetricsGroup)}
	in := scopeInstance(t, s, rdsARN(scope{s.AccountID(), "us-east-1"}, "db", "sim-postgres-01"))
	westIn := scopeInstance(t, s, rdsARN(scope{s.AccountID(), "eu-west-1"}, "db", "sim-postgres-01"))
	to := testNow.Truncate(time.Hour)
	pi := func(cfg aws.Config, in Instance) string {
		return piCallAs(t, s, &cfg, opGetResourceMetrics, piRequest(in, to.Add(-time.Hour), to, 60, map[string]any{"Metric": "db.load.avg"})).errType
	}
	steps := []struct {
		name string
		call func() string
		want string
	}{
		{"DescribeLogStreams in us-east-1", func() string { _, err := east.DescribeLogStreams(ctx, describe); return errorCode(err) }, ""},
		{"again", func() string { _, err := east.DescribeLogStreams(ctx, describe); return errorCode(err) }, "ThrottlingException"},
		{"DescribeLogStreams in eu-west-1", func() string { _, err := west.DescribeLogStreams(ctx, describe); return errorCode(err) }, ""},
		{"FilterLogEvents in us-east-1", func() string {
			_, err := east.FilterLogEvents(ctx, &cloudwatchlogs.FilterLogEventsInput{LogGroupName: describe.LogGroupName, Limit: aws.Int32(1)})
			return errorCode(err)
		}, ""},
		{"GetResourceMetrics in us-east-1", func() string { return pi(eastCfg, in) }, ""},
		{"again", func() string { return pi(eastCfg, in) }, "ThrottlingException"},
		{"GetResourceMetrics in eu-west-1", func() string { return pi(westCfg, westIn) }, ""},
		{"GetMetricData in us-east-1", func() string {
			_, err := cwClient(t, s, noRetries()).GetMetricData(ctx, smallGMD())
			return errorCode(err)
		}, ""},
	}
	for _, st := range steps {
		if got := st.call(); got != st.want {
			t.Errorf("%s: error %q, want %q", st.name, got, st.want)
		}
	}
	if c := s.Counters(); c.Scope(s.AccountID(), "us-east-1").Throttled != 2 || c.Scope(s.AccountID(), "eu-west-1").Throttled != 0 {
		t.Errorf("throttled %d in us-east-1 and %d in eu-west-1, want 2 and 0", c.Scope(s.AccountID(), "us-east-1").Throttled, c.Scope(s.AccountID(), "eu-west-1").Throttled)
	}
}
