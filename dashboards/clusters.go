package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

// clustersAndProxies shows the series of Aurora clusters (dimension
// DBClusterIdentifier) and RDS Proxies (ProxyName): the DB instances of a
// cluster are on the instance dashboard.
func clustersAndProxies() layout {
	c, p := clusters(), proxies()
	return layout{
		uid:   "rds-clusters-proxies",
		title: "RDS Aurora clusters and proxies",
		description: "CloudWatch metrics of Aurora clusters (their volume, backups, Serverless v2 capacity and " +
			"global database lag) and RDS Proxies (connections, queries, latency), over live and backfilled " +
			"history. The DB instances of a cluster are on the RDS instance dashboard.",
		jobSource: c.source,
		kinds:     []resourceKind{c, p},
		rows: []row{
			{title: "Aurora clusters", panels: []cog.Builder[dashboard.Panel]{
				kindGraph(c, "Cluster volume used", "Storage the cluster volume uses; Aurora bills it.",
					line{"VolumeBytesUsed", average, ""}),
				kindGraph(c, "Cluster volume left", "Space left in the cluster volume (Aurora MySQL; the volume grows up to 128 TiB).",
					line{"AuroraVolumeBytesLeftTotal", average, ""}),
				kindGraph(c, "Cluster volume I/O", "Billed read and write I/O operations of the cluster volume, per 5-minute interval.",
					line{"VolumeReadIOPs", average, " read"}, line{"VolumeWriteIOPs", average, " write"}),
				kindGraph(c, "Serverless v2 capacity", "Aurora capacity units (ACUs) of an Aurora Serverless v2 cluster.",
					line{"ServerlessDatabaseCapacity", average, " avg"}, line{"ServerlessDatabaseCapacity", maximum, " max"}),
				kindGraph(c, "Backup storage", "Backup storage of the cluster: continuous backups within the retention "+
					"period, manual snapshots beyond it, and what is billed.",
					line{"BackupRetentionPeriodStorageUsed", average, " retention"}, line{"SnapshotStorageUsed", average, " snapshots"},
					line{"TotalBackupStorageBilled", average, " billed"}),
				kindGraph(c, "Global database lag", "How far a secondary cluster of an Aurora global database lags "+
					"behind the primary, and its recovery point objective lag. Empty for clusters outside a global database.",
					line{"AuroraGlobalDBReplicationLag", maximum, " replication"}, line{"AuroraGlobalDBRPOLag", maximum, " RPO"}),
			}},
			{title: "RDS Proxies", panels: []cog.Builder[dashboard.Panel]{
				kindGraph(p, "Client connections", "Client connections to the proxy: the average and the peak of each period.",
					line{"ClientConnections", average, " avg"}, line{"ClientConnections", maximum, " max"}),
				kindGraph(p, "Database connections", "Connections from the proxy to the database: open, in use by "+
					"clients (borrowed), pinned to a client session, and the most the proxy may open.",
					line{"DatabaseConnections", average, " open"}, line{"DatabaseConnectionsCurrentlyBorrowed", average, " borrowed"},
					line{"DatabaseConnectionsCurrentlySessionPinned", average, " pinned"}, line{"MaxDatabaseConnectionsAllowed", average, " allowed"}),
				kindGraph(p, "Query requests", "Queries the proxy received per period.",
					line{"QueryRequests", average, ""}),
				kindGraph(p, "Query latency", "Time from a client's query to the proxy's answer, and the database's "+
					"share of it.", line{"QueryResponseLatency", average, " response"}, line{"QueryDatabaseResponseLatency", average, " database"}),
				kindGraph(p, "Connection borrow latency", "Time the proxy took to get a database connection for a client.",
					line{"DatabaseConnectionsBorrowLatency", average, ""}),
				kindGraph(p, "Connection failures", "Database connections the proxy failed to set up, and client "+
					"connections that failed authentication or TLS, per period.",
					line{"DatabaseConnectionsSetupFailed", average, " database"}, line{"ClientConnectionsSetupFailedAuth", average, " client auth"}),
			}},
		},
	}
}
