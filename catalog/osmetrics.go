package catalog

// Enhanced Monitoring's OS metrics, named in the spirit of Percona's
// rds_exporter and node_exporter: one prefix, snake case, base units
// (bytes, seconds), and labels where the event has a list or a set of
// modes. Each series also carries the DB instance's identity labels
// (Labeling.Identity), and the value of one event.

// OSMetricsPrefix starts the name of every Enhanced Monitoring series.
const OSMetricsPrefix = "rdsosmetrics_"

// Names of the Enhanced Monitoring series.
const (
	OSCPUUtilization = OSMetricsPrefix + "cpu_utilization_percent"
	OSVCPUs          = OSMetricsPrefix + "vcpus"
	OSLoad1          = OSMetricsPrefix + "load1"
	OSLoad5          = OSMetricsPrefix + "load5"
	OSLoad15         = OSMetricsPrefix + "load15"
	OSUptime         = OSMetricsPrefix + "uptime_seconds"

	OSMemoryActive        = OSMetricsPrefix + "memory_active_bytes"
	OSMemoryBuffers       = OSMetricsPrefix + "memory_buffers_bytes"
	OSMemoryCached        = OSMetricsPrefix + "memory_cached_bytes"
	OSMemoryDirty         = OSMetricsPrefix + "memory_dirty_bytes"
	OSMemoryFree          = OSMetricsPrefix + "memory_free_bytes"
	OSMemoryInactive      = OSMetricsPrefix + "memory_inactive_bytes"
	OSMemoryMapped        = OSMetricsPrefix + "memory_mapped_bytes"
	OSMemoryPageTables    = OSMetricsPrefix + "memory_page_tables_bytes"
	OSMemorySlab          = OSMetricsPrefix + "memory_slab_bytes"
	OSMemoryTotal         = OSMetricsPrefix + "memory_total_bytes"
	OSMemoryWriteback     = OSMetricsPrefix + "memory_writeback_bytes"
	OSHugePagesFree       = OSMetricsPrefix + "memory_huge_pages_free"
	OSHugePagesReserved   = OSMetricsPrefix + "memory_huge_pages_reserved"
	OSHugePagesSurplus    = OSMetricsPrefix + "memory_huge_pages_surplus"
	OSHugePagesTotal      = OSMetricsPrefix + "memory_huge_pages"
	OSHugePageSize        = OSMetricsPrefix + "memory_huge_page_size_bytes"
	OSTasks               = OSMetricsPrefix + "tasks"
	OSSwapCached          = OSMetricsPrefix + "swap_cached_bytes"
	OSSwapFree            = OSMetricsPrefix + "swap_free_bytes"
	OSSwapTotal           = OSMetricsPrefix + "swap_total_bytes"
	OSSwapIn              = OSMetricsPrefix + "swap_in_bytes_per_second"
	OSSwapOut             = OSMetricsPrefix + "swap_out_bytes_per_second"
	OSNetworkReceive      = OSMetricsPrefix + "network_receive_bytes_per_second"
	OSNetworkTransmit     = OSMetricsPrefix + "network_transmit_bytes_per_second"
	OSDiskReadIOPS        = OSMetricsPrefix + "disk_read_iops"
	OSDiskWriteIOPS       = OSMetricsPrefix + "disk_write_iops"
	OSDiskReadBytes       = OSMetricsPrefix + "disk_read_bytes_per_second"
	OSDiskWriteBytes      = OSMetricsPrefix + "disk_write_bytes_per_second"
	OSDiskReadMerged      = OSMetricsPrefix + "disk_read_merged_per_second"
	OSDiskWriteMerged     = OSMetricsPrefix + "disk_write_merged_per_second"
	OSDiskTransactions    = OSMetricsPrefix + "disk_transactions_per_second"
	OSDiskQueueLength     = OSMetricsPrefix + "disk_queue_length"
	OSDiskRequestSize     = OSMetricsPrefix + "disk_request_size_bytes"
	OSDiskAwait           = OSMetricsPrefix + "disk_await_seconds"
	OSDiskUtilization     = OSMetricsPrefix + "disk_utilization_percent"
	OSDiskReadLatency     = OSMetricsPrefix + "disk_read_latency_seconds"
	OSDiskWriteLatency    = OSMetricsPrefix + "disk_write_latency_seconds"
	OSFilesystemSize      = OSMetricsPrefix + "filesystem_size_bytes"
	OSFilesystemUsed      = OSMetricsPrefix + "filesystem_used_bytes"
	OSFilesystemFiles     = OSMetricsPrefix + "filesystem_files"
	OSFilesystemFilesUsed = OSMetricsPrefix + "filesystem_files_used"
	OSProcessesCPU        = OSMetricsPrefix + "processes_cpu_percent"
	OSProcessesMemory     = OSMetricsPrefix + "processes_memory_percent"
	OSProcessesRSS        = OSMetricsPrefix + "processes_rss_bytes"
	OSProcessesVSS        = OSMetricsPrefix + "processes_vss_bytes"
)

// Label names of Enhanced Monitoring series besides the identity labels.
const (
	LabelMode       = "mode"       // cpuUtilization's field: user, system, ...
	LabelState      = "state"      // tasks' field: running, sleeping, ...
	LabelInterface  = "interface"  // network[].interface
	LabelDevice     = "device"     // diskIO[].device; OSClusterVolume for Aurora's
	LabelFilesystem = "filesystem" // fileSys[].name
	LabelMountpoint = "mountpoint" // fileSys[].mountPoint
	LabelProcess    = "process"    // processList[].name of an aggregate
)

// OSClusterVolume is the device label of an Aurora instance's cluster
// volume, the diskIO entry without a device.
const OSClusterVolume = "cluster-volume"

// OSMetric describes one Enhanced Monitoring series family.
type OSMetric struct {
	Name string
	// Labels are the family's labels besides the identity labels.
	Labels []string
	// Field is where the value comes from in the event's JSON.
	Field string
	Help  string
}

// OSMetrics returns every Enhanced Monitoring series family, in the order
// of the event's JSON.
func OSMetrics() []OSMetric {
	return append(osSystemMetrics(), osDeviceMetrics()...)
}

// osSystemMetrics are the families of the instance as a whole.
func osSystemMetrics() []OSMetric {
	return []OSMetric{
		{OSCPUUtilization, []string{LabelMode}, "cpuUtilization.<mode>", "Percentage of CPU time in each mode: guest, idle, irq, nice, steal, system, user, wait (total is 100 minus idle)."},
		{OSVCPUs, nil, "numVCPUs", "Virtual CPUs of the DB instance."},
		{OSLoad1, nil, "loadAverageMinute.one", "Processes requesting CPU time, averaged over the last minute."},
		{OSLoad5, nil, "loadAverageMinute.five", "Processes requesting CPU time, averaged over the last 5 minutes."},
		{OSLoad15, nil, "loadAverageMinute.fifteen", "Processes requesting CPU time, averaged over the last 15 minutes."},
		{OSUptime, nil, "uptime", "Seconds since the DB instance's OS started."},
		{OSMemoryActive, nil, "memory.active", "Assigned memory, in bytes."},
		{OSMemoryBuffers, nil, "memory.buffers", "Memory buffering I/O requests before they are written to storage, in bytes."},
		{OSMemoryCached, nil, "memory.cached", "Memory caching file-system I/O, in bytes."},
		{OSMemoryDirty, nil, "memory.dirty", "Memory pages modified and not yet written to storage, in bytes."},
		{OSMemoryFree, nil, "memory.free", "Unassigned memory, in bytes."},
		{OSMemoryInactive, nil, "memory.inactive", "Least-frequently used memory pages, in bytes."},
		{OSMemoryMapped, nil, "memory.mapped", "File-system contents memory-mapped into processes, in bytes."},
		{OSMemoryPageTables, nil, "memory.pageTables", "Memory used by page tables, in bytes."},
		{OSMemorySlab, nil, "memory.slab", "Reusable kernel data structures, in bytes."},
		{OSMemoryTotal, nil, "memory.total", "Total memory, in bytes."},
		{OSMemoryWriteback, nil, "memory.writeback", "Dirty pages still being written to storage, in bytes."},
		{OSHugePagesFree, nil, "memory.hugePagesFree", "Free huge pages."},
		{OSHugePagesReserved, nil, "memory.hugePagesRsvd", "Committed huge pages."},
		{OSHugePagesSurplus, nil, "memory.hugePagesSurp", "Surplus huge pages over the total."},
		{OSHugePagesTotal, nil, "memory.hugePagesTotal", "Huge pages of the system."},
		{OSHugePageSize, nil, "memory.hugePagesSize", "Size of a huge page, in bytes."},
		{OSTasks, []string{LabelState}, "tasks.<state>", "Tasks in each state: blocked, running, sleeping, stopped, zombie."},
		{OSSwapCached, nil, "swap.cached", "Swap used as cache memory, in bytes."},
		{OSSwapFree, nil, "swap.free", "Free swap, in bytes."},
		{OSSwapTotal, nil, "swap.total", "Total swap, in bytes."},
		{OSSwapIn, nil, "swap.in", "Memory swapped in from disk, in bytes per second."},
		{OSSwapOut, nil, "swap.out", "Memory swapped out to disk, in bytes per second."},
	}
}

// osDeviceMetrics are the families of network interfaces, disks, file
// systems and the process aggregates.
func osDeviceMetrics() []OSMetric {
	dev := []string{LabelDevice}
	fs := []string{LabelFilesystem, LabelMountpoint}
	proc := []string{LabelProcess}
	return []OSMetric{
		{OSNetworkReceive, []string{LabelInterface}, "network[].rx", "Bytes received per second by the network interface."},
		{OSNetworkTransmit, []string{LabelInterface}, "network[].tx", "Bytes sent per second by the network interface."},
		{OSDiskReadIOPS, dev, "diskIO[].readIOsPS", "Read operations per second of the disk (device cluster-volume: the Aurora cluster volume)."},
		{OSDiskWriteIOPS, dev, "diskIO[].writeIOsPS", "Write operations per second of the disk."},
		{OSDiskReadBytes, dev, "diskIO[].readKbPS, readThroughput", "Bytes read per second from the disk."},
		{OSDiskWriteBytes, dev, "diskIO[].writeKbPS, writeThroughput", "Bytes written per second to the disk."},
		{OSDiskReadMerged, dev, "diskIO[].rrqmPS", "Merged read requests queued per second (block devices)."},
		{OSDiskWriteMerged, dev, "diskIO[].wrqmPS", "Merged write requests queued per second (block devices)."},
		{OSDiskTransactions, dev, "diskIO[].tps", "I/O transactions per second (block devices)."},
		{OSDiskQueueLength, dev, "diskIO[].avgQueueLen, diskQueueDepth", "Requests waiting in the device's queue."},
		{OSDiskRequestSize, dev, "diskIO[].avgReqSz", "Average request size, in bytes (block devices)."},
		{OSDiskAwait, dev, "diskIO[].await", "Seconds to answer a request, queue time included (block devices)."},
		{OSDiskUtilization, dev, "diskIO[].util", "Percentage of time the device had requests in flight (block devices)."},
		{OSDiskReadLatency, dev, "diskIO[].readLatency", "Seconds per read of the Aurora cluster volume."},
		{OSDiskWriteLatency, dev, "diskIO[].writeLatency", "Seconds per write of the Aurora cluster volume."},
		{OSFilesystemSize, fs, "fileSys[].total", "Size of the file system, in bytes."},
		{OSFilesystemUsed, fs, "fileSys[].used", "Space used on the file system, in bytes."},
		{OSFilesystemFiles, fs, "fileSys[].maxFiles", "Files the file system can hold."},
		{OSFilesystemFilesUsed, fs, "fileSys[].usedFiles", "Files on the file system."},
		{OSProcessesCPU, proc, "processList[].cpuUsedPc", "Percentage of CPU used by the processes of the aggregate (\"OS processes\", \"RDS processes\")."},
		{OSProcessesMemory, proc, "processList[].memoryUsedPc", "Percentage of memory used by the processes of the aggregate."},
		{OSProcessesRSS, proc, "processList[].rss", "Resident memory of the processes of the aggregate, in bytes."},
		{OSProcessesVSS, proc, "processList[].vss", "Virtual memory of the processes of the aggregate, in bytes."},
	}
}

// OSMetricHelp returns the HELP text of an Enhanced Monitoring family, ""
// for an unknown name.
func OSMetricHelp(name string) string {
	for _, m := range OSMetrics() {
		if m.Name == name {
			return m.Help
		}
	}
	return ""
}
