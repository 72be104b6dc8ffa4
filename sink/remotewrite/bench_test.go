package remotewrite_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/remotewrite"
)

// BenchmarkWrite sends a week of 1000 hourly series (168,000 samples) to a
// receiver on 127.0.0.1 that reads and drops each request: the cost of the
// writer itself (encoding, snappy, HTTP). sink/e2e has the same against
// real receivers.
func BenchmarkWrite(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		// A 2.0 sender wants to hear that something was written.
		w.Header().Set("X-Prometheus-Remote-Write-Samples-Written", "1")
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	series := testSeries(1000, 168)
	for _, version := range []string{remotewrite.Version1, remotewrite.Version2} {
		b.Run(version, func(b *testing.B) {
			w := newWriter(b, remotewrite.Config{URL: srv.URL, ProtocolVersion: version})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := w.Write(context.Background(), series, "name"); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(168000*b.N)/b.Elapsed().Seconds(), "samples/s")
		})
	}
}
