package bucket

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/oklog/ulid/v2"
	"github.com/thanos-io/objstore"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// downloadSuffix names a block folder being downloaded into the cache: not
// a ULID, so the coverage scan ignores it.
const downloadSuffix = ".download"

// Coverage reports which buckets of opts' range the bucket's blocks hold,
// per value of opts.Label, as tsdbwriter.ScanCoverage does for a local
// folder. It lists the bucket's blocks, reads their meta.json, and
// downloads the raw blocks (downsample resolution 0, not marked for
// deletion, with meta.json) that overlap the range into cacheDir, where
// they stay for the next call: blocks are immutable. It removes cached
// blocks that left the bucket (compacted or deleted). cacheDir is created
// if needed and must be used by one Store at a time.
func (s *Store) Coverage(ctx context.Context, cacheDir string, opts tsdbwriter.CoverageOptions) (*tsdbwriter.Coverage, error) {
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return nil, fmt.Errorf("bucket coverage: %w", err)
	}
	ids, err := s.blocksIn(ctx, cacheDir, opts.Mint, opts.Maxt)
	if err != nil {
		return nil, fmt.Errorf("bucket coverage: %w", err)
	}
	if err := pruneCache(cacheDir, ids); err != nil {
		return nil, fmt.Errorf("bucket coverage: %w", err)
	}
	for _, id := range ids {
		if err := s.download(ctx, cacheDir, id); err != nil {
			return nil, fmt.Errorf("bucket coverage: download block %s: %w", id, err)
		}
	}
	return tsdbwriter.ScanCoverage(ctx, []string{cacheDir}, opts)
}

// blocksIn lists the complete raw blocks of the bucket that overlap
// [mint, maxt), reading meta.json from the cache when it has the block.
func (s *Store) blocksIn(ctx context.Context, cacheDir string, mint, maxt int64) ([]string, error) {
	var ids []string
	err := s.bkt.Iter(ctx, "", func(name string) error {
		id, ok := strings.CutSuffix(name, objstore.DirDelim)
		if !ok || !isULID(id) {
			return nil
		}
		m, ok, err := s.meta(ctx, cacheDir, id)
		if err != nil || !ok {
			return err
		}
		if m.MinTime < maxt && m.MaxTime > mint && m.Thanos.Downsample.Resolution == 0 {
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list blocks: %w", err)
	}
	return ids, nil
}

// meta returns the meta.json of block id, and false when the block is
// partial (no meta.json) or marked for deletion.
func (s *Store) meta(ctx context.Context, cacheDir, id string) (meta, bool, error) {
	if deleted, err := s.bkt.Exists(ctx, path.Join(id, deletionMark)); err != nil || deleted {
		return meta{}, false, err
	}
	if m, err := readMeta(filepath.Join(cacheDir, id)); err == nil {
		return m, true, nil
	}
	r, err := s.bkt.Get(ctx, path.Join(id, metaName))
	if s.bkt.IsObjNotFoundErr(err) {
		return meta{}, false, nil
	}
	if err != nil {
		return meta{}, false, err
	}
	defer r.Close()
	var m meta
	if err := json.NewDecoder(r).Decode(&m); err != nil {
		return meta{}, false, fmt.Errorf("%s/%s: %w", id, metaName, err)
	}
	return m, true, nil
}

// download copies block id into cacheDir unless it is there: into a
// temporary folder first, renamed into place once whole.
func (s *Store) download(ctx context.Context, cacheDir, id string) error {
	dst := filepath.Join(cacheDir, id)
	if _, err := os.Stat(filepath.Join(dst, metaName)); err == nil {
		return nil
	}
	tmp := dst + downloadSuffix
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	err := s.bkt.Iter(ctx, id, func(name string) error {
		return s.downloadFile(ctx, name, filepath.Join(tmp, filepath.FromSlash(strings.TrimPrefix(name, id+"/"))))
	}, objstore.WithRecursiveIter())
	if err != nil {
		return errors.Join(err, os.RemoveAll(tmp))
	}
	return os.Rename(tmp, dst)
}

// downloadFile copies one object into the file dst.
func (s *Store) downloadFile(ctx context.Context, name, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	r, err := s.bkt.Get(ctx, name)
	if err != nil {
		return err
	}
	defer r.Close()
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, r)
	return errors.Join(err, f.Close())
}

// pruneCache removes from cacheDir the blocks not in keep and unfinished
// downloads.
func pruneCache(cacheDir string, keep []string) error {
	entries, err := os.ReadDir(cacheDir)
	if err != nil {
		return err
	}
	wanted := map[string]bool{}
	for _, id := range keep {
		wanted[id] = true
	}
	for _, e := range entries {
		ours := isULID(e.Name()) || strings.HasSuffix(e.Name(), downloadSuffix)
		if wanted[e.Name()] || !ours {
			continue
		}
		if err := os.RemoveAll(filepath.Join(cacheDir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// isULID reports whether name is a ULID, as a block's folder is.
func isULID(name string) bool {
	_, err := ulid.ParseStrict(name)
	return err == nil
}
