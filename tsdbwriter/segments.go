package tsdbwriter

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"os"
	"path/filepath"

	"github.com/prometheus/prometheus/tsdb/chunks"
	"github.com/prometheus/prometheus/tsdb/fileutil"
)

// segmentBufSize is the write buffer of a block's chunk segments.
// Prometheus's chunks.Writer allocates 8 MiB for every block; a sweep
// writes hundreds of blocks, and that garbage was a quarter of what a
// fleet backfill allocated.
const segmentBufSize = 256 << 10

// chunksFormatV1 is the version in a chunk segment's header.
const chunksFormatV1 = 1

// segmentWriter writes a block's chunks to its chunk segment files in
// Prometheus's format, as chunks.Writer does: a segment (000001, ...) is
// a header (magic number, version, padding) and chunks, each its data's
// length as a uvarint, its encoding, its data and the CRC32 (Castagnoli)
// of encoding and data; it is preallocated at ChunkSegmentSize and cut to
// its content when complete. A chunk's reference is its segment's index
// (from 0) and its offset in it. It is not safe for concurrent use.
type segmentWriter struct {
	dir     string
	dirFile *os.File // dir, open, to sync it
	f       *os.File // the segment being written, nil before the first
	seq     int      // f's index among the segments
	n       int64    // bytes written to f
	buf     *bufio.Writer
	crc     hash.Hash32
	scratch [chunks.MaxChunkLengthFieldSize]byte
}

// newSegmentWriter creates the folder dir for the chunk segments.
func newSegmentWriter(dir string) (*segmentWriter, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open chunk writer: %w", err)
	}
	df, err := fileutil.OpenDir(dir)
	if err != nil {
		return nil, fmt.Errorf("open chunk writer: %w", err)
	}
	return &segmentWriter{
		dir: dir, dirFile: df, seq: -1,
		buf: bufio.NewWriterSize(nil, segmentBufSize), crc: crc32.New(crc32.MakeTable(crc32.Castagnoli)),
	}, nil
}

// WriteChunks writes chks, which must hold their chunks, and sets their
// references. A chunk goes to a new segment when the current one would
// exceed ChunkSegmentSize (a chunk larger than that gets a segment of its
// own).
func (w *segmentWriter) WriteChunks(chks ...chunks.Meta) error {
	for i := range chks {
		data := chks[i].Chunk.Bytes()
		size := int64(chunks.MaxChunkLengthFieldSize + chunks.ChunkEncodingSize + len(data) + crc32.Size)
		if w.f == nil || (w.n > chunks.SegmentHeaderSize && w.n+size > ChunkSegmentSize) {
			if err := w.cut(); err != nil {
				return err
			}
		}
		chks[i].Ref = chunks.ChunkRef(chunks.NewBlockChunkRef(uint64(w.seq), uint64(w.n)))
		enc := []byte{byte(chks[i].Chunk.Encoding())}
		w.crc.Reset()
		_, _ = w.crc.Write(enc) // A hash does not fail.
		_, _ = w.crc.Write(data)
		n := binary.PutUvarint(w.scratch[:], uint64(len(data)))
		if err := w.write(w.scratch[:n], enc, data, w.crc.Sum(nil)); err != nil {
			return fmt.Errorf("write chunk: %w", err)
		}
	}
	return nil
}

// write writes parts to the current segment.
func (w *segmentWriter) write(parts ...[]byte) error {
	for _, p := range parts {
		n, err := w.buf.Write(p)
		w.n += int64(n)
		if err != nil {
			return err
		}
	}
	return nil
}

// cut completes the current segment, if any, and starts the next.
func (w *segmentWriter) cut() error {
	if err := w.finishSegment(); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(w.dir, fmt.Sprintf("%06d", w.seq+2)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("create chunk segment: %w", err)
	}
	w.f, w.seq, w.n = f, w.seq+1, 0
	w.buf.Reset(f)
	if err := fileutil.Preallocate(f, ChunkSegmentSize, true); err != nil {
		return fmt.Errorf("preallocate chunk segment: %w", err)
	}
	header := make([]byte, chunks.SegmentHeaderSize)
	binary.BigEndian.PutUint32(header, chunks.MagicChunks)
	header[chunks.MagicChunksSize] = chunksFormatV1
	return w.write(header)
}

// finishSegment writes out the current segment, syncs it, cuts it to its
// content and closes it.
func (w *segmentWriter) finishSegment() error {
	if w.f == nil {
		return nil
	}
	f := w.f
	w.f = nil
	err := w.buf.Flush()
	if err == nil {
		err = f.Sync()
	}
	if err == nil {
		err = f.Truncate(w.n)
	}
	if err := errors.Join(err, f.Close()); err != nil {
		return fmt.Errorf("complete chunk segment %s: %w", f.Name(), err)
	}
	return nil
}

// Close completes the last segment, syncs the folder and closes it.
func (w *segmentWriter) Close() error {
	err := w.finishSegment()
	if err == nil {
		err = w.dirFile.Sync()
	}
	if err := errors.Join(err, w.dirFile.Close()); err != nil {
		return fmt.Errorf("close chunk writer: %w", err)
	}
	return nil
}
