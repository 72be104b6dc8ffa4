package cloudwatch

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
)

// The Enhanced Monitoring reader and the Performance Insights client read
// the account and region of their aws.Config: in two regions and, through
// AssumeRole, another account, each reads its own instance's events and
// load as the simulator's oracle has them, and the same identifier's
// stream and PI data in another scope are ErrNoStream and
// ErrPINotAuthorized.
func TestSourcesPerScope(t *testing.T) {
	const other = "222222222222"
	sim := startSourceSim(t, awssim.Options{Instances: 2, Regions: []string{"us-east-1", "eu-west-1"}, Accounts: []string{awssim.DefaultAccountID, other}})
	assumed := simConfig(t, sim)
	assumed.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(simConfig(t, sim)), "arn:aws:iam::"+other+":role/rds-reader"))
	cases := []struct {
		name, account, region string
		cfg                   aws.Config
	}{
		{"default account, us-east-1", awssim.DefaultAccountID, "us-east-1", simConfig(t, sim)},
		{"default account, eu-west-1", awssim.DefaultAccountID, "eu-west-1", simConfig(t, sim, config.WithRegion("eu-west-1"))},
		{"assumed role, us-east-1", other, "us-east-1", assumed},
	}
	arnOf := func(i int) string {
		return "arn:aws:rds:" + cases[i].region + ":" + cases[i].account + ":db:sim-postgres-01"
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := instanceWith(t, sim, func(in awssim.Instance) bool { return in.ARN == arnOf(i) })
			away := instanceWith(t, sim, func(in awssim.Instance) bool { return in.ARN == arnOf((i+1)%len(cases)) })
			checkScopeEM(t, sim, tc.cfg, in, away)
			checkScopePI(t, sim, tc.cfg, in, away)
			c := sim.Counters().Scope(tc.account, tc.region)
			if c.Requests[APIGetLogEvents] != 2 || c.Requests[APIGetResourceMetrics] != 2 {
				t.Errorf("%s/%s counted %d GetLogEvents and %d GetResourceMetrics, want 2 and 2", tc.account, tc.region, c.Requests[APIGetLogEvents], c.Requests[APIGetResourceMetrics])
			}
		})
	}
}

// checkScopeEM reads in's newest events through cfg, and away's stream.
func checkScopeEM(t *testing.T, sim *awssim.Server, cfg aws.Config, in, away awssim.Instance) {
	t.Helper()
	em := NewEnhancedMonitoring(cfg, SourceOptions{})
	events, err := em.Latest(context.Background(), in.ResourceID, emNow.Add(-10*time.Minute), 3)
	if err != nil || len(events) != 3 {
		t.Fatalf("Latest of %s: %d events, %v", in.ARN, len(events), err)
	}
	for _, ev := range events {
		checkOSEvent(t, sim, in.ARN, ev)
	}
	if _, err := em.Latest(context.Background(), away.ResourceID, emNow.Add(-10*time.Minute), 3); !errors.Is(err, ErrNoStream) {
		t.Errorf("stream of %s: %v, want ErrNoStream", away.ARN, err)
	}
}

// checkScopePI reads in's load of the last hour through cfg, and away's.
func checkScopePI(t *testing.T, sim *awssim.Server, cfg aws.Config, in, away awssim.Instance) {
	t.Helper()
	pi, err := NewPerformanceInsights(cfg, SourceOptions{})
	if err != nil {
		t.Fatal(err)
	}
	req := PIRequest{ResourceID: in.ResourceID, Start: emNow.Add(-time.Hour), End: emNow, Period: time.Minute, Queries: []PIMetricQuery{{Metric: "db.load.avg"}}}
	res, err := pi.ResourceMetrics(context.Background(), req)
	if err != nil || len(res.Series) != 1 {
		t.Fatalf("ResourceMetrics of %s: %d series, %v", in.ARN, len(res.Series), err)
	}
	checkPISeries(t, sim, in.ARN, res.Series[0], nil, res.AlignedStart, res.AlignedEnd, time.Minute)
	req.ResourceID = away.ResourceID
	if _, err := pi.ResourceMetrics(context.Background(), req); !errors.Is(err, ErrPINotAuthorized) {
		t.Errorf("PI of %s: %v, want ErrPINotAuthorized", away.ARN, err)
	}
}
