package awssim

import "time"

// series is a MetricDataQuery resolved against the simulated fleet.
type series struct {
	id, label  string
	returnData bool
	in         *instance // nil when the query matches no published series
	prof       *profile
	st         stat
	win        window
}

// resolve resolves a validated query of request r at time now against a
// fleet.
func (s *Server) resolve(fl *fleet, q gmdQuery, r *gmdRequest, now time.Time) series {
	sr := series{id: q.id, label: q.label, returnData: q.returnData}
	if sr.label == "" {
		sr.label = q.metric
	}
	sr.st, _ = parseStat(q.stat)
	sr.win = newWindow(r.start, r.end, q.period, now)
	if in, p := s.match(fl, q); in != nil && p.publishes(in) {
		sr.in, sr.prof = in, p
	}
	return sr
}

// match finds the instance and metric a query names: namespace AWS/RDS,
// the one dimension DBInstanceIdentifier, and no unit or the metric's own
// (CloudWatch returns nothing for another unit). in is nil on no match.
func (s *Server) match(fl *fleet, q gmdQuery) (in *instance, p *profile) {
	if q.namespace != namespaceRDS || len(q.dims) != 1 || q.dims[0].name != dimInstance {
		return nil, nil
	}
	in, p = fl.byID[q.dims[0].value], s.profiles.byName[q.metric]
	if in == nil || p == nil || (q.unit != "" && q.unit != p.unit) {
		return nil, nil
	}
	return in, p
}

// at returns the series' datapoint at t, a timestamp of its window.
func (s *Server) at(sr *series, t int64) (float64, bool) {
	if sr.in == nil {
		return 0, false
	}
	return s.point(sr.in, sr.prof, sr.st, t, sr.win.step)
}

// hasDataFrom reports whether the series has a datapoint at t or after it
// in scan order. It stops at the first datapoint, so it is cheap except
// across long stopped windows.
func (s *Server) hasDataFrom(sr *series, t int64, asc bool) bool {
	if sr.in == nil {
		return false
	}
	for ok := sr.win.contains(t); ok; t, ok = sr.win.next(t, asc) {
		if _, has := s.at(sr, t); has {
			return true
		}
	}
	return false
}
