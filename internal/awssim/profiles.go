package awssim

import "github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"

// scaleKind says what the level of a metric is proportional to.
type scaleKind uint8

const (
	scaleFixed   scaleKind = iota // the same level on every instance
	scaleLoad                     // the instance's activity factor
	scaleMemory                   // the class's memory in bytes
	scaleStorage                  // the allocated storage in bytes
	scaleVCPU                     // the inverse of the class's vCPUs
	scaleReplica                  // 1 on read replicas, 0 elsewhere
)

// profile is the shape of one CloudWatch metric's simulated data.
type profile struct {
	name string
	unit string // CloudWatch unit, from the catalog
	hash uint64
	// engines that publish the metric; burstableOnly limits it further to
	// burstable (db.t*) classes.
	engines       engineSet
	burstableOnly bool
	scale         scaleKind
	base          float64 // level of the average at scale 1
	daily         float64 // relative amplitude of the daily cycle
	trend         float64 // relative sawtooth fall over trendPeriod (negative: rise)
	noise         float64 // relative noise of a one-minute average
	spread        float64 // relative distance of Maximum and Minimum from Average
	hi            float64 // upper bound of any value, 0 for none
	invert        bool    // value is hi minus the modeled consumption (balances)
	integer       bool    // samples are whole numbers
}

// publishes reports whether CloudWatch has the metric for the instance.
func (p *profile) publishes(in *instance) bool {
	return p.engines&in.engine.bit != 0 && (!p.burstableOnly || in.class.burstable)
}

const (
	mib = 1 << 20
	gib = 1 << 30
)

// profileTable returns the data shape of every metric awssim simulates. A
// catalog metric missing here never has data.
func profileTable() []profile {
	all, pg, my, aurora := engineAll, enginePostgres, engineMyFamily, engineAuroraPostgres
	return []profile{
		{name: "CPUUtilization", engines: all, scale: scaleLoad, base: 22, daily: 0.45, noise: 0.15, spread: 0.8, hi: 100},
		{name: "DatabaseConnections", engines: all, scale: scaleLoad, base: 40, daily: 0.35, noise: 0.08, spread: 0.3, integer: true},
		{name: "FreeStorageSpace", engines: all, scale: scaleStorage, base: 0.62, trend: 0.35, noise: 0.0005, spread: 0.001},
		{name: "FreeableMemory", engines: all, scale: scaleMemory, base: 0.42, daily: -0.12, noise: 0.02, spread: 0.05},
		{name: "ReadIOPS", engines: all, scale: scaleLoad, base: 350, daily: 0.6, noise: 0.2, spread: 1.2},
		{name: "WriteIOPS", engines: all, scale: scaleLoad, base: 180, daily: 0.5, noise: 0.2, spread: 1},
		{name: "ReadLatency", engines: all, base: 0.003, daily: 0.3, noise: 0.25, spread: 1.5},
		{name: "WriteLatency", engines: all, base: 0.004, daily: 0.3, noise: 0.25, spread: 1.5},
		{name: "ReadThroughput", engines: all, scale: scaleLoad, base: 12 * mib, daily: 0.6, noise: 0.2, spread: 1.5},
		{name: "WriteThroughput", engines: all, scale: scaleLoad, base: 6 * mib, daily: 0.5, noise: 0.2, spread: 1.5},
		{name: "NetworkReceiveThroughput", engines: all, scale: scaleLoad, base: 2.5 * mib, daily: 0.5, noise: 0.15, spread: 1},
		{name: "NetworkTransmitThroughput", engines: all, scale: scaleLoad, base: 8 * mib, daily: 0.5, noise: 0.15, spread: 1},
		{name: "DiskQueueDepth", engines: all, scale: scaleLoad, base: 0.8, daily: 0.6, noise: 0.3, spread: 2},
		{name: "SwapUsage", engines: all, base: 64 * mib, daily: 0.05, noise: 0.01, spread: 0.05},
		{name: "BurstBalance", engines: all, scale: scaleLoad, base: 6, daily: 0.8, noise: 0.2, spread: 0.5, hi: 100, invert: true},
		{name: "CPUCreditBalance", engines: all, scale: scaleLoad, base: 120, daily: 0.5, noise: 0.05, spread: 0.05, hi: 576, invert: true},
		{name: "ReplicaLag", engines: all, scale: scaleReplica, base: 2.5, daily: 0.7, noise: 0.5, spread: 2},
		{name: "EBSByteBalance%", engines: all, scale: scaleLoad, base: 4, daily: 0.8, noise: 0.2, spread: 0.5, hi: 100, invert: true},
		{name: "EBSIOBalance%", engines: all, scale: scaleLoad, base: 3, daily: 0.8, noise: 0.2, spread: 0.5, hi: 100, invert: true},
		{name: "DBLoad", engines: all, scale: scaleLoad, base: 1.6, daily: 0.5, noise: 0.25, spread: 1.5},

		{name: "BinLogDiskUsage", engines: my, base: 512 * mib, trend: -0.5, noise: 0.01, spread: 0.01},
		{name: "CheckpointLag", engines: pg, base: 60, noise: 0.3, spread: 1},
		{name: "ConnectionAttempts", engines: my, scale: scaleLoad, base: 30, daily: 0.4, noise: 0.2, spread: 1, integer: true},
		{name: "CPUCreditUsage", engines: all, burstableOnly: true, scale: scaleLoad, base: 0.8, daily: 0.5, noise: 0.2, spread: 0.8},
		{name: "CPUSurplusCreditBalance", engines: all, burstableOnly: true, base: 0.5, noise: 0.3, spread: 0.5},
		{name: "CPUSurplusCreditsCharged", engines: all, burstableOnly: true, base: 0.1, noise: 0.3, spread: 0.5},
		{name: "DBLoadCPU", engines: all, scale: scaleLoad, base: 0.9, daily: 0.5, noise: 0.25, spread: 1.5},
		{name: "DBLoadNonCPU", engines: all, scale: scaleLoad, base: 0.7, daily: 0.5, noise: 0.25, spread: 1.5},
		{name: "DBLoadRelativeToNumVCPUs", engines: all, scale: scaleVCPU, base: 1.6, daily: 0.5, noise: 0.25, spread: 1.5},
		{name: "FreeLocalStorage", engines: aurora, scale: scaleMemory, base: 1.5, trend: 0.1, noise: 0.001, spread: 0.002},
		{name: "MaximumUsedTransactionIDs", engines: enginePGFamily, base: 80e6, trend: -1.5, noise: 0.001, spread: 0.002, integer: true},
		{name: "OldestLogicalReplicationSlotLag", engines: pg, base: 16 * mib, noise: 0.3, spread: 1},
		{name: "OldestReplicationSlotLag", engines: pg, base: 32 * mib, noise: 0.3, spread: 1},
		{name: "ReadIOPSLocalStorage", engines: aurora, scale: scaleLoad, base: 120, daily: 0.5, noise: 0.2, spread: 1},
		{name: "ReadLatencyLocalStorage", engines: aurora, base: 0.0008, daily: 0.3, noise: 0.25, spread: 1.5},
		{name: "ReadThroughputLocalStorage", engines: aurora, scale: scaleLoad, base: 4 * mib, daily: 0.5, noise: 0.2, spread: 1},
		{name: "ReplicationSlotDiskUsage", engines: pg, base: 256 * mib, noise: 0.05, spread: 0.05},
		{name: "TransactionLogsDiskUsage", engines: pg, base: gib, trend: -0.3, noise: 0.02, spread: 0.02},
		{name: "TransactionLogsGeneration", engines: pg, scale: scaleLoad, base: 2 * mib, daily: 0.5, noise: 0.2, spread: 1},
		{name: "WriteIOPSLocalStorage", engines: aurora, scale: scaleLoad, base: 90, daily: 0.5, noise: 0.2, spread: 1},
		{name: "WriteLatencyLocalStorage", engines: aurora, base: 0.001, daily: 0.3, noise: 0.25, spread: 1.5},
		{name: "WriteThroughputLocalStorage", engines: aurora, scale: scaleLoad, base: 3 * mib, daily: 0.5, noise: 0.2, spread: 1},
	}
}

// newProfiles indexes the profile table by metric name and takes each
// metric's unit from the catalog. Catalog metrics without a profile (SQL
// Server metrics, ReplicationChannelLag) get one that no engine publishes.
func newProfiles() map[string]*profile {
	table := profileTable()
	byName := make(map[string]*profile, len(table))
	for i := range table {
		byName[table[i].name] = &table[i]
	}
	out := make(map[string]*profile, len(table))
	for _, m := range catalog.Metrics() {
		p, ok := byName[m.Name]
		if !ok {
			p = &profile{name: m.Name, engines: engineNone}
		}
		p.unit, p.hash = m.Unit, strHash(m.Name)
		out[m.Name] = p
	}
	return out
}
