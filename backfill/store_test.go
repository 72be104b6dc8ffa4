package backfill

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/thanos-io/objstore"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools/rwreceiver"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/bucket"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/promcoverage"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/remotewrite"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/telemetry"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// newStoreBackfiller is newTestBackfiller with the stores of opts.
func newStoreBackfiller(t *testing.T, f *fakeCW, opts Options) *Backfiller {
	t.Helper()
	opts.OutputDir = t.TempDir()
	opts.Fetchers = []Fetcher{f}
	opts.Labels = map[string]string{"job": "rds"}
	opts.Now = func() time.Time { return testNow }
	b, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// receiverCoverage reads coverage from what a test receiver accepted, as
// a query API would: the hours with a sample of a series that matches.
type receiverCoverage struct {
	r *rwreceiver.Receiver
	noSeries
}

// noSeries is the samples half of a coverage fake whose test reads no
// history: it fails the read.
type noSeries struct{}

func (noSeries) Series(context.Context, promcoverage.SeriesQuery) ([]tsdbwriter.Series, error) {
	return nil, errors.New("this fake reads no series")
}

func (c receiverCoverage) Coverage(_ context.Context, q promcoverage.Query) (*sink.Coverage, error) {
	cov := sink.NewCoverage(q.Mint, q.Maxt)
	for _, req := range c.r.Accepted() {
	series:
		for _, s := range req.Series {
			for _, m := range q.Matchers {
				if !m.Matches(s.Labels.Get(m.Name)) {
					continue series
				}
			}
			for _, x := range s.Samples {
				cov.Add(s.Labels.Get(q.ResourceLabel), x.T)
			}
		}
	}
	return cov, nil
}

func newRemoteWriter(t *testing.T, url string) *remotewrite.Writer {
	t.Helper()
	w, err := remotewrite.New(remotewrite.Config{URL: url, BatchSize: 100, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// checkReceived compares every sample the receiver holds with what the
// fake CloudWatch served, checks that each series' samples came once and
// in order, and counts them.
func checkReceived(t *testing.T, r *rwreceiver.Receiver) int {
	t.Helper()
	n := 0
	for _, s := range r.Series() {
		q := queryOf(t, s.Labels)
		for i, x := range s.Samples {
			if i > 0 && x.T <= s.Samples[i-1].T {
				t.Fatalf("%s: samples out of order or repeated at %d", s.Labels, x.T)
			}
			if want := valueOf(q, time.UnixMilli(x.T)); math.Abs(x.V-want) > 1e-9 {
				t.Fatalf("%s at %d: %v, want %v", s.Labels, x.T, x.V, want)
			}
			n++
		}
	}
	return n
}

// Remote write sends every sample once, in order; the repeat reads the
// receiver's coverage and sends and fetches nothing.
func TestRemoteWriteStore(t *testing.T) {
	r := rwreceiver.Start(t, "")
	f := &fakeCW{}
	tm := telemetry.New()
	b := newStoreBackfiller(t, f, Options{RemoteWrite: newRemoteWriter(t, r.URL()), CoverageQuery: receiverCoverage{r: r}, Env: telemetry.Env{Telemetry: tm}})
	var phases []string
	req := Request{Resources: []model.Described{testInstance("db-1"), testInstance("db-2")}, Days: 7,
		Progress: func(p Progress) { phases = append(phases, p.Phase) }}
	res, err := b.Backfill(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if n := checkReceived(t, r); res.Samples != 2*40*168 || n != int(res.Samples) || res.Blocks != 0 {
		t.Fatalf("result %+v, receiver has %d samples; want %d samples, no block", res, n, 2*40*168)
	}
	if phases[len(phases)-1] != PhaseSending {
		t.Errorf("phases %v, want %q last", phases, PhaseSending)
	}
	if got := testutil.ToFloat64(tm.RemoteWriteRequests); got != float64(len(r.Accepted())) {
		t.Errorf("requests metric %v, receiver accepted %d", got, len(r.Accepted()))
	}
	f.calls = 0
	requests := r.Requests()
	req.Progress = nil
	res, err = b.Backfill(context.Background(), req)
	if err != nil || res.HoursSkipped != 2*168 || f.calls != 0 || r.Requests() != requests {
		t.Fatalf("repeat: %+v, %v, %d calls, %d requests; want everything covered", res, err, f.calls, r.Requests()-requests)
	}
}

// A receiver's 400 fails the sweep with a *StoreError that carries its
// message; the next sweep sends what the failed one did not.
func TestRemoteWriteRefused(t *testing.T) {
	r := rwreceiver.Start(t, "")
	r.SetFault(func(n int) *rwreceiver.Fault {
		if n == 3 {
			return &rwreceiver.Fault{Status: http.StatusBadRequest, Body: "out of bounds: too old"}
		}
		return nil
	})
	f := &fakeCW{}
	b := newStoreBackfiller(t, f, Options{RemoteWrite: newRemoteWriter(t, r.URL()), CoverageQuery: receiverCoverage{r: r}})
	req := Request{Resources: []model.Described{testInstance("db-1"), testInstance("db-2"), testInstance("db-3")}, Days: 2}
	_, err := b.Backfill(context.Background(), req)
	var se *StoreError
	if !errors.As(err, &se) || se.Op != "remote write" || !strings.Contains(err.Error(), "out of bounds: too old") {
		t.Fatalf("err %v, want a *StoreError with the receiver's message", err)
	}
	r.SetFault(nil)
	res, err := b.Backfill(context.Background(), req)
	if err != nil || res.HoursBackfilled == 0 || res.HoursSkipped == 0 {
		t.Fatalf("second sweep %+v, %v: want it to send only what the first did not", res, err)
	}
	if n := checkReceived(t, r); n != 3*40*48 {
		t.Fatalf("receiver has %d samples, want %d", n, 3*40*48)
	}
}

// flakyBucket fails uploads of index files while fail is set.
type flakyBucket struct {
	objstore.Bucket
	fail atomic.Bool
}

func (b *flakyBucket) Upload(ctx context.Context, name string, r io.Reader, opts ...objstore.ObjectUploadOption) error {
	if b.fail.Load() && strings.HasSuffix(name, "/index") {
		return errors.New("injected upload failure")
	}
	return b.Bucket.Upload(ctx, name, r, opts...)
}

func newBucketStore(t *testing.T, bkt objstore.Bucket) *bucket.Store {
	t.Helper()
	s, err := bucket.New(bkt, bucket.Config{MaxAttempts: 2, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// blocksIn returns the block folders of bkt with a meta.json, and fails
// on a folder without one.
func blocksIn(t *testing.T, bkt objstore.Bucket) []string {
	t.Helper()
	var ids []string
	err := bkt.Iter(context.Background(), "", func(name string) error {
		id := strings.TrimSuffix(name, "/")
		ok, err := bkt.Exists(context.Background(), id+"/meta.json")
		if err == nil && !ok {
			t.Errorf("block %s has no meta.json", id)
		}
		ids = append(ids, id)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// Blocks go to the bucket through the spool folder, which ends empty; the
// repeat reads the bucket's coverage and uploads and fetches nothing.
func TestBucketStore(t *testing.T) {
	bkt := objstore.NewInMemBucket()
	f := &fakeCW{}
	b := newStoreBackfiller(t, f, Options{Bucket: newBucketStore(t, bkt)})
	req := Request{Resources: []model.Described{testInstance("db-1")}, Days: 7}
	res, err := b.Backfill(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if ids := blocksIn(t, bkt); res.Blocks != 8 || len(ids) != 8 {
		t.Fatalf("result %+v, %d blocks in the bucket; want 8", res, len(ids))
	}
	if spooled := spoolBlocks(t, b); len(spooled) != 0 {
		t.Fatalf("the spool folder still has %v", spooled)
	}
	f.calls = 0
	uploads := len(bkt.Objects())
	res, err = b.Backfill(context.Background(), req)
	if err != nil || res.HoursSkipped != 168 || f.calls != 0 || len(bkt.Objects()) != uploads {
		t.Fatalf("repeat: %+v, %v, %d calls; want everything covered", res, err, f.calls)
	}
}

// spoolBlocks lists the block folders in the spool folder.
func spoolBlocks(t *testing.T, b *Backfiller) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(b.opts.OutputDir, spoolDir))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	return out
}

// A failed upload fails the sweep with a *StoreError and leaves no block
// with a meta.json in the bucket, but the blocks in the spool folder; the
// next sweep uploads them first, and then has nothing to fetch.
func TestBucketUploadFailureCompletedByNextSweep(t *testing.T) {
	bkt := &flakyBucket{Bucket: objstore.NewInMemBucket()}
	bkt.fail.Store(true)
	f := &fakeCW{}
	b := newStoreBackfiller(t, f, Options{Bucket: newBucketStore(t, bkt)})
	req := Request{Resources: []model.Described{testInstance("db-1")}, Days: 7}
	_, err := b.Backfill(context.Background(), req)
	var se *StoreError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "injected upload failure") {
		t.Fatalf("err %v, want a *StoreError", err)
	}
	for name := range bkt.Bucket.(*objstore.InMemBucket).Objects() {
		if strings.HasSuffix(name, "/meta.json") {
			t.Fatalf("%s uploaded though its index was not", name)
		}
	}
	if n := len(spoolBlocks(t, b)); n != 8 {
		t.Fatalf("%d blocks in the spool folder, want 8", n)
	}
	bkt.fail.Store(false)
	f.calls = 0
	res, err := b.Backfill(context.Background(), req)
	if err != nil || res.HoursSkipped != 168 || f.calls != 0 {
		t.Fatalf("next sweep: %+v, %v, %d calls; want the spool uploaded and nothing fetched", res, err, f.calls)
	}
	if ids := blocksIn(t, bkt); len(ids) != 8 || len(spoolBlocks(t, b)) != 0 {
		t.Fatalf("%d blocks in the bucket, %v in the spool; want 8 and none", len(ids), spoolBlocks(t, b))
	}
}

// fixedCoverage says that every resource holds the hours in [from, to).
type fixedCoverage struct {
	from, to time.Time
	noSeries
}

func (c fixedCoverage) Coverage(_ context.Context, q promcoverage.Query) (*sink.Coverage, error) {
	cov := sink.NewCoverage(q.Mint, q.Maxt)
	for t := c.from; t.Before(c.to); t = t.Add(time.Hour) {
		cov.Add(testInstance("db-1").ARN, t.UnixMilli())
	}
	return cov, nil
}

// With blocks in the output folder, the query API's hours and the blocks'
// hours both count as covered.
func TestCoverageQueryAndLocalBlocks(t *testing.T) {
	to := sweepRange(testNow, DefaultHeadMargin, 1).To
	f := &fakeCW{}
	b := newStoreBackfiller(t, f, Options{CoverageQuery: fixedCoverage{from: to.Add(-10 * time.Hour), to: to}})
	req := Request{Resources: []model.Described{testInstance("db-1")}, Days: 1}
	res, err := b.Backfill(context.Background(), req)
	if err != nil || res.HoursSkipped != 10 || res.HoursBackfilled != 14 {
		t.Fatalf("%+v, %v: want the 10 hours the query API holds skipped", res, err)
	}
	res, err = b.Backfill(context.Background(), req)
	if err != nil || res.HoursSkipped != 24 {
		t.Fatalf("repeat %+v, %v: want the blocks' 14 hours and the API's 10 covered", res, err)
	}
	cov, _, err := b.Coverage(context.Background(), 1)
	if err != nil || cov.Count(testInstance("db-1").ARN) != 24 {
		t.Fatalf("coverage %v: want 24 hours", err)
	}
}

func TestStoresThatExcludeEachOther(t *testing.T) {
	rw := newRemoteWriter(t, "http://127.0.0.1:1/api/v1/write")
	for _, tc := range []struct {
		opts Options
		want string
	}{
		{Options{RemoteWrite: rw}, "remote write needs a coverage query"},
		{Options{RemoteWrite: rw, CoverageQuery: fixedCoverage{}, Bucket: newBucketStore(t, objstore.NewInMemBucket())}, "exclusive"},
	} {
		tc.opts.OutputDir = t.TempDir()
		if _, err := New(tc.opts); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New: %v, want %q", err, tc.want)
		}
	}
}
