// Package bucket uploads finished TSDB blocks to object storage (S3, GCS,
// Azure Blob, Swift, a filesystem, ...) with thanos-io/objstore, laid out
// as Thanos, Mimir and Cortex read them, and reads back which hours a
// bucket's blocks hold.
package bucket

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/thanos-io/objstore"
)

// Store uploads blocks to, and reads coverage from, one bucket. Its methods
// are safe for concurrent use on different blocks.
type Store struct {
	bkt    objstore.Bucket // prefixed by the tenant
	cfg    Config
	logger *slog.Logger
}

// New returns a Store for bkt and cfg, which is defaulted and validated
// here. logger receives retries; nil discards them. The caller keeps
// ownership of bkt.
func New(bkt objstore.Bucket, cfg Config, logger *slog.Logger) (*Store, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("object storage config: %w", err)
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Store{bkt: objstore.NewPrefixedBucket(bkt, cfg.Tenant), cfg: cfg, logger: logger}, nil
}

// Uploaded describes one Upload.
type Uploaded struct {
	// ULID is the block's ULID, its folder in the bucket.
	ULID string
	// Skipped is true when the bucket already had the block's meta.json:
	// nothing was uploaded.
	Skipped bool
	// Files and Bytes count what was uploaded, meta.json included.
	Files int
	Bytes int64
}

// Upload uploads the complete block in dir (a folder named by the block's
// ULID with meta.json, index and chunks/, as tsdbwriter writes it) unless
// the bucket already has its meta.json. It uploads chunks/ and index
// first and meta.json last, with the thanos section added: readers ignore
// a block folder without meta.json, so a block is never seen half
// uploaded. Each file is tried up to MaxAttempts times. After a failure,
// or a kill, the bucket may hold some of the block's files without
// meta.json; uploading the same dir again uploads them all again and
// completes the block. The caller must not change dir meanwhile.
func (s *Store) Upload(ctx context.Context, dir string) (Uploaded, error) {
	m, err := readMeta(dir)
	if err != nil {
		return Uploaded{}, fmt.Errorf("upload block: %w", err)
	}
	id := m.ULID.String()
	if filepath.Base(dir) != id {
		return Uploaded{}, fmt.Errorf("upload block %s: folder is not named by its ULID %s", dir, id)
	}
	up := Uploaded{ULID: id}
	done, err := s.bkt.Exists(ctx, path.Join(id, metaName))
	if err != nil || done {
		up.Skipped = done
		return up, wrap(id, err)
	}
	files, err := blockFiles(dir)
	if err != nil {
		return up, wrap(id, err)
	}
	for _, f := range files {
		if err := s.uploadFile(ctx, id, dir, f.RelPath, &up); err != nil {
			return up, wrap(id, err)
		}
	}
	return up, wrap(id, s.uploadMeta(ctx, m, files, &up))
}

func wrap(id string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("upload block %s: %w", id, err)
}

// blockFiles lists the files of the block in dir that are uploaded before
// meta.json: the chunk segments in order, then the index.
func blockFiles(dir string) ([]file, error) {
	entries, err := os.ReadDir(filepath.Join(dir, chunksDir))
	if err != nil {
		return nil, err
	}
	var files []file
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		files = append(files, file{RelPath: chunksDir + "/" + e.Name()})
	}
	slices.SortFunc(files, func(a, b file) int { return strings.Compare(a.RelPath, b.RelPath) })
	files = append(files, file{RelPath: indexName})
	for i := range files {
		fi, err := os.Stat(filepath.Join(dir, filepath.FromSlash(files[i].RelPath)))
		if err != nil {
			return nil, err
		}
		files[i].SizeBytes = fi.Size()
	}
	return files, nil
}

// uploadFile uploads one file of the block, with retries.
func (s *Store) uploadFile(ctx context.Context, id, dir, rel string, up *Uploaded) error {
	return s.retry(ctx, id+"/"+rel, func() error {
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return err
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		if err := s.bkt.Upload(ctx, path.Join(id, rel), f); err != nil {
			return err
		}
		up.Files++
		up.Bytes += fi.Size()
		return nil
	})
}

// uploadMeta uploads meta.json with the thanos section, with retries.
func (s *Store) uploadMeta(ctx context.Context, m meta, files []file, up *Uploaded) error {
	m.Thanos = thanosMeta{
		Version: 1, Labels: s.cfg.ExternalLabels, Source: s.cfg.Source,
		Files: append(slices.Clone(files), file{RelPath: metaName}),
	}
	if m.Thanos.Labels == nil {
		m.Thanos.Labels = map[string]string{}
	}
	for _, f := range files {
		if rel, ok := strings.CutPrefix(f.RelPath, chunksDir+"/"); ok {
			m.Thanos.SegmentFiles = append(m.Thanos.SegmentFiles, rel)
		}
	}
	b, err := json.MarshalIndent(m, "", "\t")
	if err != nil {
		return err
	}
	return s.retry(ctx, m.ULID.String()+"/"+metaName, func() error {
		if err := s.bkt.Upload(ctx, path.Join(m.ULID.String(), metaName), bytes.NewReader(b)); err != nil {
			return err
		}
		up.Files++
		up.Bytes += int64(len(b))
		return nil
	})
}

// retry calls f up to MaxAttempts times, waiting between attempts from
// MinBackoff, doubling up to MaxBackoff. ctx ends the waits.
func (s *Store) retry(ctx context.Context, what string, f func() error) error {
	wait := s.cfg.MinBackoff
	var err error
	for attempt := 1; ; attempt++ {
		if err = f(); err == nil || attempt == s.cfg.MaxAttempts {
			break
		}
		s.logger.Warn("Upload failed, retrying", "object", what, "attempt", attempt, "wait", wait, "err", err)
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
		wait = min(2*wait, s.cfg.MaxBackoff)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
