package tsdbwriter

import (
	"errors"
	"fmt"
)

// The estimate of the space blocks take, in upper bounds. Measured on
// blocks of the backfill's series (20 metrics x 2 statistics per instance,
// labeled as the backfill labels them, CloudWatch-like values from awssim;
// TestBlockBytesWithinEstimate and README "Reliability"): chunks take 6.4 to
// 7.5 bytes per sample, the index about 80 bytes per series and 0.07 per
// sample, and a few kilobytes per block.
const (
	// bytesPerSample bounds a sample's share of a block: the worst case of
	// the XOR encoding for samples at a regular interval is 78 bits, plus
	// its share of chunk headers and of chunk references in the index.
	bytesPerSample = 10
	// bytesPerSeries bounds a series' entry in the index of one block: its
	// labels, postings and chunk references.
	bytesPerSeries = 128
	// bytesPerBlock bounds the rest of a block: meta.json, tombstones, the
	// index's symbols and table of contents, and the rounding of its files
	// to whole file-system blocks.
	bytesPerBlock = 64 << 10
)

// ErrNoSpace is returned, wrapped in a *SpaceError, when the output
// folder's file system has less free space than a write needs.
var ErrNoSpace = errors.New("not enough free space")

// SpaceError says how much free space a write needs and how much there is.
type SpaceError struct {
	Dir     string
	Samples uint64 // samples to write
	Need    uint64 // bytes, estimated
	Free    uint64 // bytes available to the process
}

func (e *SpaceError) Error() string {
	return fmt.Sprintf("%v in %s: writing %d samples needs about %s, %s is free",
		ErrNoSpace, e.Dir, e.Samples, formatBytes(e.Need), formatBytes(e.Free))
}

func (e *SpaceError) Unwrap() error { return ErrNoSpace }

// formatBytes formats n in MiB, or KiB below one MiB.
func formatBytes(n uint64) string {
	if n < 1<<20 {
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// Load is what a write puts in blocks, window by window: what the space it
// needs is estimated from. The zero value is an empty load.
type Load struct {
	windows map[int64]windowLoad // by window start
}

type windowLoad struct{ series, samples uint64 }

// Add counts series series with samples samples in all in the window that
// starts at start (see Writer.WindowOf). The caller counts a series once
// per window it has samples in.
func (l *Load) Add(start int64, series, samples uint64) {
	if l.windows == nil {
		l.windows = map[int64]windowLoad{}
	}
	wl := l.windows[start]
	l.windows[start] = windowLoad{series: wl.series + series, samples: wl.samples + samples}
}

// Samples returns the number of samples counted.
func (l Load) Samples() uint64 {
	var n uint64
	for _, wl := range l.windows {
		n += wl.samples
	}
	return n
}

// Bytes estimates the free space writing l needs: every block, plus what
// the largest window holds only while its block is written.
func (l Load) Bytes() uint64 {
	var total, transient uint64
	for _, wl := range l.windows {
		total += wl.blockBytes()
		transient = max(transient, wl.transientBytes())
	}
	return total + transient
}

// blockBytes bounds the size of the window's block.
func (wl windowLoad) blockBytes() uint64 {
	return wl.samples*bytesPerSample + wl.series*bytesPerSeries + bytesPerBlock
}

// finishBytes bounds what finishing the window's block writes: its chunks
// are on disk already (see WindowWriter.Append), its index, the index
// writer's temporary postings files and the rest are not.
func (wl windowLoad) finishBytes() uint64 {
	return 2*wl.series*bytesPerSeries + bytesPerBlock
}

// transientBytes bounds what writing the window's block holds on disk
// besides the block: the rest of its last chunk segment, preallocated
// whole, and the index writer's temporary postings files.
func (wl windowLoad) transientBytes() uint64 {
	return ChunkSegmentSize + wl.series*bytesPerSeries
}

// CheckSpace returns a *SpaceError (errors.Is ErrNoSpace) when the output
// folder's file system has less free space than writing l needs, by
// Load.Bytes's estimate. Space is not reserved: other writers may take it
// between the check and the write, which then fails with the file system's
// error, leaving no partial block.
func (w *Writer) CheckSpace(l Load) error {
	return w.requireFree(l.Bytes(), l.Samples())
}

// requireFree returns a *SpaceError when less than need bytes are free in
// the output folder for writing samples.
func (w *Writer) requireFree(need, samples uint64) error {
	free, err := w.freeBytes(w.dir)
	if err != nil {
		return fmt.Errorf("check free space: %w", err)
	}
	if free < need {
		return &SpaceError{Dir: w.dir, Samples: samples, Need: need, Free: free}
	}
	return nil
}

// loadOf returns the load of writing series in w's windows.
func (w *Writer) loadOf(series []Series) Load {
	var l Load
	for _, s := range series {
		for i := 0; i < len(s.Samples); {
			start, end := w.WindowOf(s.Samples[i].T)
			n := 0
			for ; i < len(s.Samples) && s.Samples[i].T < end; i++ {
				n++
			}
			l.Add(start, 1, uint64(n))
		}
	}
	return l
}
