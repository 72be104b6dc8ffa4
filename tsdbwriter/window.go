package tsdbwriter

import (
	"errors"
	"fmt"
	"time"
)

// DefaultWindow is the time span of one block: a day, aligned to UTC midnight.
const DefaultWindow = 24 * time.Hour

// ErrInvalidWindow is returned for a window that does not divide a day.
var ErrInvalidWindow = errors.New("invalid window")

// ValidateWindow checks that w is a whole number of milliseconds that divides
// 24h, so that windows aligned to the epoch are aligned to UTC midnight.
func ValidateWindow(w time.Duration) error {
	if w <= 0 || w%time.Millisecond != 0 || DefaultWindow%w != 0 {
		return fmt.Errorf("%w: %s must be a positive whole number of milliseconds that divides 24h", ErrInvalidWindow, w)
	}
	return nil
}

// alignDown returns the largest multiple of step that is <= t. step must be
// positive. It rounds towards minus infinity, also for negative t.
func alignDown(t, step int64) int64 {
	r := t % step
	if r < 0 {
		r += step
	}
	return t - r
}
