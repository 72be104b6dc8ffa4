package awssim

import (
	"container/heap"
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// FilterLogEvents' limits.
const (
	maxFilterStreams = 100
	// maxFilterScan bounds the events one FilterLogEvents page examines, so
	// that a pattern that matches little answers partial (or empty) pages
	// with a nextToken, as CloudWatch Logs does, instead of scanning the
	// whole group at once.
	maxFilterScan = 100_000
)

// descendingSince is the earliest startTime FilterLogEvents accepts with
// startFromHead false: 2024-01-01T00:00:00Z in milliseconds.
const descendingSince = 1704067200000

// filterLogEventsInput is FilterLogEvents' request.
type filterLogEventsInput struct {
	logGroupRef
	LogStreamNames      []string `json:"logStreamNames"`
	LogStreamNamePrefix *string  `json:"logStreamNamePrefix"`
	StartTime           *int64   `json:"startTime"`
	EndTime             *int64   `json:"endTime"`
	FilterPattern       *string  `json:"filterPattern"`
	NextToken           *string  `json:"nextToken"`
	Limit               *int64   `json:"limit"`
	StartFromHead       *bool    `json:"startFromHead"`
	Interleaved         *bool    `json:"interleaved"`
	Unmask              bool     `json:"unmask"`
}

// filteredLogEvent is an event of FilterLogEvents' answer.
type filteredLogEvent struct {
	LogStreamName string `json:"logStreamName"`
	Timestamp     int64  `json:"timestamp"`
	Message       string `json:"message"`
	IngestionTime int64  `json:"ingestionTime"`
	EventID       string `json:"eventId"`
}

// filterLogEventsOutput is FilterLogEvents' answer; searchedLogStreams is
// always empty, as it has been since 2020.
type filterLogEventsOutput struct {
	Events             []filteredLogEvent `json:"events"`
	SearchedLogStreams []struct{}         `json:"searchedLogStreams"`
	NextToken          *string            `json:"nextToken,omitempty"`
}

// filterLogEvents serves FilterLogEvents on RDSOSMetrics: the events of the
// named streams (logStreamNames, unknown names match nothing) or of those
// whose name has the prefix, or of all streams, with startTime <=
// timestamp <= endTime, interleaved in (timestamp, stream name) order,
// oldest first unless startFromHead is false; pages of at most limit
// events (default and maximum 10,000) and 1 MB; nextToken until the last
// page. Filter patterns are terms ("ERROR", "-DEBUG", "\"exact phrase\"");
// JSON and space-delimited patterns are not simulated.
func (s *Server) filterLogEvents(body []byte, fl *fleet) (any, *apiError) {
	var in filterLogEventsInput
	if e := decodeJSON(body, &in); e != nil {
		return nil, e
	}
	if e := in.validate(fl); e != nil {
		return nil, e
	}
	match, e := parseFilterPattern(derefOr(in.FilterPattern, ""))
	if e != nil {
		return nil, e
	}
	streams := s.filterStreams(fl, in)
	fp := in.fingerprint(fl.scope)
	pos, e := in.startPosition(fp, len(streams), s.opts.Now())
	if e != nil {
		return nil, e
	}
	cur := newFleetCursor(streams, pos)
	r := in.secondsRange()
	var out filterLogEventsOutput
	size := 0
	for scanned := 0; len(out.Events) < limitOr(in.Limit, maxLogEvents) && scanned < maxFilterScan; scanned++ {
		head, ok := cur.peek()
		if !ok || !r.contains(head.t) {
			return out, nil
		}
		st := streams[head.i]
		msg := s.osMessage(st.in, head.t)
		if size += len(msg) + logEventOverhead; size > maxLogBytes {
			break
		}
		cur.advance()
		if match(msg) {
			out.Events = append(out.Events, filteredLogEvent{
				LogStreamName: st.in.ResourceID, Timestamp: head.t * 1000, Message: msg,
				IngestionTime: st.ingestionTime(head.t), EventID: fmt.Sprintf("%036d%020d", head.t*1000, st.in.hash),
			})
		}
	}
	if head, ok := cur.peek(); ok && r.contains(head.t) {
		tok := filterToken{pos: head, fp: fp}.String()
		out.NextToken = &tok
	}
	return out, nil
}

// validate checks the members' constraints.
func (in filterLogEventsInput) validate(fl *fleet) *apiError {
	svc := logsService()
	if e := in.check(fl); e != nil {
		return e
	}
	if in.LogStreamNames != nil && in.LogStreamNamePrefix != nil {
		return jsonError("InvalidParameterException", "logStreamNames and logStreamNamePrefix are mutually exclusive parameters.")
	}
	n := int64(len(in.LogStreamNames))
	if e := checkRange(svc, "logStreamNames", ptrIf(in.LogStreamNames != nil, n), 1, maxFilterStreams); e != nil {
		return e
	}
	if e := checkRange(svc, "limit", in.Limit, 1, maxLogEvents); e != nil {
		return e
	}
	if in.StartFromHead != nil && !*in.StartFromHead && in.StartTime != nil && *in.StartTime < descendingSince {
		return jsonError("InvalidParameterException", "startFromHead false is supported only with a startTime on or after 2024-01-01T00:00:00Z.")
	}
	return nil
}

// filterStreams returns the streams a request searches, sorted by name.
func (s *Server) filterStreams(fl *fleet, in filterLogEventsInput) []osStream {
	var out []osStream
	for _, inst := range fl.osStreamsSorted() {
		named := in.LogStreamNames == nil || slices.Contains(in.LogStreamNames, inst.ResourceID)
		if named && strings.HasPrefix(inst.ResourceID, derefOr(in.LogStreamNamePrefix, "")) {
			out = append(out, s.osStream(inst))
		}
	}
	return out
}

// fingerprint hashes what a token must be used with again: the request's
// members and the caller's account and region.
func (in filterLogEventsInput) fingerprint(sc scope) uint64 {
	return strHash(fmt.Sprintf("%s|%q|%q|%v|%d|%d|%q", sc.key(), strings.Join(in.LogStreamNames, ","), derefOr(in.LogStreamNamePrefix, ""),
		in.forward(), derefOr(in.StartTime, -1), derefOr(in.EndTime, -1), derefOr(in.FilterPattern, "")))
}

// forward reports whether events are read oldest first.
func (in filterLogEventsInput) forward() bool { return in.StartFromHead == nil || *in.StartFromHead }

// secondsRange returns the request's time range in whole seconds.
func (in filterLogEventsInput) secondsRange() secRange {
	r := secRange{lo: math.MinInt64, hi: math.MaxInt64}
	if in.StartTime != nil {
		r.lo = ceilDiv(*in.StartTime, 1000)
	}
	if in.EndTime != nil {
		r.hi = floorDiv(*in.EndTime, 1000)
	}
	return r
}

// startPosition returns where the page starts: the token's position, or
// the start (end, when reading backwards) of the range.
func (in filterLogEventsInput) startPosition(fp uint64, streams int, now time.Time) (fleetPos, *apiError) {
	if in.NextToken != nil {
		tok, ok := parseFilterToken(*in.NextToken)
		if !ok || tok.fp != fp {
			return fleetPos{}, jsonError("InvalidParameterException", "The specified nextToken is invalid.")
		}
		return tok.pos, nil
	}
	r := in.secondsRange()
	if in.forward() {
		return fleetPos{t: max(r.lo, 0), forward: true}, nil
	}
	return fleetPos{t: min(r.hi, now.Unix()), i: streams}, nil
}

// secRange is an inclusive range of Unix seconds.
type secRange struct{ lo, hi int64 }

// contains reports whether t lies in the range.
func (r secRange) contains(t int64) bool { return t >= r.lo && t <= r.hi }

// fleetPos is a position in the interleaved events of several streams:
// the event at second t of stream i (an index into the sorted streams),
// read oldest first when forward.
type fleetPos struct {
	t       int64
	i       int
	forward bool
}

// filterToken is FilterLogEvents' nextToken: the next event's position and
// the fingerprint of the request it continues.
type filterToken struct {
	pos fleetPos
	fp  uint64
}

// String encodes the token.
func (t filterToken) String() string {
	raw := fmt.Sprintf("awssim-filter:%v:%d:%d:%x", t.pos.forward, t.pos.t, t.pos.i, t.fp)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// parseFilterToken decodes a token String wrote.
func parseFilterToken(s string) (filterToken, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return filterToken{}, false
	}
	var t filterToken
	n, err := fmt.Sscanf(string(b), "awssim-filter:%t:%d:%d:%x", &t.pos.forward, &t.pos.t, &t.pos.i, &t.fp)
	return t, err == nil && n == 4
}

// fleetCursor walks the events of several streams in (time, stream) order,
// or in reverse: a heap of each stream's next event.
type fleetCursor struct {
	streams []osStream
	heads   []fleetPos
	forward bool
}

// newFleetCursor returns a cursor at pos: its first event is the first
// one at or after pos (at or before it, backwards).
func newFleetCursor(streams []osStream, pos fleetPos) *fleetCursor {
	c := &fleetCursor{streams: streams, forward: pos.forward}
	for i, st := range streams {
		var t int64
		var ok bool
		switch {
		case pos.forward:
			t, ok = st.first(pos.t + boolInt(i < pos.i))
		default:
			t, ok = st.last(pos.t + boolInt(i <= pos.i))
		}
		if ok {
			c.heads = append(c.heads, fleetPos{t: t, i: i, forward: pos.forward})
		}
	}
	heap.Init(c)
	return c
}

// peek returns the next event's position.
func (c *fleetCursor) peek() (fleetPos, bool) {
	if len(c.heads) == 0 {
		return fleetPos{}, false
	}
	return c.heads[0], true
}

// advance moves past the next event.
func (c *fleetCursor) advance() {
	head := &c.heads[0]
	st := c.streams[head.i]
	t, ok := st.last(head.t)
	if c.forward {
		t, ok = st.first(head.t + 1)
	}
	if !ok {
		heap.Pop(c)
		return
	}
	head.t = t
	heap.Fix(c, 0)
}

// Len implements heap.Interface.
func (c *fleetCursor) Len() int { return len(c.heads) }

// Less implements heap.Interface: the earlier event first, or the later
// one when reading backwards.
func (c *fleetCursor) Less(a, b int) bool {
	x, y := c.heads[a], c.heads[b]
	if !c.forward {
		x, y = y, x
	}
	return x.t < y.t || (x.t == y.t && x.i < y.i)
}

// Swap implements heap.Interface.
func (c *fleetCursor) Swap(a, b int) { c.heads[a], c.heads[b] = c.heads[b], c.heads[a] }

// Push implements heap.Interface.
func (c *fleetCursor) Push(x any) { c.heads = append(c.heads, x.(fleetPos)) }

// Pop implements heap.Interface.
func (c *fleetCursor) Pop() any {
	last := c.heads[len(c.heads)-1]
	c.heads = c.heads[:len(c.heads)-1]
	return last
}

// parseFilterPattern returns the matcher of a term pattern: every term
// must occur in the message, every "-term" must not; double quotes make a
// phrase one term. Other pattern syntaxes are answered as not simulated.
func parseFilterPattern(p string) (func(string) bool, *apiError) {
	p = strings.TrimSpace(p)
	if strings.HasPrefix(p, "{") || strings.HasPrefix(p, "[") || strings.HasPrefix(p, "%") || strings.Contains(p, "?") {
		return nil, jsonError("InvalidParameterException", "awssim simulates only term filter patterns, not %q.", p)
	}
	var want, not []string
	for _, term := range splitTerms(p) {
		if t, ok := strings.CutPrefix(term, "-"); ok && t != "" {
			not = append(not, t)
		} else {
			want = append(want, term)
		}
	}
	return func(msg string) bool {
		for _, t := range want {
			if !strings.Contains(msg, t) {
				return false
			}
		}
		for _, t := range not {
			if strings.Contains(msg, t) {
				return false
			}
		}
		return true
	}, nil
}

// splitTerms splits a pattern at spaces outside double quotes and drops
// the quotes.
func splitTerms(p string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for _, r := range p {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				out = append(out, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		out = append(out, cur.String())
	}
	return out
}

// ptrIf returns &v when ok, else nil.
func ptrIf[T any](ok bool, v T) *T {
	if !ok {
		return nil
	}
	return &v
}
