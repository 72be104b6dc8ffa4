package model

import (
	"slices"
	"testing"
)

func TestFindAndBackfillable(t *testing.T) {
	db := func(id, region, account, provider string) Described {
		return Described{Resource: Resource{Target: Target{AccountID: account, Region: region}, Kind: KindDBInstance, ID: id}, Provider: provider}
	}
	all := []Described{
		db("db", "eu-west-1", "1", ""),
		db("db", "us-east-1", "2", ProviderAWS),
		db("legacy", "us-east-1", "", "onprem"),
		{Resource: Resource{Target: Target{AccountID: "1", Region: "eu-west-1"}, Kind: KindCluster, ID: "db"}},
		{Resource: Resource{Target: Target{AccountID: "1", Region: "eu-west-1"}, Kind: KindDatabaseClass, ID: "db.r6g.large"}},
	}
	for _, tc := range []struct {
		kind                Kind
		id, region, account string
		wantRegion          string
		wantOK              bool
	}{
		{KindDBInstance, "db", "", "", "eu-west-1", true}, // the first in order
		{KindDBInstance, "db", "us-east-1", "", "us-east-1", true},
		{KindDBInstance, "db", "", "2", "us-east-1", true},
		{KindDBInstance, "db", "us-east-1", "1", "", false},
		{KindDBInstance, "nope", "", "", "", false},
		{KindCluster, "db", "", "", "eu-west-1", true},
		{KindProxy, "db", "", "", "", false},
	} {
		got, ok := Find(all, tc.kind, tc.id, tc.region, tc.account)
		if ok != tc.wantOK || got.Region != tc.wantRegion || (ok && got.Kind != tc.kind) {
			t.Errorf("Find(%s, %q, %q, %q) = %+v, %v", tc.kind, tc.id, tc.region, tc.account, got, ok)
		}
	}
	bf := Backfillable(all)
	if len(bf) != 3 || bf[2].Kind != KindCluster || all[2].ProviderName() != "onprem" {
		t.Errorf("Backfillable = %+v", bf)
	}
	// Every one backfillable: the list itself, which an append does not
	// write into.
	aws := all[1:2:2]
	aws = append(aws, all[3])
	if bf := Backfillable(aws); len(bf) != 2 || &bf[0] != &aws[0] || cap(bf) != 2 {
		t.Errorf("Backfillable of backfillable resources = %+v (cap %d), want the list itself", bf, cap(bf))
	}
	if n := len(OfKind(all, KindDBInstance)); n != 3 {
		t.Errorf("OfKind(db) = %d", n)
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
	if got := (Target{AccountID: "1", Region: "r"}).ARN(KindCluster, "c"); got != "arn:aws:rds:r:1:cluster:c" {
		t.Errorf("cluster ARN = %s", got)
	}
}

// Resources are known by their ARN, aggregates by their account, region
// and dimensions; a cluster and an instance with one identifier differ.
func TestResourceKeyAndDimensions(t *testing.T) {
	tg := Target{AccountID: "1", Region: "r"}
	for _, tc := range []struct {
		r       Resource
		key     string
		dimsKey string
	}{
		{Resource{Target: tg, Kind: KindDBInstance, ID: "x", ARN: tg.ARN(KindDBInstance, "x")}, "arn:aws:rds:r:1:db:x", "DBInstanceIdentifier=x"},
		{Resource{Target: tg, Kind: KindCluster, ID: "x", ARN: tg.ARN(KindCluster, "x")}, "arn:aws:rds:r:1:cluster:x", "DBClusterIdentifier=x"},
		{Resource{Target: tg, Kind: KindProxy, ID: "p", ARN: "arn:aws:rds:r:1:db-proxy:prx-1"}, "arn:aws:rds:r:1:db-proxy:prx-1", "ProxyName=p"},
		{Resource{Target: tg, Kind: KindClusterRole, ID: "x", ARN: tg.ARN(KindCluster, "x"), Role: RoleWriter}, "1/r/DBClusterIdentifier=x,Role=WRITER", "DBClusterIdentifier=x,Role=WRITER"},
		{Resource{Target: tg, Kind: KindDatabaseClass, ID: "db.t3.micro"}, "1/r/DatabaseClass=db.t3.micro", "DatabaseClass=db.t3.micro"},
		{Resource{Target: tg, Kind: KindEngineName, ID: "mysql"}, "1/r/EngineName=mysql", "EngineName=mysql"},
	} {
		if got := tc.r.Key(); got != tc.key {
			t.Errorf("%s Key = %q, want %q", tc.r.Kind, got, tc.key)
		}
		if got := tc.r.DimensionsKey(); got != tc.dimsKey {
			t.Errorf("%s DimensionsKey = %q, want %q", tc.r.Kind, got, tc.dimsKey)
		}
	}
	if !slices.Equal(Kinds(), []Kind{KindDBInstance, KindCluster, KindProxy, KindClusterRole, KindDatabaseClass, KindEngineName}) || Kind("x").Known() || KindDBInstance.Aggregate() || !KindEngineName.Aggregate() {
		t.Error("kinds are wrong")
	}
}

func TestRoleAndQueries(t *testing.T) {
	for _, tc := range []struct {
		d    Described
		want string
	}{
		{Described{Resource: Resource{Kind: KindDBInstance}}, RolePrimary},
		{Described{Resource: Resource{Kind: KindDBInstance}, Instance: InstanceInfo{ReplicaSource: "src"}}, RoleReplica},
		{Described{Resource: Resource{Kind: KindDBInstance}, Instance: InstanceInfo{ClusterID: "c", Writer: true}}, RoleClusterWriter},
		{Described{Resource: Resource{Kind: KindDBInstance}, Instance: InstanceInfo{ClusterID: "c"}}, RoleClusterReader},
		{Described{Resource: Resource{Kind: KindCluster}}, ""},
	} {
		if got := tc.d.InstanceRole(); got != tc.want {
			t.Errorf("InstanceRole of %+v = %q, want %q", tc.d, got, tc.want)
		}
	}
	a := Described{Resource: Resource{ID: "a"}, Metrics: []Selection{{Metric: "M1", Statistics: []string{"Average", "p99"}}}}
	b := Described{Resource: Resource{ID: "b"}, Metrics: []Selection{{Metric: "M2", Statistics: []string{"Sum"}}}}
	qs := Queries([]Described{a, b})
	if len(qs) != 3 || a.QueryCount() != 2 || qs[1].Statistic != "p99" || qs[2].Resource.ID != "b" || qs[2].Metric != "M2" {
		t.Errorf("Queries = %+v", qs)
	}
	if EngineFamily("aurora-postgresql") != "postgresql" || EngineFamily("mariadb") != "mysql" || !Aurora("aurora-mysql") || Aurora("mysql") {
		t.Error("engine family is wrong")
	}
}
