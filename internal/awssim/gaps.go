package awssim

import "time"

// inGap reports whether the period of per seconds that starts at Unix time
// t lies entirely inside a stopped window of an instance. Stopped windows
// lie within one UTC day, so this is O(1).
func (s *Server) inGap(o *owner, t, per int64) bool {
	first, last := floorDiv(t, 3600), floorDiv(t+per-1, 3600)
	d := floorDiv(first, 24)
	if floorDiv(last, 24) != d {
		return false
	}
	lo, hi, ok := s.stoppedWindow(o, d)
	return ok && first-d*24 >= lo && last-d*24 < hi
}

// stoppedWindow returns the hours [lo, hi) of UTC day d (days since the
// epoch) in which the instance was stopped; ok is false on days without a
// window. About one day in three has a window of one to three hours. Only
// instances with HasGaps use it.
func (s *Server) stoppedWindow(o *owner, d int64) (lo, hi int64, ok bool) {
	h := hash3(o.hash, uint64(d), s.seedHash)
	if h%3 != 0 {
		return 0, 0, false
	}
	lo = int64((h >> 8) % 21)
	return lo, lo + 1 + int64((h>>16)%3), true
}

// Gaps returns the start of every hour in [from, to) in which the instance
// with the given ARN has no data because it was stopped. It is empty for
// unknown instances and for those without HasGaps.
func (s *Server) Gaps(arn string, from, to time.Time) []time.Time {
	in, ok := s.instanceOfARN(arn)
	if !ok || !in.HasGaps {
		return nil
	}
	var out []time.Time
	for h := ceilDiv(from.Unix(), 3600); h*3600 < to.Unix(); h++ {
		if s.inGap(&in.owner, h*3600, 3600) {
			out = append(out, time.Unix(h*3600, 0).UTC())
		}
	}
	return out
}
