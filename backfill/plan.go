package backfill

import "time"

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

// span is a window of whole hours [start, end), in Unix seconds.
type span struct{ start, end int64 }

func (s span) hours() int { return int((s.end - s.start) / 3600) }

func (s span) duration() time.Duration { return time.Duration(s.end-s.start) * time.Second }

// assignHulls puts each span into a hull, a window fetched for every span
// in it, and returns the hulls and the hull of each span. spans must be
// sorted by start. A span joins the last hull when the hull grown to
// cover it stays within maxHours, or when neither the hull nor the span
// would cover less than half of the grown hull (the same long range of
// many resources: one hull, however long); otherwise it starts a hull.
// Fetching a hull instead of its spans costs nothing more (GetMetricData
// is billed per metric, whatever the range) as long as a call still takes
// as many queries, and it lets resources with different gaps share calls.
// A hull longer than maxHours is fetched with fewer queries per call,
// never cut: cutting it would bill its queries once per piece.
func assignHulls(spans []span, maxHours int) (hulls []span, of []int) {
	maxLen := int64(maxHours) * 3600
	of = make([]int, len(spans))
	for i, s := range spans {
		if n := len(hulls); n > 0 && joins(hulls[n-1], s, maxLen) {
			hulls[n-1].end = max(hulls[n-1].end, s.end)
			of[i] = n - 1
			continue
		}
		hulls = append(hulls, s)
		of[i] = len(hulls) - 1
	}
	return hulls, of
}

// joins reports whether span s, which does not start before hull h, joins
// it (see assignHulls).
func joins(h, s span, maxLen int64) bool {
	grown := max(h.end, s.end) - h.start
	return grown <= maxLen || (2*(h.end-h.start) >= grown && 2*(s.end-s.start) >= grown)
}

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
