package bucket_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/bucket"
)

// BenchmarkUpload uploads a week of 1000 instances x 2 metrics of hourly
// samples (7 daily blocks, about 270,000 samples) over S3 to gofakes3 on
// 127.0.0.1, each time under a new tenant so that nothing is skipped.
func BenchmarkUpload(b *testing.B) {
	s3 := startS3(b)
	series, dirs := fleetDays(b, b.TempDir(), benchStart, 7, 1000)
	samples := 0
	for _, s := range series {
		samples += len(s.Samples)
	}
	bkt := s3.bucket(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		st, err := bucket.New(bkt, bucket.Config{Tenant: fmt.Sprint("t", i)}, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, dir := range dirs {
			if _, err := st.Upload(context.Background(), dir); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(samples*b.N)/b.Elapsed().Seconds(), "samples/s")
}

var benchStart = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
