package cloudwatch

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
)

// BenchmarkEnhancedMonitoringReadRange reads an hour of a 1 s instance's
// events (3,600, about 14 pages) per operation from the simulator over
// loopback, and reports the events read per second and the peak heap in
// use while reading, which stays at about a page whatever the range.
//
//	go test ./cloudwatch -run '^$' -bench EnhancedMonitoringReadRange -benchmem
func BenchmarkEnhancedMonitoringReadRange(b *testing.B) {
	sim := awssim.New(awssim.Options{Instances: 2, Now: func() time.Time { return emNow }})
	if err := sim.Start("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sim.Close() })
	in := sim.Instances()[1]
	if in.MonitoringInterval != 1 {
		b.Fatalf("instance 1 has interval %d, want 1", in.MonitoringInterval)
	}
	r := NewEnhancedMonitoring(simConfig(b, sim), SourceOptions{})
	var peak uint64
	var ms runtime.MemStats
	events := 0
	b.ResetTimer()
	for i := range b.N {
		end := emNow.Add(-time.Duration(i%24) * time.Hour)
		st, err := r.ReadRange(context.Background(), in.ResourceID, end.Add(-time.Hour), end, func(ev OSEvent) error {
			events++
			if events%500 == 0 {
				runtime.ReadMemStats(&ms)
				peak = max(peak, ms.HeapInuse)
			}
			return nil
		})
		if err != nil || st.Events == 0 {
			b.Fatal(st, err)
		}
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}
