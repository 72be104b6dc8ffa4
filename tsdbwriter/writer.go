package tsdbwriter

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/oklog/ulid/v2"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
)

// Sample is one float sample. T is in milliseconds since the epoch.
type Sample struct {
	T int64
	V float64
}

// Series is one series and its samples in strictly ascending time order.
type Series struct {
	Labels  labels.Labels
	Samples []Sample
}

// BlockStats describes one block written into the output folder.
type BlockStats struct {
	ULID ulid.ULID
	// Dir is the block's folder in the output folder.
	Dir string
	// MinTime and MaxTime are the block's half-open time range
	// [MinTime, MaxTime) in milliseconds, as in its meta.json: from its
	// first sample to just after its last, within one window.
	MinTime, MaxTime int64
	Samples, Series  uint64
}

// Options configure a Writer.
type Options struct {
	// Dir is the output folder. It is created if missing, and must be on a
	// file system that supports flock(2) and atomic rename of folders.
	Dir string
	// Window is the time span of one block, aligned to the epoch (so to UTC
	// midnight). It must divide 24h. Default 24h.
	Window time.Duration
	// Logger receives the writer's logs. Default: discard.
	Logger *slog.Logger
}

// Writer writes blocks into one output folder. Its methods are safe for
// concurrent use. It holds a staging folder in the output folder until Close.
type Writer struct {
	dir     string
	window  int64 // ms
	logger  *slog.Logger
	staging *staging
	// freeBytes returns the free space of the file system of a folder.
	freeBytes func(dir string) (uint64, error)
}

// New validates opts, creates the output folder if needed, removes staging
// folders left there by writers that crashed or were killed, and creates its
// own. The caller must Close the Writer.
func New(opts Options) (*Writer, error) {
	opts, err := withDefaults(opts)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("create output folder: %w", err)
	}
	st, err := openStaging(opts.Dir, opts.Logger)
	if err != nil {
		return nil, err
	}
	return &Writer{
		dir:       opts.Dir,
		window:    opts.Window.Milliseconds(),
		logger:    opts.Logger,
		staging:   st,
		freeBytes: statfsFree,
	}, nil
}

// withDefaults fills in defaults and validates opts.
func withDefaults(opts Options) (Options, error) {
	if opts.Dir == "" {
		return opts, errors.New("tsdbwriter: output folder not set")
	}
	if opts.Window == 0 {
		opts.Window = DefaultWindow
	}
	if err := ValidateWindow(opts.Window); err != nil {
		return opts, err
	}
	if opts.Logger == nil {
		opts.Logger = promslog.NewNopLogger()
	}
	return opts, nil
}

// Close removes the staging folder, with anything a window writer that was
// neither finished nor aborted left in it. Blocks already in the output
// folder stay. The caller must not use the Writer or its window writers
// after Close.
func (w *Writer) Close() error {
	return w.staging.close()
}

// Dir returns the output folder.
func (w *Writer) Dir() string { return w.dir }

// WindowOf returns the half-open range [start, end) in milliseconds of the
// window that contains t.
func (w *Writer) WindowOf(t int64) (start, end int64) {
	start = alignDown(t, w.window)
	return start, start + w.window
}
