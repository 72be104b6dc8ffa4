package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Performance Insights' request limits.
const (
	maxPIQueriesPerCall = 15
	maxPIResultsPerPage = 25
	// piRetentionMargin keeps a range's start this far inside the
	// retention, so that the clocks of the caller and of AWS may differ.
	piRetentionMargin = time.Minute
)

// PIPeriods returns the periods Performance Insights aggregates to, finest
// first.
func PIPeriods() []time.Duration {
	return []time.Duration{time.Second, time.Minute, 5 * time.Minute, time.Hour, 24 * time.Hour}
}

// PIPeriodFor returns the finest period that keeps a range of span to at
// most maxPoints data points per series (the coarsest, a day, if none
// does).
func PIPeriodFor(span time.Duration, maxPoints int) time.Duration {
	for _, p := range PIPeriods() {
		if int64(span/p) <= int64(maxPoints) {
			return p
		}
	}
	return 24 * time.Hour
}

// PIRetentionStart returns the earliest start a request may have at now for
// an instance that keeps retentionDays of Performance Insights data (its
// PerformanceInsightsRetentionPeriod), with a minute to spare.
func PIRetentionStart(now time.Time, retentionDays int32) time.Time {
	return now.Add(-time.Duration(retentionDays)*24*time.Hour + piRetentionMargin)
}

// PIMetricQuery asks for one Performance Insights metric, optionally split
// by a dimension group.
type PIMetricQuery struct {
	// Metric is the metric with its statistic, e.g. "db.load.avg".
	Metric string
	// GroupBy splits the metric by a dimension group; nil asks for the
	// total only.
	GroupBy *PIGroupBy
	// Filter keeps the keys with these dimension values.
	Filter map[string]string
}

// PIGroupBy is a dimension group to split a metric by.
type PIGroupBy struct {
	// Group is e.g. db.wait_event, db.sql_tokenized, db.user, db.host or db.
	Group string
	// Dimensions are the group's dimensions to return, nil for all.
	Dimensions []string
	// Limit is how many keys to return, the ones with the most load (1 to
	// 25); 0 leaves Performance Insights' default of 10.
	Limit int
}

// PIRequest asks for metrics of one instance over a range.
type PIRequest struct {
	// ResourceID is the instance's DbiResourceId.
	ResourceID string
	// Start and End bound the range; Performance Insights aligns them to
	// the period (down and up). Start must be within the instance's
	// retention (see PIRetentionStart).
	Start, End time.Time
	// Period is one of PIPeriods; 0 lets Performance Insights choose one
	// that gives roughly 100 to 200 points.
	Period  time.Duration
	Queries []PIMetricQuery
	// StampStart stamps each point with the start of its period instead of
	// its end (PeriodAlignment START_TIME).
	StampStart bool
}

// PISeries is the data points of a metric: a query's total (Dimensions
// nil) or one key of its group.
type PISeries struct {
	Metric     string
	Dimensions map[string]string
	Points     []PIPoint
}

// PIPoint is one data point.
type PIPoint struct {
	Time  time.Time
	Value float64
}

// PIResult is the answer to a PIRequest.
type PIResult struct {
	// AlignedStart and AlignedEnd are the range after alignment.
	AlignedStart, AlignedEnd time.Time
	// Series holds, query by query, its total and then its group's keys,
	// most load first.
	Series []PISeries
	// Calls is the number of GetResourceMetrics calls made.
	Calls int
}

// ResourceMetrics gets the series of req with the fewest GetResourceMetrics
// calls: the whole range in one request per 15 queries, each paged with
// the largest MaxResults (25 series a page).
func (p *PerformanceInsights) ResourceMetrics(ctx context.Context, req PIRequest) (PIResult, error) {
	if err := req.validate(); err != nil {
		return PIResult{}, fmt.Errorf("get resource metrics: %w", err)
	}
	var res PIResult
	for q := range slices.Chunk(req.Queries, maxPIQueriesPerCall) {
		in := req.wire(q)
		for {
			var out getResourceMetricsResponse
			err := p.call(ctx, APIGetResourceMetrics, in, &out)
			res.Calls++
			if err != nil {
				return res, fmt.Errorf("get resource metrics of %s: %w", req.ResourceID, err)
			}
			res.add(out)
			if aws.ToString(out.NextToken) == "" {
				break
			}
			in.NextToken = out.NextToken
		}
	}
	return res, nil
}

// validate checks what Performance Insights would refuse.
func (req PIRequest) validate() error {
	if len(req.Queries) == 0 {
		return errors.New("no metric queries")
	}
	return checkPIRange(req.ResourceID, req.Start, req.End, req.Period)
}

// checkPIRange checks the members every Performance Insights request has.
func checkPIRange(resourceID string, start, end time.Time, period time.Duration) error {
	switch {
	case resourceID == "":
		return errors.New("no resource ID")
	case !end.After(start):
		return fmt.Errorf("end %v is not after start %v", end, start)
	case period != 0 && !slices.Contains(PIPeriods(), period):
		return fmt.Errorf("period %v is not one of 1s, 1m, 5m, 1h, 24h", period)
	}
	return nil
}

// wire returns the request of one call for the queries.
func (req PIRequest) wire(queries []PIMetricQuery) getResourceMetricsRequest {
	in := getResourceMetricsRequest{
		ServiceType: "RDS", Identifier: req.ResourceID, StartTime: epoch(req.Start), EndTime: epoch(req.End),
		PeriodInSeconds: periodSeconds(req.Period), MaxResults: aws.Int32(maxPIResultsPerPage),
	}
	if req.StampStart {
		in.PeriodAlignment = "START_TIME"
	}
	for _, q := range queries {
		in.MetricQueries = append(in.MetricQueries, piMetricQueryJSON{Metric: q.Metric, GroupBy: q.GroupBy.wire(), Filter: q.Filter})
	}
	return in
}

// add appends a page's series.
func (res *PIResult) add(out getResourceMetricsResponse) {
	res.AlignedStart, res.AlignedEnd = fromEpoch(out.AlignedStartTime), fromEpoch(out.AlignedEndTime)
	for _, m := range out.MetricList {
		s := PISeries{Metric: m.Key.Metric, Dimensions: m.Key.Dimensions, Points: make([]PIPoint, len(m.DataPoints))}
		for i, dp := range m.DataPoints {
			s.Points[i] = PIPoint{Time: fromEpoch(dp.Timestamp), Value: dp.Value}
		}
		res.Series = append(res.Series, s)
	}
}

// wire returns the group's JSON; nil for no group.
func (g *PIGroupBy) wire() *piDimensionGroupJSON {
	if g == nil {
		return nil
	}
	out := &piDimensionGroupJSON{Group: g.Group, Dimensions: g.Dimensions}
	if g.Limit > 0 {
		out.Limit = aws.Int32(int32(g.Limit))
	}
	return out
}

// PIKeysRequest asks for the top keys of a dimension group.
type PIKeysRequest struct {
	ResourceID string
	Start, End time.Time
	// Period is one of PIPeriods or 0, as in PIRequest.
	Period time.Duration
	// Metric is the metric the keys are ranked by; "" is db.load.avg.
	Metric  string
	GroupBy PIGroupBy
	Filter  map[string]string
}

// PIDimensionKey is one key of a dimension group and its metric over the
// range (for db.load.avg, the average active sessions).
type PIDimensionKey struct {
	Dimensions map[string]string
	Total      float64
}

// DimensionKeys returns the GroupBy.Limit keys with the most load over the
// range, most first, with DescribeDimensionKeys (25 keys a call).
func (p *PerformanceInsights) DimensionKeys(ctx context.Context, req PIKeysRequest) ([]PIDimensionKey, error) {
	if req.Metric == "" {
		req.Metric = "db.load.avg"
	}
	if err := checkPIRange(req.ResourceID, req.Start, req.End, req.Period); err != nil {
		return nil, fmt.Errorf("describe dimension keys: %w", err)
	}
	in := describeDimensionKeysRequest{
		ServiceType: "RDS", Identifier: req.ResourceID, StartTime: epoch(req.Start), EndTime: epoch(req.End),
		Metric: req.Metric, PeriodInSeconds: periodSeconds(req.Period), GroupBy: *req.GroupBy.wire(),
		Filter: req.Filter, MaxResults: aws.Int32(maxPIResultsPerPage),
	}
	var keys []PIDimensionKey
	for {
		var out describeDimensionKeysResponse
		if err := p.call(ctx, APIDescribeDimensionKeys, in, &out); err != nil {
			return nil, fmt.Errorf("describe dimension keys of %s: %w", req.ResourceID, err)
		}
		for _, k := range out.Keys {
			keys = append(keys, PIDimensionKey{Dimensions: k.Dimensions, Total: k.Total})
		}
		if aws.ToString(out.NextToken) == "" {
			return keys, nil
		}
		in.NextToken = out.NextToken
	}
}

// TopStatements returns the n SQL digests (db.sql_tokenized: id, db_id and
// the statement's first 500 bytes) with the most database load over
// [start, end), most first.
func (p *PerformanceInsights) TopStatements(ctx context.Context, resourceID string, start, end time.Time, n int) ([]PIDimensionKey, error) {
	return p.DimensionKeys(ctx, PIKeysRequest{
		ResourceID: resourceID, Start: start, End: end,
		GroupBy: PIGroupBy{Group: "db.sql_tokenized", Limit: n},
	})
}

// epoch converts a time to JSON 1.1's epoch seconds.
func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

// fromEpoch converts JSON 1.1's epoch seconds to a time.
func fromEpoch(s float64) time.Time { return time.UnixMilli(int64(s * 1000)).UTC() }

// periodSeconds returns PeriodInSeconds for a period, nil for 0.
func periodSeconds(d time.Duration) *int32 {
	if d == 0 {
		return nil
	}
	return aws.Int32(int32(d / time.Second))
}
