package model

import "testing"

func TestFindAndCloudWatchInstances(t *testing.T) {
	all := []Instance{
		{ID: "db", Region: "eu-west-1", AccountID: "1"},
		{ID: "db", Region: "us-east-1", AccountID: "2", Provider: ProviderAWS},
		{ID: "legacy", Region: "us-east-1", Provider: "onprem"},
	}
	for _, tc := range []struct {
		id, region, account string
		wantRegion          string
		wantOK              bool
	}{
		{"db", "", "", "eu-west-1", true}, // the first in order
		{"db", "us-east-1", "", "us-east-1", true},
		{"db", "", "2", "us-east-1", true},
		{"db", "us-east-1", "1", "", false},
		{"nope", "", "", "", false},
	} {
		got, ok := Find(all, tc.id, tc.region, tc.account)
		if ok != tc.wantOK || got.Region != tc.wantRegion {
			t.Errorf("Find(%q, %q, %q) = %+v, %v", tc.id, tc.region, tc.account, got, ok)
		}
	}
	cw := CloudWatchInstances(all)
	if len(cw) != 2 || cw[0].ProviderName() != ProviderAWS || all[2].ProviderName() != "onprem" {
		t.Errorf("CloudWatchInstances = %+v", cw)
	}
}

func TestTargetARN(t *testing.T) {
	for _, tc := range []struct{ region, want string }{
		{"us-east-1", "arn:aws:rds:us-east-1:123456789012:db:db-1"},
		{"cn-north-1", "arn:aws-cn:rds:cn-north-1:123456789012:db:db-1"},
		{"us-gov-west-1", "arn:aws-us-gov:rds:us-gov-west-1:123456789012:db:db-1"},
	} {
		tg := Target{AccountID: "123456789012", Region: tc.region}
		if got := tg.ARN(KindDBInstance, "db-1"); got != tc.want {
			t.Errorf("ARN in %s = %s, want %s", tc.region, got, tc.want)
		}
	}
	i := Instance{ID: "db-1", ARN: "arn:x", AccountID: "1", Region: "r"}
	if r := i.Resource(); r.Key() != "arn:x" || r.Kind != KindDBInstance || r.Target.Key() != "1/r" || KindDBInstance.Dimension() != "DBInstanceIdentifier" {
		t.Errorf("Resource = %+v", r)
	}
}
