package tsdbwriter

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/oklog/ulid/v2"
	"github.com/prometheus/prometheus/tsdb"
)

// metaName is the file that makes a folder a complete block: Prometheus's
// compactor writes it last, before renaming the block into place.
const metaName = "meta.json"

// blockDir is a complete block found in a folder.
type blockDir struct {
	dir  string
	meta tsdb.BlockMeta
}

// listBlocks returns the complete blocks in dirs whose time range overlaps
// [mint, maxt). Like Prometheus, it considers only folders named by a ULID,
// which leaves out staging folders, wal/, chunks_head/ and
// *.tmp-for-creation and *.tmp-for-deletion folders. It also leaves out
// ULID folders without a meta.json and blocks marked deletable (empty).
// Each of dirs must exist.
func listBlocks(dirs []string, mint, maxt int64) ([]blockDir, error) {
	var blocks []blockDir
	for _, dir := range dirs {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, fmt.Errorf("list blocks: %w", err)
		}
		for _, e := range entries {
			b, ok, err := completeBlock(dir, e)
			if err != nil {
				return nil, err
			}
			if ok && b.meta.MinTime < maxt && b.meta.MaxTime > mint {
				blocks = append(blocks, b)
			}
		}
	}
	return blocks, nil
}

// completeBlock reads the meta.json of e in dir if e is a complete block.
func completeBlock(dir string, e fs.DirEntry) (blockDir, bool, error) {
	if !e.IsDir() || !isULID(e.Name()) {
		return blockDir{}, false, nil
	}
	path := filepath.Join(dir, e.Name())
	meta, err := readMeta(path)
	if errors.Is(err, fs.ErrNotExist) {
		return blockDir{}, false, nil // Being deleted, or not a block.
	}
	if err != nil {
		return blockDir{}, false, err
	}
	return blockDir{dir: path, meta: meta}, !meta.Compaction.Deletable, nil
}

// isULID reports whether name is a ULID, as the name of a block folder is.
func isULID(name string) bool {
	_, err := ulid.ParseStrict(name)
	return err == nil
}

// readMeta reads the meta.json of the block in dir.
func readMeta(dir string) (tsdb.BlockMeta, error) {
	var m tsdb.BlockMeta
	b, err := os.ReadFile(filepath.Join(dir, metaName))
	if err != nil {
		return m, fmt.Errorf("read block meta: %w", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("read block meta %s: %w", dir, err)
	}
	return m, nil
}

// openBlock opens the block in dir read-only. It returns ok false, and no
// error, when the block has vanished since it was listed: Prometheus
// deletes blocks it compacted into others.
func openBlock(dir string, logger *slog.Logger) (b *tsdb.Block, ok bool, err error) {
	b, err = tsdb.OpenBlock(tsdbLogger(logger), dir, nil, nil)
	if errors.Is(err, fs.ErrNotExist) {
		logger.Debug("Block vanished before it was opened", "dir", dir)
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("open block: %w", err)
	}
	return b, true, nil
}
