package cloudwatch

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"
)

// OSEvent is one Enhanced Monitoring event of an instance.
type OSEvent struct {
	// Timestamp is the log event's time (when the metrics were taken).
	Timestamp time.Time
	Metrics   OSMetrics
}

// OSMetrics is the OS metrics of one Enhanced Monitoring event, with the
// fields AWS documents for the JSON message RDS writes to the log group
// RDSOSMetrics (JSON names are the message's). Memory and file-system
// sizes are in KiB, rates per second, shares in percent. Every number is a
// float64; fields a message lacks stay zero.
type OSMetrics struct {
	Engine             string        `json:"engine"`
	InstanceID         string        `json:"instanceID"`
	InstanceResourceID string        `json:"instanceResourceID"`
	Timestamp          time.Time     `json:"timestamp"`
	Version            float64       `json:"version"`
	Uptime             string        `json:"uptime"`
	NumVCPUs           float64       `json:"numVCPUs"`
	CPUUtilization     OSCPU         `json:"cpuUtilization"`
	LoadAverageMinute  OSLoadAverage `json:"loadAverageMinute"`
	Memory             OSMemory      `json:"memory"`
	Tasks              OSTasks       `json:"tasks"`
	Swap               OSSwap        `json:"swap"`
	Network            []OSNetwork   `json:"network"`
	DiskIO             []OSDiskIO    `json:"diskIO"`
	PhysicalDeviceIO   []OSDiskIO    `json:"physicalDeviceIO"`
	FileSys            []OSFileSys   `json:"fileSys"`
	ProcessList        []OSProcess   `json:"processList"`
}

// OSCPU is cpuUtilization: percent of CPU time by mode.
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

// OSMemory is memory, in KiB (the hugePages counts are pages).
type OSMemory struct {
	Active         float64 `json:"active"`
	Buffers        float64 `json:"buffers"`
	Cached         float64 `json:"cached"`
	Dirty          float64 `json:"dirty"`
	Free           float64 `json:"free"`
	HugePagesFree  float64 `json:"hugePagesFree"`
	HugePagesRsvd  float64 `json:"hugePagesRsvd"`
	HugePagesSize  float64 `json:"hugePagesSize"`
	HugePagesSurp  float64 `json:"hugePagesSurp"`
	HugePagesTotal float64 `json:"hugePagesTotal"`
	Inactive       float64 `json:"inactive"`
	Mapped         float64 `json:"mapped"`
	PageTables     float64 `json:"pageTables"`
	Slab           float64 `json:"slab"`
	Total          float64 `json:"total"`
	Writeback      float64 `json:"writeback"`
}

// OSTasks is tasks: processes by state.
type OSTasks struct {
	Blocked  float64 `json:"blocked"`
	Running  float64 `json:"running"`
	Sleeping float64 `json:"sleeping"`
	Stopped  float64 `json:"stopped"`
	Total    float64 `json:"total"`
	Zombie   float64 `json:"zombie"`
}

// OSSwap is swap: sizes in KiB, In and Out in KiB per second.
type OSSwap struct {
	Cached float64 `json:"cached"`
	Free   float64 `json:"free"`
	In     float64 `json:"in"`
	Out    float64 `json:"out"`
	Total  float64 `json:"total"`
}

// OSNetwork is one interface: bytes per second received and sent.
type OSNetwork struct {
	Interface string  `json:"interface"`
	Rx        float64 `json:"rx"`
	Tx        float64 `json:"tx"`
}

// OSDiskIO is one entry of diskIO or physicalDeviceIO: a block device
// (Device set, the iostat fields) or, on Aurora, the cluster volume (no
// Device; latencies in milliseconds, throughputs in bytes per second).
type OSDiskIO struct {
	Device      string  `json:"device"`
	AvgQueueLen float64 `json:"avgQueueLen"`
	AvgReqSz    float64 `json:"avgReqSz"`
	Await       float64 `json:"await"`
	ReadIOsPS   float64 `json:"readIOsPS"`
	ReadKb      float64 `json:"readKb"`
	ReadKbPS    float64 `json:"readKbPS"`
	RrqmPS      float64 `json:"rrqmPS"`
	TPS         float64 `json:"tps"`
	Util        float64 `json:"util"`
	WriteIOsPS  float64 `json:"writeIOsPS"`
	WriteKb     float64 `json:"writeKb"`
	WriteKbPS   float64 `json:"writeKbPS"`
	WrqmPS      float64 `json:"wrqmPS"`

	DiskQueueDepth  float64 `json:"diskQueueDepth"`
	ReadLatency     float64 `json:"readLatency"`
	ReadThroughput  float64 `json:"readThroughput"`
	WriteLatency    float64 `json:"writeLatency"`
	WriteThroughput float64 `json:"writeThroughput"`
}

// OSFileSys is one file system: sizes in KiB.
type OSFileSys struct {
	Name            string  `json:"name"`
	MountPoint      string  `json:"mountPoint"`
	MaxFiles        float64 `json:"maxFiles"`
	Total           float64 `json:"total"`
	Used            float64 `json:"used"`
	UsedFilePercent float64 `json:"usedFilePercent"`
	UsedFiles       float64 `json:"usedFiles"`
	UsedPercent     float64 `json:"usedPercent"`
}

// OSProcess is one entry of processList: the aggregates "OS processes" and
// "RDS processes" (ID 0) and the top processes and threads.
type OSProcess struct {
	Name         string  `json:"name"`
	ID           float64 `json:"id"`
	ParentID     float64 `json:"parentID"`
	TGID         float64 `json:"tgid"`
	CPUUsedPc    float64 `json:"cpuUsedPc"`
	MemoryUsedPc float64 `json:"memoryUsedPc"`
	RSS          float64 `json:"rss"`
	VSS          float64 `json:"vss"`
	// VMLimit is "unlimited" or a number as text: RDS writes a string for
	// processes and the number 0 for aggregates and threads.
	VMLimit VMLimit `json:"vmlimit"`
}

// VMLimit is a process's vmlimit, which RDS writes as a string or a
// number.
type VMLimit string

// UnmarshalJSON accepts a string or a number.
func (v *VMLimit) UnmarshalJSON(p []byte) error {
	var s string
	if err := json.Unmarshal(p, &s); err == nil {
		*v = VMLimit(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(p, &n); err != nil {
		return fmt.Errorf("vmlimit is neither a string nor a number: %s", p)
	}
	*v = VMLimit(n.String())
	return nil
}

// ParseOSMetrics decodes the message of an Enhanced Monitoring event.
// Unknown fields are ignored, as AWS adds fields over time; a message that
// is not a JSON object of the documented types is an error.
func ParseOSMetrics(message string) (OSMetrics, error) {
	var m OSMetrics
	if err := json.Unmarshal([]byte(message), &m); err != nil {
		return OSMetrics{}, fmt.Errorf("parse Enhanced Monitoring message: %w", err)
	}
	return m, nil
}

// parseEvent builds an OSEvent from a log event's timestamp (milliseconds)
// and message.
func parseEvent(stream string, ms int64, message string) (OSEvent, error) {
	m, err := ParseOSMetrics(message)
	if err != nil {
		return OSEvent{}, fmt.Errorf("event of %s at %s: %w", stream, strconv.FormatInt(ms, 10), err)
	}
	return OSEvent{Timestamp: time.UnixMilli(ms).UTC(), Metrics: m}, nil
}
