package bucket

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/prometheus/prometheus/tsdb"
)

// Names of a block's files.
const (
	metaName     = "meta.json"
	indexName    = "index"
	chunksDir    = "chunks"
	deletionMark = "deletion-mark.json"
)

// meta is a block's meta.json as Thanos, Mimir and Cortex read it:
// Prometheus's fields and a thanos section.
type meta struct {
	tsdb.BlockMeta
	Thanos thanosMeta `json:"thanos"`
}

// thanosMeta is the thanos section of meta.json.
type thanosMeta struct {
	Version      int               `json:"version,omitempty"`
	Labels       map[string]string `json:"labels"`
	Downsample   downsample        `json:"downsample"`
	Source       string            `json:"source"`
	SegmentFiles []string          `json:"segment_files,omitempty"`
	Files        []file            `json:"files,omitempty"`
}

type downsample struct {
	Resolution int64 `json:"resolution"`
}

// file is one file of a block, relative to the block's folder.
type file struct {
	RelPath   string `json:"rel_path"`
	SizeBytes int64  `json:"size_bytes,omitempty"`
}

// readMeta reads the meta.json of the block in dir.
func readMeta(dir string) (meta, error) {
	var m meta
	b, err := os.ReadFile(filepath.Join(dir, metaName))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s: %w", filepath.Join(dir, metaName), err)
	}
	return m, nil
}
