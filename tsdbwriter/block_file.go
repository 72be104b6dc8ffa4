package tsdbwriter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"

	"github.com/oklog/ulid/v2"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/prometheus/prometheus/tsdb/chunks"
	"github.com/prometheus/prometheus/tsdb/fileutil"
	"github.com/prometheus/prometheus/tsdb/index"
	"github.com/prometheus/prometheus/tsdb/tombstones"
)

// ChunkSegmentSize is the size of the chunk segment files of the blocks we
// write (chunks/000001, ...). Each segment is preallocated at this size
// while the block is written and truncated to its content when complete,
// so writing a block needs this much free space above the block's own
// size. Prometheus's compaction default, 512 MiB, does not fit a small
// volume even for a block of a few kilobytes. Prometheus reads segments of
// any size; when it compacts our blocks it rewrites them with its own.
const ChunkSegmentSize = 8 << 20

// maxChunkSamples is the most samples of one chunk, as in Prometheus's
// head.
const maxChunkSamples = 120

// appendChunks encodes samples, which are ascending, as XOR chunks of at
// most maxChunkSamples samples each, of even sizes, and appends them to
// metas.
func appendChunks(metas []chunks.Meta, samples []Sample) []chunks.Meta {
	n := (len(samples) + maxChunkSamples - 1) / maxChunkSamples
	size := (len(samples) + n - 1) / n
	for part := range slices.Chunk(samples, size) {
		c := chunkenc.NewXORChunk()
		app, _ := c.Appender() // a new XOR chunk has no error
		for _, s := range part {
			app.Append(0, s.T, s.V)
		}
		metas = append(metas, chunks.Meta{Chunk: c, MinTime: part[0].T, MaxTime: part[len(part)-1].T})
	}
	return metas
}

// blockFiles are the files of a block being written in a staging
// folder: its chunks go to disk as they come, its index and meta.json at
// the end.
type blockFiles struct {
	id  ulid.ULID
	dir string         // the block's folder
	cw  *segmentWriter // nil once closed
}

// newBlockFiles starts a block in a new folder in parent.
func newBlockFiles(parent string) (*blockFiles, error) {
	id := ulid.Make()
	b := &blockFiles{id: id, dir: filepath.Join(parent, id.String())}
	if err := os.MkdirAll(b.dir, 0o755); err != nil {
		return nil, fmt.Errorf("create block folder: %w", err)
	}
	var err error
	if b.cw, err = newSegmentWriter(b.chunkDir()); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *blockFiles) chunkDir() string { return filepath.Join(b.dir, "chunks") }

// writeChunks encodes samples, which are ascending, as chunks, writes
// them and returns their references and time ranges.
func (b *blockFiles) writeChunks(samples []Sample) ([]chunks.Meta, error) {
	metas := appendChunks(nil, samples)
	if err := b.cw.WriteChunks(metas...); err != nil {
		return nil, fmt.Errorf("write chunks: %w", err)
	}
	for i := range metas {
		metas[i].Chunk = nil
	}
	return metas, nil
}

// closeChunks closes the chunk writer, once.
func (b *blockFiles) closeChunks() error {
	if b.cw == nil {
		return nil
	}
	err := b.cw.Close()
	b.cw = nil
	return err
}

// reorder rewrites the chunks in the order of series: the index wants
// each series' chunks after those of the series before it in label
// order. It updates the series' chunk references.
func (b *blockFiles) reorder(series []*windowSeries) error {
	if err := b.closeChunks(); err != nil {
		return fmt.Errorf("close chunk writer: %w", err)
	}
	src, err := chunks.NewDirReader(b.chunkDir(), nil)
	if err != nil {
		return fmt.Errorf("reorder chunks: %w", err)
	}
	defer func() { _ = src.Close() }() // Read-only.
	sorted := b.chunkDir() + ".sorted"
	dst, err := newSegmentWriter(sorted)
	if err != nil {
		return err
	}
	for _, s := range series {
		if err := copyChunks(src, dst, s.chunks); err != nil {
			return errors.Join(fmt.Errorf("reorder chunks: %w", err), dst.Close())
		}
	}
	if err := dst.Close(); err != nil {
		return fmt.Errorf("reorder chunks: %w", err)
	}
	if err := os.RemoveAll(b.chunkDir()); err != nil {
		return fmt.Errorf("reorder chunks: %w", err)
	}
	return fileutil.Rename(sorted, b.chunkDir())
}

// copyChunks reads metas' chunks from src, writes them with dst and
// updates their references.
func copyChunks(src *chunks.Reader, dst *segmentWriter, metas []chunks.Meta) error {
	for i := range metas {
		c, _, err := src.ChunkOrIterable(metas[i])
		if err != nil {
			return err
		}
		metas[i].Chunk = c
	}
	err := dst.WriteChunks(metas...)
	for i := range metas {
		metas[i].Chunk = nil
	}
	return err
}

// finish writes the index of series, which are in label order and whose
// chunks are written in that order, an empty tombstones file and
// meta.json last, and syncs the block's folder: the block is complete.
func (b *blockFiles) finish(ctx context.Context, series []*windowSeries, logger *slog.Logger) (tsdb.BlockMeta, error) {
	meta := tsdb.BlockMeta{ULID: b.id, Version: 1, Compaction: tsdb.BlockMetaCompaction{Level: 1, Sources: []ulid.ULID{b.id}}}
	if err := b.closeChunks(); err != nil {
		return meta, fmt.Errorf("close chunk writer: %w", err)
	}
	if err := writeIndex(ctx, filepath.Join(b.dir, "index"), series, &meta); err != nil {
		return meta, err
	}
	if _, err := tombstones.WriteFile(logger, b.dir, tombstones.NewMemTombstones()); err != nil {
		return meta, fmt.Errorf("write block tombstones: %w", err)
	}
	if err := writeMetaFile(b.dir, meta); err != nil {
		return meta, err
	}
	return meta, syncDir(b.dir)
}

// writeIndex writes the index of series into the file path and sums the
// series up in meta.
func writeIndex(ctx context.Context, path string, series []*windowSeries, meta *tsdb.BlockMeta) error {
	iw, err := index.NewWriter(ctx, path)
	if err != nil {
		return fmt.Errorf("open index writer: %w", err)
	}
	err = addSeries(iw, series, meta)
	if err := errors.Join(err, iw.Close()); err != nil {
		return fmt.Errorf("write index: %w", err)
	}
	return nil
}

// addSeries adds the symbols and then series to iw.
func addSeries(iw *index.Writer, series []*windowSeries, meta *tsdb.BlockMeta) error {
	for _, sym := range symbols(series) {
		if err := iw.AddSymbol(sym); err != nil {
			return err
		}
	}
	meta.MinTime, meta.MaxTime = series[0].chunks[0].MinTime, series[0].lastT()
	for ref, s := range series {
		if err := iw.AddSeries(storage.SeriesRef(ref), s.lbls, s.chunks...); err != nil {
			return err
		}
		meta.Stats.NumSeries++
		meta.Stats.NumChunks += uint64(len(s.chunks))
		meta.Stats.NumSamples += uint64(s.samples)
		meta.MinTime = min(meta.MinTime, s.chunks[0].MinTime)
		meta.MaxTime = max(meta.MaxTime, s.lastT())
	}
	meta.Stats.NumFloatSamples = meta.Stats.NumSamples
	meta.MaxTime++ // A block's range is half-open.
	return nil
}

// symbols returns the names and values of the labels of series, sorted,
// without repeats: the index's symbol table.
func symbols(series []*windowSeries) []string {
	set := map[string]struct{}{}
	for _, s := range series {
		s.lbls.Range(func(l labels.Label) {
			set[l.Name] = struct{}{}
			set[l.Value] = struct{}{}
		})
	}
	out := make([]string, 0, len(set))
	for sym := range set {
		out = append(out, sym)
	}
	slices.Sort(out)
	return out
}

// writeMetaFile writes meta.json into the block folder dir, synced, via a
// temporary file: a block whose meta.json exists is complete.
func writeMetaFile(dir string, meta tsdb.BlockMeta) error {
	b, err := json.MarshalIndent(meta, "", "\t")
	if err != nil {
		return fmt.Errorf("write block meta: %w", err)
	}
	path := filepath.Join(dir, metaName)
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return fmt.Errorf("write block meta: %w", err)
	}
	_, err = f.Write(b)
	err = errors.Join(err, f.Sync(), f.Close())
	if err == nil {
		err = fileutil.Replace(path+".tmp", path)
	}
	if err != nil {
		return errors.Join(fmt.Errorf("write block meta: %w", err), os.Remove(path+".tmp"))
	}
	return nil
}

// syncDir syncs the folder dir, so that the names of its files last.
func syncDir(dir string) error {
	df, err := fileutil.OpenDir(dir)
	if err != nil {
		return fmt.Errorf("sync block folder: %w", err)
	}
	return errors.Join(df.Sync(), df.Close())
}
