package bucket

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// UploadSpool uploads every complete block in spool (folders named by a
// ULID with a meta.json, as tsdbwriter moves them into its output folder),
// oldest ULID first, and removes each from spool once the bucket has it.
// Anything else in spool stays. A block whose upload fails stays in spool
// and the error is returned after the other blocks were tried, so a later
// call (for instance the next run, after a crash or a kill) completes it.
// spool must be the output folder of a tsdbwriter.Writer, or a folder no
// one else writes into meanwhile.
func (s *Store) UploadSpool(ctx context.Context, spool string) ([]Uploaded, error) {
	entries, err := os.ReadDir(spool)
	if err != nil {
		return nil, fmt.Errorf("upload spool: %w", err)
	}
	var (
		done []Uploaded
		errs []error
	)
	for _, e := range entries { // ReadDir sorts by name: by ULID, by time.
		dir := filepath.Join(spool, e.Name())
		if !e.IsDir() || !isULID(e.Name()) || !hasMeta(dir) {
			continue
		}
		up, err := s.Upload(ctx, dir)
		if err == nil {
			err = os.RemoveAll(dir)
		}
		if err != nil {
			errs = append(errs, err)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		done = append(done, up)
	}
	return done, errors.Join(errs...)
}

// hasMeta reports whether dir has a meta.json: a block tsdbwriter has
// finished.
func hasMeta(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, metaName))
	return !errors.Is(err, fs.ErrNotExist)
}
