package awssim

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// DescribeLogStreams' page size limits.
const maxLogStreams = 50

// DescribeLogStreams' orderBy values.
const (
	orderByName      = "LogStreamName"
	orderByEventTime = "LastEventTime"
)

// describeLogStreamsInput is DescribeLogStreams' request.
type describeLogStreamsInput struct {
	logGroupRef
	LogStreamNamePrefix *string `json:"logStreamNamePrefix"`
	OrderBy             *string `json:"orderBy"`
	Descending          *bool   `json:"descending"`
	NextToken           *string `json:"nextToken"`
	Limit               *int64  `json:"limit"`
}

// logStreamJSON is a LogStream of DescribeLogStreams' answer; the event
// times are absent from a stream without events.
type logStreamJSON struct {
	LogStreamName       string `json:"logStreamName"`
	CreationTime        int64  `json:"creationTime"`
	FirstEventTimestamp *int64 `json:"firstEventTimestamp,omitempty"`
	LastEventTimestamp  *int64 `json:"lastEventTimestamp,omitempty"`
	LastIngestionTime   *int64 `json:"lastIngestionTime,omitempty"`
	Arn                 string `json:"arn"`
	StoredBytes         int64  `json:"storedBytes"`
}

// describeLogStreamsOutput is DescribeLogStreams' answer.
type describeLogStreamsOutput struct {
	LogStreams []logStreamJSON `json:"logStreams"`
	NextToken  *string         `json:"nextToken,omitempty"`
}

// describeLogStreams serves DescribeLogStreams on RDSOSMetrics: one stream
// per instance with Enhanced Monitoring on, named by its DbiResourceId,
// ordered by name (optionally filtered by prefix) or by last event time,
// ascending unless descending; pages of limit streams (1 to 50, default
// 50) with nextToken. storedBytes is 0, as AWS has reported it since 2019.
func (s *Server) describeLogStreams(body []byte, fl *fleet) (any, *apiError) {
	var in describeLogStreamsInput
	if e := decodeJSON(body, &in); e != nil {
		return nil, e
	}
	if e := in.validate(fl); e != nil {
		return nil, e
	}
	all := s.describeStreams(fl, in)
	fp := strHash(fmt.Sprintf("%s|%q|%q|%v", fl.scope.key(), derefOr(in.LogStreamNamePrefix, ""), derefOr(in.OrderBy, orderByName), derefOr(in.Descending, false)))
	offset := 0
	if in.NextToken != nil {
		var ok bool
		if offset, ok = parsePageToken("streams", *in.NextToken, fp); !ok {
			return nil, jsonError("InvalidParameterException", "The specified nextToken is invalid.")
		}
	}
	page, next := pageAt(all, offset, limitOr(in.Limit, maxLogStreams))
	out := describeLogStreamsOutput{LogStreams: page}
	if next > 0 {
		out.NextToken = ptrIf(true, pageToken("streams", next, fp))
	}
	return out, nil
}

// validate checks the members' constraints.
func (in describeLogStreamsInput) validate(fl *fleet) *apiError {
	if e := in.check(fl); e != nil {
		return e
	}
	if e := checkRange(logsService(), "limit", in.Limit, 1, maxLogStreams); e != nil {
		return e
	}
	switch order := derefOr(in.OrderBy, orderByName); {
	case order != orderByName && order != orderByEventTime:
		return errConstraint(logsService(), "orderBy", order, "satisfy enum value set: [LogStreamName, LastEventTime]")
	case order == orderByEventTime && in.LogStreamNamePrefix != nil:
		return jsonError("InvalidParameterException", "Cannot order by LastEventTime with a logStreamNamePrefix.")
	}
	return nil
}

// describeStreams returns the streams a request lists, in its order.
func (s *Server) describeStreams(fl *fleet, in describeLogStreamsInput) []logStreamJSON {
	var out []logStreamJSON
	for _, inst := range fl.osStreamsSorted() {
		if strings.HasPrefix(inst.ResourceID, derefOr(in.LogStreamNamePrefix, "")) {
			out = append(out, s.describeStream(inst))
		}
	}
	if derefOr(in.OrderBy, orderByName) == orderByEventTime {
		slices.SortStableFunc(out, func(a, b logStreamJSON) int {
			return cmp.Compare(derefOr(a.LastEventTimestamp, 0), derefOr(b.LastEventTimestamp, 0))
		})
	}
	if derefOr(in.Descending, false) {
		slices.Reverse(out)
	}
	return out
}

// describeStream returns the LogStream of an instance's stream.
func (s *Server) describeStream(inst *instance) logStreamJSON {
	st := s.osStream(inst)
	out := logStreamJSON{
		LogStreamName: inst.ResourceID,
		CreationTime:  inst.CreateTime.UnixMilli(),
		Arn:           streamARN(inst.Region, inst.AccountID, inst.ResourceID),
	}
	if first, ok := st.first(st.lo); ok {
		last, _ := st.last(st.hi)
		out.FirstEventTimestamp, out.LastEventTimestamp = ptrIf(true, first*1000), ptrIf(true, last*1000)
		out.LastIngestionTime = ptrIf(true, st.ingestionTime(last))
	}
	return out
}
