package backfill

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/bucket"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/remotewrite"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/telemetry"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// RemoteWriter sends series by Prometheus Remote-Write;
// *remotewrite.Writer implements it. Write must send the samples of one
// value of the label groupBy in one hour in one request (see
// remotewrite.Writer.Write).
type RemoteWriter interface {
	Write(ctx context.Context, series []tsdbwriter.Series, groupBy string) (remotewrite.Stats, error)
}

// Bucket uploads finished blocks to object storage and reads which hours
// the bucket's blocks hold; *bucket.Store implements it.
type Bucket interface {
	UploadSpool(ctx context.Context, spool string) ([]bucket.Uploaded, error)
	Coverage(ctx context.Context, cacheDir string, opts tsdbwriter.CoverageOptions) (*tsdbwriter.Coverage, error)
}

// StoreError is a failure of the store a backfill writes to or reads
// coverage from: the remote-write receiver, the bucket or the query API.
// Its message carries the store's answer.
type StoreError struct {
	// Op is what failed, e.g. "remote write".
	Op  string
	Err error
}

func (e *StoreError) Error() string { return e.Op + ": " + e.Err.Error() }

func (e *StoreError) Unwrap() error { return e.Err }

// storeErr wraps err, if any, in a *StoreError.
func storeErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return &StoreError{Op: op, Err: err}
}

// Folders of the bucket store inside the output folder. Their names are
// not ULIDs, so a Prometheus whose data folder is the output folder
// ignores them.
const (
	// spoolDir holds blocks written and not yet uploaded.
	spoolDir = ".upload-spool"
	// cacheDir holds the bucket's blocks that coverage read.
	cacheDir = ".bucket-cache"
)

// Progress phases of the stores' writes.
const (
	PhaseUploading = "writing and uploading blocks"
	PhaseSending   = "sending by remote write"
)

// windowSamples are the samples of one block window, for a store to
// write.
type windowSamples struct {
	// start is the window's first millisecond.
	start int64
	// each calls fn with each series that has samples in the window, in
	// label order, its samples ascending; fn must not keep them. It stops
	// at fn's first error and returns it.
	each func(fn func(labels.Labels, []tsdbwriter.Sample) error) error
}

// store is where a sweep's samples go.
type store interface {
	// prepare readies the store before a sweep reads coverage.
	prepare(ctx context.Context) error
	// write writes the samples of one block window and adds what it
	// wrote to res. What it wrote before an error stays: a whole block,
	// or whole resource-hours.
	write(ctx context.Context, ws windowSamples, res *Result) error
	// flush completes the writes of a batch, whether it failed or not.
	flush(ctx context.Context) error
	// phase names the write in progress reports.
	phase() string
	// close releases what the store holds.
	close() error
}

// newStore builds the store opts choose: remote write, a bucket, or the
// output folder.
func newStore(opts Options, local *tsdbwriter.Writer) (store, error) {
	switch {
	case opts.RemoteWrite != nil:
		return &remoteStore{rw: opts.RemoteWrite, tm: opts.Telemetry}, nil
	case opts.Bucket != nil:
		spool, err := tsdbwriter.New(tsdbwriter.Options{Dir: filepath.Join(opts.OutputDir, spoolDir), Window: opts.BlockWindow, Logger: opts.Logger})
		if err != nil {
			return nil, fmt.Errorf("backfill: upload spool: %w", err)
		}
		return &bucketStore{bkt: opts.Bucket, spool: spool, cache: filepath.Join(opts.OutputDir, cacheDir), tm: opts.Telemetry}, nil
	}
	return localStore{local}, nil
}

// localStore writes blocks into the output folder.
type localStore struct{ w *tsdbwriter.Writer }

func (localStore) prepare(context.Context) error { return nil }

func (s localStore) write(ctx context.Context, ws windowSamples, res *Result) error {
	return writeBlock(ctx, s.w, ws, res)
}

func (localStore) flush(context.Context) error { return nil }

func (localStore) phase() string { return PhaseWriting }

func (localStore) close() error { return nil } // the Backfiller closes the writer

// writeBlock writes the samples of a window as a block with w, if it has
// any, and counts it in res.
func writeBlock(ctx context.Context, w *tsdbwriter.Writer, ws windowSamples, res *Result) error {
	ww, err := w.BeginWindow(ctx, ws.start)
	if err != nil {
		return fmt.Errorf("write block: %w", err)
	}
	defer func() { _ = ww.Abort() }() // After Finish, nothing to abort.
	if err := ws.each(ww.Append); err != nil {
		return fmt.Errorf("write block: %w", err)
	}
	stats, err := ww.Finish()
	switch {
	case errors.Is(err, tsdbwriter.ErrEmptyWindow):
		return nil
	case err != nil:
		return fmt.Errorf("write block: %w", err)
	}
	res.Blocks++
	res.Samples += stats.Samples
	return nil
}

// bucketStore writes blocks into a spool folder and uploads them. Uploads
// and coverage reads go one at a time: sweeps of other instances may run
// at once.
type bucketStore struct {
	bkt   Bucket
	spool *tsdbwriter.Writer
	cache string
	tm    *telemetry.Metrics
	mu    sync.Mutex
}

// prepare uploads the blocks an earlier sweep left in the spool folder
// (its upload failed, or the process died), so that coverage sees them.
func (s *bucketStore) prepare(ctx context.Context) error {
	return s.upload(ctx)
}

// write writes the window's block into the spool folder.
func (s *bucketStore) write(ctx context.Context, ws windowSamples, res *Result) error {
	return writeBlock(ctx, s.spool, ws, res)
}

// flush uploads the batch's blocks.
func (s *bucketStore) flush(ctx context.Context) error { return s.upload(ctx) }

// upload uploads every block of the spool folder, meta.json last, and
// removes those the bucket has; a block that failed stays for the next.
func (s *bucketStore) upload(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	done, err := s.bkt.UploadSpool(ctx, s.spool.Dir())
	for _, up := range done {
		if !up.Skipped {
			s.tm.BlocksUploaded.Inc()
			s.tm.UploadedBytes.Add(float64(up.Bytes))
		}
	}
	return storeErr("upload blocks", err)
}

func (*bucketStore) phase() string { return PhaseUploading }

func (s *bucketStore) close() error { return s.spool.Close() }

// coverage reads the hours the bucket's blocks hold, through the cache.
func (s *bucketStore) coverage(ctx context.Context, opts tsdbwriter.CoverageOptions) (*tsdbwriter.Coverage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cov, err := s.bkt.Coverage(ctx, s.cache, opts)
	return cov, storeErr("read the bucket's coverage", err)
}

// remoteStore sends samples by remote write.
type remoteStore struct {
	rw RemoteWriter
	tm *telemetry.Metrics
}

func (*remoteStore) prepare(context.Context) error { return nil }

// write sends the window's series, the samples of one resource in one
// hour always in one request: a failure leaves each resource-hour whole or
// absent, so the store's coverage never skips an hour a failure left
// incomplete.
func (s *remoteStore) write(ctx context.Context, ws windowSamples, res *Result) error {
	var series []tsdbwriter.Series
	_ = ws.each(func(l labels.Labels, samples []tsdbwriter.Sample) error {
		series = append(series, tsdbwriter.Series{Labels: l, Samples: slices.Clone(samples)})
		return nil
	})
	st, err := s.rw.Write(ctx, series, catalog.LabelName)
	res.Samples += uint64(st.Samples)
	s.tm.RemoteWriteRequests.Add(float64(st.Requests))
	s.tm.RemoteWriteRetries.Add(float64(st.Retries))
	return storeErr("remote write", err)
}

func (*remoteStore) flush(context.Context) error { return nil }

func (*remoteStore) phase() string { return PhaseSending }

func (*remoteStore) close() error { return nil }

// Destination says where the backfiller writes, for people: the output
// folder, the bucket or the remote-write receiver.
func (b *Backfiller) Destination() string {
	switch b.store.(type) {
	case *remoteStore:
		return "the remote-write receiver"
	case *bucketStore:
		return "the bucket"
	}
	return b.opts.OutputDir
}

// checkStores reports stores of opts that cannot work together.
func checkStores(opts Options) error {
	switch {
	case opts.RemoteWrite != nil && opts.Bucket != nil:
		return errors.New("backfill: remote write and a bucket are exclusive")
	case opts.RemoteWrite != nil && opts.CoverageQuery == nil:
		return errors.New("backfill: remote write needs a coverage query: the receiver's hours cannot be read otherwise")
	}
	return nil
}
