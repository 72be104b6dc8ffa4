package awssim

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// CloudWatch Logs' limits on the event operations.
const (
	maxLogEvents = 10000 // events a page holds at most, and the default limit
	maxLogBytes  = 1 << 20
	// logEventOverhead is what CloudWatch Logs counts per event on top of
	// its message's bytes when it measures a batch.
	logEventOverhead = 26
)

// logGroupRef is the log group members of every Logs request.
type logGroupRef struct {
	LogGroupName       *string `json:"logGroupName"`
	LogGroupIdentifier *string `json:"logGroupIdentifier"`
}

// check answers an error unless the request names the group RDSOSMetrics
// of fleet fl, by name or by ARN (with or without the ":*" suffix), once.
// The group exists where an instance has Enhanced Monitoring on (RDS
// creates it then); an ARN of another account or region names a group the
// caller cannot see.
func (g logGroupRef) check(fl *fleet) *apiError {
	var name string
	switch {
	case g.LogGroupName != nil && g.LogGroupIdentifier != nil:
		return jsonError("InvalidParameterException", "LogGroup name and LogGroup ARN are mutually exclusive parameters.")
	case g.LogGroupName != nil:
		name = *g.LogGroupName
	case g.LogGroupIdentifier != nil:
		name = strings.TrimSuffix(*g.LogGroupIdentifier, ":*")
		if name == groupARN(fl.scope.region, fl.scope.account) {
			name = osMetricsGroup
		}
	default:
		return jsonError("InvalidParameterException", "Either logGroupName or logGroupIdentifier must be specified.")
	}
	if name != osMetricsGroup || len(fl.osStreamsSorted()) == 0 {
		return jsonError("ResourceNotFoundException", "The specified log group does not exist.")
	}
	return nil
}

// osStreamsSorted returns the instances of the fleet that have a stream in
// RDSOSMetrics (Enhanced Monitoring on), sorted by stream name.
func (fl *fleet) osStreamsSorted() []*instance {
	out := fl.where(func(in *instance) bool { return in.EnhancedMonitoring() })
	slices.SortFunc(out, func(a, b *instance) int { return strings.Compare(a.ResourceID, b.ResourceID) })
	return out
}

// streamNamed returns the instance of the fleet whose stream is name.
func (fl *fleet) streamNamed(name string) (*instance, bool) {
	i := slices.IndexFunc(fl.instances, func(in instance) bool { return in.ResourceID == name && in.EnhancedMonitoring() })
	if i < 0 {
		return nil, false
	}
	return &fl.instances[i], true
}

// logEvent is one event of a stream.
type logEvent struct {
	t   int64 // Unix seconds
	msg string
}

// ms returns the event's timestamp in milliseconds.
func (e logEvent) ms() int64 { return e.t * 1000 }

// size returns what the event counts towards a page's megabyte.
func (e logEvent) size() int { return len(e.msg) + logEventOverhead }

// ingestionTime returns when CloudWatch Logs received the event, in
// milliseconds: a second or so after it was taken.
func (st osStream) ingestionTime(t int64) int64 {
	return t*1000 + 1000 + int64(hash2(st.in.hash, uint64(t))%500)
}

// getLogEventsInput is GetLogEvents' request.
type getLogEventsInput struct {
	logGroupRef
	LogStreamName *string `json:"logStreamName"`
	StartTime     *int64  `json:"startTime"`
	EndTime       *int64  `json:"endTime"`
	NextToken     *string `json:"nextToken"`
	Limit         *int64  `json:"limit"`
	StartFromHead *bool   `json:"startFromHead"`
	Unmask        bool    `json:"unmask"`
}

// outputLogEvent is an event of GetLogEvents' answer.
type outputLogEvent struct {
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
}

// getLogEventsOutput is GetLogEvents' answer.
type getLogEventsOutput struct {
	Events            []outputLogEvent `json:"events"`
	NextForwardToken  string           `json:"nextForwardToken"`
	NextBackwardToken string           `json:"nextBackwardToken"`
}

// getLogEvents serves GetLogEvents on a stream of RDSOSMetrics: the events
// with startTime <= timestamp < endTime, a page of at most limit events
// (default and maximum 10,000) and 1 MB, oldest first within the page.
// Without a token the page is the oldest events of the range when
// startFromHead is true, else the newest. nextForwardToken continues with
// newer events and nextBackwardToken with older ones; at either end of the
// range the answer carries the token that was passed in, so following
// nextForwardToken ends when it repeats. A token's direction wins over
// startFromHead.
func (s *Server) getLogEvents(body []byte, fl *fleet) (any, *apiError) {
	var in getLogEventsInput
	if e := decodeJSON(body, &in); e != nil {
		return nil, e
	}
	if e := in.check(fl); e != nil {
		return nil, e
	}
	if in.LogStreamName == nil || *in.LogStreamName == "" {
		return nil, errConstraint(logsService(), "logStreamName", "null", "not be null")
	}
	if e := checkRange(logsService(), "limit", in.Limit, 1, maxLogEvents); e != nil {
		return nil, e
	}
	inst, ok := fl.streamNamed(*in.LogStreamName)
	if !ok {
		return nil, jsonError("ResourceNotFoundException", "The specified log stream does not exist.")
	}
	st := s.osStream(inst)
	tok, e := in.startToken(st)
	if e != nil {
		return nil, e
	}
	r := logRange{lo: math.MinInt64, hi: math.MaxInt64}
	if in.StartTime != nil {
		r.lo = *in.StartTime
	}
	if in.EndTime != nil {
		r.hi = *in.EndTime
	}
	events := st.page(tok, r, limitOr(in.Limit, maxLogEvents))
	return st.answer(tok, events), nil
}

// logRange is GetLogEvents' time range [lo, hi) in milliseconds.
type logRange struct{ lo, hi int64 }

// startToken returns the position a GetLogEvents request reads from: its
// token, or the start (startFromHead) or end of its range.
func (in getLogEventsInput) startToken(st osStream) (streamToken, *apiError) {
	if in.NextToken != nil {
		return parseStreamToken(*in.NextToken, st.in.hash)
	}
	if in.StartFromHead != nil && *in.StartFromHead {
		return streamToken{forward: true, pos: max(0, derefOr(in.StartTime, 0))}, nil
	}
	return streamToken{pos: max(0, derefOr(in.EndTime, st.hi*1000))}, nil
}

// page returns the events of one page read from tok within r, oldest
// first: at most limit events and maxLogBytes.
func (st osStream) page(tok streamToken, r logRange, limit int) []logEvent {
	var out []logEvent
	size := 0
	next := st.first
	t, ok := st.first(ceilDiv(max(tok.pos, r.lo), 1000))
	if !tok.forward {
		next = st.last
		t, ok = st.last(ceilDiv(min(tok.pos, r.hi), 1000))
	}
	for ; ok && len(out) < limit; t, ok = next(t + boolInt(tok.forward)) {
		if (tok.forward && t*1000 >= r.hi) || (!tok.forward && t*1000 < r.lo) {
			break
		}
		ev := logEvent{t: t, msg: st.s.osMessage(st.in, t)}
		if size += ev.size(); size > maxLogBytes {
			break
		}
		out = append(out, ev)
	}
	if !tok.forward {
		slices.Reverse(out)
	}
	return out
}

// answer builds GetLogEvents' answer to a page read from tok.
func (st osStream) answer(tok streamToken, events []logEvent) getLogEventsOutput {
	out := getLogEventsOutput{Events: make([]outputLogEvent, len(events))}
	for i, ev := range events {
		out.Events[i] = outputLogEvent{Timestamp: ev.ms(), Message: ev.msg, IngestionTime: st.ingestionTime(ev.t)}
	}
	fwd, back := streamToken{forward: true, pos: tok.pos}, streamToken{pos: tok.pos}
	if len(events) > 0 {
		fwd.pos, back.pos = events[len(events)-1].ms()+1, events[0].ms()
	}
	out.NextForwardToken, out.NextBackwardToken = fwd.String(st.in.hash), back.String(st.in.hash)
	return out
}

// streamToken is a position in a stream: forward tokens read events at or
// after pos (milliseconds), backward ones events before it.
type streamToken struct {
	forward bool
	pos     int64
}

// String encodes the token as CloudWatch Logs writes them: "f/" or "b/",
// 56 digits, "/s". The digits hold a hash of the stream (so a token is only
// valid on its own stream) and the position.
func (t streamToken) String(stream uint64) string {
	dir := "b"
	if t.forward {
		dir = "f"
	}
	return fmt.Sprintf("%s/%020d%036d/s", dir, stream, t.pos)
}

// parseStreamToken decodes a token that String wrote for the stream.
func parseStreamToken(s string, stream uint64) (streamToken, *apiError) {
	bad := jsonError("InvalidParameterException", "The specified nextToken is invalid.")
	dir, rest, ok := strings.Cut(s, "/")
	digits, ok2 := strings.CutSuffix(rest, "/s")
	if !ok || !ok2 || (dir != "f" && dir != "b") || len(digits) != 56 {
		return streamToken{}, bad
	}
	h, err := strconv.ParseUint(digits[:20], 10, 64)
	pos, err2 := strconv.ParseInt(digits[20:], 10, 64)
	if err != nil || err2 != nil || h != stream {
		return streamToken{}, bad
	}
	return streamToken{forward: dir == "f", pos: pos}, nil
}

// limitOr returns *v, or def when v is nil.
func limitOr(v *int64, def int) int {
	if v == nil {
		return def
	}
	return int(*v)
}

// derefOr returns *v, or def when v is nil.
func derefOr[T any](v *T, def T) T {
	if v == nil {
		return def
	}
	return *v
}

// boolInt returns 1 for true and 0 for false.
func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
