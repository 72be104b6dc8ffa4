package cloudwatch

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

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
	series := make([]model.Series, len(req.Queries))
	for i, q := range req.Queries {
		series[i] = model.Series{Query: q}
	}
	stats, err := c.FetchPoints(ctx, req, func(i int, ts []int64, vs []float64) error {
		s := &series[i]
		if s.Points == nil {
			s.Points = make([]model.Datapoint, 0, len(ts))
		}
		for j, t := range ts {
			s.Points = append(s.Points, model.Datapoint{Timestamp: time.UnixMilli(t).UTC(), Value: vs[j]})
		}
		sortPoints(s.Points)
		return nil
	})
	if err != nil {
		return nil, stats, err
	}
	return series, stats, nil
}

// PointsFunc receives datapoints of a fetch as each response is decoded:
// those of the query req.Queries[query], timestamps (Unix milliseconds)
// and values of equal length, in no particular order across calls. The
// slices are valid only during the call. A fetch calls it from one
// goroutine at a time.
type PointsFunc func(query int, timestamps []int64, values []float64) error

// FetchPoints runs the GetMetricData calls for req as Fetch does, and hands
// the datapoints of each response to fn instead of keeping them: what a
// fetch holds is the responses being decoded, at most parallel at a time.
// An error of fn fails the fetch. When FetchPoints fails, fn may have
// received part of the datapoints: the caller must not take them for the
// whole answer.
func (c *Client) FetchPoints(ctx context.Context, req FetchRequest, fn PointsFunc) (FetchStats, error) {
	if err := req.Window.Validate(); err != nil {
		return FetchStats{}, fmt.Errorf("get metric data: %w", err)
	}
	batches := Batches(req.Queries, req.Window)
	stats := make([]FetchStats, len(batches))
	var mu sync.Mutex
	serial := func(i int, ts []int64, vs []float64) error {
		mu.Lock()
		defer mu.Unlock()
		return fn(i, ts, vs)
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.parallel())
	offset := 0
	for i, batch := range batches {
		first := offset
		offset += len(batch)
		g.Go(func() error {
			var err error
			stats[i], err = c.fetchBatch(gctx, batch, req.Window, req.Caller, func(j int, ts []int64, vs []float64) error {
				return serial(first+j, ts, vs)
			})
			return err
		})
	}
	err := g.Wait()
	var total FetchStats
	for _, s := range stats {
		total.Add(s)
	}
	return total, err
}

// fetchBatch runs one GetMetricData call and its NextToken pages and hands
// the datapoints of each query of batch, by its index in batch, to fn.
func (c *Client) fetchBatch(ctx context.Context, batch []model.MetricQuery, w Window, caller string, fn PointsFunc) (FetchStats, error) {
	in := buildInput(batch, w)
	dec := &pageDecoder{queries: len(batch)}
	defer dec.release()
	var stats FetchStats
	for {
		if err := c.limiter.Wait(ctx); err != nil {
			return stats, fmt.Errorf("get metric data in %s: wait for rate limiter: %w", c.Target().Key(), err)
		}
		// Counted as sent, as the Observer counts it, whatever the answer.
		stats.Calls++
		stats.MetricsRequested += len(in.MetricDataQueries)
		c.observer.MetricsRequested(caller, len(in.MetricDataQueries))
		_, err := c.cw.GetMetricData(ctx, in, dec.option)
		c.observer.Request(APIGetMetricData, err)
		if err != nil {
			return stats, fmt.Errorf("get metric data for %d queries in %s: %w", len(batch), c.Target().Key(), err)
		}
		c.cpu <- struct{}{}
		n, next, err := dec.deliver(fn)
		<-c.cpu
		stats.Datapoints += n
		c.observer.Datapoints(caller, n)
		if err != nil {
			return stats, fmt.Errorf("get metric data in %s: %w", c.Target().Key(), err)
		}
		if next == "" {
			return stats, nil
		}
		in.NextToken = aws.String(next)
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
