package cloudwatch

import (
	"fmt"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// CloudWatch's documented GetMetricData limits.
const (
	// MaxQueriesPerCall is the most MetricDataQuery entries one call takes.
	MaxQueriesPerCall = 500
	// MaxDatapointsPerResponse is the most datapoints one response returns
	// before CloudWatch pages with NextToken.
	MaxDatapointsPerResponse = 100800
)

// Window is a time range [Start, End) fetched at one Period.
type Window struct {
	Start  time.Time
	End    time.Time
	Period time.Duration
}

// Points returns how many period-aligned datapoints a query over w can
// return at most.
func (w Window) Points() int {
	if w.Period <= 0 || !w.End.After(w.Start) {
		return 0
	}
	first := w.Start.Truncate(w.Period)
	if first.Before(w.Start) {
		first = first.Add(w.Period)
	}
	if !first.Before(w.End) {
		return 0
	}
	return int((w.End.Sub(first)-1)/w.Period) + 1
}

// Validate checks that CloudWatch will accept the window.
func (w Window) Validate() error {
	switch {
	case w.Period < time.Minute || w.Period%time.Minute != 0:
		return fmt.Errorf("period %s is not a positive multiple of 60s", w.Period)
	case !w.End.After(w.Start):
		return fmt.Errorf("window start %s is not before end %s", w.Start.Format(time.RFC3339), w.End.Format(time.RFC3339))
	}
	return nil
}

// QueriesPerCall returns how many queries over w one GetMetricData call
// should carry so that its response stays within MaxDatapointsPerResponse
// (no NextToken page needed) and within MaxQueriesPerCall. It is at least 1:
// a single query longer than the datapoint limit is paged with NextToken.
func QueriesPerCall(w Window) int {
	p := w.Points()
	if p <= 0 {
		return MaxQueriesPerCall
	}
	return max(1, min(MaxQueriesPerCall, MaxDatapointsPerResponse/p))
}

// Batches splits queries into the batches of GetMetricData calls for w, in
// order. The number of batches is ceil(len(queries)/QueriesPerCall(w)).
func Batches(queries []model.MetricQuery, w Window) [][]model.MetricQuery {
	n := QueriesPerCall(w)
	batches := make([][]model.MetricQuery, 0, (len(queries)+n-1)/n)
	for len(queries) > 0 {
		k := min(n, len(queries))
		batches = append(batches, queries[:k:k])
		queries = queries[k:]
	}
	return batches
}

// queryID is the MetricDataQuery Id of the i-th query of a batch. CloudWatch
// wants ^[a-z][a-zA-Z0-9_]*$.
func queryID(i int) string { return fmt.Sprintf("q%d", i) }
