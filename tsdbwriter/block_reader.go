package tsdbwriter

import (
	"errors"
	"fmt"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"
	"github.com/prometheus/prometheus/tsdb/chunkenc"
	"github.com/prometheus/prometheus/tsdb/chunks"
	"github.com/prometheus/prometheus/tsdb/tombstones"
)

// blockReader reads series' chunk metadata and samples from one block's
// index, chunks and tombstones, without building labels.
type blockReader struct {
	mint, maxt int64 // the block's half-open time range
	index      tsdb.IndexReader
	builder    labels.ScratchBuilder
	chks       []chunks.Meta // of the last series read
	chunkSamples
}

// chunkSamples decodes chunks of one block, leaving out deleted samples.
type chunkSamples struct {
	chunks     tsdb.ChunkReader
	tombstones tombstones.Reader
	deleted    tombstones.Intervals // of the last series read
	it         chunkenc.Iterator
}

// newBlockReader returns a reader of b. The caller must close it before b.
func newBlockReader(b *tsdb.Block) (*blockReader, error) {
	r := &blockReader{mint: b.MinTime(), maxt: b.MaxTime()}
	var err error
	if r.index, err = b.Index(); err != nil {
		return nil, fmt.Errorf("read index: %w", err)
	}
	if r.chunks, err = b.Chunks(); err != nil {
		return nil, errors.Join(fmt.Errorf("read chunks: %w", err), r.index.Close())
	}
	if r.tombstones, err = b.Tombstones(); err != nil {
		return nil, errors.Join(fmt.Errorf("read tombstones: %w", err), r.index.Close(), r.chunks.Close())
	}
	return r, nil
}

// close releases the block's readers.
func (r *blockReader) close() error {
	return errors.Join(r.index.Close(), r.chunks.Close(), r.tombstones.Close())
}

// series reads the chunk metadata and deleted intervals of the series ref.
func (r *blockReader) series(ref storage.SeriesRef) error {
	if err := r.index.Series(ref, &r.builder, &r.chks); err != nil {
		return err
	}
	var err error
	r.deleted, err = r.tombstones.Get(ref)
	return err
}

// each calls fn with the time of each sample of meta's chunk that is not
// deleted.
func (s *chunkSamples) each(meta chunks.Meta, fn func(t int64)) error {
	chk, iterable, err := s.chunks.ChunkOrIterable(meta)
	if err != nil {
		return fmt.Errorf("read chunk: %w", err)
	}
	if chk != nil {
		s.it = chk.Iterator(s.it)
	} else {
		s.it = iterable.Iterator(s.it)
	}
	for s.it.Next() != chunkenc.ValNone {
		if t := s.it.AtT(); !s.isDeleted(t) {
			fn(t)
		}
	}
	return s.it.Err()
}

// isDeleted reports whether t is in a deleted interval of the series.
func (s *chunkSamples) isDeleted(t int64) bool {
	for _, d := range s.deleted {
		if d.InBounds(t) {
			return true
		}
	}
	return false
}
