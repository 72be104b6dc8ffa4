package awssim

// This file is awssim's own list of the AWS/RDS metrics CloudWatch has, their
// units and which resources publish them, written from AWS's documentation:
// "Amazon CloudWatch metrics for Amazon RDS", "Amazon CloudWatch metrics for
// Amazon Aurora" (instance-level and cluster-level tables), "Performance
// Insights metrics published to Amazon CloudWatch", "Monitoring RDS Proxy
// using Amazon CloudWatch" and "Amazon CloudWatch dimensions for Aurora". It
// imports nothing of the exporter, so tests that compare the exporter with
// awssim compare it with the documentation.
//
// Not simulated: SQL Server and Oracle metrics, Multi-AZ DB clusters (the
// *LocalStorage metrics), Aurora backtrack, binlog replication between
// clusters (AuroraBinlogReplicaLag), RDS-to-Aurora replicas, the usage
// metrics of AWS/Usage, and the SourceRegion dimension.

// The CloudWatch namespace of RDS metrics.
const namespaceRDS = "AWS/RDS"

// Dimension names of AWS/RDS.
const (
	dimInstance     = "DBInstanceIdentifier"
	dimCluster      = "DBClusterIdentifier"
	dimRole         = "Role"
	dimClusterLower = "DbClusterIdentifier" // with EngineName, as AWS spells it
	dimClass        = "DatabaseClass"
	dimEngine       = "EngineName"
	dimProxy        = "ProxyName"
	dimEndpoint     = "EndpointName"
	dimTargetGroup  = "TargetGroup"
	dimTargetRole   = "TargetRole"
)

// Values of the Role and TargetRole dimensions, and the names of a proxy's
// default endpoint and target group.
const (
	roleWriter       = "WRITER"
	roleReader       = "READER"
	targetReadWrite  = "READ_WRITE"
	targetReadOnly   = "READ_ONLY"
	defaultProxyName = "default"
)

// roleSet says which replication role publishes a metric.
type roleSet uint8

const (
	roleAny     roleSet = iota
	rolePrimary         // an RDS primary or an Aurora writer
	roleReplica         // an RDS read replica or an Aurora reader
)

// needSet is a set of conditions an instance or cluster must meet to
// publish a metric, one bit each.
type needSet uint16

const (
	needBurstable     needSet = 1 << iota // a db.t* class
	needPI                                // Performance Insights on
	needGP2                               // gp2 storage (burst balance)
	needServerless                        // Aurora Serverless v2 (db.serverless)
	needProvisioned                       // not Aurora Serverless v2
	needReaders                           // an Aurora writer whose cluster has readers
	needGlobal                            // a cluster in an Aurora global database
	needAuroraMyBurst                     // Aurora MySQL only on db.t* (else any class)
	needNone          needSet = 0
)

// metricDoc is one metric as AWS documents it: its name, its CloudWatch
// unit and who publishes it.
type metricDoc struct {
	name    string
	unit    string
	engines engineSet
	role    roleSet
	needs   needSet
}

// proxySet is a set of the dimension sets of RDS Proxy metrics.
type proxySet uint8

const (
	proxyByName     proxySet = 1 << iota // ProxyName
	proxyByEndpoint                      // ProxyName, EndpointName
	proxyByRole                          // ProxyName, TargetGroup, TargetRole
)

// proxyDoc is one RDS Proxy metric and the dimension sets it has.
type proxyDoc struct {
	name string
	unit string
	sets proxySet
}

// Engine groups of the tables.
const (
	engRDS     = enginePostgres | engineMySQL | engineMariaDB
	engAurora  = engineAuroraPostgres | engineAuroraMySQL
	engAll     = engRDS | engAurora
	engPG      = enginePostgres | engineAuroraPostgres
	engMy      = engineMySQL | engineMariaDB
	engAPG     = engineAuroraPostgres
	engAMy     = engineAuroraMySQL
	engRDSAPG  = engRDS | engineAuroraPostgres
	engMySQLAu = engineMySQL | engAurora
)

// instanceMetrics returns the metrics of DB instances (dimension
// DBInstanceIdentifier, and aggregated by DBClusterIdentifier, Role,
// DatabaseClass and EngineName), in the order ListMetrics lists them.
func instanceMetrics() []metricDoc {
	return []metricDoc{
		// Every engine ("Amazon CloudWatch metrics for Amazon RDS" and the
		// Aurora instance-level table).
		{name: "CPUUtilization", unit: "Percent", engines: engAll},
		{name: "DatabaseConnections", unit: "Count", engines: engAll},
		{name: "FreeableMemory", unit: "Bytes", engines: engAll},
		{name: "NetworkReceiveThroughput", unit: "Bytes/Second", engines: engAll},
		{name: "NetworkTransmitThroughput", unit: "Bytes/Second", engines: engAll},
		// Aurora's table gives the console's Milliseconds for Read/WriteLatency;
		// CloudWatch stores Seconds for every engine.
		{name: "ReadLatency", unit: "Seconds", engines: engAll},
		{name: "WriteLatency", unit: "Seconds", engines: engAll},
		{name: "SwapUsage", unit: "Bytes", engines: engAll, needs: needAuroraMyBurst},
		{name: "EBSByteBalance%", unit: "Percent", engines: engAll, needs: needProvisioned},
		{name: "EBSIOBalance%", unit: "Percent", engines: engAll, needs: needProvisioned},
		{name: "CPUCreditUsage", unit: "Count", engines: engAll, needs: needBurstable},
		{name: "CPUCreditBalance", unit: "Count", engines: engAll, needs: needBurstable},
		{name: "ConnectionAttempts", unit: "Count", engines: engMySQLAu},
		// RDS storage; Aurora PostgreSQL reports its I/O too.
		{name: "FreeStorageSpace", unit: "Bytes", engines: engRDS},
		{name: "DiskQueueDepth", unit: "Count", engines: engRDSAPG},
		{name: "ReadIOPS", unit: "Count/Second", engines: engRDSAPG},
		{name: "WriteIOPS", unit: "Count/Second", engines: engRDSAPG},
		{name: "ReadThroughput", unit: "Bytes/Second", engines: engRDSAPG},
		{name: "WriteThroughput", unit: "Bytes/Second", engines: engRDSAPG},
		{name: "BurstBalance", unit: "Percent", engines: engRDS, needs: needGP2},
		{name: "CPUSurplusCreditBalance", unit: "Count", engines: engRDS, needs: needBurstable},
		{name: "CPUSurplusCreditsCharged", unit: "Count", engines: engRDS, needs: needBurstable},
		{name: "ReplicaLag", unit: "Seconds", engines: engRDS, role: roleReplica},
		// Engine families.
		{name: "BinLogDiskUsage", unit: "Bytes", engines: engMy},
		{name: "MaximumUsedTransactionIDs", unit: "Count", engines: engPG},
		{name: "ReplicationSlotDiskUsage", unit: "Bytes", engines: engPG},
		{name: "CheckpointLag", unit: "Seconds", engines: enginePostgres},
		{name: "OldestReplicationSlotLag", unit: "Bytes", engines: enginePostgres},
		{name: "OldestLogicalReplicationSlotLag", unit: "Bytes", engines: enginePostgres},
		{name: "TransactionLogsGeneration", unit: "Bytes/Second", engines: enginePostgres},
		{name: "TransactionLogsDiskUsage", unit: "Bytes", engines: enginePostgres},
		{name: "TransactionLogsDiskUsage", unit: "Bytes", engines: engAPG, role: rolePrimary},
		// Performance Insights.
		{name: "DBLoad", unit: "None", engines: engAll, needs: needPI},
		{name: "DBLoadCPU", unit: "None", engines: engAll, needs: needPI},
		{name: "DBLoadNonCPU", unit: "None", engines: engAll, needs: needPI},
		{name: "DBLoadRelativeToNumVCPUs", unit: "None", engines: engAll, needs: needPI},
		// Aurora instances.
		{name: "AuroraReplicaLag", unit: "Milliseconds", engines: engAurora, role: roleReplica},
		{name: "AuroraReplicaLagMaximum", unit: "Milliseconds", engines: engAurora, role: rolePrimary, needs: needReaders},
		{name: "AuroraReplicaLagMinimum", unit: "Milliseconds", engines: engAurora, role: rolePrimary, needs: needReaders},
		{name: "BufferCacheHitRatio", unit: "Percent", engines: engAurora},
		{name: "CommitLatency", unit: "Milliseconds", engines: engAurora},
		{name: "CommitThroughput", unit: "Count/Second", engines: engAurora},
		{name: "Deadlocks", unit: "Count/Second", engines: engAurora},
		{name: "EngineUptime", unit: "Seconds", engines: engAurora},
		{name: "FreeLocalStorage", unit: "Bytes", engines: engAurora, needs: needProvisioned},
		{name: "NetworkThroughput", unit: "Bytes/Second", engines: engAurora},
		{name: "StorageNetworkReceiveThroughput", unit: "Bytes/Second", engines: engAurora},
		{name: "StorageNetworkThroughput", unit: "Bytes/Second", engines: engAurora},
		{name: "StorageNetworkTransmitThroughput", unit: "Bytes/Second", engines: engAurora},
		{name: "ACUUtilization", unit: "Percent", engines: engAurora, needs: needServerless},
		{name: "ServerlessDatabaseCapacity", unit: "Count", engines: engAurora, needs: needServerless},
		// Aurora's table gives Seconds as the unit of both.
		{name: "TempStorageIOPS", unit: "Seconds", engines: engAurora, needs: needServerless},
		{name: "TempStorageThroughput", unit: "Seconds", engines: engAurora, needs: needServerless},
		// Aurora MySQL instances.
		{name: "AbortedClients", unit: "Count", engines: engAMy},
		{name: "ActiveTransactions", unit: "Count/Second", engines: engAMy},
		{name: "AuroraSlowConnectionHandleCount", unit: "Count", engines: engAMy},
		{name: "AuroraSlowHandshakeCount", unit: "Count", engines: engAMy},
		{name: "BlockedTransactions", unit: "Count/Second", engines: engAMy},
		{name: "DDLLatency", unit: "Milliseconds", engines: engAMy},
		{name: "DDLThroughput", unit: "Count/Second", engines: engAMy},
		{name: "DeleteLatency", unit: "Milliseconds", engines: engAMy},
		{name: "DeleteThroughput", unit: "Count/Second", engines: engAMy},
		{name: "DMLLatency", unit: "Milliseconds", engines: engAMy},
		{name: "DMLThroughput", unit: "Count/Second", engines: engAMy},
		{name: "InsertLatency", unit: "Milliseconds", engines: engAMy},
		{name: "InsertThroughput", unit: "Count/Second", engines: engAMy},
		{name: "LoginFailures", unit: "Count/Second", engines: engAMy},
		{name: "NumBinaryLogFiles", unit: "Count", engines: engAMy},
		{name: "Queries", unit: "Count/Second", engines: engAMy},
		{name: "ResultSetCacheHitRatio", unit: "Percent", engines: engAMy},
		{name: "RollbackSegmentHistoryListLength", unit: "Count", engines: engAMy},
		{name: "RowLockTime", unit: "Milliseconds", engines: engAMy},
		{name: "SelectLatency", unit: "Milliseconds", engines: engAMy},
		{name: "SelectThroughput", unit: "Count/Second", engines: engAMy},
		{name: "SumBinaryLogSize", unit: "Bytes", engines: engAMy},
		{name: "UpdateLatency", unit: "Milliseconds", engines: engAMy},
		{name: "UpdateThroughput", unit: "Count/Second", engines: engAMy},
	}
}

// clusterMetrics returns the cluster-level metrics of Aurora clusters
// (dimension DBClusterIdentifier), in the order ListMetrics lists them.
func clusterMetrics() []metricDoc {
	return []metricDoc{
		{name: "VolumeBytesUsed", unit: "Bytes", engines: engAurora},
		{name: "VolumeReadIOPs", unit: "Count", engines: engAurora},
		{name: "VolumeWriteIOPs", unit: "Count", engines: engAurora},
		{name: "BackupRetentionPeriodStorageUsed", unit: "Bytes", engines: engAurora},
		{name: "SnapshotStorageUsed", unit: "Bytes", engines: engAurora},
		{name: "TotalBackupStorageBilled", unit: "Bytes", engines: engAurora},
		{name: "AuroraVolumeBytesLeftTotal", unit: "Bytes", engines: engAMy},
		{name: "ServerlessDatabaseCapacity", unit: "Count", engines: engAurora, needs: needServerless},
		{name: "AuroraGlobalDBReplicationLag", unit: "Milliseconds", engines: engAurora, needs: needGlobal},
		{name: "AuroraGlobalDBReplicatedWriteIO", unit: "Count", engines: engAurora, needs: needGlobal},
		{name: "AuroraGlobalDBDataTransferBytes", unit: "Bytes", engines: engAurora, needs: needGlobal},
		{name: "AuroraGlobalDBProgressLag", unit: "Milliseconds", engines: engAurora, needs: needGlobal},
		{name: "AuroraGlobalDBRPOLag", unit: "Milliseconds", engines: engAurora, needs: needGlobal},
	}
}

// clusterEngineMetrics are the cluster-level metrics that also have the
// dimensions DbClusterIdentifier and EngineName ("Amazon CloudWatch
// dimensions for Aurora": VolumeReadIOPs of a cluster and engine).
func clusterEngineMetrics() []string {
	return []string{"VolumeBytesUsed", "VolumeReadIOPs", "VolumeWriteIOPs"}
}

// proxyMetrics returns the metrics of RDS Proxies and their dimension sets,
// in the order ListMetrics lists them. Dimension set 3 (ProxyName,
// TargetGroup, Target) is not simulated.
func proxyMetrics() []proxyDoc {
	const name, ep, role = proxyByName, proxyByEndpoint, proxyByRole
	return []proxyDoc{
		{"AvailabilityPercentage", "Percent", role},
		{"ClientConnections", "Count", name | ep},
		{"ClientConnectionsClosed", "Count", name | ep},
		{"ClientConnectionsNoTLS", "Count", name | ep},
		{"ClientConnectionsReceived", "Count", name | ep},
		{"ClientConnectionsSetupFailedAuth", "Count", name | ep},
		{"ClientConnectionsSetupSucceeded", "Count", name | ep},
		{"ClientConnectionsTLS", "Count", name | ep},
		{"DatabaseConnectionRequests", "Count", name | role},
		{"DatabaseConnectionRequestsWithTLS", "Count", name | role},
		{"DatabaseConnections", "Count", name | role},
		{"DatabaseConnectionsBorrowLatency", "Microseconds", name | ep},
		{"DatabaseConnectionsCurrentlyBorrowed", "Count", name | role},
		{"DatabaseConnectionsCurrentlyInTransaction", "Count", name | role},
		{"DatabaseConnectionsCurrentlySessionPinned", "Count", name | role},
		{"DatabaseConnectionsSetupFailed", "Count", name | role},
		{"DatabaseConnectionsSetupSucceeded", "Count", name | role},
		{"DatabaseConnectionsWithTLS", "Count", name | role},
		{"MaxDatabaseConnectionsAllowed", "Count", name | role},
		{"QueryDatabaseResponseLatency", "Microseconds", name | ep | role},
		{"QueryRequests", "Count", name | ep},
		{"QueryRequestsNoTLS", "Count", name | ep},
		{"QueryRequestsTLS", "Count", name | ep},
		{"QueryResponseLatency", "Microseconds", name | ep},
	}
}
