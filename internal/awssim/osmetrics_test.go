package awssim

import (
	"encoding/json"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// emTestFleet is a fleet where Enhanced Monitoring is on at 60 s on every
// instance, so that each engine has one.
func emTestFleet(t testing.TB) *Server {
	return New(Options{Instances: 8, Now: func() time.Time { return testNow }, Monitoring: func(Instance) Monitoring {
		return Monitoring{MonitoringInterval: 60}
	}})
}

// lastEvent returns the time of the instance's newest event.
func lastEvent(t testing.TB, s *Server, arn string) time.Time {
	t.Helper()
	times := s.OSEventTimes(arn, testNow.Add(-time.Hour), testNow)
	if len(times) == 0 {
		t.Fatalf("%s has no event in the last hour", arn)
	}
	return times[len(times)-1]
}

// The message has the fields AWS documents for Enhanced Monitoring, with
// the types real messages have.
func TestOSMessageFields(t *testing.T) {
	s := emTestFleet(t)
	general := []string{"engine", "instanceID", "instanceResourceID", "timestamp", "version", "uptime", "numVCPUs",
		"cpuUtilization", "loadAverageMinute", "memory", "tasks", "swap", "network", "diskIO", "fileSys", "processList"}
	groups := map[string][]string{
		"cpuUtilization":    {"guest", "irq", "system", "wait", "idle", "user", "total", "steal", "nice"},
		"loadAverageMinute": {"one", "five", "fifteen"},
		"memory": {"writeback", "hugePagesFree", "hugePagesRsvd", "hugePagesSurp", "cached", "hugePagesSize", "free",
			"hugePagesTotal", "inactive", "pageTables", "dirty", "mapped", "active", "total", "slab", "buffers"},
		"tasks": {"sleeping", "zombie", "running", "stopped", "total", "blocked"},
		"swap":  {"cached", "total", "free", "in", "out"},
	}
	blockDevice := []string{"writeKbPS", "readIOsPS", "await", "readKbPS", "rrqmPS", "util", "avgQueueLen", "tps", "readKb", "device", "writeKb", "avgReqSz", "wrqmPS", "writeIOsPS"}
	auroraVolume := []string{"readLatency", "writeLatency", "writeThroughput", "readThroughput", "readIOsPS", "writeIOsPS", "diskQueueDepth"}
	for _, in := range s.Instances() {
		t.Run(in.ID, func(t *testing.T) {
			m, ok := s.OSMetrics(in.ARN, lastEvent(t, s, in.ARN))
			if !ok {
				t.Fatal("no event")
			}
			var doc map[string]any
			if err := json.Unmarshal([]byte(m.Message()), &doc); err != nil {
				t.Fatal(err)
			}
			hasKeys(t, "message", doc, general)
			for g, keys := range groups {
				hasKeys(t, g, doc[g].(map[string]any), keys)
			}
			disks := doc["diskIO"].([]any)
			aurora := strings.HasPrefix(in.Engine, "aurora")
			if aurora {
				hasKeys(t, "diskIO[0]", disks[0].(map[string]any), auroraVolume)
				hasKeys(t, "diskIO[1]", disks[1].(map[string]any), blockDevice)
			} else {
				hasKeys(t, "diskIO[0]", disks[0].(map[string]any), blockDevice)
				hasKeys(t, "physicalDeviceIO[0]", doc["physicalDeviceIO"].([]any)[0].(map[string]any), blockDevice)
			}
			wantEngine := strings.ToUpper(in.Engine)
			if aurora {
				wantEngine = in.Engine
			}
			if doc["engine"] != wantEngine {
				t.Errorf("engine %v for %s, want %s", doc["engine"], in.Engine, wantEngine)
			}
			procs := doc["processList"].([]any)
			limits := map[string]bool{}
			for _, p := range procs {
				hasKeys(t, "process", p.(map[string]any), []string{"vss", "name", "tgid", "parentID", "memoryUsedPc", "cpuUsedPc", "id", "rss", "vmlimit"})
				limits[strings.TrimPrefix(strings.TrimPrefix(jsonKind(p.(map[string]any)["vmlimit"]), "float64"), "string:")] = true
			}
			if name := procs[0].(map[string]any)["name"]; name != "OS processes" {
				t.Errorf("first process %v, want the aggregate OS processes", name)
			}
			if !limits[""] || !limits["unlimited"] {
				t.Errorf("vmlimit kinds %v, want the number 0 for aggregates and \"unlimited\" for processes", limits)
			}
		})
	}
}

// hasKeys checks that obj has every key.
func hasKeys(t *testing.T, what string, obj map[string]any, keys []string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := obj[k]; !ok {
			t.Errorf("%s has no %q", what, k)
		}
	}
}

// jsonKind describes a decoded JSON value: "float64" or "string:<value>".
func jsonKind(v any) string {
	if s, ok := v.(string); ok {
		return "string:" + s
	}
	return "float64"
}

// The values hang together as on a real instance.
func TestOSMetricsConsistent(t *testing.T) {
	s := emTestFleet(t)
	uptime := regexp.MustCompile(`^(1 day, |[0-9]+ days, )?[0-9]{1,2}:[0-9]{2}:[0-9]{2}$`)
	for _, in := range s.Instances() {
		times := s.OSEventTimes(in.ARN, testNow.Add(-6*time.Hour), testNow)
		for i := 0; i < len(times); i += 37 {
			ts := times[i]
			m, _ := s.OSMetrics(in.ARN, ts)
			c := m.CPUUtilization
			if sum := c.Guest + c.Irq + c.System + c.Wait + c.Idle + c.User + c.Steal + c.Nice; math.Abs(sum-100) > 1e-9 {
				t.Fatalf("%s %v: CPU modes add up to %v", in.ID, ts, sum)
			}
			if math.Abs(c.Total-(100-c.Idle)) > 1e-9 {
				t.Fatalf("%s %v: total %v, idle %v", in.ID, ts, c.Total, c.Idle)
			}
			mem := m.Memory
			if mem.Free+mem.Cached+mem.Buffers > mem.Total || mem.Free <= 0 {
				t.Fatalf("%s %v: free %d + cached %d + buffers %d of %d", in.ID, ts, mem.Free, mem.Cached, mem.Buffers, mem.Total)
			}
			if m.Tasks.Total != m.Tasks.Sleeping+m.Tasks.Running+m.Tasks.Blocked+m.Tasks.Stopped+m.Tasks.Zombie {
				t.Fatalf("%s %v: tasks %+v", in.ID, ts, m.Tasks)
			}
			if !m.Timestamp.Equal(ts) || m.InstanceID != in.ID || m.InstanceResourceID != in.ResourceID || m.NumVCPUs < 2 {
				t.Fatalf("%s %v: header %v %s %s %d", in.ID, ts, m.Timestamp, m.InstanceID, m.InstanceResourceID, m.NumVCPUs)
			}
			if !uptime.MatchString(m.Uptime) {
				t.Fatalf("%s %v: uptime %q", in.ID, ts, m.Uptime)
			}
			for _, fs := range m.FileSys {
				if fs.Used > fs.Total || math.Abs(fs.UsedPercent-100*float64(fs.Used)/float64(fs.Total)) > 0.01 {
					t.Fatalf("%s %v: file system %+v", in.ID, ts, fs)
				}
			}
		}
	}
}

func TestOSMetricsAvailability(t *testing.T) {
	s := New(Options{Instances: 10, Now: func() time.Time { return testNow }, LogRetentionDays: 30})
	on := s.Instances()[0]
	off := s.Instances()[4]
	if !on.EnhancedMonitoring() || off.EnhancedMonitoring() {
		t.Fatalf("fleet: %s interval %d, %s interval %d", on.ID, on.MonitoringInterval, off.ID, off.MonitoringInterval)
	}
	last := lastEvent(t, s, on.ARN)
	tests := []struct {
		name string
		arn  string
		at   time.Time
		ok   bool
	}{
		{"newest event", on.ARN, last, true},
		{"one interval earlier", on.ARN, last.Add(-time.Minute), true},
		{"off schedule", on.ARN, last.Add(-time.Second), false},
		{"fraction of a second", on.ARN, last.Add(time.Millisecond), false},
		{"not published yet", on.ARN, last.Add(time.Minute), false},
		{"29 days ago", on.ARN, last.Add(-29 * 24 * time.Hour), true},
		{"beyond 30 days of retention", on.ARN, last.Add(-31 * 24 * time.Hour), false},
		{"Enhanced Monitoring off", off.ARN, last, false},
		{"unknown instance", s.InstanceARN("nope"), last, false},
		{"identifier, not ARN", on.ID, last, false},
	}
	for _, tt := range tests {
		if _, ok := s.OSMetrics(tt.arn, tt.at); ok != tt.ok {
			t.Errorf("%s: ok %v, want %v", tt.name, ok, tt.ok)
		}
	}
}

func TestOSMetricsDeterministic(t *testing.T) {
	a, b := emTestFleet(t), emTestFleet(t)
	other := New(Options{Instances: 8, Seed: 2, Now: func() time.Time { return testNow }, Monitoring: func(Instance) Monitoring {
		return Monitoring{MonitoringInterval: 1}
	}})
	arn := a.Instances()[0].ARN
	at := lastEvent(t, a, arn)
	ma, _ := a.OSMetrics(arn, at)
	mb, _ := b.OSMetrics(arn, at)
	mo, _ := other.OSMetrics(arn, at)
	if ma.Message() != mb.Message() {
		t.Error("two simulators with the same seed differ")
	}
	if ma.Message() == mo.Message() {
		t.Error("another seed gives the same message")
	}
}

func TestFormatUptime(t *testing.T) {
	for _, tt := range []struct {
		sec  int64
		want string
	}{
		{0, "0:00:00"}, {300, "0:05:00"}, {3599, "0:59:59"}, {day + 2*3600 + 3*60 + 4, "1 day, 2:03:04"},
		{53*day + 16*3600 + 4*60 + 14, "53 days, 16:04:14"},
	} {
		if got := formatUptime(tt.sec); got != tt.want {
			t.Errorf("formatUptime(%d) = %q, want %q", tt.sec, got, tt.want)
		}
	}
}

// The events of a 1 s stream over a minute: one a second, none missing.
func TestOSEventTimesOneSecond(t *testing.T) {
	s := New(Options{Instances: 2, Now: func() time.Time { return testNow }})
	in := s.Instances()[1]
	if in.MonitoringInterval != 1 {
		t.Fatalf("instance 1 has interval %d, want 1", in.MonitoringInterval)
	}
	from := testNow.Add(-2 * time.Minute).Truncate(time.Minute)
	times := s.OSEventTimes(in.ARN, from, from.Add(time.Minute))
	if len(times) != 60 || !slices.IsSortedFunc(times, time.Time.Compare) || !times[0].Equal(from) {
		t.Errorf("%d events from %v, want 60 from %v", len(times), times[0], from)
	}
}

func BenchmarkOSMessage(b *testing.B) {
	s := emTestFleet(b)
	in := &s.order[0].instances[0]
	for i := range b.N {
		_ = s.osMessage(in, 1_700_000_000+int64(i))
	}
}
