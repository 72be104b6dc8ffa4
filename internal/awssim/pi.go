package awssim

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Performance Insights' limits.
const (
	maxPIQueries    = 15
	maxPIResults    = 25 // MaxResults' maximum, and its default here
	maxPIGroupLimit = 25
	defPIGroupLimit = 10
	maxPIDimensions = 10
)

// piMetricQuery is a MetricQuery.
type piMetricQuery struct {
	Metric  *string           `json:"Metric"`
	GroupBy *piDimensionGroup `json:"GroupBy"`
	Filter  map[string]string `json:"Filter"`
}

// piDimensionGroup is a DimensionGroup.
type piDimensionGroup struct {
	Group      *string  `json:"Group"`
	Dimensions []string `json:"Dimensions"`
	Limit      *int64   `json:"Limit"`
}

// piRange is the members GetResourceMetrics and DescribeDimensionKeys
// share; times are epoch seconds, as JSON 1.1 timestamps are.
type piRange struct {
	ServiceType     *string  `json:"ServiceType"`
	Identifier      *string  `json:"Identifier"`
	StartTime       *float64 `json:"StartTime"`
	EndTime         *float64 `json:"EndTime"`
	PeriodInSeconds *int64   `json:"PeriodInSeconds"`
	MaxResults      *int64   `json:"MaxResults"`
	NextToken       *string  `json:"NextToken"`
}

// getResourceMetricsInput is GetResourceMetrics' request.
type getResourceMetricsInput struct {
	piRange
	MetricQueries   []piMetricQuery `json:"MetricQueries"`
	PeriodAlignment *string         `json:"PeriodAlignment"`
}

// piDataPoint is a DataPoint.
type piDataPoint struct {
	Timestamp float64 `json:"Timestamp"`
	Value     float64 `json:"Value"`
}

// piMetricKey is a ResponseResourceMetricKey.
type piMetricKey struct {
	Metric     string            `json:"Metric"`
	Dimensions map[string]string `json:"Dimensions,omitempty"`
}

// piMetricKeyDataPoints is a MetricKeyDataPoints.
type piMetricKeyDataPoints struct {
	Key        piMetricKey   `json:"Key"`
	DataPoints []piDataPoint `json:"DataPoints"`
}

// getResourceMetricsOutput is GetResourceMetrics' answer.
type getResourceMetricsOutput struct {
	AlignedStartTime float64                 `json:"AlignedStartTime"`
	AlignedEndTime   float64                 `json:"AlignedEndTime"`
	Identifier       string                  `json:"Identifier"`
	MetricList       []piMetricKeyDataPoints `json:"MetricList"`
	NextToken        *string                 `json:"NextToken,omitempty"`
}

// piTarget is a validated request's instance and aligned range.
type piTarget struct {
	in         *instance
	per        int64 // period, seconds
	start, end int64 // aligned to per, Unix seconds
	maxResults int
	offset     int
}

// piItem is one element of MetricList: a query's total (key -1) or one of
// its group's keys.
type piItem struct {
	metric string
	group  *piGrouped // nil without GroupBy
	key    int
}

// piGrouped is a GroupBy resolved on an instance: its keys ranked by load
// over the request's range, and the dimensions the answer shows.
type piGrouped struct {
	group  string
	dims   []string
	keys   []piKeyDef
	kept   []int // the keys the Filter keeps; nil without Filter
	order  []int
	totals []float64
}

// piGroup resolves a GroupBy and its Filter.
func (s *Server) piGroup(pt piTarget, g piDimensionGroup, filter map[string]string) (*piGrouped, *apiError) {
	group, dims, e := piGroupAndDimensions(g)
	if e != nil {
		return nil, e
	}
	keys := s.piKeys(pt.in, group)
	kept, e := piFilter(keys, group, filter)
	if e != nil {
		return nil, e
	}
	order, totals := s.piRank(pt.in, group, keys, pt.start, pt.end)
	return &piGrouped{group: group, dims: dims, keys: keys, kept: kept, order: order, totals: totals}, nil
}

// top returns the first limit keys by load that the Filter keeps.
func (g *piGrouped) top(limit int) []int {
	var out []int
	for _, k := range g.order {
		if len(out) < limit && (g.kept == nil || slices.Contains(g.kept, k)) {
			out = append(out, k)
		}
	}
	return out
}

// dimensions returns the dimensions of key k that the answer shows, cut to
// the 500 bytes PI returns of a value.
func (g *piGrouped) dimensions(k int) map[string]string {
	out := make(map[string]string, len(g.dims))
	for _, d := range g.dims {
		out[d] = truncateUTF8(g.keys[k].dims[d], piMaxElementBytes)
	}
	return out
}

// getResourceMetrics serves GetResourceMetrics for ServiceType RDS and
// Identifier a DbiResourceId: db.load.avg (and db.sampledload.avg, equal
// below PI's sampling threshold) over [StartTime, EndTime) aligned to
// PeriodInSeconds (1, 60, 300, 3600, 86400; default the finest giving at
// most 200 points). MetricList holds, per query, its total and then its
// GroupBy's top Limit keys (default 10, at most 25) by load over the
// range, each with a data point per period that has data, stamped with
// the period's end (PeriodAlignment END_TIME, the default) or start.
// MaxResults (0 to 25, default 25) bounds the MetricList elements of a
// page; NextToken continues. Filters on dimensions of the query's group
// are simulated; AdditionalMetrics and other statistics are not.
func (s *Server) getResourceMetrics(body []byte, fl *fleet) (any, *apiError) {
	var in getResourceMetricsInput
	if e := decodeJSON(body, &in); e != nil {
		return nil, e
	}
	if e := in.validate(); e != nil {
		return nil, e
	}
	pt, e := s.piTarget(fl, in.piRange, in.fingerprint())
	if e != nil {
		return nil, e
	}
	var items []piItem
	for _, q := range in.MetricQueries {
		qi, e := s.piQueryItems(pt, q)
		if e != nil {
			return nil, e
		}
		items = append(items, qi...)
	}
	out := getResourceMetricsOutput{AlignedStartTime: float64(pt.start), AlignedEndTime: float64(pt.end), Identifier: pt.in.ResourceID}
	startAligned := derefOr(in.PeriodAlignment, "END_TIME") == "START_TIME"
	page, next := pageAt(items, pt.offset, pt.maxResults)
	for _, it := range page {
		out.MetricList = append(out.MetricList, s.piSeries(pt, it, startAligned))
	}
	if next > 0 {
		out.NextToken = ptrIf(true, pageToken("pi", next, in.fingerprint()))
	}
	return out, nil
}

// validate checks the members' modeled constraints.
func (in getResourceMetricsInput) validate() *apiError {
	svc := piService()
	if e := in.piRange.validate(); e != nil {
		return e
	}
	if in.MetricQueries == nil {
		return errConstraint(svc, "metricQueries", "null", "not be null")
	}
	if e := checkRange(svc, "metricQueries", ptrIf(true, int64(len(in.MetricQueries))), 1, maxPIQueries); e != nil {
		return e
	}
	if a := derefOr(in.PeriodAlignment, "END_TIME"); a != "END_TIME" && a != "START_TIME" {
		return errConstraint(svc, "periodAlignment", a, "satisfy enum value set: [END_TIME, START_TIME]")
	}
	for _, q := range in.MetricQueries {
		if q.Metric == nil {
			return errConstraint(svc, "metricQueries.member.metric", "null", "not be null")
		}
		if e := q.GroupBy.validate("metricQueries.member.groupBy"); e != nil {
			return e
		}
	}
	return nil
}

// validate checks a DimensionGroup's constraints; a nil group passes.
func (g *piDimensionGroup) validate(member string) *apiError {
	svc := piService()
	switch {
	case g == nil:
		return nil
	case g.Group == nil:
		return errConstraint(svc, member+".group", "null", "not be null")
	case g.Dimensions != nil && (len(g.Dimensions) < 1 || len(g.Dimensions) > maxPIDimensions):
		return errConstraint(svc, member+".dimensions", len(g.Dimensions), fmt.Sprintf("have length between 1 and %d", maxPIDimensions))
	}
	return checkRange(svc, member+".limit", g.Limit, 1, maxPIGroupLimit)
}

// validate checks the shared members' modeled constraints.
func (r piRange) validate() *apiError {
	svc := piService()
	for _, m := range []struct {
		name string
		set  bool
	}{{"serviceType", r.ServiceType != nil}, {"identifier", r.Identifier != nil}, {"startTime", r.StartTime != nil}, {"endTime", r.EndTime != nil}} {
		if !m.set {
			return errConstraint(svc, m.name, "null", "not be null")
		}
	}
	if t := *r.ServiceType; t != "RDS" && t != "DOCDB" {
		return errConstraint(svc, "serviceType", t, "satisfy enum value set: [RDS, DOCDB]")
	}
	return checkRange(svc, "maxResults", r.MaxResults, 0, maxPIResults)
}

// fingerprint hashes what a NextToken must be used with again.
func (in getResourceMetricsInput) fingerprint() uint64 {
	q, _ := json.Marshal(in.MetricQueries)
	return in.piRange.fingerprint(string(q) + derefOr(in.PeriodAlignment, ""))
}

// fingerprint hashes the shared members and extra.
func (r piRange) fingerprint(extra string) uint64 {
	return strHash(fmt.Sprintf("%s|%v|%v|%d|%s", *r.Identifier, *r.StartTime, *r.EndTime, derefOr(r.PeriodInSeconds, 0), extra))
}

// piTarget resolves the instance, the period and the aligned range, and
// the page a NextToken asks for.
func (s *Server) piTarget(fl *fleet, r piRange, fp uint64) (piTarget, *apiError) {
	id := *r.Identifier
	i := slices.IndexFunc(fl.instances, func(in instance) bool { return in.ResourceID == id })
	if *r.ServiceType != "RDS" || i < 0 || !fl.instances[i].PerformanceInsightsEnabled {
		return piTarget{}, jsonError("NotAuthorizedException", "The resource %s for service type %s is not authorized for this account", id, *r.ServiceType)
	}
	in := &fl.instances[i]
	start, end := int64(math.Floor(*r.StartTime)), int64(math.Ceil(*r.EndTime))
	if end <= start {
		return piTarget{}, jsonError("InvalidArgumentException", "The StartTime must be earlier than the EndTime.")
	}
	days := int64(in.PerformanceInsightsRetentionPeriod)
	if start < s.opts.Now().Unix()-days*day {
		return piTarget{}, jsonError("InvalidArgumentException", "The StartTime is earlier than the retention period of %d days of %s.", days, id)
	}
	per := piAutoPeriod(end - start)
	if r.PeriodInSeconds != nil {
		per = *r.PeriodInSeconds
		if !slices.Contains(piPeriods(), per) {
			return piTarget{}, jsonError("InvalidArgumentException", "The PeriodInSeconds %d is not valid: use 1, 60, 300, 3600 or 86400.", per)
		}
	}
	pt := piTarget{in: in, per: per, start: floorDiv(start, per) * per, end: ceilDiv(end, per) * per, maxResults: int(derefOr(r.MaxResults, maxPIResults))}
	if r.NextToken != nil {
		off, ok := parsePageToken("pi", *r.NextToken, fp)
		if !ok {
			return piTarget{}, jsonError("InvalidArgumentException", "The NextToken is not valid.")
		}
		pt.offset = off
	}
	return pt, nil
}

// piQueryItems returns the MetricList elements of one query.
func (s *Server) piQueryItems(pt piTarget, q piMetricQuery) ([]piItem, *apiError) {
	metric := *q.Metric
	if e := checkPIMetric(metric); e != nil {
		return nil, e
	}
	if q.GroupBy == nil {
		if len(q.Filter) > 0 {
			return nil, jsonError("InvalidArgumentException", "awssim simulates Filter only with a GroupBy of the filtered dimension's group.")
		}
		return []piItem{{metric: metric, key: -1}}, nil
	}
	g, e := s.piGroup(pt, *q.GroupBy, q.Filter)
	if e != nil {
		return nil, e
	}
	items := []piItem{{metric: metric, group: g, key: -1}}
	for _, k := range g.top(int(derefOr(q.GroupBy.Limit, defPIGroupLimit))) {
		items = append(items, piItem{metric: metric, group: g, key: k})
	}
	return items, nil
}

// checkPIMetric accepts db.load.avg and db.sampledload.avg.
func checkPIMetric(metric string) *apiError {
	name, stat, _ := strings.Cut(strings.TrimPrefix(metric, "db."), ".")
	switch {
	case name != "load" && name != "sampledload":
		return jsonError("InvalidArgumentException", "awssim simulates only db.load and db.sampledload, not %s.", metric)
	case stat == "avg":
		return nil
	case stat == "min" || stat == "max" || stat == "sum":
		return jsonError("InvalidArgumentException", "awssim simulates only the statistic avg, not %s.", metric)
	}
	return jsonError("InvalidArgumentException", "The specified statistic is not a known statistic")
}

// piGroupAndDimensions checks a GroupBy and returns the dimensions its
// keys carry (all of the group's unless Dimensions names some).
func piGroupAndDimensions(g piDimensionGroup) (string, []string, *apiError) {
	group := *g.Group
	all := piGroupDimensions(group)
	if all == nil {
		return "", nil, jsonError("InvalidArgumentException", "This group is not a known group: %s is not valid for current resource", group)
	}
	if g.Dimensions == nil {
		return group, all, nil
	}
	for _, d := range g.Dimensions {
		if !slices.Contains(all, d) {
			return "", nil, jsonError("InvalidArgumentException", "The dimension %s is not a dimension of the group %s.", d, group)
		}
	}
	return group, g.Dimensions, nil
}

// piFilter returns the indices of the keys that match every filter, nil
// without filters.
func piFilter(keys []piKeyDef, group string, filter map[string]string) ([]int, *apiError) {
	if len(filter) == 0 {
		return nil, nil
	}
	for d := range filter {
		if !slices.Contains(piGroupDimensions(group), d) {
			return nil, jsonError("InvalidArgumentException", "awssim simulates Filter only on dimensions of the GroupBy group, not %s.", d)
		}
	}
	kept := []int{}
	for i, k := range keys {
		if matchesFilter(k.dims, filter) {
			kept = append(kept, i)
		}
	}
	return kept, nil
}

// matchesFilter reports whether dims has every filtered value.
func matchesFilter(dims, filter map[string]string) bool {
	for d, v := range filter {
		if dims[d] != v {
			return false
		}
	}
	return true
}

// piSeries computes the data points of one MetricList element.
func (s *Server) piSeries(pt piTarget, it piItem, startAligned bool) piMetricKeyDataPoints {
	out := piMetricKeyDataPoints{Key: piMetricKey{Metric: it.metric}, DataPoints: []piDataPoint{}}
	if it.key >= 0 {
		out.Key.Dimensions = it.group.dimensions(it.key)
	}
	for a := pt.start; a < pt.end; a += pt.per {
		if !s.piAvailable(pt.in, a, pt.per) {
			continue
		}
		v := s.piItemValue(pt, it, a)
		ts := a + pt.per
		if startAligned {
			ts = a
		}
		out.DataPoints = append(out.DataPoints, piDataPoint{Timestamp: float64(ts), Value: v})
	}
	return out
}

// piItemValue returns an element's value over the period starting at a:
// the total (of the filtered keys, with a Filter) or a key's part.
func (s *Server) piItemValue(pt piTarget, it piItem, a int64) float64 {
	g := it.group
	if g == nil || (it.key < 0 && g.kept == nil) {
		return s.piTotal(pt.in, a, pt.per)
	}
	vals := s.piValues(pt.in, g.group, g.keys, a, pt.per)
	if it.key >= 0 {
		return vals[it.key]
	}
	sum := 0.0
	for _, k := range g.kept {
		sum += vals[k]
	}
	return sum
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// pageAt returns items[offset:offset+size] and the offset of the next page
// (0 when this one is the last, or when size is 0 and the page empty).
func pageAt[T any](items []T, offset, size int) ([]T, int) {
	offset = min(offset, len(items))
	end := min(offset+size, len(items))
	if end < len(items) {
		return items[offset:end], end
	}
	return items[offset:end], 0
}

// pageToken encodes the NextToken of a page at offset of a request of the
// given kind with fingerprint fp, in characters every NextToken pattern
// allows ([a-zA-Z0-9_-]).
func pageToken(kind string, offset int, fp uint64) string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "awssim-%s:%d:%x", kind, offset, fp))
}

// parsePageToken decodes a token pageToken wrote; ok is false unless it
// was issued for a request of the kind with fingerprint fp.
func parsePageToken(kind, s string, fp uint64) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	var off int
	var h uint64
	n, err := fmt.Sscanf(string(b), "awssim-"+kind+":%d:%x", &off, &h)
	return off, err == nil && n == 2 && h == fp && off >= 0
}

// describeDimensionKeysInput is DescribeDimensionKeys' request.
type describeDimensionKeysInput struct {
	piRange
	Metric            *string           `json:"Metric"`
	GroupBy           *piDimensionGroup `json:"GroupBy"`
	AdditionalMetrics []string          `json:"AdditionalMetrics"`
	PartitionBy       *piDimensionGroup `json:"PartitionBy"`
	Filter            map[string]string `json:"Filter"`
}

// piDimensionKey is a DimensionKeyDescription.
type piDimensionKey struct {
	Dimensions map[string]string `json:"Dimensions"`
	Total      float64           `json:"Total"`
}

// describeDimensionKeysOutput is DescribeDimensionKeys' answer.
type describeDimensionKeysOutput struct {
	AlignedStartTime float64          `json:"AlignedStartTime"`
	AlignedEndTime   float64          `json:"AlignedEndTime"`
	Keys             []piDimensionKey `json:"Keys"`
	NextToken        *string          `json:"NextToken,omitempty"`
}

// describeDimensionKeys serves DescribeDimensionKeys: the GroupBy's top
// Limit keys (default 10, at most 25) by load over the aligned range, most
// first, with Total their mean db.load.avg over it (at the period
// piAutoPeriod picks for the range); MaxResults (0 to 25, default 25) keys
// a page, NextToken continues. AdditionalMetrics and PartitionBy are not
// simulated.
func (s *Server) describeDimensionKeys(body []byte, fl *fleet) (any, *apiError) {
	var in describeDimensionKeysInput
	if e := decodeJSON(body, &in); e != nil {
		return nil, e
	}
	if e := in.validate(); e != nil {
		return nil, e
	}
	q, _ := json.Marshal([]any{in.Metric, in.GroupBy, in.Filter})
	fp := in.fingerprint(string(q))
	pt, e := s.piTarget(fl, in.piRange, fp)
	if e != nil {
		return nil, e
	}
	if e := checkPIMetric(*in.Metric); e != nil {
		return nil, e
	}
	g, e := s.piGroup(pt, *in.GroupBy, in.Filter)
	if e != nil {
		return nil, e
	}
	var all []piDimensionKey
	for _, k := range g.top(int(derefOr(in.GroupBy.Limit, defPIGroupLimit))) {
		all = append(all, piDimensionKey{Dimensions: g.dimensions(k), Total: g.totals[k]})
	}
	page, next := pageAt(all, pt.offset, pt.maxResults)
	out := describeDimensionKeysOutput{AlignedStartTime: float64(pt.start), AlignedEndTime: float64(pt.end), Keys: page}
	if next > 0 {
		out.NextToken = ptrIf(true, pageToken("pi", next, fp))
	}
	return out, nil
}

// validate checks the members' modeled constraints and answers the ones
// awssim does not simulate.
func (in describeDimensionKeysInput) validate() *apiError {
	svc := piService()
	if e := in.piRange.validate(); e != nil {
		return e
	}
	switch {
	case in.Metric == nil:
		return errConstraint(svc, "metric", "null", "not be null")
	case in.GroupBy == nil:
		return errConstraint(svc, "groupBy", "null", "not be null")
	case in.AdditionalMetrics != nil || in.PartitionBy != nil:
		return jsonError("InvalidArgumentException", "awssim does not simulate AdditionalMetrics or PartitionBy.")
	}
	return in.GroupBy.validate("groupBy")
}
