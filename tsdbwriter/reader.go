package tsdbwriter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
)

// ErrTooManySamples is returned by ReadSeries when the series selected hold
// more samples than ReadOptions.MaxSamples.
var ErrTooManySamples = errors.New("too many samples")

// ReadOptions say what ReadSeries reads.
type ReadOptions struct {
	// Mint and Maxt bound the half-open range [Mint, Maxt) in milliseconds.
	Mint, Maxt int64
	// Matchers select the series, as in a PromQL selector: at least one
	// must not match the empty string.
	Matchers []*labels.Matcher
	// MaxSamples, if positive, bounds the samples read.
	MaxSamples int
	// Logger receives debug logs. Default: discard.
	Logger *slog.Logger
}

// ReadSeries reads the float samples of the series that match from the
// complete blocks in dirs (see listBlocks for what it skips), read-only.
// Overlapping blocks are merged as Prometheus merges them: a sample present
// in several blocks is returned once. Series are sorted by labels. Each of
// dirs must exist; dirs may include a live Prometheus data folder.
func ReadSeries(ctx context.Context, dirs []string, opts ReadOptions) ([]Series, error) {
	if !selective(opts.Matchers) {
		return nil, errors.New("read series: no matcher that selects")
	}
	if opts.Logger == nil {
		opts.Logger = promslog.NewNopLogger()
	}
	list, err := listBlocks(dirs, opts.Mint, opts.Maxt)
	if err != nil {
		return nil, fmt.Errorf("read series: %w", err)
	}
	blocks, err := openBlocks(list, opts.Logger)
	defer closeBlocks(blocks)
	if err != nil {
		return nil, fmt.Errorf("read series: %w", err)
	}
	series, err := readBlocks(ctx, blocks, opts)
	if err != nil {
		return nil, fmt.Errorf("read series: %w", err)
	}
	return series, nil
}

// selective reports whether a matcher does not match the empty string, as
// Prometheus requires of a selector.
func selective(matchers []*labels.Matcher) bool {
	for _, m := range matchers {
		if !m.Matches("") {
			return true
		}
	}
	return false
}

// openBlocks opens the listed blocks that still exist. The caller must close
// the blocks returned, also on error.
func openBlocks(list []blockDir, logger *slog.Logger) ([]*tsdb.Block, error) {
	var blocks []*tsdb.Block
	for _, bd := range list {
		b, ok, err := openBlock(bd.dir, logger)
		if err != nil {
			return blocks, err
		}
		if ok {
			blocks = append(blocks, b)
		}
	}
	return blocks, nil
}

// closeBlocks closes blocks. Read-only blocks have nothing to lose on close.
func closeBlocks(blocks []*tsdb.Block) {
	for _, b := range blocks {
		_ = b.Close()
	}
}

// readBlocks reads the series that match from blocks, merged.
func readBlocks(ctx context.Context, blocks []*tsdb.Block, opts ReadOptions) ([]Series, error) {
	queriers := make([]storage.Querier, 0, len(blocks))
	for _, b := range blocks {
		q, err := tsdb.NewBlockQuerier(b, opts.Mint, opts.Maxt-1)
		if err != nil {
			for _, q := range queriers {
				_ = q.Close()
			}
			return nil, err
		}
		queriers = append(queriers, q)
	}
	q := storage.NewMergeQuerier(queriers, nil, storage.ChainedSeriesMerge)
	defer q.Close()
	return collect(ctx, q.Select(ctx, true, nil, opts.Matchers...), opts.MaxSamples)
}

// collect copies the float samples of the series in ss, at most maxSamples
// of them if maxSamples is positive. Histogram samples are left out.
func collect(ctx context.Context, ss storage.SeriesSet, maxSamples int) ([]Series, error) {
	var (
		out   []Series
		it    chunkenc.Iterator
		total int
	)
	for ss.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		s := Series{Labels: ss.At().Labels().Copy()}
		it = ss.At().Iterator(it)
		for vt := it.Next(); vt != chunkenc.ValNone; vt = it.Next() {
			if vt != chunkenc.ValFloat {
				continue
			}
			if total++; maxSamples > 0 && total > maxSamples {
				return nil, fmt.Errorf("%w: more than %d", ErrTooManySamples, maxSamples)
			}
			t, v := it.At()
			s.Samples = append(s.Samples, Sample{T: t, V: v})
		}
		if err := it.Err(); err != nil {
			return nil, err
		}
		if len(s.Samples) > 0 {
			out = append(out, s)
		}
	}
	return out, ss.Err()
}
