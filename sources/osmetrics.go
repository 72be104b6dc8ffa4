package sources

import (
	"strconv"
	"strings"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
)

// Unit factors of Enhanced Monitoring's fields.
const (
	kib = 1024 // KiB -> bytes
	ms  = 1000 // seconds -> milliseconds (divided by: exact for values in ms with few decimals)
)

// OSSamples returns the samples of one Enhanced Monitoring event, in the
// order of catalog.OSMetrics, family by family. Lists (interfaces, disks,
// file systems) give one sample per entry; of processList only the
// aggregates ("OS processes", "RDS processes": id 0) are kept, so that the
// number of series stays bounded. A disk entry without a device is the
// Aurora cluster volume (device "cluster-volume"), with its own fields.
func OSSamples(m cloudwatch.OSMetrics) []Sample {
	out := make([]Sample, 0, 96)
	add := func(name string, v float64, labels ...catalog.Label) {
		out = append(out, Sample{Name: name, Labels: labels, Value: v})
	}
	cpu(m.CPUUtilization, add)
	add(catalog.OSVCPUs, m.NumVCPUs)
	add(catalog.OSLoad1, m.LoadAverageMinute.One)
	add(catalog.OSLoad5, m.LoadAverageMinute.Five)
	add(catalog.OSLoad15, m.LoadAverageMinute.Fifteen)
	if up, ok := ParseUptime(m.Uptime); ok {
		add(catalog.OSUptime, up)
	}
	memory(m.Memory, add)
	tasks(m.Tasks, add)
	swap(m.Swap, add)
	for _, n := range m.Network {
		l := catalog.Label{Name: catalog.LabelInterface, Value: n.Interface}
		add(catalog.OSNetworkReceive, n.Rx, l)
		add(catalog.OSNetworkTransmit, n.Tx, l)
	}
	for _, d := range m.DiskIO {
		disk(d, add)
	}
	for _, f := range m.FileSys {
		ls := []catalog.Label{{Name: catalog.LabelFilesystem, Value: f.Name}, {Name: catalog.LabelMountpoint, Value: f.MountPoint}}
		add(catalog.OSFilesystemSize, f.Total*kib, ls...)
		add(catalog.OSFilesystemUsed, f.Used*kib, ls...)
		add(catalog.OSFilesystemFiles, f.MaxFiles, ls...)
		add(catalog.OSFilesystemFilesUsed, f.UsedFiles, ls...)
	}
	for _, p := range m.ProcessList {
		if p.ID != 0 || p.Name == "" {
			continue
		}
		l := catalog.Label{Name: catalog.LabelProcess, Value: p.Name}
		add(catalog.OSProcessesCPU, p.CPUUsedPc, l)
		add(catalog.OSProcessesMemory, p.MemoryUsedPc, l)
		add(catalog.OSProcessesRSS, p.RSS*kib, l)
		add(catalog.OSProcessesVSS, p.VSS*kib, l)
	}
	return out
}

// adder appends one sample.
type adder func(name string, v float64, labels ...catalog.Label)

// cpu adds cpuUtilization by mode; total is 100 minus idle, left out.
func cpu(c cloudwatch.OSCPU, add adder) {
	byLabel(add, catalog.OSCPUUtilization, catalog.LabelMode, []valueOf{
		{"guest", c.Guest}, {"idle", c.Idle}, {"irq", c.Irq}, {"nice", c.Nice},
		{"steal", c.Steal}, {"system", c.System}, {"user", c.User}, {"wait", c.Wait},
	})
}

// valueOf is a field's value and the label value that names it.
type valueOf struct {
	label string
	v     float64
}

// byLabel adds a sample of the family name per value, labeled label.
func byLabel(add adder, name, label string, values []valueOf) {
	for _, v := range values {
		add(name, v.v, catalog.Label{Name: label, Value: v.label})
	}
}

// memory adds the memory fields, sizes in bytes.
func memory(m cloudwatch.OSMemory, add adder) {
	add(catalog.OSMemoryActive, m.Active*kib)
	add(catalog.OSMemoryBuffers, m.Buffers*kib)
	add(catalog.OSMemoryCached, m.Cached*kib)
	add(catalog.OSMemoryDirty, m.Dirty*kib)
	add(catalog.OSMemoryFree, m.Free*kib)
	add(catalog.OSMemoryInactive, m.Inactive*kib)
	add(catalog.OSMemoryMapped, m.Mapped*kib)
	add(catalog.OSMemoryPageTables, m.PageTables*kib)
	add(catalog.OSMemorySlab, m.Slab*kib)
	add(catalog.OSMemoryTotal, m.Total*kib)
	add(catalog.OSMemoryWriteback, m.Writeback*kib)
	add(catalog.OSHugePagesFree, m.HugePagesFree)
	add(catalog.OSHugePagesReserved, m.HugePagesRsvd)
	add(catalog.OSHugePagesSurplus, m.HugePagesSurp)
	add(catalog.OSHugePagesTotal, m.HugePagesTotal)
	add(catalog.OSHugePageSize, m.HugePagesSize*kib)
}

// tasks adds the tasks by state; total is their sum, left out.
func tasks(t cloudwatch.OSTasks, add adder) {
	byLabel(add, catalog.OSTasks, catalog.LabelState, []valueOf{
		{"blocked", t.Blocked}, {"running", t.Running}, {"sleeping", t.Sleeping}, {"stopped", t.Stopped}, {"zombie", t.Zombie},
	})
}

// swap adds the swap fields, in bytes and bytes per second.
func swap(s cloudwatch.OSSwap, add adder) {
	add(catalog.OSSwapCached, s.Cached*kib)
	add(catalog.OSSwapFree, s.Free*kib)
	add(catalog.OSSwapTotal, s.Total*kib)
	add(catalog.OSSwapIn, s.In*kib)
	add(catalog.OSSwapOut, s.Out*kib)
}

// disk adds one diskIO entry: a block device's iostat fields, or the
// Aurora cluster volume's.
func disk(d cloudwatch.OSDiskIO, add adder) {
	if d.Device == "" {
		l := catalog.Label{Name: catalog.LabelDevice, Value: catalog.OSClusterVolume}
		add(catalog.OSDiskReadIOPS, d.ReadIOsPS, l)
		add(catalog.OSDiskWriteIOPS, d.WriteIOsPS, l)
		add(catalog.OSDiskReadBytes, d.ReadThroughput, l)
		add(catalog.OSDiskWriteBytes, d.WriteThroughput, l)
		add(catalog.OSDiskQueueLength, d.DiskQueueDepth, l)
		add(catalog.OSDiskReadLatency, d.ReadLatency/ms, l)
		add(catalog.OSDiskWriteLatency, d.WriteLatency/ms, l)
		return
	}
	l := catalog.Label{Name: catalog.LabelDevice, Value: d.Device}
	add(catalog.OSDiskReadIOPS, d.ReadIOsPS, l)
	add(catalog.OSDiskWriteIOPS, d.WriteIOsPS, l)
	add(catalog.OSDiskReadBytes, d.ReadKbPS*kib, l)
	add(catalog.OSDiskWriteBytes, d.WriteKbPS*kib, l)
	add(catalog.OSDiskReadMerged, d.RrqmPS, l)
	add(catalog.OSDiskWriteMerged, d.WrqmPS, l)
	add(catalog.OSDiskTransactions, d.TPS, l)
	add(catalog.OSDiskQueueLength, d.AvgQueueLen, l)
	add(catalog.OSDiskRequestSize, d.AvgReqSz*kib, l)
	add(catalog.OSDiskAwait, d.Await/ms, l)
	add(catalog.OSDiskUtilization, d.Util, l)
}

// ParseUptime parses Enhanced Monitoring's uptime, written as Python's
// timedelta ("0:05:00", "1 day, 2:03:04", "53 days, 16:04:14"), into
// seconds.
func ParseUptime(s string) (float64, bool) {
	days := 0
	if d, rest, ok := strings.Cut(s, ", "); ok {
		n, unit, _ := strings.Cut(d, " ")
		v, err := strconv.Atoi(n)
		if err != nil || (unit != "day" && unit != "days") {
			return 0, false
		}
		days, s = v, rest
	}
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, false
	}
	secs := 0.0
	for _, p := range parts {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil {
			return 0, false
		}
		secs = secs*60 + v
	}
	return float64(days)*86400 + secs, true
}
