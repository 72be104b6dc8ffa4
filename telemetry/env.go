package telemetry

import (
	"log/slog"
	"time"
)

// Env is what the collector and the backfill take from their
// surroundings: a clock, a logger, and the self-metrics they update.
type Env struct {
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger default: discard.
	Logger *slog.Logger
	// Telemetry default: new self-metrics, registered nowhere.
	Telemetry *Metrics
}

// WithDefaults returns e with the defaults of what is unset.
func (e Env) WithDefaults() Env {
	if e.Now == nil {
		e.Now = time.Now
	}
	if e.Logger == nil {
		e.Logger = slog.New(slog.DiscardHandler)
	}
	if e.Telemetry == nil {
		e.Telemetry = New()
	}
	return e
}
