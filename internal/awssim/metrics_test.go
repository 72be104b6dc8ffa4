package awssim

import (
	"slices"
	"testing"
)

// The metric lists of AWS's documentation, written out again here so that
// the table test compares metrics.go with the documentation, not with
// itself.
var (
	// "Amazon CloudWatch metrics for Amazon RDS": every engine.
	docRDSAll = []string{
		"CPUUtilization", "DatabaseConnections", "DiskQueueDepth", "EBSByteBalance%", "EBSIOBalance%",
		"FreeableMemory", "FreeStorageSpace", "NetworkReceiveThroughput", "NetworkTransmitThroughput",
		"ReadIOPS", "ReadLatency", "ReadThroughput", "SwapUsage", "WriteIOPS", "WriteLatency", "WriteThroughput",
	}
	docPostgres   = []string{"CheckpointLag", "MaximumUsedTransactionIDs", "OldestLogicalReplicationSlotLag", "OldestReplicationSlotLag", "ReplicationSlotDiskUsage", "TransactionLogsDiskUsage", "TransactionLogsGeneration"}
	docMySQL      = []string{"BinLogDiskUsage", "ConnectionAttempts"}
	docMariaDB    = []string{"BinLogDiskUsage"}
	docBurstable  = []string{"CPUCreditBalance", "CPUCreditUsage", "CPUSurplusCreditBalance", "CPUSurplusCreditsCharged"}
	docPI         = []string{"DBLoad", "DBLoadCPU", "DBLoadNonCPU", "DBLoadRelativeToNumVCPUs"}
	docAuroraBoth = []string{
		"BufferCacheHitRatio", "CommitLatency", "CommitThroughput", "ConnectionAttempts", "CPUUtilization",
		"DatabaseConnections", "Deadlocks", "EBSByteBalance%", "EBSIOBalance%", "EngineUptime", "FreeableMemory",
		"FreeLocalStorage", "NetworkReceiveThroughput", "NetworkThroughput", "NetworkTransmitThroughput", "ReadLatency",
		"StorageNetworkReceiveThroughput", "StorageNetworkThroughput", "StorageNetworkTransmitThroughput", "WriteLatency",
	}
	docAuroraPG = []string{"DiskQueueDepth", "MaximumUsedTransactionIDs", "ReadIOPS", "ReadThroughput", "ReplicationSlotDiskUsage", "SwapUsage", "WriteIOPS", "WriteThroughput"}
	docAuroraMy = []string{
		"AbortedClients", "ActiveTransactions", "AuroraSlowConnectionHandleCount", "AuroraSlowHandshakeCount",
		"BlockedTransactions", "DDLLatency", "DDLThroughput", "DeleteLatency", "DeleteThroughput", "DMLLatency",
		"DMLThroughput", "InsertLatency", "InsertThroughput", "LoginFailures", "NumBinaryLogFiles", "Queries",
		"ResultSetCacheHitRatio", "RollbackSegmentHistoryListLength", "RowLockTime", "SelectLatency",
		"SelectThroughput", "SumBinaryLogSize", "UpdateLatency", "UpdateThroughput",
	}
	docServerless      = []string{"ACUUtilization", "ServerlessDatabaseCapacity", "TempStorageIOPS", "TempStorageThroughput"}
	docAuroraWriter    = []string{"AuroraReplicaLagMaximum", "AuroraReplicaLagMinimum"}
	docClusterStorage  = []string{"BackupRetentionPeriodStorageUsed", "SnapshotStorageUsed", "TotalBackupStorageBilled", "VolumeBytesUsed", "VolumeReadIOPs", "VolumeWriteIOPs"}
	docClusterGlobal   = []string{"AuroraGlobalDBDataTransferBytes", "AuroraGlobalDBProgressLag", "AuroraGlobalDBReplicatedWriteIO", "AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag"}
	docProxyByName     = []string{"ClientConnections", "ClientConnectionsClosed", "ClientConnectionsNoTLS", "ClientConnectionsReceived", "ClientConnectionsSetupFailedAuth", "ClientConnectionsSetupSucceeded", "ClientConnectionsTLS", "DatabaseConnectionRequests", "DatabaseConnectionRequestsWithTLS", "DatabaseConnections", "DatabaseConnectionsBorrowLatency", "DatabaseConnectionsCurrentlyBorrowed", "DatabaseConnectionsCurrentlyInTransaction", "DatabaseConnectionsCurrentlySessionPinned", "DatabaseConnectionsSetupFailed", "DatabaseConnectionsSetupSucceeded", "DatabaseConnectionsWithTLS", "MaxDatabaseConnectionsAllowed", "QueryDatabaseResponseLatency", "QueryRequests", "QueryRequestsNoTLS", "QueryRequestsTLS", "QueryResponseLatency"}
	docProxyByEndpoint = []string{"ClientConnections", "ClientConnectionsClosed", "ClientConnectionsNoTLS", "ClientConnectionsReceived", "ClientConnectionsSetupFailedAuth", "ClientConnectionsSetupSucceeded", "ClientConnectionsTLS", "DatabaseConnectionsBorrowLatency", "QueryDatabaseResponseLatency", "QueryRequests", "QueryRequestsNoTLS", "QueryRequestsTLS", "QueryResponseLatency"}
	docProxyByRole     = []string{"AvailabilityPercentage", "DatabaseConnectionRequests", "DatabaseConnectionRequestsWithTLS", "DatabaseConnections", "DatabaseConnectionsCurrentlyBorrowed", "DatabaseConnectionsCurrentlyInTransaction", "DatabaseConnectionsCurrentlySessionPinned", "DatabaseConnectionsSetupFailed", "DatabaseConnectionsSetupSucceeded", "DatabaseConnectionsWithTLS", "MaxDatabaseConnectionsAllowed", "QueryDatabaseResponseLatency"}
)

// union returns the sorted union of name lists, less the names in minus.
func union(minus []string, lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		for _, n := range l {
			if !slices.Contains(out, n) && !slices.Contains(minus, n) {
				out = append(out, n)
			}
		}
	}
	slices.Sort(out)
	return out
}

// instanceNames returns the sorted names of the instance metrics a
// resource with traits t publishes, by metrics.go.
func instanceNames(t traits) []string {
	var out []string
	for _, d := range instanceMetrics() {
		if d.appliesTo(t) && !slices.Contains(out, d.name) {
			out = append(out, d.name)
		}
	}
	slices.Sort(out)
	return out
}

func TestInstanceMetricSetsMatchDocumentation(t *testing.T) {
	pg, my, maria := enginePostgres, engineMySQL, engineMariaDB
	apg, amy := engineAuroraPostgres, engineAuroraMySQL
	cases := []struct {
		name string
		t    traits
		want []string
	}{
		{"PostgreSQL primary, m class, gp3, PI on", traits{engine: pg, primary: true, pi: true},
			union([]string{"BurstBalance"}, docRDSAll, docPostgres, docPI)},
		{"PostgreSQL replica, burstable, gp2, PI off", traits{engine: pg, burstable: true, gp2: true},
			union(nil, docRDSAll, docPostgres, docBurstable, []string{"BurstBalance", "ReplicaLag"})},
		{"MySQL primary, r class, io1", traits{engine: my, primary: true},
			union(nil, docRDSAll, docMySQL)},
		{"MariaDB replica, burstable, PI on", traits{engine: maria, burstable: true, pi: true},
			union(nil, docRDSAll, docMariaDB, docBurstable, docPI, []string{"ReplicaLag"})},
		{"Aurora PostgreSQL writer with readers", traits{engine: apg, primary: true, readers: true},
			union(nil, docAuroraBoth, docAuroraPG, docAuroraWriter, []string{"TransactionLogsDiskUsage"})},
		{"Aurora PostgreSQL lone writer, burstable, PI on", traits{engine: apg, primary: true, burstable: true, pi: true},
			union(nil, docAuroraBoth, docAuroraPG, docPI, []string{"CPUCreditBalance", "CPUCreditUsage", "TransactionLogsDiskUsage"})},
		{"Aurora PostgreSQL reader", traits{engine: apg},
			union(nil, docAuroraBoth, docAuroraPG, []string{"AuroraReplicaLag"})},
		{"Aurora MySQL reader, r class", traits{engine: amy},
			union(nil, docAuroraBoth, docAuroraMy, []string{"AuroraReplicaLag"})},
		{"Aurora MySQL burstable writer", traits{engine: amy, primary: true, burstable: true},
			union(nil, docAuroraBoth, docAuroraMy, []string{"CPUCreditBalance", "CPUCreditUsage", "SwapUsage"})},
		{"Aurora MySQL Serverless v2 writer with readers", traits{engine: amy, primary: true, serverless: true, readers: true},
			union([]string{"FreeLocalStorage", "EBSByteBalance%", "EBSIOBalance%"}, docAuroraBoth, docAuroraMy, docServerless, docAuroraWriter)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := instanceNames(tc.t); !slices.Equal(got, tc.want) {
				t.Errorf("metrics.go publishes\n%v\nthe documentation lists\n%v", got, tc.want)
			}
		})
	}
}

func TestClusterAndProxyMetricSetsMatchDocumentation(t *testing.T) {
	cat := newDocIndex(false)
	clusterNames := func(tr traits) []string {
		var out []string
		for _, d := range clusterMetrics() {
			if d.appliesTo(tr) {
				out = append(out, d.name)
			}
		}
		slices.Sort(out)
		return out
	}
	clusters := []struct {
		name string
		t    traits
		want []string
	}{
		{"Aurora PostgreSQL provisioned", traits{engine: engineAuroraPostgres, primary: true}, union(nil, docClusterStorage)},
		{"Aurora MySQL serverless", traits{engine: engineAuroraMySQL, primary: true, serverless: true}, union(nil, docClusterStorage, []string{"AuroraVolumeBytesLeftTotal", "ServerlessDatabaseCapacity"})},
		{"Aurora PostgreSQL global", traits{engine: engineAuroraPostgres, primary: true, global: true}, union(nil, docClusterStorage, docClusterGlobal)},
	}
	for _, tc := range clusters {
		if got := clusterNames(tc.t); !slices.Equal(got, tc.want) {
			t.Errorf("%s: metrics.go publishes\n%v\nthe documentation lists\n%v", tc.name, got, tc.want)
		}
	}
	proxySets := map[proxySet][]string{proxyByName: docProxyByName, proxyByEndpoint: docProxyByEndpoint, proxyByRole: docProxyByRole}
	for set, want := range proxySets {
		var got []string
		for _, n := range cat.proxyOrder {
			if cat.proxy[n].sets&set != 0 {
				got = append(got, n)
			}
		}
		if slices.Sort(got); !slices.Equal(got, union(nil, want)) {
			t.Errorf("proxy set %d: metrics.go has\n%v\nthe documentation lists\n%v", set, got, union(nil, want))
		}
	}
}

// TestEveryMetricHasAShape checks that every documented metric has data,
// and every shape a documented metric.
func TestEveryMetricHasAShape(t *testing.T) {
	cat, shapes := newDocIndex(false), newShapes()
	for name := range cat.units {
		if shapes[name] == nil {
			t.Errorf("%s has no shape", name)
		}
	}
	for name := range shapes {
		if _, ok := cat.units[name]; !ok {
			t.Errorf("shape %s is of no documented metric", name)
		}
	}
}

func TestPublishedSeriesOfAFleet(t *testing.T) {
	s := newTestSim(Options{Instances: 20, Engines: allEngines(), ClusterSize: 3, Proxies: 3})
	byDims := map[string][]string{}
	for _, sr := range s.PublishedSeries(s.AccountID(), s.Region()) {
		k := dimsString(sortedDims(sr.Dimensions))
		byDims[k] = append(byDims[k], sr.Metric)
	}
	for _, f := range s.order {
		for i := range f.instances {
			in := &f.instances[i]
			got := slices.Sorted(slices.Values(byDims[dimInstance+"="+in.ID]))
			if want := instanceNames(in.traits()); !slices.Equal(got, want) {
				t.Errorf("%s (%+v): ListMetrics %v, want %v", in.ID, in.traits(), got, want)
			}
		}
		for i := range f.clusters {
			c := &f.clusters[i]
			writer := byDims[dimCluster+"="+c.ID+","+dimRole+"="+roleWriter]
			reader := byDims[dimCluster+"="+c.ID+","+dimRole+"="+roleReader]
			if len(writer) == 0 || (len(reader) == 0) != (len(c.members) == 1) {
				t.Errorf("%s: %d writer and %d reader series with %d members", c.ID, len(writer), len(reader), len(c.members))
			}
			if all := byDims[dimCluster+"="+c.ID]; !slices.Contains(all, "VolumeBytesUsed") || !slices.Contains(all, "CPUUtilization") {
				t.Errorf("%s: by DBClusterIdentifier %v", c.ID, all)
			}
		}
	}
	if n := len(byDims[dimClass+"="+serverlessClass]); n == 0 {
		t.Error("no series by DatabaseClass db.serverless")
	}
}
