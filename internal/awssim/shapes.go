package awssim

// scaleKind says what the level of a metric is proportional to.
type scaleKind uint8

const (
	scaleFixed   scaleKind = iota // the same level on every resource
	scaleLoad                     // the resource's activity factor
	scaleMemory                   // its memory in bytes
	scaleStorage                  // its storage (an Aurora cluster's volume) in bytes
	scaleVCPU                     // the inverse of its vCPUs
	scaleACU                      // its maximum capacity in ACUs (Aurora Serverless v2)
	scaleUptime                   // seconds since its last restart
)

// shape is the shape of one CloudWatch metric's simulated data.
type shape struct {
	name    string
	hash    uint64
	scale   scaleKind
	base    float64 // level of the average at scale 1
	daily   float64 // relative amplitude of the daily cycle
	trend   float64 // relative sawtooth fall over trendPeriod (negative: rise)
	noise   float64 // relative noise of a one-minute average
	spread  float64 // relative distance of Maximum and Minimum from Average
	hi      float64 // upper bound of any value, 0 for none
	invert  bool    // value is hi minus the modeled consumption (balances)
	integer bool    // samples are whole numbers
	every   int64   // seconds between samples: 60, or 300 for five-minute metrics
}

const (
	mib = 1 << 20
	gib = 1 << 30
	tib = 1 << 40
)

// shapeTable returns the data shape of every metric of metrics.go.
func shapeTable() []shape {
	return []shape{
		// Instances.
		{name: "CPUUtilization", scale: scaleLoad, base: 22, daily: 0.45, noise: 0.15, spread: 0.8, hi: 100},
		{name: "DatabaseConnections", scale: scaleLoad, base: 40, daily: 0.35, noise: 0.08, spread: 0.3, integer: true},
		{name: "FreeStorageSpace", scale: scaleStorage, base: 0.62, trend: 0.35, noise: 0.0005, spread: 0.001},
		{name: "FreeableMemory", scale: scaleMemory, base: 0.42, daily: -0.12, noise: 0.02, spread: 0.05},
		{name: "ReadIOPS", scale: scaleLoad, base: 350, daily: 0.6, noise: 0.2, spread: 1.2},
		{name: "WriteIOPS", scale: scaleLoad, base: 180, daily: 0.5, noise: 0.2, spread: 1},
		{name: "ReadLatency", base: 0.003, daily: 0.3, noise: 0.25, spread: 1.5},
		{name: "WriteLatency", base: 0.004, daily: 0.3, noise: 0.25, spread: 1.5},
		{name: "ReadThroughput", scale: scaleLoad, base: 12 * mib, daily: 0.6, noise: 0.2, spread: 1.5},
		{name: "WriteThroughput", scale: scaleLoad, base: 6 * mib, daily: 0.5, noise: 0.2, spread: 1.5},
		{name: "NetworkReceiveThroughput", scale: scaleLoad, base: 2.5 * mib, daily: 0.5, noise: 0.15, spread: 1},
		{name: "NetworkTransmitThroughput", scale: scaleLoad, base: 8 * mib, daily: 0.5, noise: 0.15, spread: 1},
		{name: "DiskQueueDepth", scale: scaleLoad, base: 0.8, daily: 0.6, noise: 0.3, spread: 2},
		{name: "SwapUsage", base: 64 * mib, daily: 0.05, noise: 0.01, spread: 0.05},
		{name: "BurstBalance", scale: scaleLoad, base: 6, daily: 0.8, noise: 0.2, spread: 0.5, hi: 100, invert: true},
		{name: "CPUCreditBalance", scale: scaleLoad, base: 120, daily: 0.5, noise: 0.05, spread: 0.05, hi: 576, invert: true, every: 300},
		{name: "CPUCreditUsage", scale: scaleLoad, base: 0.8, daily: 0.5, noise: 0.2, spread: 0.8, every: 300},
		{name: "CPUSurplusCreditBalance", base: 0.5, noise: 0.3, spread: 0.5, every: 300},
		{name: "CPUSurplusCreditsCharged", base: 0.1, noise: 0.3, spread: 0.5, every: 300},
		{name: "ReplicaLag", base: 2.5, daily: 0.7, noise: 0.5, spread: 2},
		{name: "EBSByteBalance%", scale: scaleLoad, base: 4, daily: 0.8, noise: 0.2, spread: 0.5, hi: 100, invert: true},
		{name: "EBSIOBalance%", scale: scaleLoad, base: 3, daily: 0.8, noise: 0.2, spread: 0.5, hi: 100, invert: true},
		{name: "ConnectionAttempts", scale: scaleLoad, base: 30, daily: 0.4, noise: 0.2, spread: 1, integer: true},
		{name: "BinLogDiskUsage", base: 512 * mib, trend: -0.5, noise: 0.01, spread: 0.01},
		{name: "CheckpointLag", base: 60, noise: 0.3, spread: 1},
		{name: "MaximumUsedTransactionIDs", base: 80e6, trend: -1.5, noise: 0.001, spread: 0.002, integer: true},
		{name: "OldestLogicalReplicationSlotLag", base: 16 * mib, noise: 0.3, spread: 1},
		{name: "OldestReplicationSlotLag", base: 32 * mib, noise: 0.3, spread: 1},
		{name: "ReplicationSlotDiskUsage", base: 256 * mib, noise: 0.05, spread: 0.05},
		{name: "TransactionLogsDiskUsage", base: gib, trend: -0.3, noise: 0.02, spread: 0.02},
		{name: "TransactionLogsGeneration", scale: scaleLoad, base: 2 * mib, daily: 0.5, noise: 0.2, spread: 1},
		{name: "DBLoad", scale: scaleLoad, base: 1.6, daily: 0.5, noise: 0.25, spread: 1.5},
		{name: "DBLoadCPU", scale: scaleLoad, base: 0.9, daily: 0.5, noise: 0.25, spread: 1.5},
		{name: "DBLoadNonCPU", scale: scaleLoad, base: 0.7, daily: 0.5, noise: 0.25, spread: 1.5},
		{name: "DBLoadRelativeToNumVCPUs", scale: scaleVCPU, base: 1.6, daily: 0.5, noise: 0.25, spread: 1.5},

		// Aurora instances.
		{name: "AuroraReplicaLag", base: 20, daily: 0.5, noise: 0.5, spread: 2},
		{name: "AuroraReplicaLagMaximum", base: 30, daily: 0.5, noise: 0.4, spread: 1.5},
		{name: "AuroraReplicaLagMinimum", base: 12, daily: 0.5, noise: 0.4, spread: 1},
		{name: "BufferCacheHitRatio", scale: scaleLoad, base: 0.8, noise: 0.2, spread: 0.5, hi: 100, invert: true},
		{name: "CommitLatency", base: 2.5, daily: 0.3, noise: 0.3, spread: 1.5},
		{name: "CommitThroughput", scale: scaleLoad, base: 120, daily: 0.5, noise: 0.2, spread: 1},
		{name: "Deadlocks", base: 0.01, noise: 0.8, spread: 2},
		{name: "EngineUptime", scale: scaleUptime, base: 1},
		{name: "FreeLocalStorage", scale: scaleMemory, base: 1.5, trend: 0.1, noise: 0.001, spread: 0.002},
		{name: "NetworkThroughput", scale: scaleLoad, base: 10.5 * mib, daily: 0.5, noise: 0.15, spread: 1},
		{name: "StorageNetworkReceiveThroughput", scale: scaleLoad, base: 6 * mib, daily: 0.5, noise: 0.15, spread: 1},
		{name: "StorageNetworkThroughput", scale: scaleLoad, base: 9 * mib, daily: 0.5, noise: 0.15, spread: 1},
		{name: "StorageNetworkTransmitThroughput", scale: scaleLoad, base: 3 * mib, daily: 0.5, noise: 0.15, spread: 1},
		{name: "ACUUtilization", scale: scaleLoad, base: 30, daily: 0.5, noise: 0.1, spread: 0.5, hi: 100},
		{name: "ServerlessDatabaseCapacity", scale: scaleACU, base: 0.3, daily: 0.5, noise: 0.1, spread: 0.3},
		{name: "TempStorageIOPS", scale: scaleLoad, base: 50, daily: 0.5, noise: 0.3, spread: 1.5},
		{name: "TempStorageThroughput", scale: scaleLoad, base: 2 * mib, daily: 0.5, noise: 0.3, spread: 1.5},

		// Aurora MySQL instances.
		{name: "AbortedClients", base: 0.5, noise: 0.8, spread: 2, integer: true},
		{name: "ActiveTransactions", scale: scaleLoad, base: 5, daily: 0.5, noise: 0.3, spread: 1},
		{name: "AuroraSlowConnectionHandleCount", base: 0.2, noise: 0.8, spread: 2, integer: true},
		{name: "AuroraSlowHandshakeCount", base: 0.5, noise: 0.8, spread: 2, integer: true},
		{name: "BlockedTransactions", base: 0.05, noise: 0.8, spread: 2},
		{name: "DDLLatency", base: 30, noise: 0.5, spread: 2},
		{name: "DDLThroughput", base: 0.05, noise: 0.8, spread: 2},
		{name: "DeleteLatency", base: 1, daily: 0.3, noise: 0.3, spread: 1.5},
		{name: "DeleteThroughput", scale: scaleLoad, base: 8, daily: 0.5, noise: 0.2, spread: 1},
		{name: "DMLLatency", base: 1.5, daily: 0.3, noise: 0.3, spread: 1.5},
		{name: "DMLThroughput", scale: scaleLoad, base: 60, daily: 0.5, noise: 0.2, spread: 1},
		{name: "InsertLatency", base: 0.8, daily: 0.3, noise: 0.3, spread: 1.5},
		{name: "InsertThroughput", scale: scaleLoad, base: 30, daily: 0.5, noise: 0.2, spread: 1},
		{name: "LoginFailures", base: 0.02, noise: 0.8, spread: 2},
		{name: "NumBinaryLogFiles", base: 20, trend: -0.5, noise: 0.01, spread: 0.05, integer: true},
		{name: "Queries", scale: scaleLoad, base: 900, daily: 0.5, noise: 0.2, spread: 1},
		{name: "ResultSetCacheHitRatio", base: 15, noise: 0.2, spread: 0.5, hi: 100, invert: true},
		{name: "RollbackSegmentHistoryListLength", scale: scaleLoad, base: 500, noise: 0.3, spread: 1, integer: true},
		{name: "RowLockTime", base: 5, noise: 0.5, spread: 2},
		{name: "SelectLatency", base: 0.6, daily: 0.3, noise: 0.3, spread: 1.5},
		{name: "SelectThroughput", scale: scaleLoad, base: 700, daily: 0.5, noise: 0.2, spread: 1},
		{name: "SumBinaryLogSize", base: 2 * gib, trend: -0.5, noise: 0.01, spread: 0.01},
		{name: "UpdateLatency", base: 1.2, daily: 0.3, noise: 0.3, spread: 1.5},
		{name: "UpdateThroughput", scale: scaleLoad, base: 25, daily: 0.5, noise: 0.2, spread: 1},

		// Aurora clusters.
		{name: "VolumeBytesUsed", scale: scaleStorage, base: 0.3, trend: -0.3, noise: 0.0005, spread: 0.001},
		{name: "VolumeReadIOPs", scale: scaleLoad, base: 15000, daily: 0.5, noise: 0.2, spread: 0.5, every: 300},
		{name: "VolumeWriteIOPs", scale: scaleLoad, base: 30000, daily: 0.5, noise: 0.2, spread: 0.5, every: 300},
		{name: "BackupRetentionPeriodStorageUsed", scale: scaleStorage, base: 0.05, trend: -0.2, noise: 0.001, spread: 0.001},
		{name: "SnapshotStorageUsed", scale: scaleStorage, base: 0.1, trend: -0.2, noise: 0.001, spread: 0.001},
		{name: "TotalBackupStorageBilled", scale: scaleStorage, base: 0.15, trend: -0.2, noise: 0.001, spread: 0.001},
		{name: "AuroraVolumeBytesLeftTotal", scale: scaleStorage, base: 0.3, trend: -0.3, noise: 0.0005, spread: 0.001, hi: 128 * tib, invert: true},
		{name: "AuroraGlobalDBReplicationLag", base: 800, noise: 0.3, spread: 1},
		{name: "AuroraGlobalDBReplicatedWriteIO", scale: scaleLoad, base: 5000, daily: 0.5, noise: 0.2, spread: 1},
		{name: "AuroraGlobalDBDataTransferBytes", scale: scaleLoad, base: 20 * mib, daily: 0.5, noise: 0.2, spread: 1},
		{name: "AuroraGlobalDBProgressLag", base: 900, noise: 0.3, spread: 1},
		{name: "AuroraGlobalDBRPOLag", base: 1000, noise: 0.3, spread: 1},

		// RDS Proxies.
		{name: "AvailabilityPercentage", base: 0.05, noise: 0.5, spread: 1, hi: 100, invert: true},
		{name: "ClientConnections", scale: scaleLoad, base: 120, daily: 0.4, noise: 0.1, spread: 0.3, integer: true},
		{name: "ClientConnectionsClosed", scale: scaleLoad, base: 15, daily: 0.4, noise: 0.3, spread: 1, integer: true},
		{name: "ClientConnectionsNoTLS", scale: scaleLoad, base: 20, daily: 0.4, noise: 0.1, spread: 0.3, integer: true},
		{name: "ClientConnectionsReceived", scale: scaleLoad, base: 15, daily: 0.4, noise: 0.3, spread: 1, integer: true},
		{name: "ClientConnectionsSetupFailedAuth", base: 0.2, noise: 0.8, spread: 2, integer: true},
		{name: "ClientConnectionsSetupSucceeded", scale: scaleLoad, base: 15, daily: 0.4, noise: 0.3, spread: 1, integer: true},
		{name: "ClientConnectionsTLS", scale: scaleLoad, base: 100, daily: 0.4, noise: 0.1, spread: 0.3, integer: true},
		{name: "DatabaseConnectionRequests", scale: scaleLoad, base: 5, daily: 0.4, noise: 0.3, spread: 1, integer: true},
		{name: "DatabaseConnectionRequestsWithTLS", scale: scaleLoad, base: 4, daily: 0.4, noise: 0.3, spread: 1, integer: true},
		{name: "DatabaseConnectionsBorrowLatency", base: 150, noise: 0.3, spread: 1.5},
		{name: "DatabaseConnectionsCurrentlyBorrowed", scale: scaleLoad, base: 12, daily: 0.4, noise: 0.2, spread: 0.8, integer: true},
		{name: "DatabaseConnectionsCurrentlyInTransaction", scale: scaleLoad, base: 8, daily: 0.4, noise: 0.2, spread: 0.8, integer: true},
		{name: "DatabaseConnectionsCurrentlySessionPinned", scale: scaleLoad, base: 2, daily: 0.4, noise: 0.3, spread: 1, integer: true},
		{name: "DatabaseConnectionsSetupFailed", base: 0.05, noise: 0.8, spread: 2, integer: true},
		{name: "DatabaseConnectionsSetupSucceeded", scale: scaleLoad, base: 5, daily: 0.4, noise: 0.3, spread: 1, integer: true},
		{name: "DatabaseConnectionsWithTLS", scale: scaleLoad, base: 35, daily: 0.35, noise: 0.08, spread: 0.3, integer: true},
		{name: "MaxDatabaseConnectionsAllowed", base: 900, integer: true},
		{name: "QueryDatabaseResponseLatency", base: 1800, daily: 0.3, noise: 0.3, spread: 1.5},
		{name: "QueryRequests", scale: scaleLoad, base: 3000, daily: 0.5, noise: 0.2, spread: 1, integer: true},
		{name: "QueryRequestsNoTLS", scale: scaleLoad, base: 500, daily: 0.5, noise: 0.2, spread: 1, integer: true},
		{name: "QueryRequestsTLS", scale: scaleLoad, base: 2500, daily: 0.5, noise: 0.2, spread: 1, integer: true},
		{name: "QueryResponseLatency", base: 2500, daily: 0.3, noise: 0.3, spread: 1.5},
	}
}

// shapeSet indexes the shape table by metric name.
type shapeSet map[string]*shape

// newShapes indexes the shape table.
func newShapes() shapeSet {
	table := shapeTable()
	out := make(shapeSet, len(table))
	for i := range table {
		sh := &table[i]
		sh.hash = strHash(sh.name)
		if sh.every == 0 {
			sh.every = 60
		}
		out[sh.name] = sh
	}
	return out
}
