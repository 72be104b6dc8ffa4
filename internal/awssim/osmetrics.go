package awssim

import (
	"encoding/json"
	"time"
)

// OSMetrics is one Enhanced Monitoring event: the OS metrics of an
// instance at one time, with the fields of the JSON message RDS publishes
// to the log group RDSOSMetrics (Message writes that message). Memory and
// file-system sizes are in KiB, rates per second, CPU shares in percent.
type OSMetrics struct {
	Engine             string
	InstanceID         string
	InstanceResourceID string
	Timestamp          time.Time
	Version            int
	Uptime             string
	NumVCPUs           int
	CPUUtilization     OSCPU
	LoadAverageMinute  OSLoadAverage
	Memory             OSMemory
	Tasks              OSTasks
	Swap               OSSwap
	Network            []OSNetwork
	DiskIO             []OSDiskIO
	PhysicalDeviceIO   []OSDiskIO
	FileSys            []OSFileSys
	ProcessList        []OSProcess
}

// OSCPU is cpuUtilization; Total is 100 minus Idle.
type OSCPU struct {
	Guest  float64 `json:"guest"`
	Irq    float64 `json:"irq"`
	System float64 `json:"system"`
	Wait   float64 `json:"wait"`
	Idle   float64 `json:"idle"`
	User   float64 `json:"user"`
	Total  float64 `json:"total"`
	Steal  float64 `json:"steal"`
	Nice   float64 `json:"nice"`
}

// OSLoadAverage is loadAverageMinute.
type OSLoadAverage struct {
	One     float64 `json:"one"`
	Five    float64 `json:"five"`
	Fifteen float64 `json:"fifteen"`
}

// OSMemory is memory, in KiB (HugePagesSize too; the HugePages counts are
// pages).
type OSMemory struct {
	Writeback      int64 `json:"writeback"`
	HugePagesFree  int64 `json:"hugePagesFree"`
	HugePagesRsvd  int64 `json:"hugePagesRsvd"`
	HugePagesSurp  int64 `json:"hugePagesSurp"`
	Cached         int64 `json:"cached"`
	HugePagesSize  int64 `json:"hugePagesSize"`
	Free           int64 `json:"free"`
	HugePagesTotal int64 `json:"hugePagesTotal"`
	Inactive       int64 `json:"inactive"`
	PageTables     int64 `json:"pageTables"`
	Dirty          int64 `json:"dirty"`
	Mapped         int64 `json:"mapped"`
	Active         int64 `json:"active"`
	Total          int64 `json:"total"`
	Slab           int64 `json:"slab"`
	Buffers        int64 `json:"buffers"`
}

// OSTasks is tasks: processes by state.
type OSTasks struct {
	Sleeping int `json:"sleeping"`
	Zombie   int `json:"zombie"`
	Running  int `json:"running"`
	Stopped  int `json:"stopped"`
	Total    int `json:"total"`
	Blocked  int `json:"blocked"`
}

// OSSwap is swap: sizes in KiB, In and Out in KiB per second.
type OSSwap struct {
	Cached int64   `json:"cached"`
	Total  int64   `json:"total"`
	Free   int64   `json:"free"`
	In     float64 `json:"in"`
	Out    float64 `json:"out"`
}

// OSNetwork is one network interface: Rx and Tx in bytes per second.
type OSNetwork struct {
	Interface string  `json:"interface"`
	Rx        float64 `json:"rx"`
	Tx        float64 `json:"tx"`
}

// OSDiskIO is one entry of diskIO or physicalDeviceIO. Block devices have
// a Device and the iostat fields; the cluster volume of an Aurora instance
// has no Device and the latency and throughput fields instead (latencies
// in milliseconds, throughputs in bytes per second).
type OSDiskIO struct {
	Device      string
	ReadIOsPS   float64
	WriteIOsPS  float64
	ReadKbPS    float64
	WriteKbPS   float64
	ReadKb      int64
	WriteKb     int64
	RrqmPS      float64
	WrqmPS      float64
	TPS         float64
	AvgQueueLen float64
	AvgReqSz    float64
	Await       float64
	Util        float64

	ReadLatency     float64
	WriteLatency    float64
	ReadThroughput  float64
	WriteThroughput float64
	DiskQueueDepth  float64
}

// blockDeviceJSON is a block device entry of diskIO.
type blockDeviceJSON struct {
	WriteKbPS   float64 `json:"writeKbPS"`
	ReadIOsPS   float64 `json:"readIOsPS"`
	Await       float64 `json:"await"`
	ReadKbPS    float64 `json:"readKbPS"`
	RrqmPS      float64 `json:"rrqmPS"`
	Util        float64 `json:"util"`
	AvgQueueLen float64 `json:"avgQueueLen"`
	TPS         float64 `json:"tps"`
	ReadKb      int64   `json:"readKb"`
	Device      string  `json:"device"`
	WriteKb     int64   `json:"writeKb"`
	AvgReqSz    float64 `json:"avgReqSz"`
	WrqmPS      float64 `json:"wrqmPS"`
	WriteIOsPS  float64 `json:"writeIOsPS"`
}

// clusterVolumeJSON is the Aurora cluster volume entry of diskIO.
type clusterVolumeJSON struct {
	ReadLatency     float64 `json:"readLatency"`
	WriteLatency    float64 `json:"writeLatency"`
	WriteThroughput float64 `json:"writeThroughput"`
	ReadThroughput  float64 `json:"readThroughput"`
	ReadIOsPS       float64 `json:"readIOsPS"`
	WriteIOsPS      float64 `json:"writeIOsPS"`
	DiskQueueDepth  float64 `json:"diskQueueDepth"`
}

// messageJSON returns the entry with the fields of its kind.
func (d OSDiskIO) messageJSON() any {
	if d.Device == "" {
		return clusterVolumeJSON{
			ReadLatency: d.ReadLatency, WriteLatency: d.WriteLatency,
			WriteThroughput: d.WriteThroughput, ReadThroughput: d.ReadThroughput,
			ReadIOsPS: d.ReadIOsPS, WriteIOsPS: d.WriteIOsPS, DiskQueueDepth: d.DiskQueueDepth,
		}
	}
	return blockDeviceJSON{
		WriteKbPS: d.WriteKbPS, ReadIOsPS: d.ReadIOsPS, Await: d.Await, ReadKbPS: d.ReadKbPS,
		RrqmPS: d.RrqmPS, Util: d.Util, AvgQueueLen: d.AvgQueueLen, TPS: d.TPS, ReadKb: d.ReadKb,
		Device: d.Device, WriteKb: d.WriteKb, AvgReqSz: d.AvgReqSz, WrqmPS: d.WrqmPS, WriteIOsPS: d.WriteIOsPS,
	}
}

// OSFileSys is one file system: sizes in KiB.
type OSFileSys struct {
	Used            int64   `json:"used"`
	Name            string  `json:"name"`
	UsedFiles       int64   `json:"usedFiles"`
	UsedFilePercent float64 `json:"usedFilePercent"`
	MaxFiles        int64   `json:"maxFiles"`
	MountPoint      string  `json:"mountPoint"`
	Total           int64   `json:"total"`
	UsedPercent     float64 `json:"usedPercent"`
}

// OSProcess is one entry of processList: the aggregates "OS processes" and
// "RDS processes" (ID 0), then the engine's processes and threads.
// VMLimit is "unlimited" for processes and empty for aggregates and
// threads, which RDS writes as the number 0.
type OSProcess struct {
	VSS          int64
	Name         string
	TGID         int64
	ParentID     int64
	MemoryUsedPc float64
	CPUUsedPc    float64
	ID           int64
	RSS          int64
	VMLimit      string
}

// processJSON is a processList entry as RDS writes it.
type processJSON struct {
	VSS          int64   `json:"vss"`
	Name         string  `json:"name"`
	TGID         int64   `json:"tgid"`
	ParentID     int64   `json:"parentID"`
	MemoryUsedPc float64 `json:"memoryUsedPc"`
	CPUUsedPc    float64 `json:"cpuUsedPc"`
	ID           int64   `json:"id"`
	RSS          int64   `json:"rss"`
	VMLimit      any     `json:"vmlimit"`
}

// messageJSON returns the entry as RDS writes it: vmlimit a string or the
// number 0.
func (p OSProcess) messageJSON() processJSON {
	var limit any = 0
	if p.VMLimit != "" {
		limit = p.VMLimit
	}
	return processJSON{
		VSS: p.VSS, Name: p.Name, TGID: p.TGID, ParentID: p.ParentID, MemoryUsedPc: p.MemoryUsedPc,
		CPUUsedPc: p.CPUUsedPc, ID: p.ID, RSS: p.RSS, VMLimit: limit,
	}
}

// messageJSON is OSMetrics as the JSON message RDS writes.
type messageJSON struct {
	Engine             string        `json:"engine"`
	InstanceID         string        `json:"instanceID"`
	InstanceResourceID string        `json:"instanceResourceID"`
	Timestamp          time.Time     `json:"timestamp"`
	Version            int           `json:"version"`
	Uptime             string        `json:"uptime"`
	NumVCPUs           int           `json:"numVCPUs"`
	CPUUtilization     OSCPU         `json:"cpuUtilization"`
	LoadAverageMinute  OSLoadAverage `json:"loadAverageMinute"`
	Memory             OSMemory      `json:"memory"`
	Tasks              OSTasks       `json:"tasks"`
	Swap               OSSwap        `json:"swap"`
	Network            []OSNetwork   `json:"network"`
	DiskIO             []any         `json:"diskIO"`
	PhysicalDeviceIO   []any         `json:"physicalDeviceIO,omitempty"`
	FileSys            []OSFileSys   `json:"fileSys"`
	ProcessList        []processJSON `json:"processList"`
}

// Message returns the event's message: the JSON document RDS writes to the
// instance's log stream.
func (m OSMetrics) Message() string {
	disks := func(ds []OSDiskIO) []any {
		var out []any
		for _, d := range ds {
			out = append(out, d.messageJSON())
		}
		return out
	}
	procs := make([]processJSON, len(m.ProcessList))
	for i, p := range m.ProcessList {
		procs[i] = p.messageJSON()
	}
	p, err := json.Marshal(messageJSON{
		Engine: m.Engine, InstanceID: m.InstanceID, InstanceResourceID: m.InstanceResourceID, Timestamp: m.Timestamp,
		Version: m.Version, Uptime: m.Uptime, NumVCPUs: m.NumVCPUs, CPUUtilization: m.CPUUtilization,
		LoadAverageMinute: m.LoadAverageMinute, Memory: m.Memory, Tasks: m.Tasks, Swap: m.Swap, Network: m.Network,
		DiskIO: disks(m.DiskIO), PhysicalDeviceIO: disks(m.PhysicalDeviceIO), FileSys: m.FileSys, ProcessList: procs,
	})
	if err != nil {
		panic("awssim: marshal OS metrics: " + err.Error()) // every field marshals
	}
	return string(p)
}

// OSMetrics is the data function of Enhanced Monitoring: the event the
// stream in RDSOSMetrics of the instance with the given ARN (in any account
// and region of the simulator) holds at t. ok is false where the stream
// has no event: unknown instance, Enhanced Monitoring off, t not on
// the instance's schedule (every MonitoringInterval seconds from a phase of
// its own), a stopped window, before the instance was created, not yet
// published at Now (events are published one second after they are taken),
// or older than the group's retention. GetLogEvents and FilterLogEvents
// serve exactly these events; the message is this value as JSON.
func (s *Server) OSMetrics(arn string, t time.Time) (OSMetrics, bool) {
	in, ok := s.instanceOfARN(arn)
	if !ok || !in.EnhancedMonitoring() || t.Nanosecond() != 0 {
		return OSMetrics{}, false
	}
	if !s.osStream(in).has(t.Unix()) {
		return OSMetrics{}, false
	}
	return s.osMetrics(in, t.Unix()), true
}

// OSEventTimes returns the times of the events of the stream of the
// instance with the given ARN in [from, to), oldest first: the times at
// which OSMetrics has an event.
func (s *Server) OSEventTimes(arn string, from, to time.Time) []time.Time {
	in, ok := s.instanceOfARN(arn)
	if !ok || !in.EnhancedMonitoring() {
		return nil
	}
	st := s.osStream(in)
	var out []time.Time
	for t, ok := st.first(ceilDiv(from.UnixMilli(), 1000)); ok && t < ceilDiv(to.UnixMilli(), 1000); t, ok = st.first(t + 1) {
		out = append(out, time.Unix(t, 0).UTC())
	}
	return out
}

// osMessage returns the message of the event at t.
func (s *Server) osMessage(in *instance, t int64) string { return s.osMetrics(in, t).Message() }
