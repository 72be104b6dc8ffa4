package cloudwatch

import (
	"os"
	"testing"
	"time"
)

func TestParseOSMetrics(t *testing.T) {
	raw, err := os.ReadFile("testdata/em-aurora-message.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseOSMetrics(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want float64
	}{
		{"cpu idle", m.CPUUtilization.Idle, 90},
		{"cpu total", m.CPUUtilization.Total, 10},
		{"load fifteen", m.LoadAverageMinute.Fifteen, 0.7},
		{"memory free", m.Memory.Free, 900000},
		{"tasks running", m.Tasks.Running, 2},
		{"swap out", m.Swap.Out, 0.25},
		{"network tx", m.Network[0].Tx, 22000.25},
		{"cluster volume read latency", m.DiskIO[0].ReadLatency, 0.52},
		{"cluster volume queue", m.DiskIO[0].DiskQueueDepth, 1},
		{"temp device writes", m.DiskIO[1].WriteIOsPS, 2},
		{"file system used", m.FileSys[0].Used, 1200000},
		{"vCPUs", m.NumVCPUs, 4},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if m.DiskIO[0].Device != "" || m.DiskIO[1].Device != "rdstemp" {
		t.Errorf("devices %q, %q", m.DiskIO[0].Device, m.DiskIO[1].Device)
	}
	if m.ProcessList[0].VMLimit != "0" || m.ProcessList[1].VMLimit != "unlimited" {
		t.Errorf("vmlimit %q and %q, want 0 and unlimited", m.ProcessList[0].VMLimit, m.ProcessList[1].VMLimit)
	}
	if !m.Timestamp.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) || m.Engine != "aurora-postgresql" || m.Uptime != "3 days, 1:02:03" {
		t.Errorf("header %v %s %s", m.Timestamp, m.Engine, m.Uptime)
	}
}

func TestParseOSMetricsErrors(t *testing.T) {
	for _, msg := range []string{
		``,
		`not json`,
		`["a list"]`,
		`{"cpuUtilization":{"idle":"ninety"}}`,
		`{"timestamp":"yesterday"}`,
		`{"processList":[{"vmlimit":true}]}`,
	} {
		if _, err := ParseOSMetrics(msg); err == nil {
			t.Errorf("%q: no error", msg)
		}
	}
}
