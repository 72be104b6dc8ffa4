package tsdbwriter

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb/chunks"
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

// WindowWriter writes the samples of one window as one block. It is not
// safe for concurrent use. It writes blocks without a TSDB head: Append
// encodes its samples as chunks (XOR, as Prometheus's own) and writes them
// to the block's chunk files in the staging folder at once, so that the
// window writer holds only each series' labels and chunk references;
// Finish writes the index and meta.json and renames the block into the
// output folder. Series appended in label order are written as they come;
// otherwise Finish rewrites the chunks in label order. The caller must call
// Finish or Abort; Abort after Finish does nothing, so `defer ww.Abort()`
// is the usual pattern.
type WindowWriter struct {
	w          *Writer
	ctx        context.Context
	start, end int64
	dir        string // this window's folder in the staging folder
	block      *blockFiles
	order      []*windowSeries            // in the order of their first Append
	sorted     bool                       // order is in label order
	series     map[uint64][]*windowSeries // by the hash of their labels, once not sorted
	done       bool
}

// windowSeries is one series of a window: its labels, and the
// references and time ranges of its chunks.
type windowSeries struct {
	lbls    labels.Labels
	chunks  []chunks.Meta
	samples int
}

// lastT returns the time of the series' last sample.
func (s *windowSeries) lastT() int64 { return s.chunks[len(s.chunks)-1].MaxTime }

// BeginWindow starts writing the window that contains t. A caller may have
// several window writers open at once, of the same Writer, for different
// windows. ctx bounds all the window writer's work.
func (w *Writer) BeginWindow(ctx context.Context, t int64) (*WindowWriter, error) {
	start, end := w.WindowOf(t)
	dir, err := os.MkdirTemp(w.staging.dir, "window-")
	if err != nil {
		return nil, fmt.Errorf("begin window: %w", err)
	}
	b, err := newBlockFiles(dir)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("begin window: %w", err), os.RemoveAll(dir))
	}
	return &WindowWriter{w: w, ctx: ctx, start: start, end: end, dir: dir, block: b, sorted: true}, nil
}

// Start returns the window's first millisecond.
func (ww *WindowWriter) Start() int64 { return ww.start }

// End returns the millisecond just after the window.
func (ww *WindowWriter) End() int64 { return ww.end }

// Append appends samples of the series lbls. The caller must guarantee that
// lbls are valid (sorted names, no duplicate names, a metric name), that
// samples are in strictly ascending time order within [Start, End), and,
// when it appends one series in several calls, that each call's samples
// are later than the previous call's. Each call makes at least one chunk:
// append a series' samples of the window in one call where possible.
// Series may come in any order; in label order (labels.Compare), Finish
// has nothing to reorder. After an error the window writer can only be
// aborted. Append does not keep samples.
func (ww *WindowWriter) Append(lbls labels.Labels, samples []Sample) error {
	if ww.done {
		return ErrFinished
	}
	if len(samples) == 0 {
		return nil
	}
	if err := ww.ctx.Err(); err != nil {
		return err
	}
	if err := ww.check(samples); err != nil {
		return fmt.Errorf("append %s: %w", lbls, err)
	}
	if len(ww.order) == 0 {
		// The first chunks start a chunk segment, preallocated whole.
		if err := ww.w.requireFree(ChunkSegmentSize, uint64(len(samples))); err != nil {
			return err
		}
	}
	s := ww.seriesOf(lbls)
	if len(s.chunks) > 0 && samples[0].T <= s.lastT() {
		return fmt.Errorf("append %s: %w", lbls, ErrUnordered)
	}
	metas, err := ww.block.writeChunks(samples)
	if err != nil {
		return fmt.Errorf("append %s: %w", lbls, err)
	}
	s.chunks = append(s.chunks, metas...)
	s.samples += len(samples)
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

// seriesOf returns the series lbls, adding it if new. While series come
// in label order it needs no index: a series is new unless it is the
// last one.
func (ww *WindowWriter) seriesOf(lbls labels.Labels) *windowSeries {
	n := len(ww.order)
	if ww.sorted && n > 0 {
		switch c := labels.Compare(ww.order[n-1].lbls, lbls); {
		case c == 0:
			return ww.order[n-1]
		case c > 0:
			ww.indexSeries()
		}
	}
	if !ww.sorted {
		h := lbls.Hash()
		for _, s := range ww.series[h] {
			if labels.Equal(s.lbls, lbls) {
				return s
			}
		}
		s := &windowSeries{lbls: lbls}
		ww.series[h] = append(ww.series[h], s)
		ww.order = append(ww.order, s)
		return s
	}
	s := &windowSeries{lbls: lbls}
	ww.order = append(ww.order, s)
	return s
}

// indexSeries indexes the series so far by the hash of their labels: a
// series came out of label order, so a later one may repeat any.
func (ww *WindowWriter) indexSeries() {
	ww.sorted = false
	ww.series = make(map[uint64][]*windowSeries, len(ww.order))
	for _, s := range ww.order {
		h := s.lbls.Hash()
		ww.series[h] = append(ww.series[h], s)
	}
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

// flush writes the index and meta.json in staging and renames the block
// into place.
func (ww *WindowWriter) flush() (BlockStats, error) {
	if len(ww.order) == 0 {
		return BlockStats{}, ErrEmptyWindow
	}
	if err := ww.ctx.Err(); err != nil {
		return BlockStats{}, err
	}
	wl := ww.load()
	if err := ww.w.requireFree(wl.finishBytes(), wl.samples); err != nil {
		return BlockStats{}, err
	}
	if !ww.sorted {
		slices.SortFunc(ww.order, func(a, b *windowSeries) int { return labels.Compare(a.lbls, b.lbls) })
		if err := ww.block.reorder(ww.order); err != nil {
			return BlockStats{}, err
		}
	}
	meta, err := ww.block.finish(ww.ctx, ww.order, tsdbLogger(ww.w.logger))
	if err != nil {
		return BlockStats{}, fmt.Errorf("write block: %w", err)
	}
	dst := filepath.Join(ww.w.dir, meta.ULID.String())
	if err := fileutil.Rename(ww.block.dir, dst); err != nil {
		return BlockStats{}, fmt.Errorf("move block into place: %w", err)
	}
	ww.w.logger.Info("block written", "block", meta.ULID, "from", time.UnixMilli(meta.MinTime).UTC(), "to", time.UnixMilli(meta.MaxTime).UTC(),
		"series", meta.Stats.NumSeries, "samples", meta.Stats.NumSamples)
	return BlockStats{
		ULID: meta.ULID, Dir: dst, MinTime: meta.MinTime, MaxTime: meta.MaxTime,
		Samples: meta.Stats.NumSamples, Series: meta.Stats.NumSeries,
	}, nil
}

// load returns what the window's block holds.
func (ww *WindowWriter) load() windowLoad {
	wl := windowLoad{series: uint64(len(ww.order))}
	for _, s := range ww.order {
		wl.samples += uint64(s.samples)
	}
	return wl
}

// Abort drops what was appended and removes the window's staging data.
// Abort after Finish or Abort does nothing.
func (ww *WindowWriter) Abort() error {
	if ww.done {
		return nil
	}
	ww.done = true
	ww.series, ww.order = nil, nil
	return errors.Join(ww.block.closeChunks(), os.RemoveAll(ww.dir))
}
