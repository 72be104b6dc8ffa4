package catalog

import (
	"slices"
	"strings"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// Metric describes one CloudWatch metric of AWS/RDS the catalog knows. Any
// other metric name can be fetched too (see Rules); it gets a generic HELP
// and an unknown unit.
type Metric struct {
	// Name is the CloudWatch metric name, e.g. "CPUUtilization".
	Name string
	// Unit is CloudWatch's unit, e.g. "Percent", "Bytes", "Count/Second".
	Unit string
	// Help is what the metric measures, for HELP text and dashboards. A
	// metric name has one HELP whichever kinds publish it.
	Help string
	// Kinds are the kinds of resources that publish the metric. The
	// aggregates of DB instances (KindClusterRole, KindDatabaseClass,
	// KindEngineName) publish the metrics of KindDBInstance.
	Kinds []model.Kind
	// Default, when set, makes the metric a default of its kinds. When
	// ListMetrics has listed a resource's metrics, every default metric it
	// lists is fetched; otherwise Default guesses, from the resource's
	// engine, class, role, storage and Performance Insights, whether
	// CloudWatch has the metric for it.
	Default Rule
}

// Rule tells whether CloudWatch publishes a metric for a resource, from
// what DescribeDB* (or the config) says of it.
type Rule func(model.Described) bool

// AppliesTo reports whether resources of kind k publish m.
func (m Metric) AppliesTo(k model.Kind) bool {
	if k.Aggregate() {
		k = model.KindDBInstance
	}
	return slices.Contains(m.Kinds, k)
}

// Rules of the defaults: when CloudWatch has a metric for a resource,
// according to AWS's documentation of the RDS, Aurora, Performance
// Insights and RDS Proxy metrics.
func always(model.Described) bool { return true }

// notAurora: RDS engines (PostgreSQL, MySQL, MariaDB, Oracle, SQL Server,
// Db2), whose instances have their own storage.
func notAurora(d model.Described) bool { return !model.Aurora(d.Engine) }

func aurora(d model.Described) bool { return model.Aurora(d.Engine) }

// rdsIO: instance storage I/O, which Aurora PostgreSQL reports too.
func rdsIO(d model.Described) bool { return notAurora(d) || d.Engine == "aurora-postgresql" }

func postgres(d model.Described) bool { return d.Engine == "postgres" }

func pgFamily(d model.Described) bool { return model.EngineFamily(d.Engine) == "postgresql" }

func mysqlRDS(d model.Described) bool { return d.Engine == "mysql" || d.Engine == "mariadb" }

func auroraMySQL(d model.Described) bool { return d.Engine == "aurora-mysql" }

func burstable(d model.Described) bool { return strings.HasPrefix(d.Instance.Class, "db.t") }

func serverless(d model.Described) bool {
	return d.Instance.Class == "db.serverless" || d.Cluster.Serverless
}

func provisioned(d model.Described) bool { return !serverless(d) }

func gp2(d model.Described) bool { return notAurora(d) && d.Instance.StorageType == "gp2" }

func swap(d model.Described) bool { return !auroraMySQL(d) || burstable(d) }

func replica(d model.Described) bool { return notAurora(d) && d.InstanceRole() == model.RoleReplica }

func auroraReader(d model.Described) bool {
	return aurora(d) && d.InstanceRole() == model.RoleClusterReader
}

func auroraWriter(d model.Described) bool {
	return aurora(d) && d.InstanceRole() == model.RoleClusterWriter
}

func performanceInsights(d model.Described) bool { return d.Instance.PerformanceInsights }

func transactionLogs(d model.Described) bool {
	return postgres(d) || (d.Engine == "aurora-postgresql" && d.InstanceRole() != model.RoleClusterReader)
}

func auroraLocal(d model.Described) bool { return aurora(d) && provisioned(d) }

func globalCluster(d model.Described) bool { return d.Cluster.GlobalClusterID != "" }

// Metrics returns the catalog in a stable order: DB instance metrics (the
// RDS ones, Performance Insights, Aurora's, Aurora MySQL's), Aurora
// cluster metrics, RDS Proxy metrics. The slice is new on every call;
// callers may modify it.
func Metrics() []Metric {
	return slices.Concat(instanceMetrics(), auroraInstanceMetrics(), clusterMetrics(), proxyMetrics())
}

// instanceMetrics are the DB instance metrics of every engine.
func instanceMetrics() []Metric {
	db := []model.Kind{model.KindDBInstance}
	dbProxy := []model.Kind{model.KindDBInstance, model.KindProxy}
	return []Metric{
		{"CPUUtilization", "Percent", "Percentage of CPU utilization.", db, always},
		{"DatabaseConnections", "Count", "Client network connections to the DB instance; for an RDS Proxy, connections from the proxy to the database.", dbProxy, always},
		{"FreeStorageSpace", "Bytes", "Amount of available storage space.", db, notAurora},
		{"FreeableMemory", "Bytes", "Amount of available random access memory.", db, always},
		{"ReadIOPS", "Count/Second", "Average number of disk read I/O operations per second.", db, rdsIO},
		{"WriteIOPS", "Count/Second", "Average number of disk write I/O operations per second.", db, rdsIO},
		{"ReadLatency", "Seconds", "Average amount of time taken per disk read I/O operation.", db, always},
		{"WriteLatency", "Seconds", "Average amount of time taken per disk write I/O operation.", db, always},
		{"ReadThroughput", "Bytes/Second", "Average number of bytes read from disk per second.", db, rdsIO},
		{"WriteThroughput", "Bytes/Second", "Average number of bytes written to disk per second.", db, rdsIO},
		{"NetworkReceiveThroughput", "Bytes/Second", "Incoming network traffic on the DB instance, including customer database traffic and replication traffic.", db, always},
		{"NetworkTransmitThroughput", "Bytes/Second", "Outgoing network traffic on the DB instance, including customer database traffic and replication traffic.", db, always},
		{"DiskQueueDepth", "Count", "Number of outstanding I/Os (read/write requests) waiting to access the disk.", db, rdsIO},
		{"SwapUsage", "Bytes", "Amount of swap space used on the DB instance.", db, swap},
		{"BurstBalance", "Percent", "Percent of General Purpose SSD (gp2) burst-bucket I/O credits available.", db, gp2},
		{"CPUCreditBalance", "Count", "Number of earned CPU credits that a burstable instance has accrued.", db, burstable},
		{"CPUCreditUsage", "Count", "Number of CPU credits spent by a burstable instance.", db, burstable},
		{"ReplicaLag", "Seconds", "Amount of time a read replica lags behind the source DB instance.", db, replica},
		{"EBSByteBalance%", "Percent", "Percentage of throughput credits remaining in the burst bucket of the RDS database.", db, provisioned},
		{"EBSIOBalance%", "Percent", "Percentage of I/O credits remaining in the burst bucket of the RDS database.", db, provisioned},
		{"DBLoad", "Count", "Number of active sessions for the DB engine (Performance Insights).", db, performanceInsights},
		{"DBLoadCPU", "Count", "Number of active sessions where the wait event type is CPU (Performance Insights).", db, performanceInsights},
		{"DBLoadNonCPU", "Count", "Number of active sessions where the wait event type is not CPU (Performance Insights).", db, performanceInsights},
		{"BinLogDiskUsage", "Bytes", "Amount of disk space occupied by binary logs (MySQL, MariaDB).", db, mysqlRDS},
		{"MaximumUsedTransactionIDs", "Count", "Maximum transaction IDs that have been used (PostgreSQL); watch for wraparound.", db, pgFamily},
		{"OldestReplicationSlotLag", "Bytes", "Lagging size of the replica lagging the most in receiving write-ahead log data (PostgreSQL).", db, postgres},
		{"OldestLogicalReplicationSlotLag", "Bytes", "Lagging size of the replica lagging the most in receiving write-ahead log data (PostgreSQL logical slots).", db, postgres},
		{"ReplicationSlotDiskUsage", "Bytes", "Disk space used by replication slot files (PostgreSQL).", db, pgFamily},
		{"TransactionLogsDiskUsage", "Bytes", "Disk space used by transaction logs (PostgreSQL).", db, transactionLogs},
		{"TransactionLogsGeneration", "Bytes/Second", "Size of transaction logs generated per second (PostgreSQL).", db, postgres},
		{"CheckpointLag", "Seconds", "Amount of time since the most recent checkpoint (PostgreSQL).", db, postgres},

		{"ConnectionAttempts", "Count", "Number of attempts to connect to the instance, whether successful or not (MySQL).", db, nil},
		{"CPUSurplusCreditBalance", "Count", "Number of surplus credits spent by an unlimited burstable instance when its CPUCreditBalance is zero.", db, nil},
		{"CPUSurplusCreditsCharged", "Count", "Number of spent surplus credits not paid down by earned CPU credits, which incur an additional charge.", db, nil},
		{"DBLoadRelativeToNumVCPUs", "Count", "Ratio of the DB load to the number of virtual CPUs of the database (Performance Insights).", db, nil},
		{"FailedSQLServerAgentJobsCount", "Count/Minute", "Number of failed Microsoft SQL Server Agent jobs during the last minute.", db, nil},
		{"ReadIOPSLocalStorage", "Count/Second", "Average number of disk read I/O operations to local storage per second.", db, nil},
		{"ReadLatencyLocalStorage", "Seconds", "Average amount of time taken per disk read I/O operation to local storage.", db, nil},
		{"ReadThroughputLocalStorage", "Bytes/Second", "Average number of bytes read from local storage per second.", db, nil},
		{"ReplicationChannelLag", "Seconds", "Amount of time a multi-source replica channel lags behind its source (MySQL).", db, nil},
		{"WriteIOPSLocalStorage", "Count/Second", "Average number of disk write I/O operations per second on local storage.", db, nil},
		{"WriteLatencyLocalStorage", "Seconds", "Average amount of time taken per disk write I/O operation on local storage.", db, nil},
		{"WriteThroughputLocalStorage", "Bytes/Second", "Average number of bytes written to local storage per second.", db, nil},
		{"TempDbAvailableDataSpace", "Bytes", "Amount of available data space on tempdb (SQL Server).", db, nil},
		{"TempDbAvailableLogSpace", "Bytes", "Amount of available log space on tempdb (SQL Server).", db, nil},
		{"TempDbDataFileUsage", "Percent", "Percentage of data files used on tempdb (SQL Server).", db, nil},
		{"TempDbLogFileUsage", "Percent", "Percentage of log files used on tempdb (SQL Server).", db, nil},
	}
}

// auroraInstanceMetrics are the instance-level metrics of Aurora.
func auroraInstanceMetrics() []Metric {
	db := []model.Kind{model.KindDBInstance}
	dbCluster := []model.Kind{model.KindDBInstance, model.KindCluster}
	return []Metric{
		{"AuroraReplicaLag", "Milliseconds", "Lag of an Aurora Replica behind the writer when it replicates updates.", db, auroraReader},
		{"AuroraReplicaLagMaximum", "Milliseconds", "Largest lag between the writer and any Aurora Replica of its cluster.", db, auroraWriter},
		{"AuroraReplicaLagMinimum", "Milliseconds", "Smallest lag between the writer and any Aurora Replica of its cluster.", db, nil},
		{"BufferCacheHitRatio", "Percent", "Percentage of requests served by the buffer cache (Aurora).", db, aurora},
		{"CommitLatency", "Milliseconds", "Average duration of commit operations (Aurora).", db, aurora},
		{"CommitThroughput", "Count/Second", "Average number of commit operations per second (Aurora).", db, aurora},
		{"Deadlocks", "Count/Second", "Average number of deadlocks per second (Aurora).", db, aurora},
		{"FreeLocalStorage", "Bytes", "Amount of local storage available for temporary tables and logs (Aurora).", db, auroraLocal},
		{"ServerlessDatabaseCapacity", "Count", "Current capacity in Aurora capacity units (ACUs) of an Aurora Serverless v2 instance or cluster.", dbCluster, serverless},
		{"ACUUtilization", "Percent", "Capacity used as a percentage of the maximum capacity of an Aurora Serverless v2 instance.", db, serverless},
		{"Queries", "Count/Second", "Average number of queries executed per second (Aurora MySQL).", db, auroraMySQL},
		{"DMLLatency", "Milliseconds", "Average duration of inserts, updates and deletes (Aurora MySQL).", db, auroraMySQL},
		{"SelectLatency", "Milliseconds", "Average duration of select queries (Aurora MySQL).", db, auroraMySQL},

		{"EngineUptime", "Seconds", "Amount of time that the instance has been running (Aurora).", db, nil},
		{"NetworkThroughput", "Bytes/Second", "Network throughput received from and transmitted to clients by each Aurora instance.", db, nil},
		{"StorageNetworkReceiveThroughput", "Bytes/Second", "Network throughput received from the Aurora storage subsystem.", db, nil},
		{"StorageNetworkThroughput", "Bytes/Second", "Network throughput received from and sent to the Aurora storage subsystem.", db, nil},
		{"StorageNetworkTransmitThroughput", "Bytes/Second", "Network throughput sent to the Aurora storage subsystem.", db, nil},
		{"TempStorageIOPS", "Count/Second", "I/O operations per second on local storage of an Aurora Serverless v2 instance.", db, nil},
		{"TempStorageThroughput", "Bytes/Second", "Data transferred to and from local storage of an Aurora Serverless v2 instance.", db, nil},
		{"AbortedClients", "Count", "Number of client connections that were not closed properly (Aurora MySQL).", db, nil},
		{"ActiveTransactions", "Count/Second", "Average number of current transactions per second (Aurora MySQL).", db, nil},
		{"AuroraSlowConnectionHandleCount", "Count", "Number of connections that waited two seconds or longer to start the handshake (Aurora MySQL).", db, nil},
		{"AuroraSlowHandshakeCount", "Count", "Number of connections that took 50 milliseconds or longer to finish the handshake (Aurora MySQL).", db, nil},
		{"BlockedTransactions", "Count/Second", "Average number of transactions per second that are blocked (Aurora MySQL).", db, nil},
		{"DDLLatency", "Milliseconds", "Average duration of DDL requests (Aurora MySQL).", db, nil},
		{"DDLThroughput", "Count/Second", "Average number of DDL requests per second (Aurora MySQL).", db, nil},
		{"DeleteLatency", "Milliseconds", "Average duration of delete queries (Aurora MySQL).", db, nil},
		{"DeleteThroughput", "Count/Second", "Average number of delete queries per second (Aurora MySQL).", db, nil},
		{"DMLThroughput", "Count/Second", "Average number of inserts, updates and deletes per second (Aurora MySQL).", db, nil},
		{"InsertLatency", "Milliseconds", "Average duration of insert queries (Aurora MySQL).", db, nil},
		{"InsertThroughput", "Count/Second", "Average number of insert queries per second (Aurora MySQL).", db, nil},
		{"LoginFailures", "Count/Second", "Average number of failed login attempts per second (Aurora MySQL).", db, nil},
		{"NumBinaryLogFiles", "Count", "Number of binlog files generated (Aurora MySQL).", db, nil},
		{"ResultSetCacheHitRatio", "Percent", "Percentage of requests served by the result set cache (Aurora MySQL).", db, nil},
		{"RollbackSegmentHistoryListLength", "Count", "Undo logs that record committed transactions with delete-marked records (Aurora MySQL).", db, nil},
		{"RowLockTime", "Milliseconds", "Total time spent acquiring row locks for InnoDB tables (Aurora MySQL).", db, nil},
		{"SelectThroughput", "Count/Second", "Average number of select queries per second (Aurora MySQL).", db, nil},
		{"SumBinaryLogSize", "Bytes", "Total size of the binlog files (Aurora MySQL).", db, nil},
		{"UpdateLatency", "Milliseconds", "Average duration of update queries (Aurora MySQL).", db, nil},
		{"UpdateThroughput", "Count/Second", "Average number of update queries per second (Aurora MySQL).", db, nil},
	}
}

// clusterMetrics are the cluster-level metrics of Aurora clusters.
func clusterMetrics() []Metric {
	cluster := []model.Kind{model.KindCluster}
	return []Metric{
		{"VolumeBytesUsed", "Bytes", "Amount of storage used by the Aurora cluster volume.", cluster, always},
		{"VolumeReadIOPs", "Count", "Billed read I/O operations from the Aurora cluster volume, per 5-minute interval.", cluster, always},
		{"VolumeWriteIOPs", "Count", "Write disk I/O operations to the Aurora cluster volume, per 5-minute interval.", cluster, always},
		{"BackupRetentionPeriodStorageUsed", "Bytes", "Backup storage used for continuous backups within the retention period of the Aurora cluster.", cluster, always},
		{"SnapshotStorageUsed", "Bytes", "Backup storage used by manual snapshots of the Aurora cluster beyond its retention period.", cluster, always},
		{"TotalBackupStorageBilled", "Bytes", "Backup storage billed for the Aurora cluster.", cluster, always},
		{"AuroraVolumeBytesLeftTotal", "Bytes", "Remaining space of the Aurora cluster volume (Aurora MySQL).", cluster, auroraMySQL},
		{"AuroraGlobalDBReplicationLag", "Milliseconds", "Lag of a secondary cluster of an Aurora global database behind the primary.", cluster, globalCluster},
		{"AuroraGlobalDBRPOLag", "Milliseconds", "Recovery point objective lag of a secondary cluster of an Aurora global database.", cluster, globalCluster},
		{"AuroraGlobalDBReplicatedWriteIO", "Count", "Write I/O operations replicated from the primary to the secondary clusters of an Aurora global database.", cluster, nil},
		{"AuroraGlobalDBDataTransferBytes", "Bytes", "Redo log data transferred from the primary to the secondary clusters of an Aurora global database.", cluster, nil},
		{"AuroraGlobalDBProgressLag", "Milliseconds", "How far a secondary cluster of an Aurora global database is behind the primary, for user and system transactions.", cluster, nil},
	}
}

// proxyMetrics are the metrics of RDS Proxies (dimension ProxyName).
func proxyMetrics() []Metric {
	proxy := []model.Kind{model.KindProxy}
	return []Metric{
		{"ClientConnections", "Count", "Current client connections to the RDS Proxy.", proxy, always},
		{"QueryRequests", "Count", "Queries received by the RDS Proxy.", proxy, always},
		{"QueryDatabaseResponseLatency", "Microseconds", "Time the database took to answer the RDS Proxy's queries.", proxy, always},
		{"QueryResponseLatency", "Microseconds", "Time between a query and the RDS Proxy's answer to the client.", proxy, always},
		{"DatabaseConnectionsCurrentlyBorrowed", "Count", "Database connections of the RDS Proxy in use by clients.", proxy, always},
		{"DatabaseConnectionsCurrentlySessionPinned", "Count", "Database connections of the RDS Proxy pinned to a client session.", proxy, always},
		{"DatabaseConnectionsSetupFailed", "Count", "Database connection requests of the RDS Proxy that failed.", proxy, always},
		{"DatabaseConnectionsBorrowLatency", "Microseconds", "Time the RDS Proxy took to get a database connection for a client.", proxy, always},
		{"ClientConnectionsSetupFailedAuth", "Count", "Client connection attempts to the RDS Proxy that failed authentication or TLS.", proxy, always},
		{"MaxDatabaseConnectionsAllowed", "Count", "Most database connections the RDS Proxy may open.", proxy, always},

		{"AvailabilityPercentage", "Percent", "Share of time the RDS Proxy's target group was available, by target role.", proxy, nil},
		{"ClientConnectionsClosed", "Count", "Client connections to the RDS Proxy that were closed.", proxy, nil},
		{"ClientConnectionsNoTLS", "Count", "Current client connections to the RDS Proxy without TLS.", proxy, nil},
		{"ClientConnectionsReceived", "Count", "Client connection requests the RDS Proxy received.", proxy, nil},
		{"ClientConnectionsSetupSucceeded", "Count", "Client connections the RDS Proxy set up successfully.", proxy, nil},
		{"ClientConnectionsTLS", "Count", "Current client connections to the RDS Proxy with TLS.", proxy, nil},
		{"DatabaseConnectionRequests", "Count", "Requests of the RDS Proxy to open a database connection.", proxy, nil},
		{"DatabaseConnectionRequestsWithTLS", "Count", "Requests of the RDS Proxy to open a database connection with TLS.", proxy, nil},
		{"DatabaseConnectionsCurrentlyInTransaction", "Count", "Database connections of the RDS Proxy in a transaction.", proxy, nil},
		{"DatabaseConnectionsSetupSucceeded", "Count", "Database connections the RDS Proxy set up successfully.", proxy, nil},
		{"DatabaseConnectionsWithTLS", "Count", "Current database connections of the RDS Proxy with TLS.", proxy, nil},
		{"QueryRequestsNoTLS", "Count", "Queries received by the RDS Proxy over connections without TLS.", proxy, nil},
		{"QueryRequestsTLS", "Count", "Queries received by the RDS Proxy over connections with TLS.", proxy, nil},
	}
}

// Lookup returns the catalog entry of a CloudWatch metric name.
func Lookup(name string) (Metric, bool) {
	ms := Metrics()
	i := slices.IndexFunc(ms, func(m Metric) bool { return m.Name == name })
	if i < 0 {
		return Metric{}, false
	}
	return ms[i], true
}

// DefaultMetrics returns the names of the metrics that are a default of
// kind k, in catalog order.
func DefaultMetrics(k model.Kind) []string {
	var names []string
	for _, m := range Metrics() {
		if m.Default != nil && m.AppliesTo(k) {
			names = append(names, m.Name)
		}
	}
	return names
}

// Help returns the HELP of a metric: the catalog's, or a generic one for
// a metric the catalog does not know.
func Help(name string) string {
	if m, ok := Lookup(name); ok {
		return m.Help
	}
	return "CloudWatch metric " + name + " of " + Namespace + "."
}

// Unit returns CloudWatch's unit of a metric the catalog knows, or
// "unknown".
func Unit(name string) string {
	if m, ok := Lookup(name); ok {
		return m.Unit
	}
	return "unknown"
}
