package sink

import (
	"maps"
	"slices"
	"time"
)

// Hour is the width of a coverage bucket.
const Hour = time.Hour

// Coverage records, per resource, the hours of a time range that a store
// holds. An hour h (a multiple of 1h since the epoch) is held for a
// resource when the store has at least one sample of one of the resource's
// value series with a timestamp in [h, h+1h). The zero value is not usable:
// build one with NewCoverage.
type Coverage struct {
	mint, maxt int64 // ms, multiples of an hour
	hours      map[string]map[int64]struct{}
}

// NewCoverage returns an empty Coverage of the range [mint, maxt) in
// milliseconds. The caller must pass multiples of an hour with mint < maxt.
func NewCoverage(mint, maxt int64) *Coverage {
	return &Coverage{mint: mint, maxt: maxt, hours: map[string]map[int64]struct{}{}}
}

// Range returns the range the coverage describes, [mint, maxt) in ms.
func (c *Coverage) Range() (mint, maxt int64) { return c.mint, c.maxt }

// Add records that resource holds a sample at t (ms). A t out of range is
// ignored.
func (c *Coverage) Add(resource string, t int64) {
	if t < c.mint || t >= c.maxt {
		return
	}
	set, ok := c.hours[resource]
	if !ok {
		set = map[int64]struct{}{}
		c.hours[resource] = set
	}
	set[hourOf(t)] = struct{}{}
}

// Covered reports whether resource holds the hour that contains t (ms). It
// is false for t out of range. Its signature is tsdbwriter.Coverage's, so
// the backfill can consult either.
func (c *Coverage) Covered(resource string, t int64) bool {
	_, ok := c.hours[resource][hourOf(t)]
	return ok && t >= c.mint && t < c.maxt
}

// Hours returns the starts (ms) of the hours resource holds, ascending.
func (c *Coverage) Hours(resource string) []int64 {
	return slices.Sorted(maps.Keys(c.hours[resource]))
}

// Resources returns the resources that hold at least one hour, sorted.
func (c *Coverage) Resources() []string {
	return slices.Sorted(maps.Keys(c.hours))
}

// hourOf returns the start of the hour that contains t (ms).
func hourOf(t int64) int64 {
	h := Hour.Milliseconds()
	if t < 0 && t%h != 0 {
		return t - t%h - h
	}
	return t - t%h
}
