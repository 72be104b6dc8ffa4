package tsdbwriter

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"

	"github.com/oklog/ulid/v2"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
)

// ChunkSegmentSize is the size of the chunk segment files of the blocks we
// write (chunks/000001, ...). Each segment is preallocated at this size
// while the block is written and truncated to its content when complete, so
// writing a block needs this much free space above the block's own size.
// tsdb.BlockWriter uses Prometheus's compaction default, 512 MiB, which a
// small volume cannot hold even for a block of a few kilobytes. Prometheus
// reads segments of any size; when it compacts our blocks it rewrites them
// with its own.
const ChunkSegmentSize = 8 << 20

// blockWriter is tsdb.BlockWriter with three differences: its blocks have
// ChunkSegmentSize chunk segments, and the head keeps the chunks it memory
// maps in dir (the window's staging folder, on the output folder's file
// system) rather than in the system's temporary folder, so that a small or
// read-only /tmp does not matter and a killed writer leaves nothing behind
// that the next writer's clean-up does not remove.
type blockWriter struct {
	dir       string
	blockSize int64 // ms
	logger    *slog.Logger
	head      *tsdb.Head
}

// newBlockWriter starts a head whose chunks live in dir; blocks are written
// into dir too. blockSize must be at least twice the time range of the
// samples: after a commit the head rejects samples older than its max time
// minus half of it. The caller must Close the writer.
func newBlockWriter(logger *slog.Logger, dir string, blockSize int64) (*blockWriter, error) {
	opts := tsdb.DefaultHeadOptions()
	opts.ChunkRange = blockSize
	opts.ChunkDirRoot = dir
	head, err := tsdb.NewHead(nil, logger, nil, nil, opts, tsdb.NewHeadStats())
	if err != nil {
		return nil, fmt.Errorf("new head: %w", err)
	}
	if err := head.Init(math.MinInt64); err != nil {
		return nil, fmt.Errorf("init head: %w", err)
	}
	return &blockWriter{dir: dir, blockSize: blockSize, logger: logger, head: head}, nil
}

// AppenderV2 returns an appender on the head.
func (w *blockWriter) AppenderV2(ctx context.Context) storage.AppenderV2 {
	return w.head.AppenderV2(ctx)
}

// Flush writes the committed samples as one block in dir and returns its
// ULID. The caller must have committed at least one sample.
func (w *blockWriter) Flush(ctx context.Context) (ulid.ULID, error) {
	compactor, err := tsdb.NewLeveledCompactorWithOptions(ctx, nil, w.logger, []int64{w.blockSize},
		chunkenc.NewPool(), tsdb.LeveledCompactorOptions{
			MaxBlockChunkSegmentSize:    ChunkSegmentSize,
			EnableOverlappingCompaction: true,
		})
	if err != nil {
		return ulid.ULID{}, fmt.Errorf("create compactor: %w", err)
	}
	// Block time ranges are half-open: [MinTime, MaxTime).
	ids, err := compactor.Write(w.dir, w.head, w.head.MinTime(), w.head.MaxTime()+1, nil)
	if err != nil {
		return ulid.ULID{}, fmt.Errorf("write block: %w", err)
	}
	if len(ids) == 0 {
		return ulid.ULID{}, ErrEmptyWindow
	}
	return ids[0], nil
}

// Close drops the head's samples and closes it. The caller removes dir.
//
// Closing a head writes its full chunks to dir (to memory-map them), and
// the head panics when that write fails, e.g. on a full disk. The chunks
// are in the block already or discarded, so truncating the head first
// leaves none to write.
func (w *blockWriter) Close() error {
	return errors.Join(w.head.Truncate(math.MaxInt64), w.head.Close())
}
