package tsdbwriter

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"

	"github.com/prometheus/prometheus/model/labels"
)

// Result sums up a WriteBlocks call.
type Result struct {
	// Blocks are the blocks written, in time order.
	Blocks []BlockStats
	// Samples is the number of samples written.
	Samples uint64
	// Series is the number of input series that had samples.
	Series int
}

// WriteBlocks writes series as one block per window that has samples, in
// time order, one window at a time. The caller must guarantee that the
// samples of each series are in strictly ascending time order (checked
// before anything is written) and must not change series during the call.
// It should not write hours that existing blocks cover (see ScanCoverage):
// Prometheus would merge the overlapping blocks, which costs it time. It
// must not write samples in the range of a running Prometheus's head block
// (about the last 3 hours), which Prometheus documents as unsafe.
//
// Before writing, it checks that the output folder's file system has the
// space the blocks need (see CheckSpace), and otherwise writes nothing.
// On error, blocks of windows already finished stay in the output folder
// (each complete and listed in the Result) and nothing of the failed window
// does.
func (w *Writer) WriteBlocks(ctx context.Context, series []Series) (Result, error) {
	var res Result
	for _, s := range series {
		if !ascending(s.Samples) {
			return res, fmt.Errorf("write blocks: series %s: %w", s.Labels, ErrUnordered)
		}
		if len(s.Samples) > 0 {
			res.Series++
		}
	}
	if err := w.CheckSpace(w.loadOf(series)); err != nil {
		return res, fmt.Errorf("write blocks: %w", err)
	}
	// Appended in label order, a window's chunks go to disk as they come.
	order := make([]int, len(series))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return labels.Compare(series[a].Labels, series[b].Labels) })
	cursor := make([]int, len(series)) // index of each series' next sample
	for {
		t, ok := nextSample(series, cursor)
		if !ok {
			return res, nil
		}
		stats, err := w.writeWindow(ctx, series, order, cursor, t)
		if err != nil {
			return res, fmt.Errorf("write blocks: %w", err)
		}
		res.Blocks = append(res.Blocks, stats)
		res.Samples += stats.Samples
	}
}

// nextSample returns the time of the earliest sample not yet written.
func nextSample(series []Series, cursor []int) (int64, bool) {
	var t int64
	found := false
	for i, s := range series {
		if c := cursor[i]; c < len(s.Samples) && (!found || s.Samples[c].T < t) {
			t, found = s.Samples[c].T, true
		}
	}
	return t, found
}

// writeWindow writes the samples of the window that contains t, series in
// the given order, and advances cursor past them.
func (w *Writer) writeWindow(ctx context.Context, series []Series, order, cursor []int, t int64) (BlockStats, error) {
	if err := ctx.Err(); err != nil {
		return BlockStats{}, err
	}
	ww, err := w.BeginWindow(ctx, t)
	if err != nil {
		return BlockStats{}, err
	}
	if err := appendWindow(ww, series, order, cursor); err != nil {
		return BlockStats{}, errors.Join(err, ww.Abort())
	}
	return ww.Finish()
}

// appendWindow appends to ww the samples of series in its window, which
// start at cursor, in the given order, and advances cursor past them.
func appendWindow(ww *WindowWriter, series []Series, order, cursor []int) error {
	for _, i := range order {
		rest := series[i].Samples[cursor[i]:]
		n := sort.Search(len(rest), func(j int) bool { return rest[j].T >= ww.End() })
		if err := ww.Append(series[i].Labels, rest[:n]); err != nil {
			return err
		}
		cursor[i] += n
	}
	return nil
}
