package awssim

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// osGen computes the OS metrics of one instance at one second. Every value
// derives from the instance, the second and the seed; the activity level
// follows the same daily cycle as the instance's CloudWatch metrics.
type osGen struct {
	in   *instance
	t    int64
	h    uint64  // hash of (instance, second, seed)
	util float64 // CPU busy share, 0..1
	iv   float64 // the monitoring interval, seconds
}

// osMetrics returns the event of the instance at t (whether or not the
// stream has one there).
func (s *Server) osMetrics(in *instance, t int64) OSMetrics {
	g := osGen{in: in, t: t, h: hash3(in.hash, uint64(t), s.seedHash^0x05), iv: float64(in.MonitoringInterval)}
	g.util = clampRange(g.baseUtil(t)*(1+0.12*signed(g.h)), 0.005, 0.97)
	m := OSMetrics{
		Engine:             emEngine(in.Engine),
		InstanceID:         in.ID,
		InstanceResourceID: in.ResourceID,
		Timestamp:          time.Unix(t, 0).UTC(),
		Version:            1,
		Uptime:             formatUptime(t - s.bootTime(in, t)),
		NumVCPUs:           int(in.vcpus),
		CPUUtilization:     g.cpu(),
		LoadAverageMinute:  g.loadAverage(),
		Memory:             g.memory(),
		Tasks:              g.tasks(),
		Swap:               g.swap(),
		Network:            []OSNetwork{{Interface: "eth0", Rx: round2(2.6e6 * g.util * g.vary(1, 0.1)), Tx: round2(8.4e6 * g.util * g.vary(2, 0.1))}},
		FileSys:            g.fileSystems(),
	}
	m.DiskIO, m.PhysicalDeviceIO = g.disks()
	m.ProcessList = g.processes(m.CPUUtilization, m.Memory)
	return m
}

// baseUtil is the CPU busy share at t without noise.
func (g *osGen) baseUtil(t int64) float64 {
	return clampRange(0.22*g.in.load*(1+0.45*dailyCycle(float64(t), g.in.phase)), 0.01, 0.95)
}

// vary returns 1 plus a deterministic noise of relative amplitude a; k
// tells the quantities of one event apart.
func (g *osGen) vary(k uint64, a float64) float64 { return 1 + a*signed(hash2(g.h, k)) }

// share returns a deterministic number in [0, 1) for quantity k.
func (g *osGen) share(k uint64) float64 { return unit(hash2(g.h, k)) }

// cpu splits the busy share into modes, in tenths of a percent so that the
// modes and idle add up to exactly 100.
func (g *osGen) cpu() OSCPU {
	total := int64(math.Round(g.util * 1000))
	part := func(k uint64, share float64) int64 {
		return int64(float64(total) * share * (0.7 + 0.6*g.share(k)))
	}
	system, wait, steal, nice, irq := part(10, 0.24), part(11, 0.06), part(12, 0.04), part(13, 0.02), part(14, 0.03)
	user := total - system - wait - steal - nice - irq
	return OSCPU{
		Irq: tenths(irq), System: tenths(system), Wait: tenths(wait), Idle: tenths(1000 - total),
		User: tenths(user), Total: tenths(total), Steal: tenths(steal), Nice: tenths(nice),
	}
}

// loadAverage is the run queue averaged over one, five and fifteen
// minutes.
func (g *osGen) loadAverage() OSLoadAverage {
	v := g.in.vcpus
	return OSLoadAverage{
		One:     round2(v * g.util * g.vary(20, 0.1)),
		Five:    round2(v * g.baseUtil(g.t-150)),
		Fifteen: round2(v * g.baseUtil(g.t-450)),
	}
}

// memory is the instance's memory in KiB.
func (g *osGen) memory() OSMemory {
	total := int64(g.in.memGiB * 1024 * 1024 * 0.948)
	of := func(f float64) int64 { return int64(math.Round(float64(total) * f)) }
	return OSMemory{
		HugePagesSize: 2048,
		Cached:        of(0.58 - 0.15*g.util),
		Free:          of(0.03 + 0.04*g.share(30)),
		Inactive:      of(0.5 - 0.2*g.util),
		PageTables:    8000 + int64(4000*g.util),
		Dirty:         200 + int64(2000*g.share(31)),
		Mapped:        of(0.06),
		Active:        of(0.22 + 0.25*g.util),
		Total:         total,
		Slab:          of(0.045),
		Buffers:       of(0.065),
	}
}

// tasks counts processes by state.
func (g *osGen) tasks() OSTasks {
	running := int(math.Round(g.in.vcpus * g.util * 1.5 * g.share(40)))
	blocked := 0
	if g.share(41) > 0.9 {
		blocked = 1
	}
	sleeping := 96 + int(hash2(g.in.hash, 42)%12) + len(engineProcesses(g.in.engine.bit))
	return OSTasks{Sleeping: sleeping, Running: running, Blocked: blocked, Total: sleeping + running + blocked}
}

// swap is the swap space in KiB; its use changes once a day.
func (g *osGen) swap() OSSwap {
	const total = 4193276
	used := 20000 + int64(60000*unit(hash2(g.in.hash, uint64(floorDiv(g.t, day)))))
	return OSSwap{
		Cached: used / 40, Total: total, Free: total - used,
		In: round2(math.Max(0, 3*signed(hash2(g.h, 50))-2)), Out: round2(math.Max(0, 3*signed(hash2(g.h, 51))-2)),
	}
}

// disks returns diskIO and physicalDeviceIO: the data and log volumes and
// their NVMe device, or an Aurora instance's cluster volume and local
// temporary device.
func (g *osGen) disks() (disk, physical []OSDiskIO) {
	reads, writes := 1600*g.util*g.vary(60, 0.2), 820*g.util*g.vary(61, 0.2)
	if g.in.engine.aurora() {
		volume := OSDiskIO{
			ReadIOsPS: round2(reads), WriteIOsPS: round2(writes),
			ReadLatency: round2(0.4 + 1.5*g.util*g.share(62)), WriteLatency: round2(0.5 + 2*g.util*g.share(63)),
			ReadThroughput: round2(reads * 8192), WriteThroughput: round2(writes * 4096),
			DiskQueueDepth: math.Round(reads * 0.002),
		}
		return []OSDiskIO{volume, g.blockDevice("rdstemp", reads*0.02, writes*0.1, 64)}, nil
	}
	data := g.blockDevice("rdsdev", reads, writes, 65)
	logs := g.blockDevice("filesystem", reads*0.05, writes*0.3, 66)
	nvme := g.blockDevice("nvme1n1", reads, writes*0.8, 67)
	return []OSDiskIO{data, logs}, []OSDiskIO{nvme}
}

// blockDevice returns the iostat figures of a device doing reads and
// writes per second; k tells devices apart.
func (g *osGen) blockDevice(name string, reads, writes float64, k uint64) OSDiskIO {
	size := 8 + 24*g.share(k)
	await := 0.3 + 2.5*g.util*g.share(k+100)
	tps := reads + writes
	readKbPS, writeKbPS := round2(reads*size), round2(writes*size*0.6)
	return OSDiskIO{
		Device: name, ReadIOsPS: round2(reads), WriteIOsPS: round2(writes),
		ReadKbPS: readKbPS, WriteKbPS: writeKbPS,
		ReadKb: int64(math.Round(readKbPS * g.iv)), WriteKb: int64(math.Round(writeKbPS * g.iv)),
		RrqmPS: round2(reads * 0.01), WrqmPS: round2(writes * 0.2), TPS: round2(tps),
		AvgQueueLen: round2(tps * await / 1000), AvgReqSz: round2(size), Await: round2(await),
		Util: round2(math.Min(100, tps*await/10)),
	}
}

// fileSystems returns the data volume (filling up and cleaned up on the
// same slow sawtooth as FreeStorageSpace) and the root file system, or an
// Aurora instance's local volume.
func (g *osGen) fileSystems() []OSFileSys {
	if g.in.engine.aurora() {
		total := int64(g.in.memGiB * 2 * 1024 * 1024)
		used := int64(float64(total) * (0.15 + 0.1*sawtooth(float64(g.t), g.in.hash)))
		return []OSFileSys{fileSys("oscar--ephmeral--volume--group-oscar--ephmeral--logical--volume", "/rdsdbdata", total, used, total/16, 800+used>>20)}
	}
	total := int64(g.in.AllocatedStorage) * 1024 * 1024 * 98 / 100
	used := int64(float64(total) * (0.3 + 0.35*sawtooth(float64(g.t), g.in.hash)))
	rootUsed := 6_100_000 + int64(hash2(g.in.hash, 70)%500_000)
	return []OSFileSys{
		fileSys("rdsfilesys", "/rdsdbdata", total, used, total/16, 300+used>>18),
		fileSys("rootfilesys", "/", 10230600, rootUsed, 655360, 42000+int64(hash2(g.in.hash, 71)%2000)),
	}
}

// fileSys returns a file system's entry.
func fileSys(name, mount string, total, used, maxFiles, usedFiles int64) OSFileSys {
	return OSFileSys{
		Used: used, Name: name, UsedFiles: usedFiles, MaxFiles: maxFiles, MountPoint: mount, Total: total,
		UsedFilePercent: round2(100 * float64(usedFiles) / float64(maxFiles)),
		UsedPercent:     round2(100 * float64(used) / float64(total)),
	}
}

// osProc is a process of an engine: its name, its kind, and its share of
// the engine's CPU and memory.
type osProc struct {
	name string
	kind procKind
	cpu  float64
	mem  float64
}

// procKind says where a process sits in the process tree.
type procKind uint8

const (
	procRoot   procKind = iota // a child of init, e.g. postgres, mysqld
	procChild                  // a child process of the last root
	procThread                 // a thread of the last root
)

// engineProcesses returns the processes an engine runs, main process
// first (Aurora's storage daemon before it).
func engineProcesses(e engineSet) []osProc {
	var ps []osProc
	if e&engAurora != 0 {
		ps = append(ps, osProc{"Aurora Storage Daemon", procRoot, 0.05, 0.05})
	}
	if e&(engMy|engAMy) != 0 {
		d := "mysqld"
		if e == engineMariaDB {
			d = "mariadbd"
		}
		return append(ps,
			osProc{d, procRoot, 0.2, 0.3}, osProc{d + ": ib_io_rd-1", procThread, 0.1, 0}, osProc{d + ": ib_io_wr-1", procThread, 0.1, 0},
			osProc{d + ": ib_log_writer", procThread, 0.1, 0}, osProc{d + ": ib_srv_purge", procThread, 0.05, 0},
			osProc{d + ": connection", procThread, 0.25, 0}, osProc{d + ": connection", procThread, 0.2, 0},
		)
	}
	ps = append(ps,
		osProc{"postgres", procRoot, 0.02, 0.02}, osProc{"postgres: logger ", procChild, 0.01, 0.001},
		osProc{"postgres: checkpointer ", procChild, 0.04, 0.012}, osProc{"postgres: background writer ", procChild, 0.03, 0.003},
		osProc{"postgres: walwriter ", procChild, 0.05, 0.009}, osProc{"postgres: autovacuum launcher ", procChild, 0.05, 0.002},
		osProc{"postgres: logical replication launcher ", procChild, 0.01, 0.002},
		osProc{"postgres: app appdb 10.0.12.34(51234) idle", procChild, 0.39, 0.03},
		osProc{"postgres: app appdb 10.0.12.35(40112) SELECT", procChild, 0.4, 0.04},
	)
	if e == engineAuroraPostgres {
		ps = append(ps, osProc{"postgres: aurora runtime process ", procChild, 0.05, 0.015})
	}
	return ps
}

// processes returns processList: the two aggregates, then the engine's
// processes with their share of the CPU and memory the instance uses.
func (g *osGen) processes(c OSCPU, m OSMemory) []OSProcess {
	kb := float64(m.Total)
	rdsCPU, rdsRSS := c.Total*0.85, kb*(0.1+0.3*g.util)
	out := []OSProcess{
		{Name: "OS processes", VSS: int64(kb * 0.55), RSS: int64(kb * 0.05), MemoryUsedPc: 5, CPUUsedPc: round2(c.Total * 0.1)},
		{Name: "RDS processes", VSS: int64(kb * 1.5), RSS: int64(rdsRSS), MemoryUsedPc: round2(100 * rdsRSS / kb), CPUUsedPc: round2(rdsCPU)},
	}
	pid := 600 + int64(hash2(g.in.hash, 80)%2000)
	root := pid
	for i, p := range engineProcesses(g.in.engine.bit) {
		e := OSProcess{Name: p.name, ID: pid + int64(i), TGID: pid + int64(i), ParentID: root, VMLimit: "unlimited",
			VSS: int64(kb * 0.3), CPUUsedPc: round2(rdsCPU * p.cpu * (0.8 + 0.4*g.share(90+uint64(i))))}
		rss := rdsRSS * p.mem
		switch p.kind {
		case procRoot:
			root, e.ParentID = e.ID, 1
		case procThread:
			e.TGID, e.ParentID, e.VMLimit, rss = root, 1, "", rdsRSS*0.3
		}
		e.RSS, e.MemoryUsedPc = int64(rss), round2(100*rss/kb)
		out = append(out, e)
	}
	return out
}

// bootTime returns when the instance last started before t: after its
// last stopped window, or at its last maintenance reboot (every 35 days,
// at a time of its own), or when it was created.
func (s *Server) bootTime(in *instance, t int64) int64 {
	const every = 35 * day
	reboot := t - floorMod(t-int64(hash2(in.hash, 81)%every), every)
	boot := max(reboot, in.CreateTime.Unix())
	if !in.HasGaps {
		return boot
	}
	for d := floorDiv(t, day); d > floorDiv(t, day)-every/day && d*day+day > boot; d-- {
		if _, hi, ok := s.stoppedWindow(&in.owner, d); ok && d*day+hi*3600 <= t {
			return max(boot, d*day+hi*3600)
		}
	}
	return boot
}

// formatUptime writes a duration in seconds as RDS writes uptime (Python's
// timedelta): "0:05:00", "1 day, 2:03:04", "53 days, 16:04:14".
func formatUptime(sec int64) string {
	hms := fmt.Sprintf("%d:%02d:%02d", sec%day/3600, sec%3600/60, sec%60)
	switch d := sec / day; d {
	case 0:
		return hms
	case 1:
		return "1 day, " + hms
	default:
		return fmt.Sprintf("%d days, %s", d, hms)
	}
}

// emEngine returns the engine as Enhanced Monitoring names it: upper case
// for RDS engines ("POSTGRES", "MYSQL"), as is for Aurora ones.
func emEngine(engine string) string {
	if strings.HasPrefix(engine, "aurora") {
		return engine
	}
	return strings.ToUpper(engine)
}

// floorMod returns a modulo d in [0, d) (d > 0).
func floorMod(a, d int64) int64 { return a - floorDiv(a, d)*d }

// clampRange bounds v to [lo, hi].
func clampRange(v, lo, hi float64) float64 { return math.Min(hi, math.Max(lo, v)) }

// round2 rounds to two decimals, as Enhanced Monitoring writes rates.
func round2(v float64) float64 { return math.Round(v*100) / 100 }

// tenths converts tenths of a percent to a percentage with one decimal.
func tenths(n int64) float64 { return float64(n) / 10 }
