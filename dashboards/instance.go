package dashboards

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/units"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
)

const (
	average = catalog.Average
	maximum = catalog.Maximum
)

func instanceDetail() layout {
	return layout{
		uid:   "rds-instance",
		title: "RDS instance",
		description: "CloudWatch metrics of the selected DB instances over live and backfilled history, " +
			"grouped by resource. Rows at the bottom show replication and the metrics of PostgreSQL, MySQL and " +
			"Aurora, which CloudWatch publishes for those engines only, the OS from Enhanced Monitoring and the " +
			"database load from Performance Insights.",
		jobSource: catalog.PromName("CPUUtilization", catalog.Average),
		rows: []row{
			{panels: []cog.Builder[dashboard.Panel]{grid(spec{
				title: "Instance",
				description: "Engine, engine version and instance class of the selected DB instances, from " +
					"aws_rds_info (live only: the exporter reads them from DescribeDBInstances).",
				unit:   units.NoUnit,
				width:  24,
				height: 5,
				queries: []query{{expr: fmt.Sprintf("max by (%s, engine, engine_version, instance_class) (%s)",
					byInstance, selector(catalog.InfoMetric))}},
			})}},
			{title: "Saturation", panels: []cog.Builder[dashboard.Panel]{
				metricGraph("CPU utilization", "CPU utilization: the average and the highest one-minute value of each period.",
					line{"CPUUtilization", average, " avg"}, line{"CPUUtilization", maximum, " max"}),
				metricGraph("CPU credits", "CPU credits of burstable (T) instance classes: the balance left, and "+
					"credits spent per period. A balance near zero throttles the CPU to its baseline.",
					line{"CPUCreditBalance", average, " balance"}, line{"CPUCreditUsage", average, " usage"}),
				metricGraph("DB load", "Average active sessions (Performance Insights), split into sessions "+
					"on CPU and waiting when those metrics are enabled.",
					line{"DBLoad", average, " total"}, line{"DBLoadCPU", average, " CPU"}, line{"DBLoadNonCPU", average, " non-CPU"}),
			}},
			{title: "Memory", panels: []cog.Builder[dashboard.Panel]{
				metricGraph("Freeable memory", "Memory available to the engine and the OS.",
					line{"FreeableMemory", average, ""}),
				metricGraph("Swap usage", "Swap space used; sustained swap means memory is too small for the workload.",
					line{"SwapUsage", average, ""}),
			}},
			{title: "Storage", panels: []cog.Builder[dashboard.Panel]{
				metricGraph("Free storage space", "Storage left on the instance's volume.",
					line{"FreeStorageSpace", average, ""}),
				metricGraph("Disk queue depth", "I/O requests waiting for the volume; a queue that grows "+
					"with latency means the volume is saturated.", line{"DiskQueueDepth", average, ""}),
				metricGraph("Burst balance", "gp2 burst-bucket I/O credits left; at zero the volume falls "+
					"back to its baseline IOPS.", line{"BurstBalance", average, ""}),
				metricGraph("EBS balances", "Throughput and I/O credits left in the instance's EBS burst "+
					"buckets (smaller instance classes); at zero EBS performance drops to baseline.",
					line{"EBSByteBalance%", average, " byte balance"}, line{"EBSIOBalance%", average, " I/O balance"}),
			}},
			{title: "I/O", panels: []cog.Builder[dashboard.Panel]{
				metricGraph("IOPS", "Disk read and write operations per second.",
					line{"ReadIOPS", average, " read"}, line{"WriteIOPS", average, " write"}),
				metricGraph("I/O latency", "Average time per disk read and write operation.",
					line{"ReadLatency", average, " read"}, line{"WriteLatency", average, " write"}),
				metricGraph("Disk throughput", "Bytes read from and written to disk per second.",
					line{"ReadThroughput", average, " read"}, line{"WriteThroughput", average, " write"}),
			}},
			{title: "Connections", panels: []cog.Builder[dashboard.Panel]{
				metricGraph("Database connections", "Client connections: the average and the peak of each period.",
					line{"DatabaseConnections", average, " avg"}, line{"DatabaseConnections", maximum, " max"}),
			}},
			{title: "Network", panels: []cog.Builder[dashboard.Panel]{
				metricGraph("Network throughput", "Network traffic received and sent, client and replication traffic.",
					line{"NetworkReceiveThroughput", average, " receive"}, line{"NetworkTransmitThroughput", average, " transmit"}),
			}},
			{title: "Replication", panels: []cog.Builder[dashboard.Panel]{
				metricGraph("Replica lag", "How far read replicas lag behind their source (peak of each "+
					"period). Empty for instances that are not replicas.", line{"ReplicaLag", maximum, ""}),
				metricGraph("Aurora replica lag", "How far an Aurora reader lags behind its cluster's writer, and, "+
					"on the writer, the largest lag of any of its readers (peak of each period).",
					line{"AuroraReplicaLag", maximum, " reader"}, line{"AuroraReplicaLagMaximum", maximum, " writer: largest"}),
			}},
			{title: "PostgreSQL health", panels: []cog.Builder[dashboard.Panel]{
				metricGraph("Maximum used transaction IDs", "Age of the oldest unvacuumed transaction ID "+
					"(PostgreSQL). Wraparound protection stops writes near 2.1 billion; investigate autovacuum "+
					"above 1 billion.", line{"MaximumUsedTransactionIDs", maximum, ""}),
				metricGraph("Replication slot lag", "WAL the most lagging replication slot has not received "+
					"yet (PostgreSQL); physical and logical slots.",
					line{"OldestReplicationSlotLag", maximum, " physical"}, line{"OldestLogicalReplicationSlotLag", maximum, " logical"}),
				metricGraph("Replication slot disk usage", "Disk used by WAL retained for replication slots "+
					"(PostgreSQL); a stuck slot fills the disk.", line{"ReplicationSlotDiskUsage", average, ""}),
				metricGraph("Transaction logs disk usage", "Disk used by transaction logs (PostgreSQL WAL).",
					line{"TransactionLogsDiskUsage", average, ""}),
				metricGraph("Transaction logs generation", "Transaction logs written per second (PostgreSQL WAL).",
					line{"TransactionLogsGeneration", average, ""}),
				metricGraph("Checkpoint lag", "Time since the most recent checkpoint (PostgreSQL).",
					line{"CheckpointLag", maximum, ""}),
			}},
			{title: "MySQL health", panels: []cog.Builder[dashboard.Panel]{
				metricGraph("Binary log disk usage", "Disk used by binary logs (MySQL, MariaDB).",
					line{"BinLogDiskUsage", average, ""}),
				metricGraph("Queries", "Queries executed per second (Aurora MySQL).",
					line{"Queries", average, ""}),
				metricGraph("Query latency", "Average duration of inserts, updates and deletes, and of selects "+
					"(Aurora MySQL).", line{"DMLLatency", average, " DML"}, line{"SelectLatency", average, " select"}),
			}},
			{title: "Aurora", panels: []cog.Builder[dashboard.Panel]{
				metricGraph("Buffer cache hit ratio", "Share of requests the buffer cache served (Aurora); a "+
					"falling ratio means more reads from the cluster volume.", line{"BufferCacheHitRatio", average, ""}),
				metricGraph("Commits", "Commit operations per second (Aurora).",
					line{"CommitThroughput", average, ""}),
				metricGraph("Commit latency", "Average duration of commit operations (Aurora).",
					line{"CommitLatency", average, ""}),
				metricGraph("Deadlocks", "Deadlocks per second (Aurora).", line{"Deadlocks", average, ""}),
				metricGraph("Free local storage", "Local storage left for temporary tables and logs (Aurora).",
					line{"FreeLocalStorage", average, ""}),
				metricGraph("Serverless v2 capacity", "Aurora capacity units (ACUs) of an Aurora Serverless v2 "+
					"instance.",
					line{"ServerlessDatabaseCapacity", average, " ACUs"}),
				metricGraph("Serverless v2 utilization", "Capacity in use as a percentage of the maximum capacity "+
					"of an Aurora Serverless v2 instance.", line{"ACUUtilization", average, ""}),
			}},
			osRow(),
			dbLoadRow(),
		},
	}
}
