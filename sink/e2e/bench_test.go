package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/remotewrite"
)

// BenchmarkRemoteWrite writes a week of 250 instances x 4 series (3 value
// series and the info series; about 160,000 samples) into a real receiver
// per iteration, as new series each time (a job label per iteration).
// Memory figures are the writer's, not the receiver's.
func BenchmarkRemoteWrite(b *testing.B) {
	stores := []struct {
		name    string
		start   func(testing.TB) *store
		version string
	}{
		{"prometheus-1.0", startPrometheus, remotewrite.Version1},
		{"prometheus-2.0", startPrometheus, remotewrite.Version2},
		{"victoriametrics-1.0", startVictoriaMetrics, remotewrite.Version1},
	}
	for _, s := range stores {
		b.Run(s.name, func(b *testing.B) {
			st := s.start(b)
			w, err := remotewrite.New(remotewrite.Config{URL: st.url() + "/api/v1/write", ProtocolVersion: s.version}, nil)
			if err != nil {
				b.Fatal(err)
			}
			end := time.Now().Add(-3 * time.Hour)
			samples := 0
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				b.StopTimer()
				f := newFleet(250, end, fmt.Sprint("bench-", i))
				b.StartTimer()
				if _, err := w.Write(context.Background(), f.series, "name"); err != nil {
					b.Fatal(err)
				}
				samples += countSamples(f.series)
			}
			b.ReportMetric(float64(samples)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}
