package awssim

// defaultLogRetentionDays is the retention RDS sets on RDSOSMetrics when it
// creates the group.
const defaultLogRetentionDays = 30

// logRetentionDays returns the retention of RDSOSMetrics in days.
func (s *Server) logRetentionDays() int64 {
	if s.opts.LogRetentionDays > 0 {
		return int64(s.opts.LogRetentionDays)
	}
	return defaultLogRetentionDays
}

// osStream is the schedule of an instance's Enhanced Monitoring events, in
// Unix seconds: one every iv seconds at times congruent to phase, in
// [lo, hi), except in the instance's stopped windows.
type osStream struct {
	s                 *Server
	in                *instance
	iv, phase, lo, hi int64
}

// osStream returns the schedule of the instance's events at Now: from its
// creation or the group's retention, whichever is later, to the last event
// published (one second after it is taken). The caller has checked that
// Enhanced Monitoring is on.
func (s *Server) osStream(in *instance) osStream {
	iv := int64(in.MonitoringInterval)
	now := s.opts.Now()
	lo := max(in.CreateTime.Unix(), ceilDiv(now.UnixMilli()-s.logRetentionDays()*day*1000, 1000))
	return osStream{s: s, in: in, iv: iv, phase: int64(hash2(in.hash, 30) % uint64(iv)), lo: lo, hi: now.Unix()}
}

// alignUp returns the first scheduled time at or after t.
func (st osStream) alignUp(t int64) int64 { return st.phase + ceilDiv(t-st.phase, st.iv)*st.iv }

// alignDown returns the last scheduled time at or before t.
func (st osStream) alignDown(t int64) int64 { return st.phase + floorDiv(t-st.phase, st.iv)*st.iv }

// has reports whether the stream has an event at t.
func (st osStream) has(t int64) bool {
	_, stopped := st.stopped(t)
	return t >= st.lo && t < st.hi && st.alignUp(t) == t && !stopped
}

// first returns the first event at or after t.
func (st osStream) first(t int64) (int64, bool) {
	for e := st.alignUp(max(t, st.lo)); e < st.hi; {
		w, stopped := st.stopped(e)
		if !stopped {
			return e, true
		}
		e = st.alignUp(w.end)
	}
	return 0, false
}

// last returns the last event before t.
func (st osStream) last(t int64) (int64, bool) {
	for e := st.alignDown(min(t, st.hi) - 1); e >= st.lo; {
		w, stopped := st.stopped(e)
		if !stopped {
			return e, true
		}
		e = st.alignDown(w.start - 1)
	}
	return 0, false
}

// span is a time range [start, end) in Unix seconds.
type span struct{ start, end int64 }

// stopped returns the stopped window that second t lies in, if any.
func (st osStream) stopped(t int64) (span, bool) {
	if !st.in.HasGaps || !st.s.inGap(&st.in.owner, t, 1) {
		return span{}, false
	}
	d := floorDiv(t, day)
	lo, hi, _ := st.s.stoppedWindow(&st.in.owner, d)
	return span{d*day + lo*3600, d*day + hi*3600}, true
}
