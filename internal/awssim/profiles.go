package awssim

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
	unit string // CloudWatch unit, as AWS documents it
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

// profileTable returns the data shape of every metric awssim simulates, in
// the order ListMetrics lists them. Names, units and which engines and
// classes publish each metric follow AWS's documentation ("Amazon
// CloudWatch metrics for Amazon RDS", "Amazon CloudWatch metrics for
// Amazon Aurora", "Performance Insights metrics published to Amazon
// CloudWatch"). A metric missing here never has data.
func profileTable() []profile {
	all, pg, my, aurora := engineAll, enginePostgres, engineMyFamily, engineAuroraPostgres
	return []profile{
		{name: "CPUUtilization", unit: "Percent", engines: all, scale: scaleLoad, base: 22, daily: 0.45, noise: 0.15, spread: 0.8, hi: 100},
		{name: "DatabaseConnections", unit: "Count", engines: all, scale: scaleLoad, base: 40, daily: 0.35, noise: 0.08, spread: 0.3, integer: true},
		{name: "FreeStorageSpace", unit: "Bytes", engines: all, scale: scaleStorage, base: 0.62, trend: 0.35, noise: 0.0005, spread: 0.001},
		{name: "FreeableMemory", unit: "Bytes", engines: all, scale: scaleMemory, base: 0.42, daily: -0.12, noise: 0.02, spread: 0.05},
		{name: "ReadIOPS", unit: "Count/Second", engines: all, scale: scaleLoad, base: 350, daily: 0.6, noise: 0.2, spread: 1.2},
		{name: "WriteIOPS", unit: "Count/Second", engines: all, scale: scaleLoad, base: 180, daily: 0.5, noise: 0.2, spread: 1},
		{name: "ReadLatency", unit: "Seconds", engines: all, base: 0.003, daily: 0.3, noise: 0.25, spread: 1.5},
		{name: "WriteLatency", unit: "Seconds", engines: all, base: 0.004, daily: 0.3, noise: 0.25, spread: 1.5},
		{name: "ReadThroughput", unit: "Bytes/Second", engines: all, scale: scaleLoad, base: 12 * mib, daily: 0.6, noise: 0.2, spread: 1.5},
		{name: "WriteThroughput", unit: "Bytes/Second", engines: all, scale: scaleLoad, base: 6 * mib, daily: 0.5, noise: 0.2, spread: 1.5},
		{name: "NetworkReceiveThroughput", unit: "Bytes/Second", engines: all, scale: scaleLoad, base: 2.5 * mib, daily: 0.5, noise: 0.15, spread: 1},
		{name: "NetworkTransmitThroughput", unit: "Bytes/Second", engines: all, scale: scaleLoad, base: 8 * mib, daily: 0.5, noise: 0.15, spread: 1},
		{name: "DiskQueueDepth", unit: "Count", engines: all, scale: scaleLoad, base: 0.8, daily: 0.6, noise: 0.3, spread: 2},
		{name: "SwapUsage", unit: "Bytes", engines: all, base: 64 * mib, daily: 0.05, noise: 0.01, spread: 0.05},
		{name: "BurstBalance", unit: "Percent", engines: all, scale: scaleLoad, base: 6, daily: 0.8, noise: 0.2, spread: 0.5, hi: 100, invert: true},
		{name: "CPUCreditBalance", unit: "Count", engines: all, scale: scaleLoad, base: 120, daily: 0.5, noise: 0.05, spread: 0.05, hi: 576, invert: true},
		{name: "ReplicaLag", unit: "Seconds", engines: all, scale: scaleReplica, base: 2.5, daily: 0.7, noise: 0.5, spread: 2},
		{name: "EBSByteBalance%", unit: "Percent", engines: all, scale: scaleLoad, base: 4, daily: 0.8, noise: 0.2, spread: 0.5, hi: 100, invert: true},
		{name: "EBSIOBalance%", unit: "Percent", engines: all, scale: scaleLoad, base: 3, daily: 0.8, noise: 0.2, spread: 0.5, hi: 100, invert: true},
		{name: "DBLoad", unit: "None", engines: all, scale: scaleLoad, base: 1.6, daily: 0.5, noise: 0.25, spread: 1.5},

		{name: "BinLogDiskUsage", unit: "Bytes", engines: my, base: 512 * mib, trend: -0.5, noise: 0.01, spread: 0.01},
		{name: "CheckpointLag", unit: "Seconds", engines: pg, base: 60, noise: 0.3, spread: 1},
		{name: "ConnectionAttempts", unit: "Count", engines: my, scale: scaleLoad, base: 30, daily: 0.4, noise: 0.2, spread: 1, integer: true},
		{name: "CPUCreditUsage", unit: "Count", engines: all, burstableOnly: true, scale: scaleLoad, base: 0.8, daily: 0.5, noise: 0.2, spread: 0.8},
		{name: "CPUSurplusCreditBalance", unit: "Count", engines: all, burstableOnly: true, base: 0.5, noise: 0.3, spread: 0.5},
		{name: "CPUSurplusCreditsCharged", unit: "Count", engines: all, burstableOnly: true, base: 0.1, noise: 0.3, spread: 0.5},
		{name: "DBLoadCPU", unit: "None", engines: all, scale: scaleLoad, base: 0.9, daily: 0.5, noise: 0.25, spread: 1.5},
		{name: "DBLoadNonCPU", unit: "None", engines: all, scale: scaleLoad, base: 0.7, daily: 0.5, noise: 0.25, spread: 1.5},
		{name: "DBLoadRelativeToNumVCPUs", unit: "None", engines: all, scale: scaleVCPU, base: 1.6, daily: 0.5, noise: 0.25, spread: 1.5},
		{name: "FreeLocalStorage", unit: "Bytes", engines: aurora, scale: scaleMemory, base: 1.5, trend: 0.1, noise: 0.001, spread: 0.002},
		{name: "MaximumUsedTransactionIDs", unit: "Count", engines: enginePGFamily, base: 80e6, trend: -1.5, noise: 0.001, spread: 0.002, integer: true},
		{name: "OldestLogicalReplicationSlotLag", unit: "Bytes", engines: pg, base: 16 * mib, noise: 0.3, spread: 1},
		{name: "OldestReplicationSlotLag", unit: "Bytes", engines: pg, base: 32 * mib, noise: 0.3, spread: 1},
		{name: "ReadIOPSLocalStorage", unit: "Count/Second", engines: aurora, scale: scaleLoad, base: 120, daily: 0.5, noise: 0.2, spread: 1},
		{name: "ReadLatencyLocalStorage", unit: "Seconds", engines: aurora, base: 0.0008, daily: 0.3, noise: 0.25, spread: 1.5},
		{name: "ReadThroughputLocalStorage", unit: "Bytes/Second", engines: aurora, scale: scaleLoad, base: 4 * mib, daily: 0.5, noise: 0.2, spread: 1},
		{name: "ReplicationSlotDiskUsage", unit: "Bytes", engines: pg, base: 256 * mib, noise: 0.05, spread: 0.05},
		{name: "TransactionLogsDiskUsage", unit: "Bytes", engines: pg, base: gib, trend: -0.3, noise: 0.02, spread: 0.02},
		{name: "TransactionLogsGeneration", unit: "Bytes/Second", engines: pg, scale: scaleLoad, base: 2 * mib, daily: 0.5, noise: 0.2, spread: 1},
		{name: "WriteIOPSLocalStorage", unit: "Count/Second", engines: aurora, scale: scaleLoad, base: 90, daily: 0.5, noise: 0.2, spread: 1},
		{name: "WriteLatencyLocalStorage", unit: "Seconds", engines: aurora, base: 0.001, daily: 0.3, noise: 0.25, spread: 1.5},
		{name: "WriteThroughputLocalStorage", unit: "Bytes/Second", engines: aurora, scale: scaleLoad, base: 3 * mib, daily: 0.5, noise: 0.2, spread: 1},
	}
}

// profileSet is the profile table, in order and by metric name.
type profileSet struct {
	order  []*profile
	byName map[string]*profile
}

// newProfiles indexes the profile table.
func newProfiles() profileSet {
	table := profileTable()
	ps := profileSet{order: make([]*profile, len(table)), byName: make(map[string]*profile, len(table))}
	for i := range table {
		table[i].hash = strHash(table[i].name)
		ps.order[i] = &table[i]
		ps.byName[table[i].name] = &table[i]
	}
	return ps
}
