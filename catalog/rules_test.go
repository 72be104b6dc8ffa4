package catalog

import (
	"slices"
	"testing"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

func names(sels []model.Selection) []string {
	out := make([]string, len(sels))
	for i, s := range sels {
		out[i] = s.Metric
	}
	return out
}

func instance(engine, class, storage string, info func(*model.Described)) model.Described {
	d := model.Described{
		Resource: model.Resource{Kind: model.KindDBInstance, ID: "db-1"},
		Engine:   engine,
		Instance: model.InstanceInfo{Class: class, StorageType: storage},
	}
	if info != nil {
		info(&d)
	}
	return d
}

// Without a listing, the defaults of a resource follow its engine, class,
// role, storage and Performance Insights.
func TestRulesDefaultsWithoutListing(t *testing.T) {
	rules := Rules{Defaults: true}
	common := []string{"CPUUtilization", "DatabaseConnections", "FreeableMemory", "ReadLatency", "WriteLatency", "NetworkReceiveThroughput", "NetworkTransmitThroughput", "SwapUsage", "EBSByteBalance%", "EBSIOBalance%"}
	rdsStorage := []string{"FreeStorageSpace", "ReadIOPS", "WriteIOPS", "ReadThroughput", "WriteThroughput", "DiskQueueDepth"}
	pg := []string{"MaximumUsedTransactionIDs", "OldestReplicationSlotLag", "OldestLogicalReplicationSlotLag", "ReplicationSlotDiskUsage", "TransactionLogsDiskUsage", "TransactionLogsGeneration", "CheckpointLag"}
	for _, tc := range []struct {
		name     string
		d        model.Described
		want     []string // besides common
		wantNone []string
	}{
		{"postgres primary m-class gp3", instance("postgres", "db.m6g.large", "gp3", nil),
			slices.Concat(rdsStorage, pg), []string{"ReplicaLag", "BinLogDiskUsage", "CPUCreditBalance", "BurstBalance", "DBLoad"}},
		{"mysql replica t-class gp2 with PI", instance("mysql", "db.t3.medium", "gp2", func(d *model.Described) {
			d.Instance.ReplicaSource, d.Instance.PerformanceInsights = "src", true
		}), slices.Concat(rdsStorage, []string{"ReplicaLag", "BurstBalance", "CPUCreditBalance", "CPUCreditUsage", "BinLogDiskUsage", "DBLoad", "DBLoadCPU", "DBLoadNonCPU"}),
			[]string{"MaximumUsedTransactionIDs", "AuroraReplicaLag"}},
		{"aurora-postgresql reader", instance("aurora-postgresql", "db.r6g.large", "aurora", func(d *model.Described) {
			d.Instance.ClusterID = "c"
		}), []string{"AuroraReplicaLag", "BufferCacheHitRatio", "MaximumUsedTransactionIDs", "ReplicationSlotDiskUsage", "ReadIOPS", "FreeLocalStorage"},
			[]string{"FreeStorageSpace", "ReplicaLag", "TransactionLogsDiskUsage", "CheckpointLag", "AuroraReplicaLagMaximum"}},
		{"aurora-mysql serverless writer", instance("aurora-mysql", "db.serverless", "aurora", func(d *model.Described) {
			d.Instance.ClusterID, d.Instance.Writer = "c", true
		}), []string{"AuroraReplicaLagMaximum", "ServerlessDatabaseCapacity", "ACUUtilization", "Queries", "DMLLatency", "SelectLatency"},
			[]string{"ReadIOPS", "FreeLocalStorage", "EBSIOBalance%", "SwapUsage", "FreeStorageSpace"}},
	} {
		got, listed := rules.For(tc.d, nil)
		if listed {
			t.Errorf("%s: listed without a listing", tc.name)
		}
		gotNames := names(got)
		for _, m := range tc.want {
			if !slices.Contains(gotNames, m) {
				t.Errorf("%s: %s missing from %v", tc.name, m, gotNames)
			}
		}
		for _, m := range tc.wantNone {
			if slices.Contains(gotNames, m) {
				t.Errorf("%s: %s selected", tc.name, m)
			}
		}
		if tc.d.Engine != "aurora-mysql" {
			for _, m := range common {
				if !slices.Contains(gotNames, m) {
					t.Errorf("%s: common %s missing", tc.name, m)
				}
			}
		}
		for _, s := range got {
			if !slices.Equal(s.Statistics, DefaultStatistics()) {
				t.Errorf("%s: %s statistics %v", tc.name, s.Metric, s.Statistics)
			}
		}
	}
}

// With a listing, a resource gets exactly the default and added metrics
// that CloudWatch lists for it, whatever its description says.
func TestRulesWithListing(t *testing.T) {
	d := instance("postgres", "db.m6g.large", "gp3", nil) // PI off, primary: the fallback would skip DBLoad
	listing := model.Listing{}
	for _, m := range []string{"CPUUtilization", "DBLoad", "CheckpointLag", "AuroraReplicaLag", "NotInCatalog", "EngineUptime"} {
		listing.Add(m, d.Dimensions())
	}
	listing.Add("CPUUtilization", []model.Dimension{{Name: "DBInstanceIdentifier", Value: "other"}})
	rules := Rules{Defaults: true, Statistics: []string{"Maximum"},
		Add:    []model.Selection{{Metric: "NotInCatalog", Statistics: []string{"p99", "p99"}}, {Metric: "EngineUptime"}, {Metric: "VolumeBytesUsed"}},
		Remove: []string{"CheckpointLag"}}
	got, listed := rules.For(d, listing)
	want := []model.Selection{
		{Metric: "CPUUtilization", Statistics: []string{"Maximum"}},
		{Metric: "DBLoad", Statistics: []string{"Maximum"}},
		{Metric: "AuroraReplicaLag", Statistics: []string{"Maximum"}}, // listed: the listing wins over the description
		{Metric: "EngineUptime", Statistics: []string{"Maximum"}},
		{Metric: "NotInCatalog", Statistics: []string{"p99"}},
	}
	if !listed || !slices.EqualFunc(got, want, func(a, b model.Selection) bool {
		return a.Metric == b.Metric && slices.Equal(a.Statistics, b.Statistics)
	}) {
		t.Errorf("For = %v, %v; want %v, true", got, listed, want)
	}

	// A discovered resource the listing does not name has no metrics yet;
	// a static one falls back to its defaults.
	other := instance("postgres", "db.m6g.large", "gp3", func(d *model.Described) { d.ID = "new" })
	if got, listed := rules.For(other, listing); len(got) != 0 || !listed {
		t.Errorf("unlisted discovered resource: %v, %v", names(got), listed)
	}
	other.Static = true
	if got, listed := rules.For(other, listing); listed || !slices.Contains(names(got), "CPUUtilization") || !slices.Contains(names(got), "NotInCatalog") || slices.Contains(names(got), "VolumeBytesUsed") {
		t.Errorf("unlisted static resource: %v, %v", names(got), listed)
	}
}

func TestRulesPerKind(t *testing.T) {
	rules := Rules{Defaults: true}
	for _, tc := range []struct {
		d        model.Described
		want     []string
		wantNone []string
	}{
		{model.Described{Resource: model.Resource{Kind: model.KindCluster}, Engine: "aurora-mysql", Cluster: model.ClusterInfo{Serverless: true, GlobalClusterID: "g"}},
			[]string{"VolumeBytesUsed", "VolumeReadIOPs", "ServerlessDatabaseCapacity", "AuroraGlobalDBReplicationLag", "AuroraVolumeBytesLeftTotal"},
			[]string{"CPUUtilization", "ClientConnections", "ACUUtilization"}},
		{model.Described{Resource: model.Resource{Kind: model.KindProxy}},
			[]string{"ClientConnections", "DatabaseConnections", "QueryRequests", "QueryDatabaseResponseLatency"},
			[]string{"CPUUtilization", "VolumeBytesUsed", "AvailabilityPercentage"}},
		{model.Described{Resource: model.Resource{Kind: model.KindDatabaseClass}, Instance: model.InstanceInfo{Class: "db.t4g.large"}},
			[]string{"CPUUtilization", "CPUCreditBalance"},
			[]string{"VolumeBytesUsed", "ClientConnections"}},
	} {
		got := names(first(rules.For(tc.d, nil)))
		for _, m := range tc.want {
			if !slices.Contains(got, m) {
				t.Errorf("%s: %s missing from %v", tc.d.Kind, m, got)
			}
		}
		for _, m := range tc.wantNone {
			if slices.Contains(got, m) {
				t.Errorf("%s: %s selected", tc.d.Kind, m)
			}
		}
	}
}

func first[T any](v T, _ bool) T { return v }
