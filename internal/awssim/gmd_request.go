package awssim

import (
	"fmt"
	"strings"
	"time"
)

// CloudWatch's limits on GetMetricData.
const (
	maxQueries          = 500
	maxDatapointsPerRes = 100800
)

// ScanBy values.
const (
	scanDescending = "TimestampDescending"
	scanAscending  = "TimestampAscending"
)

// gmdRequest is a decoded GetMetricData input.
type gmdRequest struct {
	queries       []gmdQuery
	start, end    time.Time
	hasStart      bool
	hasEnd        bool
	nextToken     string
	scanBy        string
	maxDatapoints int64 // 0: not set
	hasMax        bool
}

// ascending reports whether datapoints are returned oldest first.
func (r *gmdRequest) ascending() bool { return r.scanBy == scanAscending }

// gmdQuery is one decoded MetricDataQuery.
type gmdQuery struct {
	id, label, expression string
	returnData            bool
	hasStat               bool
	namespace, metric     string
	dims                  []dimension
	period                int64
	stat, unit            string
}

// parseGMD decodes the GetMetricData input members.
func parseGMD(f *cborFields) (gmdRequest, *apiError) {
	r := gmdRequest{
		start:     f.time("StartTime"),
		end:       f.time("EndTime"),
		hasStart:  f.has("StartTime"),
		hasEnd:    f.has("EndTime"),
		nextToken: f.str("NextToken"),
		scanBy:    f.str("ScanBy"),
		hasMax:    f.has("MaxDatapoints"),
	}
	r.maxDatapoints = f.int("MaxDatapoints")
	if r.scanBy == "" {
		r.scanBy = scanDescending
	}
	l := f.list("MetricDataQueries")
	for i := range l {
		r.queries = append(r.queries, parseQuery(f.item(l, "MetricDataQueries", i)))
	}
	if f.err != nil {
		return r, errSerialization(f.err)
	}
	return r, nil
}

// parseQuery decodes one MetricDataQuery.
func parseQuery(f *cborFields) gmdQuery {
	q := gmdQuery{
		id:         f.str("Id"),
		label:      f.str("Label"),
		expression: f.str("Expression"),
		returnData: f.bool("ReturnData", true),
		hasStat:    f.has("MetricStat"),
	}
	ms := f.sub("MetricStat")
	m := ms.sub("Metric")
	q.namespace, q.metric = m.str("Namespace"), m.str("MetricName")
	q.period, q.stat, q.unit = ms.int("Period"), ms.str("Stat"), ms.str("Unit")
	dl := m.list("Dimensions")
	for i := range dl {
		d := m.item(dl, "Dimensions", i)
		q.dims = append(q.dims, dimension{d.str("Name"), d.str("Value")})
	}
	return q
}

// validate checks the request as CloudWatch does, with its error codes.
func (r *gmdRequest) validate() *apiError {
	switch {
	case !r.hasStart:
		return errMissingParameter("StartTime")
	case !r.hasEnd:
		return errMissingParameter("EndTime")
	case len(r.queries) == 0:
		return errMissingParameter("MetricDataQueries")
	case len(r.queries) > maxQueries:
		return errInvalidParameter(fmt.Sprintf("The collection MetricDataQueries must not have a size greater than %d.", maxQueries))
	case r.start.Equal(r.end):
		return errValidation("The parameter StartTime must not equal parameter EndTime.")
	case r.start.After(r.end):
		return errValidation("The parameter StartTime must be less than the parameter EndTime.")
	case r.scanBy != scanAscending && r.scanBy != scanDescending:
		return errValidation(fmt.Sprintf("1 validation error detected: Value '%s' at 'scanBy' failed to satisfy constraint: Member must satisfy enum value set: [%s, %s]", r.scanBy, scanDescending, scanAscending))
	case r.hasMax && r.maxDatapoints < 1:
		return errValidation(fmt.Sprintf("The value %d for parameter MaxDatapoints must be greater than 0.", r.maxDatapoints))
	}
	return r.validateQueries()
}

// validID reports whether id matches ^[a-z][a-zA-Z0-9_]*$, the pattern
// CloudWatch requires of query Ids.
func validID(id string) bool {
	for i, c := range id {
		lower := c >= 'a' && c <= 'z'
		if i == 0 && !lower {
			return false
		}
		if !lower && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return id != ""
}

// validateQueries checks every query and reports all problems at once, one
// line each, as CloudWatch does.
func (r *gmdRequest) validateQueries() *apiError {
	var msgs []string
	seen := make(map[string]bool, len(r.queries))
	for i, q := range r.queries {
		member := fmt.Sprintf("MetricDataQueries.member.%d", i+1)
		if !validID(q.id) {
			msgs = append(msgs, fmt.Sprintf("The value %s for parameter %s.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.", q.id, member))
		} else if seen[q.id] {
			msgs = append(msgs, fmt.Sprintf("The value %s for parameter %s.Id is not unique.", q.id, member))
		}
		seen[q.id] = true
		msgs = append(msgs, q.problems(member)...)
	}
	if len(msgs) > 0 {
		return errValidation(strings.Join(msgs, "\n"))
	}
	return nil
}

// problems returns what is wrong with the query's MetricStat or Expression.
func (q *gmdQuery) problems(member string) []string {
	switch {
	case q.hasStat == (q.expression != ""):
		return []string{fmt.Sprintf("Exactly one element of the metricStat or the expression must be present in %s.", member)}
	case q.expression != "":
		return []string{fmt.Sprintf("The parameter %s.Expression is not supported by awssim: metric math and Metrics Insights are not simulated.", member)}
	}
	var out []string
	if q.period <= 0 || q.period%60 != 0 {
		out = append(out, fmt.Sprintf("The parameter %s.MetricStat.Period must be a multiple of 60 (awssim does not simulate high-resolution periods of 1, 5, 10, 20 or 30 seconds).", member))
	}
	if _, ok := parseStat(q.stat); !ok {
		out = append(out, fmt.Sprintf("The value %s for parameter %s.MetricStat.Stat is not a valid statistic.", q.stat, member))
	}
	return out
}

// fingerprint hashes everything that decides which datapoints a request
// returns, so a NextToken cannot be replayed against another request.
func (r *gmdRequest) fingerprint() uint64 {
	h := hash3(strHash(r.scanBy), uint64(r.start.UnixMilli()), uint64(r.end.UnixMilli()))
	for _, q := range r.queries {
		h = hash3(h, strHash(q.id+"\x00"+q.namespace+"\x00"+q.metric+"\x00"+q.stat+"\x00"+q.unit), uint64(q.period))
		for _, d := range q.dims {
			h = hash2(h, strHash(d.name+"\x00"+d.value))
		}
	}
	return h
}
