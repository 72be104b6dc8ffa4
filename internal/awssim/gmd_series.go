package awssim

import "time"

// series is a MetricDataQuery resolved against the simulated fleet.
type series struct {
	id, label  string
	returnData bool
	data       *resolved // nil when the query matches no published series
	st         stat
	win        window
}

// resolveQuery resolves a validated query of request r at time now against
// a fleet.
func (s *Server) resolveQuery(fl *fleet, q gmdQuery, r *gmdRequest, now time.Time) series {
	sr := series{id: q.id, label: q.label, returnData: q.returnData}
	if sr.label == "" {
		sr.label = q.metric
	}
	sr.st, _ = parseStat(q.stat)
	sr.win = newWindow(r.start, r.end, q.period, now)
	if d, ok := s.match(fl, q); ok {
		sr.data = &d
	}
	return sr
}

// match finds the series a query names: namespace AWS/RDS, a published
// metric and dimension set, and no unit or the metric's own (CloudWatch
// returns nothing for another unit).
func (s *Server) match(fl *fleet, q gmdQuery) (resolved, bool) {
	dims, ok := normalDims(q.dims)
	if q.namespace != namespaceRDS || !ok {
		return resolved{}, false
	}
	r, ok := s.resolve(fl, q.metric, dims)
	if !ok || (q.unit != "" && q.unit != r.unit) {
		return resolved{}, false
	}
	return r, true
}

// at returns the series' datapoint at t, a timestamp of its window.
func (s *Server) at(sr *series, t int64) (float64, bool) {
	if sr.data == nil {
		return 0, false
	}
	return s.point(sr.data, sr.st, t, sr.win.step)
}

// hasDataFrom reports whether the series has a datapoint at t or after it
// in scan order. It stops at the first datapoint, so it is cheap except
// across long stopped windows.
func (s *Server) hasDataFrom(sr *series, t int64, asc bool) bool {
	if sr.data == nil {
		return false
	}
	for ok := sr.win.contains(t); ok; t, ok = sr.win.next(t, asc) {
		if _, has := s.at(sr, t); has {
			return true
		}
	}
	return false
}
