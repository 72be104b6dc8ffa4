package backfill

import (
	"maps"
	"slices"
	"time"
)

// Range is the hours a sweep covers: [From, To), both aligned to the hour.
type Range struct {
	From, To time.Time
}

// Hours returns the number of hours in r.
func (r Range) Hours() int { return int(r.To.Sub(r.From) / time.Hour) }

// sweepRange returns the range of a sweep of days back from now: it ends at
// the last whole hour that is older than headMargin (Prometheus's head block
// must not be backfilled) and starts days*24 hours earlier.
func sweepRange(now time.Time, headMargin time.Duration, days int) Range {
	to := now.Add(-headMargin).Truncate(time.Hour)
	return Range{From: to.Add(-time.Duration(days) * 24 * time.Hour), To: to}
}

// hourSet is a set of hour starts, in Unix seconds.
type hourSet map[int64]struct{}

func (s hourSet) add(t int64)      { s[t] = struct{}{} }
func (s hourSet) has(t int64) bool { _, ok := s[t]; return ok }
func (s hourSet) sorted() []int64  { return slices.Sorted(maps.Keys(s)) }

// span is a window of whole hours [start, end), in Unix seconds.
type span struct{ start, end int64 }

func (s span) hours() int { return int((s.end - s.start) / 3600) }

// coalesce turns sorted hour starts into the fewest contiguous spans.
func coalesce(hours []int64) []span {
	var out []span
	for _, h := range hours {
		if n := len(out); n > 0 && out[n-1].end == h {
			out[n-1].end = h + 3600
			continue
		}
		out = append(out, span{start: h, end: h + 3600})
	}
	return out
}

// hulls covers spans with disjoint hulls of at most maxHours each, in time
// order: a span joins the last hull while the hull stays within maxHours,
// the part of a span that a hull already covers is left out, and a span
// longer than maxHours is cut. spans must be sorted by start. Fetching a
// hull instead of its spans costs nothing more (GetMetricData is billed per
// metric, whatever the range) as long as a call still takes 500 queries,
// and it lets instances with different gaps share calls. Hulls must not
// overlap: an hour in two hulls would be fetched, and kept, twice.
func hulls(spans []span, maxHours int) []span {
	maxLen := int64(maxHours) * 3600
	var out []span
	for _, s := range spans {
		if n := len(out); n > 0 {
			s.start = max(s.start, out[n-1].end)
		}
		for s.start < s.end {
			if n := len(out); n > 0 && s.end-out[n-1].start <= maxLen {
				out[n-1].end = s.end
				break
			}
			piece := span{s.start, min(s.end, s.start+maxLen)}
			out = append(out, piece)
			s.start = piece.end
		}
	}
	return out
}

func (s span) overlaps(o span) bool { return s.start < o.end && o.start < s.end }

// splitBatches splits plans, in order, into batches whose costs add up to
// at most budget; a plan that costs more is a batch alone.
func splitBatches[P any](plans []P, budget int, cost func(P) int) [][]P {
	var out [][]P
	var cur []P
	n := 0
	for _, p := range plans {
		c := cost(p)
		if len(cur) > 0 && n+c > budget {
			out = append(out, cur)
			cur, n = nil, 0
		}
		cur = append(cur, p)
		n += c
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}
