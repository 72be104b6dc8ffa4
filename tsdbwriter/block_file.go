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

// writeBlock writes series, which are in label order (labels.Compare) and
// each have chunks, as one block in a new folder in dir, and returns its
// meta and folder. It drops each series' chunk data once written. The
// block is complete when writeBlock returns without error: files synced,
// meta.json written last.
func writeBlock(ctx context.Context, dir string, series []*windowSeries, logger *slog.Logger) (tsdb.BlockMeta, string, error) {
	id := ulid.Make()
	out := filepath.Join(dir, id.String())
	meta := tsdb.BlockMeta{ULID: id, Version: 1, Compaction: tsdb.BlockMetaCompaction{Level: 1, Sources: []ulid.ULID{id}}}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return meta, "", fmt.Errorf("write block: %w", err)
	}
	if err := writeData(ctx, out, series, &meta); err != nil {
		return meta, "", fmt.Errorf("write block: %w", err)
	}
	if _, err := tombstones.WriteFile(logger, out, tombstones.NewMemTombstones()); err != nil {
		return meta, "", fmt.Errorf("write block tombstones: %w", err)
	}
	if err := writeMetaFile(out, meta); err != nil {
		return meta, "", err
	}
	return meta, out, syncDir(out)
}

// writeData writes the chunks and the index of series into the block
// folder out and sums them up in meta.
func writeData(ctx context.Context, out string, series []*windowSeries, meta *tsdb.BlockMeta) error {
	cw, err := chunks.NewWriter(filepath.Join(out, "chunks"), chunks.WithSegmentSize(ChunkSegmentSize))
	if err != nil {
		return fmt.Errorf("open chunk writer: %w", err)
	}
	iw, err := index.NewWriter(ctx, filepath.Join(out, "index"))
	if err != nil {
		return errors.Join(fmt.Errorf("open index writer: %w", err), cw.Close())
	}
	err = writeIndexed(cw, iw, series, meta)
	return errors.Join(err, cw.Close(), iw.Close())
}

// writeIndexed writes the symbols, then each series' chunks and index
// entry.
func writeIndexed(cw *chunks.Writer, iw *index.Writer, series []*windowSeries, meta *tsdb.BlockMeta) error {
	for _, sym := range symbols(series) {
		if err := iw.AddSymbol(sym); err != nil {
			return fmt.Errorf("add symbol: %w", err)
		}
	}
	meta.MinTime, meta.MaxTime = series[0].chunks[0].MinTime, series[0].lastT()
	for ref, s := range series {
		if err := writeSeries(cw, iw, storage.SeriesRef(ref), s, meta); err != nil {
			return err
		}
	}
	meta.MaxTime++ // A block's range is half-open.
	return nil
}

// writeSeries writes the chunks of s, and s into the index, and drops
// its chunks' data.
func writeSeries(cw *chunks.Writer, iw *index.Writer, ref storage.SeriesRef, s *windowSeries, meta *tsdb.BlockMeta) error {
	if err := cw.WriteChunks(s.chunks...); err != nil {
		return fmt.Errorf("write chunks: %w", err)
	}
	if err := iw.AddSeries(ref, s.lbls, s.chunks...); err != nil {
		return fmt.Errorf("add series: %w", err)
	}
	meta.Stats.NumSeries++
	meta.Stats.NumChunks += uint64(len(s.chunks))
	for i := range s.chunks {
		n := uint64(s.chunks[i].Chunk.NumSamples())
		meta.Stats.NumSamples += n
		meta.Stats.NumFloatSamples += n
		s.chunks[i].Chunk = nil
	}
	meta.MinTime = min(meta.MinTime, s.chunks[0].MinTime)
	meta.MaxTime = max(meta.MaxTime, s.lastT())
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
