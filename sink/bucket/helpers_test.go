package bucket_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/thanos-io/objstore"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/bucket"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// s3 is the S3 server of testtools, with a client of its bucket.
type s3 struct{ *testtools.S3 }

func startS3(t testing.TB) s3 { return s3{testtools.StartS3(t)} }

func (s s3) bucket(t testing.TB) objstore.Bucket { return testtools.S3Client(t, s.S3) }

// fleetDays writes days daily blocks of hourly samples of instances x 2
// metrics into dir, through tsdbwriter, and returns the series written
// and the block folders. Instance i has no samples in hours where
// (hour+i)%5 == 0.
func fleetDays(t testing.TB, dir string, start time.Time, days, instances int) ([]tsdbwriter.Series, []string) {
	t.Helper()
	var series []tsdbwriter.Series
	for i := range instances {
		for _, m := range []string{"aws_rds_cpuutilization_average", "aws_rds_read_iops_average"} {
			s := tsdbwriter.Series{Labels: labels.FromStrings("__name__", m, "name", arn(i), "job", "rds")}
			for h := start; h.Before(start.Add(time.Duration(days) * 24 * time.Hour)); h = h.Add(time.Hour) {
				if (int(h.Unix()/3600)+i)%5 != 0 {
					s.Samples = append(s.Samples, tsdbwriter.Sample{T: h.UnixMilli(), V: float64(h.Unix()%977) + float64(i)/8})
				}
			}
			series = append(series, s)
		}
	}
	return series, writeBlocks(t, dir, start, days, series)
}

func arn(i int) string { return fmt.Sprintf("arn:aws:rds:us-east-1:123456789012:db:db-%d", i) }

// writeBlocks writes series as one block per day.
func writeBlocks(t testing.TB, dir string, start time.Time, days int, series []tsdbwriter.Series) []string {
	t.Helper()
	w, err := tsdbwriter.New(tsdbwriter.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	var dirs []string
	for d := range days {
		ww, err := w.BeginWindow(context.Background(), start.Add(time.Duration(d)*24*time.Hour).UnixMilli())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range series {
			var in []tsdbwriter.Sample
			for _, x := range s.Samples {
				if x.T >= ww.Start() && x.T < ww.End() {
					in = append(in, x)
				}
			}
			if err := ww.Append(s.Labels, in); err != nil {
				t.Fatal(err)
			}
		}
		st, err := ww.Finish()
		if err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, st.Dir)
	}
	return dirs
}

// download copies block id from bkt into a new folder and returns it.
func download(t *testing.T, bkt objstore.Bucket, id string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), id)
	if err := objstore.DownloadDir(context.Background(), nopKit{}, bkt, id, id, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

type nopKit struct{}

func (nopKit) Log(...any) error { return nil }

// readBlock returns every sample of the block in dir, by series.
func readBlock(t *testing.T, dir string) map[string][]tsdbwriter.Sample {
	t.Helper()
	b, err := tsdb.OpenBlock(nil, dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	q, err := tsdb.NewBlockQuerier(b, b.MinTime(), b.MaxTime())
	if err != nil {
		t.Fatal(err)
	}
	defer q.Close()
	out := map[string][]tsdbwriter.Sample{}
	ss := q.Select(context.Background(), false, nil, labels.MustNewMatcher(labels.MatchRegexp, "__name__", ".+"))
	for ss.Next() {
		it := ss.At().Iterator(nil)
		var smps []tsdbwriter.Sample
		for it.Next() == chunkenc.ValFloat {
			ts, v := it.At()
			smps = append(smps, tsdbwriter.Sample{T: ts, V: v})
		}
		if it.Err() != nil {
			t.Fatal(it.Err())
		}
		out[ss.At().Labels().String()] = smps
	}
	if ss.Err() != nil {
		t.Fatal(ss.Err())
	}
	return out
}

// wantOfBlocks returns the samples of series by series, as readBlock of
// all blocks, merged.
func wantSamples(series []tsdbwriter.Series) map[string][]tsdbwriter.Sample {
	out := map[string][]tsdbwriter.Sample{}
	for _, s := range series {
		out[s.Labels.String()] = s.Samples
	}
	return out
}

// mustExist reports whether key exists in bkt.
func exists(t *testing.T, bkt objstore.Bucket, key string) bool {
	t.Helper()
	ok, err := bkt.Exists(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func newStore(t *testing.T, bkt objstore.Bucket, cfg bucket.Config) *bucket.Store {
	t.Helper()
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff, cfg.MaxBackoff = time.Millisecond, 10*time.Millisecond
	}
	s, err := bucket.New(bkt, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
