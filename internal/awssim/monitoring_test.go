package awssim

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/rds"
)

// DescribeDBInstances shows each instance's Enhanced Monitoring and
// Performance Insights settings as RDS does, through the real SDK.
func TestDescribeDBInstancesMonitoring(t *testing.T) {
	s := startSim(t, Options{Instances: 10})
	out, err := rds.NewFromConfig(awsConfig(t, s)).DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Instance{}
	for _, in := range s.Instances() {
		byID[in.ID] = in
	}
	var em, pi, longPI int
	for _, db := range out.DBInstances {
		in := byID[aws.ToString(db.DBInstanceIdentifier)]
		if got := aws.ToInt32(db.MonitoringInterval); got != in.MonitoringInterval {
			t.Errorf("%s: MonitoringInterval %d, want %d", in.ID, got, in.MonitoringInterval)
		}
		wantARN := ""
		if in.EnhancedMonitoring() {
			em++
			wantARN = "arn:aws:logs:" + in.Region + ":" + in.AccountID + ":log-group:RDSOSMetrics:log-stream:" + in.ResourceID
			if aws.ToString(db.MonitoringRoleArn) == "" {
				t.Errorf("%s: no MonitoringRoleArn", in.ID)
			}
		}
		if got := aws.ToString(db.EnhancedMonitoringResourceArn); got != wantARN {
			t.Errorf("%s: EnhancedMonitoringResourceArn %q, want %q", in.ID, got, wantARN)
		}
		if aws.ToBool(db.PerformanceInsightsEnabled) != in.PerformanceInsightsEnabled {
			t.Errorf("%s: PerformanceInsightsEnabled %v", in.ID, aws.ToBool(db.PerformanceInsightsEnabled))
		}
		days := aws.ToInt32(db.PerformanceInsightsRetentionPeriod)
		switch {
		case !in.PerformanceInsightsEnabled && (days != 0 || db.PerformanceInsightsKMSKeyId != nil):
			t.Errorf("%s: PI off but retention %d, key %v", in.ID, days, db.PerformanceInsightsKMSKeyId)
		case in.PerformanceInsightsEnabled && (!validPIRetention(days) || aws.ToString(db.PerformanceInsightsKMSKeyId) == ""):
			t.Errorf("%s: PI on with retention %d, key %q", in.ID, days, aws.ToString(db.PerformanceInsightsKMSKeyId))
		case in.PerformanceInsightsEnabled:
			pi++
			if days > 7 {
				longPI++
			}
		}
	}
	if em == 0 || em == len(out.DBInstances) || pi == 0 || pi == len(out.DBInstances) || longPI == 0 {
		t.Errorf("default mix: %d with Enhanced Monitoring, %d with PI (%d paid retention) of %d", em, pi, longPI, len(out.DBInstances))
	}
}

func TestOptionsMonitoring(t *testing.T) {
	s := New(Options{Instances: 3, Monitoring: func(in Instance) Monitoring {
		if in.Engine == "mysql" {
			return Monitoring{}
		}
		return Monitoring{MonitoringInterval: 5, PerformanceInsightsEnabled: true, PerformanceInsightsRetentionPeriod: 93}
	}})
	for _, in := range s.Instances() {
		want := Monitoring{}
		if in.Engine != "mysql" {
			want = Monitoring{MonitoringInterval: 5, PerformanceInsightsEnabled: true, PerformanceInsightsRetentionPeriod: 93}
		}
		got := in.Monitoring
		if got.MonitoringInterval != want.MonitoringInterval || got.PerformanceInsightsEnabled != want.PerformanceInsightsEnabled ||
			got.PerformanceInsightsRetentionPeriod != want.PerformanceInsightsRetentionPeriod {
			t.Errorf("%s: %+v, want %+v", in.ID, got, want)
		}
	}
	for _, bad := range []Monitoring{{MonitoringInterval: 2}, {PerformanceInsightsEnabled: true, PerformanceInsightsRetentionPeriod: 94}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%+v: no panic", bad)
				}
			}()
			New(Options{Instances: 1, Monitoring: func(Instance) Monitoring { return bad }})
		}()
	}
}

// The DBLoad metrics are published, and have data, exactly for the
// instances with Performance Insights on, whatever chose the setting,
// fleet by fleet.
func TestDBLoadFollowsPerformanceInsights(t *testing.T) {
	regions := []string{"us-east-1", "eu-west-1"}
	cases := []struct {
		name   string
		choose func(Instance) Monitoring
		want   func(i int, in Instance) bool // whether PI is on
	}{
		{"default mix", nil, func(i int, _ Instance) bool { return i%5 != 4 }},
		{"PI in eu-west-1 only", func(in Instance) Monitoring {
			return Monitoring{PerformanceInsightsEnabled: in.Region == "eu-west-1"}
		}, func(_ int, in Instance) bool { return in.Region == "eu-west-1" }},
	}
	dbLoad := []string{"DBLoad", "DBLoadCPU", "DBLoadNonCPU", "DBLoadRelativeToNumVCPUs"}
	hour := testNow.Truncate(time.Hour).Add(-time.Hour)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Options{Instances: 10, Regions: regions, Monitoring: tc.choose, Now: func() time.Time { return testNow }})
			for _, region := range regions {
				published := map[string][]string{}
				for _, sr := range s.PublishedSeries(s.AccountID(), region) {
					if id, ok := sr.Dimensions[dimInstance]; ok && len(sr.Dimensions) == 1 {
						published[id] = append(published[id], sr.Metric)
					}
				}
				i := 0
				for _, in := range s.Instances() {
					if in.Region != region {
						continue
					}
					if in.PerformanceInsightsEnabled != tc.want(i, in) {
						t.Errorf("%s: PerformanceInsightsEnabled %v", in.ARN, in.PerformanceInsightsEnabled)
					}
					for _, m := range dbLoad {
						_, hasData := s.Value(in.ARN, m, "Average", hour, time.Hour)
						listed, pi := slices.Contains(published[in.ID], m), in.PerformanceInsightsEnabled
						// An instance with stopped windows may lack data in the hour.
						if listed != pi || (hasData && !pi) || (!hasData && pi && !in.HasGaps) {
							t.Errorf("%s (PI %v): %s published %v, data %v", in.ARN, pi, m, listed, hasData)
						}
					}
					i++
				}
			}
		})
	}
}
