package cloudwatch

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"golang.org/x/sync/errgroup"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// GetMetricDataAPI is the one method of *cloudwatch.Client the fetcher uses.
type GetMetricDataAPI interface {
	GetMetricData(ctx context.Context, in *cw.GetMetricDataInput, optFns ...func(*cw.Options)) (*cw.GetMetricDataOutput, error)
}

// FetchRequest asks for a set of queries over one window.
type FetchRequest struct {
	Queries []model.MetricQuery
	Window  Window
	// Caller names who pays for the request ("live", "backfill") in the
	// Observer's counts.
	Caller string
}

// FetchStats says what a fetch cost.
type FetchStats struct {
	// Calls is the number of GetMetricData requests, NextToken pages
	// included.
	Calls int
	// MetricsRequested is the sum of queries over all requests: the unit
	// GetMetricData is billed on.
	MetricsRequested int
	// Datapoints is the number of datapoints received.
	Datapoints int
}

// Add adds o to s.
func (s *FetchStats) Add(o FetchStats) {
	s.Calls += o.Calls
	s.MetricsRequested += o.MetricsRequested
	s.Datapoints += o.Datapoints
}

// Fetch runs the GetMetricData calls for req, at most parallel at a time,
// each waiting for the client's rate limiter. It returns one Series per query
// (in the order of req.Queries), datapoints ascending. Any failed call fails
// the whole fetch: a partial answer is never passed off as complete.
func (c *Client) Fetch(ctx context.Context, req FetchRequest) ([]model.Series, FetchStats, error) {
	if err := req.Window.Validate(); err != nil {
		return nil, FetchStats{}, fmt.Errorf("get metric data: %w", err)
	}
	batches := Batches(req.Queries, req.Window)
	series := make([]model.Series, len(req.Queries))
	stats := make([]FetchStats, len(batches))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.parallel())
	offset := 0
	for i, batch := range batches {
		out := series[offset : offset+len(batch)]
		offset += len(batch)
		g.Go(func() error {
			var err error
			stats[i], err = c.fetchBatch(gctx, batch, req, out)
			return err
		})
	}
	err := g.Wait()
	var total FetchStats
	for _, s := range stats {
		total.Add(s)
	}
	if err != nil {
		return nil, total, err
	}
	return series, total, nil
}

// fetchBatch runs one GetMetricData call and its NextToken pages and fills
// out, which has one element per query of batch.
func (c *Client) fetchBatch(ctx context.Context, batch []model.MetricQuery, req FetchRequest, out []model.Series) (FetchStats, error) {
	in := buildInput(batch, req.Window)
	var stats FetchStats
	for i, q := range batch {
		out[i] = model.Series{Query: q}
	}
	for {
		if err := c.limiter.Wait(ctx); err != nil {
			return stats, fmt.Errorf("get metric data in %s: wait for rate limiter: %w", c.Target().Key(), err)
		}
		// Counted as sent, as the Observer counts it, whatever the answer.
		stats.Calls++
		stats.MetricsRequested += len(in.MetricDataQueries)
		c.observer.MetricsRequested(req.Caller, len(in.MetricDataQueries))
		page, err := c.cw.GetMetricData(ctx, in)
		c.observer.Request(APIGetMetricData, err)
		if err != nil {
			return stats, fmt.Errorf("get metric data for %d queries in %s: %w", len(batch), c.Target().Key(), err)
		}
		n, err := appendResults(out, page.MetricDataResults)
		stats.Datapoints += n
		c.observer.Datapoints(req.Caller, n)
		if err != nil {
			return stats, fmt.Errorf("get metric data in %s: %w", c.Target().Key(), err)
		}
		if page.NextToken == nil || *page.NextToken == "" {
			return stats, nil
		}
		in.NextToken = page.NextToken
	}
}

func buildInput(batch []model.MetricQuery, w Window) *cw.GetMetricDataInput {
	queries := make([]types.MetricDataQuery, len(batch))
	period := int32(w.Period.Seconds())
	for i, q := range batch {
		queries[i] = types.MetricDataQuery{
			Id: aws.String(queryID(i)),
			MetricStat: &types.MetricStat{
				Metric: &types.Metric{
					Namespace:  aws.String(catalog.Namespace),
					MetricName: aws.String(q.Metric),
					Dimensions: dimensions(q.Resource),
				},
				Period: aws.Int32(period),
				Stat:   aws.String(q.Statistic),
			},
			ReturnData: aws.Bool(true),
		}
	}
	return &cw.GetMetricDataInput{
		StartTime:         aws.Time(w.Start),
		EndTime:           aws.Time(w.End),
		MetricDataQueries: queries,
		ScanBy:            types.ScanByTimestampAscending,
	}
}

// dimensions returns the CloudWatch dimensions of a resource's series.
func dimensions(r model.Resource) []types.Dimension {
	ds := r.Dimensions()
	out := make([]types.Dimension, len(ds))
	for i, d := range ds {
		out[i] = types.Dimension{Name: aws.String(d.Name), Value: aws.String(d.Value)}
	}
	return out
}

// appendResults adds the datapoints of one response to out and returns how
// many it added. Results are matched by Id; datapoints are kept ascending.
func appendResults(out []model.Series, results []types.MetricDataResult) (int, error) {
	n := 0
	for _, r := range results {
		i, err := parseQueryID(aws.ToString(r.Id), len(out))
		if err != nil {
			return n, err
		}
		if len(r.Timestamps) != len(r.Values) {
			return n, fmt.Errorf("result %s has %d timestamps but %d values", aws.ToString(r.Id), len(r.Timestamps), len(r.Values))
		}
		if r.StatusCode == types.StatusCodeForbidden || r.StatusCode == types.StatusCodeInternalError {
			return n, fmt.Errorf("result %s: status %s: %s", aws.ToString(r.Id), r.StatusCode, messages(r.Messages))
		}
		s := &out[i]
		if s.Points == nil && len(r.Timestamps) > 0 {
			s.Points = make([]model.Datapoint, 0, len(r.Timestamps))
		}
		for j, ts := range r.Timestamps {
			s.Points = append(s.Points, model.Datapoint{Timestamp: ts.UTC(), Value: r.Values[j]})
		}
		n += len(r.Timestamps)
		sortPoints(s.Points)
	}
	return n, nil
}

func parseQueryID(id string, n int) (int, error) {
	i, err := strconv.Atoi(strings.TrimPrefix(id, "q"))
	if err != nil || !strings.HasPrefix(id, "q") || i < 0 || i >= n {
		return 0, fmt.Errorf("unexpected result id %q", id)
	}
	return i, nil
}

func sortPoints(p []model.Datapoint) {
	if slices.IsSortedFunc(p, cmpPoint) {
		return
	}
	slices.SortFunc(p, cmpPoint)
}

func cmpPoint(a, b model.Datapoint) int { return a.Timestamp.Compare(b.Timestamp) }

func messages(ms []types.MessageData) string {
	parts := make([]string, 0, len(ms))
	for _, m := range ms {
		parts = append(parts, aws.ToString(m.Code)+": "+aws.ToString(m.Value))
	}
	return strings.Join(parts, "; ")
}
