package tsdbwriter

import (
	"context"
	"log/slog"
)

// tsdbLogger returns the logger handed to Prometheus's TSDB code: its
// records go to logger, those at INFO lowered to DEBUG. The TSDB logs
// several INFO lines per block it writes or opens ("Replaying on-disk
// memory mappable chunks if any", "WAL not found", "flushing", "write
// block started", "write block completed") that say nothing to a user of
// the exporter, which logs one INFO line per block of its own instead.
// Warnings and errors keep their level.
func tsdbLogger(logger *slog.Logger) *slog.Logger {
	return slog.New(lowerInfo{logger.Handler()})
}

// lowerInfo is a slog.Handler that passes records to h, INFO ones as
// DEBUG.
type lowerInfo struct{ h slog.Handler }

// lower returns DEBUG for the INFO levels, l otherwise.
func lower(l slog.Level) slog.Level {
	if l >= slog.LevelInfo && l < slog.LevelWarn {
		return slog.LevelDebug
	}
	return l
}

func (q lowerInfo) Enabled(ctx context.Context, l slog.Level) bool {
	return q.h.Enabled(ctx, lower(l))
}

func (q lowerInfo) Handle(ctx context.Context, r slog.Record) error {
	r.Level = lower(r.Level)
	if !q.h.Enabled(ctx, r.Level) {
		return nil
	}
	return q.h.Handle(ctx, r)
}

func (q lowerInfo) WithAttrs(attrs []slog.Attr) slog.Handler {
	return lowerInfo{q.h.WithAttrs(attrs)}
}

func (q lowerInfo) WithGroup(name string) slog.Handler { return lowerInfo{q.h.WithGroup(name)} }
