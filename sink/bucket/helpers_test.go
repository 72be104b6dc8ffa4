package bucket_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/thanos-io/objstore"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/bucket"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// s3 is gofakes3 on 127.0.0.1, behind a handler that counts PUTs and
// injects faults.
type s3 struct {
	srv *httptest.Server
	mu  sync.Mutex
	// puts counts PUT requests by object key.
	puts map[string]int
	// fail, if set, returns the status to answer a PUT of key with, or
	// 0 to let it through.
	fail func(key string, attempt int) int
	// hold, if set, makes PUTs of keys it accepts wait until the client
	// gives up, and reports the key on held.
	hold func(key string) bool
	held chan string
}

const bucketName = "blocks"

func startS3(t testing.TB) *s3 {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(bucketName); err != nil {
		t.Fatal(err)
	}
	s := &s3{puts: map[string]int{}, held: make(chan string, 100)}
	s.srv = httptest.NewServer(s.handler(gofakes3.New(backend).Server()))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *s3) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPut {
			next.ServeHTTP(w, r)
			return
		}
		key := strings.TrimPrefix(r.URL.Path, "/"+bucketName+"/")
		s.mu.Lock()
		s.puts[key]++
		attempt, fail, hold := s.puts[key], s.fail, s.hold
		s.mu.Unlock()
		if hold != nil && hold(key) {
			s.held <- key
			// Once the body is read, the server notices the client's
			// connection closing and cancels the request's context.
			_, _ = io.Copy(io.Discard, r.Body)
			<-r.Context().Done()
			return
		}
		if fail != nil {
			if code := fail(key, attempt); code != 0 {
				http.Error(w, "injected fault", code)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// totalPuts returns the number of PUT requests so far.
func (s *s3) totalPuts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, c := range s.puts {
		n += c
	}
	return n
}

func (s *s3) setFaults(fail func(string, int) int, hold func(string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail, s.hold = fail, hold
}

// config returns objstore's client configuration of the server's bucket,
// without client-side retries, so that the Store's own retries are tested.
func (s *s3) config() []byte {
	return fmt.Appendf(nil, `type: S3
config:
  bucket: %s
  endpoint: %s
  insecure: true
  access_key: test
  secret_key: testtesttest
  region: us-east-1
  bucket_lookup_type: path
  max_retries: 1
`, bucketName, strings.TrimPrefix(s.srv.URL, "http://"))
}

func (s *s3) bucket(t testing.TB) objstore.Bucket {
	t.Helper()
	bkt, err := bucket.NewBucket(s.config(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = bkt.Close() })
	return bkt
}

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
