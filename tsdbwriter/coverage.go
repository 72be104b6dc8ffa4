package tsdbwriter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunks"
)

// CoverageOptions say what ScanCoverage reports.
type CoverageOptions struct {
	// Label is the label whose values coverage is reported for, e.g.
	// "dimension_DBInstanceIdentifier". Series without it are ignored.
	Label string
	// Mint and Maxt bound the half-open range [Mint, Maxt) in milliseconds.
	// Both must be multiples of Step.
	Mint, Maxt int64
	// Step is the width of a bucket, aligned to the epoch. Default 1h.
	Step time.Duration
	// Matchers, if any, restrict the scan to the series that match all.
	Matchers []*labels.Matcher
	// Logger receives debug logs. Default: discard.
	Logger *slog.Logger
}

// Coverage tells, for each value of a label, which buckets of a time range
// have at least one sample in the blocks scanned.
type Coverage struct {
	label            string
	mint, maxt, step int64
	values           map[string]bitset
	// Blocks is the number of blocks scanned.
	Blocks int
	// Vanished lists the block folders that disappeared between listing
	// and opening, as Prometheus deletes blocks it has compacted.
	Vanished []string
}

// ScanCoverage scans the complete blocks in dirs (see listBlocks for what
// it skips) that overlap [Mint, Maxt), read-only, one at a time, and reports
// which buckets hold samples for each value of opts.Label. Each of dirs must
// exist. dirs may include a live Prometheus data folder: blocks Prometheus
// deletes meanwhile are reported in Vanished; the samples they held are
// usually in the blocks that replaced them, which a later scan finds.
//
// It reads each block's index one label value at a time: the chunk
// metadata of the value's series, without building their labels. A chunk's
// first and last sample times come from its metadata; the chunk is decoded
// only when a bucket between them is not yet marked, so a chunk that spans
// hours covers only the hours where it has samples. Once all of a value's
// buckets in a block's range are marked, its other series are skipped.
func ScanCoverage(ctx context.Context, dirs []string, opts CoverageOptions) (*Coverage, error) {
	cov, err := newCoverage(opts)
	if err != nil {
		return nil, err
	}
	if err := cov.scan(ctx, dirs, opts, cov.markChunk); err != nil {
		return nil, fmt.Errorf("scan coverage: %w", err)
	}
	return cov, nil
}

// newCoverage validates opts and returns an empty Coverage.
func newCoverage(opts CoverageOptions) (*Coverage, error) {
	if opts.Step == 0 {
		opts.Step = time.Hour
	}
	step := opts.Step.Milliseconds()
	switch {
	case opts.Label == "":
		return nil, errors.New("scan coverage: no label")
	case step <= 0 || opts.Step%time.Millisecond != 0:
		return nil, fmt.Errorf("scan coverage: step %s is not a positive whole number of milliseconds", opts.Step)
	case opts.Maxt <= opts.Mint || opts.Mint%step != 0 || opts.Maxt%step != 0:
		return nil, fmt.Errorf("scan coverage: range [%d, %d) is empty or not aligned to the step %s", opts.Mint, opts.Maxt, opts.Step)
	}
	return &Coverage{
		label: opts.Label, mint: opts.Mint, maxt: opts.Maxt, step: step,
		values: map[string]bitset{},
	}, nil
}

// markFunc marks the buckets of the samples of one chunk.
type markFunc func(bitset, chunks.Meta, *chunkSamples) error

// scan scans the blocks in dirs one by one, marking chunks with mark.
func (c *Coverage) scan(ctx context.Context, dirs []string, opts CoverageOptions, mark markFunc) error {
	if opts.Logger == nil {
		opts.Logger = promslog.NewNopLogger()
	}
	blocks, err := listBlocks(dirs, c.mint, c.maxt)
	if err != nil {
		return err
	}
	for _, bd := range blocks {
		if err := c.scanDir(ctx, bd.dir, opts, mark); err != nil {
			return fmt.Errorf("%s: %w", bd.dir, err)
		}
	}
	return nil
}

// scanDir opens the block in dir, scans it and closes it.
func (c *Coverage) scanDir(ctx context.Context, dir string, opts CoverageOptions, mark markFunc) error {
	b, ok, err := openBlock(dir, opts.Logger)
	if err != nil || !ok {
		if err == nil {
			c.Vanished = append(c.Vanished, dir)
		}
		return err
	}
	c.Blocks++
	r, err := newBlockReader(b)
	if err != nil {
		return errors.Join(err, b.Close())
	}
	return errors.Join(c.scanBlock(ctx, r, opts.Matchers, mark), r.close(), b.Close())
}

// scanBlock marks the buckets of each value of the label, one value at a
// time, from the chunks of the series that have it and match matchers.
func (c *Coverage) scanBlock(ctx context.Context, r *blockReader, matchers []*labels.Matcher, mark markFunc) error {
	values, err := r.index.LabelValues(ctx, c.label, nil)
	if err != nil {
		return err
	}
	for _, v := range values {
		if err := ctx.Err(); err != nil {
			return err
		}
		// A new slice each time: PostingsForMatchers sorts its matchers in
		// place, so overwriting the last element of a reused slice would
		// replace one of the caller's matchers.
		ms := append(slices.Clone(matchers), labels.MustNewMatcher(labels.MatchEqual, c.label, v))
		if err := c.scanValue(ctx, r, v, ms, mark); err != nil {
			return err
		}
	}
	return nil
}

// scanValue marks the buckets of value from the chunks of the series that
// match ms. It stops early once all the value's buckets in the block's
// range are marked: the other series cannot add any.
func (c *Coverage) scanValue(ctx context.Context, r *blockReader, value string, ms []*labels.Matcher, mark markFunc) error {
	p, err := tsdb.PostingsForMatchers(ctx, r.index, ms...)
	if err != nil {
		return err
	}
	var bits bitset
	lo, hi := c.bucket(max(r.mint, c.mint)), c.bucket(min(r.maxt, c.maxt)-1)
	for p.Next() {
		if err := r.series(p.At()); err != nil {
			return err
		}
		if bits == nil {
			bits = c.bitsFor(value)
		}
		if err := c.markSeries(bits, r, mark); err != nil {
			return err
		}
		if bits.hasAll(lo, hi) {
			return nil
		}
	}
	return p.Err()
}

// markSeries marks the buckets of the chunks of the series r read last.
func (c *Coverage) markSeries(bits bitset, r *blockReader, mark markFunc) error {
	for _, meta := range r.chks {
		if meta.MaxTime < c.mint || meta.MinTime >= c.maxt {
			continue
		}
		if err := mark(bits, meta, &r.chunkSamples); err != nil {
			return err
		}
	}
	return nil
}

// bitsFor returns the buckets of value, creating them if needed.
func (c *Coverage) bitsFor(value string) bitset {
	bits, ok := c.values[value]
	if !ok {
		// value may point into a block's memory-mapped index.
		bits = newBitset(c.buckets())
		c.values[strings.Clone(value)] = bits
	}
	return bits
}

// markChunk marks the buckets of meta's samples in range. Without deleted
// samples, the first and last samples' times are those in the metadata, and
// the chunk is decoded only if a bucket between them is not yet marked.
func (c *Coverage) markChunk(bits bitset, meta chunks.Meta, src *chunkSamples) error {
	if len(src.deleted) == 0 {
		c.mark(bits, meta.MinTime)
		c.mark(bits, meta.MaxTime)
		lo, hi := c.bucket(max(meta.MinTime, c.mint)), c.bucket(min(meta.MaxTime, c.maxt-1))
		if bits.hasAll(lo, hi) {
			return nil
		}
	}
	return src.each(meta, func(t int64) { c.mark(bits, t) })
}

// mark marks the bucket of t, if t is in range.
func (c *Coverage) mark(bits bitset, t int64) {
	if t >= c.mint && t < c.maxt {
		bits.set(c.bucket(t))
	}
}

// bucket returns the index of the bucket of t, which must be in range.
func (c *Coverage) bucket(t int64) int { return int((t - c.mint) / c.step) }

// buckets returns the number of buckets in range.
func (c *Coverage) buckets() int { return int((c.maxt - c.mint) / c.step) }

// Covered reports whether the bucket that contains t has a sample with the
// label value. It is false for t out of range.
func (c *Coverage) Covered(value string, t int64) bool {
	bits, ok := c.values[value]
	return ok && t >= c.mint && t < c.maxt && bits.has(c.bucket(t))
}

// Count returns the number of buckets in range that have a sample with
// the label value.
func (c *Coverage) Count(value string) int {
	bits, ok := c.values[value]
	if !ok {
		return 0
	}
	n := 0
	for i := range c.buckets() {
		if bits.has(i) {
			n++
		}
	}
	return n
}
