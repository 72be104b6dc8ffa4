package awssim

import "time"

// day is one day in seconds.
const day = 86400

// Retention of CloudWatch data by period, in seconds.
const (
	retentionMinute = 15 * day  // periods of one minute
	retention5Min   = 63 * day  // periods that are multiples of 5 minutes
	retentionHour   = 455 * day // periods that are multiples of an hour
)

// retention returns how long CloudWatch keeps data it can aggregate into
// periods of per seconds: one-minute data for 15 days, five-minute data for
// 63 days, hourly data for 455 days.
func retention(per int64) int64 {
	switch {
	case per%3600 == 0:
		return retentionHour
	case per%300 == 0:
		return retention5Min
	}
	return retentionMinute
}

// roundStart rounds StartTime down as CloudWatch does: to the minute when it
// is less than 15 days old, to 5 minutes up to 63 days, to the hour beyond.
func roundStart(start, now time.Time) time.Time {
	switch age := now.Sub(start); {
	case age < retentionMinute*time.Second:
		return start.Truncate(time.Minute)
	case age <= retention5Min*time.Second:
		return start.Truncate(5 * time.Minute)
	}
	return start.Truncate(time.Hour)
}

// available reports whether CloudWatch serves the period of per seconds
// that starts at Unix time t at time now: its first minute is over (RDS
// publishes a minute once it ends) and it is within retention.
func available(t, per int64, now time.Time) bool {
	n := now.Unix()
	return t+60 <= n && t >= n-retention(per)
}

// periodSeconds converts a period to seconds; ok is false unless it is a
// positive multiple of a minute.
func periodSeconds(d time.Duration) (int64, bool) {
	if d <= 0 || d%time.Minute != 0 {
		return 0, false
	}
	return int64(d / time.Second), true
}

// window is the set of period-aligned timestamps first, first+step, ...,
// last (Unix seconds) that a query can have datapoints at. It is empty when
// last < first.
type window struct{ first, last, step int64 }

// newWindow returns the timestamps aligned to per (from the epoch) in
// [roundStart(start), end) that are available at now.
func newWindow(start, end time.Time, per int64, now time.Time) window {
	n := now.Unix()
	lo := max(roundStart(start, now).Unix(), n-retention(per))
	hi := min(floorDiv(end.UnixMilli()-1, 1000), n-60)
	return window{first: ceilDiv(lo, per) * per, last: floorDiv(hi, per) * per, step: per}
}

// empty reports whether the window has no timestamps.
func (w window) empty() bool { return w.last < w.first }

// size returns the number of timestamps in the window.
func (w window) size() int64 {
	if w.empty() {
		return 0
	}
	return (w.last-w.first)/w.step + 1
}

// begin returns the first timestamp of the window in scan order.
func (w window) begin(ascending bool) int64 {
	if ascending {
		return w.first
	}
	return w.last
}

// resume returns the first timestamp in scan order at or after t.
func (w window) resume(t int64, ascending bool) int64 {
	if ascending {
		return max(w.first, ceilDiv(t, w.step)*w.step)
	}
	return min(w.last, floorDiv(t, w.step)*w.step)
}

// next returns the timestamp after t in scan order; ok is false at the end.
func (w window) next(t int64, ascending bool) (int64, bool) {
	if ascending {
		t += w.step
	} else {
		t -= w.step
	}
	return t, w.contains(t)
}

// contains reports whether t lies in the window's range.
func (w window) contains(t int64) bool { return t >= w.first && t <= w.last }

// floorDiv divides rounding towards minus infinity (d > 0).
func floorDiv(a, d int64) int64 {
	q := a / d
	if a%d != 0 && a < 0 {
		q--
	}
	return q
}

// ceilDiv divides rounding towards plus infinity (d > 0).
func ceilDiv(a, d int64) int64 { return -floorDiv(-a, d) }
