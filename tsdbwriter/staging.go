package tsdbwriter

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/prometheus/prometheus/tsdb/fileutil"
)

// stagingPrefix names the staging folders inside an output folder. The
// leading dot hides them from ls, and as the name is not a ULID, Prometheus
// neither loads nor deletes them when the output folder is its data folder.
const stagingPrefix = ".tsdbwriter-staging-"

// lockName is the lock file inside a staging folder. Its writer holds an
// flock(2) on it for as long as it uses the folder; the kernel releases the
// lock when the process dies, which is how a stale folder is told apart from
// one another writer is using.
const lockName = "lock"

// staging is one writer's staging folder, locked while the writer is open.
type staging struct {
	dir  string
	lock fileutil.Releaser
}

// openStaging removes stale staging folders in out, then creates and locks a
// new one. out must exist.
func openStaging(out string, logger *slog.Logger) (*staging, error) {
	if err := removeStaleStaging(out, logger); err != nil {
		return nil, err
	}
	// Another writer's clean-up may lock and remove a folder between its
	// creation and our lock: then try a fresh one.
	var err error
	for range 3 {
		var s *staging
		if s, err = createStaging(out); err == nil {
			return s, nil
		}
	}
	return nil, err
}

// createStaging creates a staging folder in out and locks it.
func createStaging(out string) (*staging, error) {
	dir, err := os.MkdirTemp(out, stagingPrefix+"*")
	if err != nil {
		return nil, fmt.Errorf("create staging folder: %w", err)
	}
	lock, _, err := fileutil.Flock(filepath.Join(dir, lockName))
	if err != nil {
		return nil, fmt.Errorf("lock staging folder: %w", err)
	}
	return &staging{dir: dir, lock: lock}, nil
}

// close releases the lock and removes the staging folder with all it holds.
func (s *staging) close() error {
	return errors.Join(os.RemoveAll(s.dir), s.lock.Release())
}

// removeStaleStaging removes the staging folders in out that no live writer
// holds the lock of: leftovers of a process that crashed or was killed.
func removeStaleStaging(out string, logger *slog.Logger) error {
	entries, err := os.ReadDir(out)
	if err != nil {
		return fmt.Errorf("list output folder: %w", err)
	}
	for _, e := range entries {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), stagingPrefix) {
			continue
		}
		dir := filepath.Join(out, e.Name())
		lock, _, err := fileutil.Flock(filepath.Join(dir, lockName))
		if err != nil {
			continue // In use by a live writer.
		}
		err = errors.Join(os.RemoveAll(dir), lock.Release())
		if err != nil {
			return fmt.Errorf("remove stale staging folder: %w", err)
		}
		logger.Info("Removed stale staging folder", "dir", dir)
	}
	return nil
}
