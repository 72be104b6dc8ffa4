package tsdbwriter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb/fileutil"
)

var (
	// ErrOutOfWindow is returned by WindowWriter.Append for a sample outside
	// the window.
	ErrOutOfWindow = errors.New("sample outside window")
	// ErrUnordered is returned for samples of one series that are not in
	// strictly ascending time order.
	ErrUnordered = errors.New("samples not in strictly ascending time order")
	// ErrEmptyWindow is returned by WindowWriter.Finish when no sample was
	// appended: no block is written.
	ErrEmptyWindow = errors.New("no samples in window")
	// ErrFinished is returned for a window writer used after Finish or Abort.
	ErrFinished = errors.New("window writer already finished or aborted")
)

// WindowWriter writes the samples of one window as one block. It is not safe
// for concurrent use. It holds what it was given in memory, compressed,
// until Finish. The caller must call Finish or Abort; Abort after Finish
// does nothing, so `defer ww.Abort()` is the usual pattern.
type WindowWriter struct {
	w          *Writer
	ctx        context.Context
	start, end int64
	dir        string // this window's folder in the staging folder
	bw         *blockWriter
	app        storage.AppenderV2 // nil once committed for good
	pending    int                // samples appended since the last commit
	appended   int
	lastT      map[storage.SeriesRef]int64
	done       bool
}

// BeginWindow starts writing the window that contains t. A caller may have
// several window writers open at once, of the same Writer, for different
// windows. ctx bounds all the window writer's work.
func (w *Writer) BeginWindow(ctx context.Context, t int64) (*WindowWriter, error) {
	start, end := w.WindowOf(t)
	dir, err := os.MkdirTemp(w.staging.dir, "window-")
	if err != nil {
		return nil, fmt.Errorf("begin window: %w", err)
	}
	// Twice the window: after a commit the head rejects samples older than
	// its max time minus half its chunk range.
	bw, err := newBlockWriter(w.logger, dir, 2*w.window)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("begin window: %w", err), os.RemoveAll(dir))
	}
	return &WindowWriter{
		w: w, ctx: ctx, start: start, end: end, dir: dir, bw: bw,
		app:   bw.AppenderV2(ctx),
		lastT: map[storage.SeriesRef]int64{},
	}, nil
}

// Start returns the window's first millisecond.
func (ww *WindowWriter) Start() int64 { return ww.start }

// End returns the millisecond just after the window.
func (ww *WindowWriter) End() int64 { return ww.end }

// Append appends samples of the series lbls. The caller must guarantee that
// lbls are valid (sorted names, no duplicate names, a metric name), that
// samples are in strictly ascending time order within [Start, End), and,
// when it appends one series in several calls, that each call's samples
// are later than the previous call's. After an error the window writer can
// only be aborted. Append does not keep samples.
func (ww *WindowWriter) Append(lbls labels.Labels, samples []Sample) error {
	if ww.done {
		return ErrFinished
	}
	if len(samples) == 0 {
		return nil
	}
	if err := ww.check(samples); err != nil {
		return fmt.Errorf("append %s: %w", lbls, err)
	}
	if err := ww.appendSeries(lbls, samples); err != nil {
		return fmt.Errorf("append %s: %w", lbls, err)
	}
	return nil
}

// check reports whether samples are ascending and within the window.
func (ww *WindowWriter) check(samples []Sample) error {
	if !ascending(samples) {
		return ErrUnordered
	}
	if samples[0].T < ww.start || samples[len(samples)-1].T >= ww.end {
		return ErrOutOfWindow
	}
	return nil
}

// ascending reports whether samples are in strictly ascending time order.
func ascending(samples []Sample) bool {
	for i := 1; i < len(samples); i++ {
		if samples[i].T <= samples[i-1].T {
			return false
		}
	}
	return true
}

// appendSeries appends samples of one series, reusing its reference, and
// commits every CommitEvery samples.
func (ww *WindowWriter) appendSeries(lbls labels.Labels, samples []Sample) error {
	var ref storage.SeriesRef
	for i, s := range samples {
		var err error
		ref, err = ww.app.Append(ref, lbls, 0, s.T, s.V, nil, nil, storage.AOptions{})
		if err != nil {
			return err
		}
		// The head checks order against committed samples only.
		if last, ok := ww.lastT[ref]; i == 0 && ok && s.T <= last {
			return ErrUnordered
		}
		if err := ww.count(); err != nil {
			return err
		}
	}
	ww.lastT[ref] = samples[len(samples)-1].T
	return nil
}

// count counts one appended sample and commits when enough are pending.
func (ww *WindowWriter) count() error {
	ww.appended++
	ww.pending++
	if ww.pending < ww.w.commitEvery {
		return nil
	}
	if err := ww.commit(); err != nil {
		return err
	}
	ww.app = ww.bw.AppenderV2(ww.ctx)
	return nil
}

// commit commits the pending samples, unless ctx is done.
func (ww *WindowWriter) commit() error {
	if err := ww.ctx.Err(); err != nil {
		return err
	}
	app := ww.app
	ww.app, ww.pending = nil, 0
	if err := app.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Finish writes the block, moves it into the output folder and frees the
// window writer's memory and staging data. It returns ErrEmptyWindow, and
// writes nothing, when no sample was appended. On error nothing of the
// window is left in the output folder.
func (ww *WindowWriter) Finish() (BlockStats, error) {
	if ww.done {
		return BlockStats{}, ErrFinished
	}
	stats, err := ww.flush()
	if err := errors.Join(err, ww.Abort()); err != nil {
		return BlockStats{}, fmt.Errorf("finish window: %w", err)
	}
	return stats, nil
}

// flush commits, writes the block in staging and renames it into place.
func (ww *WindowWriter) flush() (BlockStats, error) {
	if ww.appended == 0 {
		return BlockStats{}, ErrEmptyWindow
	}
	if err := ww.commit(); err != nil {
		return BlockStats{}, err
	}
	wl := windowLoad{series: ww.bw.head.NumSeries(), samples: uint64(ww.appended)}
	if err := ww.w.requireFree(wl.blockBytes()+wl.transientBytes(), wl.samples); err != nil {
		return BlockStats{}, err
	}
	id, err := ww.bw.Flush(ww.ctx)
	if err != nil {
		return BlockStats{}, err
	}
	src := filepath.Join(ww.dir, id.String())
	stats, err := readStats(src)
	if err != nil {
		return BlockStats{}, err
	}
	stats.Dir = filepath.Join(ww.w.dir, id.String())
	if err := fileutil.Rename(src, stats.Dir); err != nil {
		return BlockStats{}, fmt.Errorf("move block into place: %w", err)
	}
	ww.w.logger.Debug("Wrote block", "block", id, "mint", stats.MinTime, "maxt", stats.MaxTime, "samples", stats.Samples)
	return stats, nil
}

// Abort drops what was appended and removes the window's staging data.
// Abort after Finish or Abort does nothing.
func (ww *WindowWriter) Abort() error {
	if ww.done {
		return nil
	}
	ww.done = true
	var err error
	if ww.app != nil {
		err = ww.app.Rollback()
	}
	return errors.Join(err, ww.bw.Close(), os.RemoveAll(ww.dir))
}

// readStats reads the stats of the block in dir from its meta.json.
func readStats(dir string) (BlockStats, error) {
	m, err := readMeta(dir)
	if err != nil {
		return BlockStats{}, err
	}
	return BlockStats{
		ULID: m.ULID, MinTime: m.MinTime, MaxTime: m.MaxTime,
		Samples: m.Stats.NumSamples, Series: m.Stats.NumSeries,
	}, nil
}
