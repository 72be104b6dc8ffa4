package cloudwatch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
	"golang.org/x/time/rate"
)

// OSMetricsLogGroup is the log group Enhanced Monitoring writes to, one
// stream per instance named by its DbiResourceId.
const OSMetricsLogGroup = "RDSOSMetrics"

// CloudWatch Logs' page limits.
const (
	maxLogEventsPerPage  = 10000
	maxFilterStreamNames = 100
	maxLogStreamsPerPage = 50
)

// ErrNoStream means that RDSOSMetrics has no stream for the instance:
// Enhanced Monitoring is off, or has never published for it, or the
// credentials cannot see the group.
var ErrNoStream = errors.New("no Enhanced Monitoring log stream")

// LogsAPI is the part of *cloudwatchlogs.Client the Enhanced Monitoring
// reader uses.
type LogsAPI interface {
	GetLogEvents(ctx context.Context, in *cloudwatchlogs.GetLogEventsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.GetLogEventsOutput, error)
	FilterLogEvents(ctx context.Context, in *cloudwatchlogs.FilterLogEventsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.FilterLogEventsOutput, error)
	DescribeLogStreams(ctx context.Context, in *cloudwatchlogs.DescribeLogStreamsInput, optFns ...func(*cloudwatchlogs.Options)) (*cloudwatchlogs.DescribeLogStreamsOutput, error)
}

// EnhancedMonitoring reads the Enhanced Monitoring events of one account and
// region from CloudWatch Logs. It is safe for concurrent use; every call
// waits for the limiter.
type EnhancedMonitoring struct {
	logs    LogsAPI
	limiter *rate.Limiter
	obs     SourceObserver
}

// NewEnhancedMonitoring returns a reader over a CloudWatch Logs client built
// from cfg (as config.LoadDefaultConfig loads it, so the user's region,
// credentials, endpoints and retry settings apply). The client's HTTP
// client is wrapped to count the bytes it reads.
func NewEnhancedMonitoring(cfg aws.Config, o SourceOptions) *EnhancedMonitoring {
	obs := o.observer()
	logs := cloudwatchlogs.NewFromConfig(cfg, func(lo *cloudwatchlogs.Options) {
		if o.MaxAttempts > 0 {
			lo.RetryMaxAttempts = o.MaxAttempts
		}
		lo.HTTPClient = countBytes(lo.HTTPClient, obs)
	})
	return NewEnhancedMonitoringFrom(logs, o)
}

// NewEnhancedMonitoringFrom returns a reader over logs.
func NewEnhancedMonitoringFrom(logs LogsAPI, o SourceOptions) *EnhancedMonitoring {
	return &EnhancedMonitoring{logs: logs, limiter: o.limiter(), obs: o.observer()}
}

// ReadStats says what a read cost and found.
type ReadStats struct {
	Calls  int // API calls, pages
	Events int // events passed to the callback
}

// observe returns the per-call option that tells the observer about the
// throttled attempts of the call.
func (r *EnhancedMonitoring) observe(api string) func(*cloudwatchlogs.Options) {
	return func(o *cloudwatchlogs.Options) {
		o.Retryer = &observingRetryer{RetryerV2: asRetryerV2(o.Retryer), api: api, obs: r.obs}
	}
}

// wait waits for the limiter before a call of api.
func (r *EnhancedMonitoring) wait(ctx context.Context, api string) error {
	if err := r.limiter.Wait(ctx); err != nil {
		return fmt.Errorf("%s: wait for rate limiter: %w", api, err)
	}
	return nil
}

// ReadRange calls fn with every event of the instance's stream (named by
// its DbiResourceId) taken in [start, end), oldest first. It reads
// GetLogEvents pages forward from start (up to 10,000 events or 1 MB
// each) and follows nextForwardToken until the token repeats, which is how
// the API says the end is reached: the fewest calls the API allows, full
// pages plus one. One page is in memory at a time, so a range of any
// length reads in bounded memory. An error of fn stops the read and is
// returned; a stream that does not exist is ErrNoStream.
func (r *EnhancedMonitoring) ReadRange(ctx context.Context, resourceID string, start, end time.Time, fn func(OSEvent) error) (ReadStats, error) {
	in := &cloudwatchlogs.GetLogEventsInput{
		LogGroupName:  aws.String(OSMetricsLogGroup),
		LogStreamName: aws.String(resourceID),
		StartTime:     aws.Int64(start.UnixMilli()),
		EndTime:       aws.Int64(end.UnixMilli()),
		StartFromHead: aws.Bool(true),
	}
	var st ReadStats
	for {
		out, err := r.getLogEvents(ctx, in)
		st.Calls++
		if err != nil {
			return st, err
		}
		for _, e := range out.Events {
			ev, err := parseEvent(resourceID, aws.ToInt64(e.Timestamp), aws.ToString(e.Message))
			if err != nil {
				return st, err
			}
			if err := fn(ev); err != nil {
				return st, err
			}
			st.Events++
		}
		next := aws.ToString(out.NextForwardToken)
		if next == "" || next == aws.ToString(in.NextToken) {
			return st, nil
		}
		in.NextToken = out.NextForwardToken
	}
}

// Latest returns the instance's n newest events (at most 10,000) taken at
// or after since, oldest first, in one call: for live use.
func (r *EnhancedMonitoring) Latest(ctx context.Context, resourceID string, since time.Time, n int) ([]OSEvent, error) {
	out, err := r.getLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{
		LogGroupName:  aws.String(OSMetricsLogGroup),
		LogStreamName: aws.String(resourceID),
		StartTime:     aws.Int64(since.UnixMilli()),
		StartFromHead: aws.Bool(false),
		Limit:         aws.Int32(int32(min(max(n, 1), maxLogEventsPerPage))),
	})
	if err != nil {
		return nil, err
	}
	events := make([]OSEvent, 0, len(out.Events))
	for _, e := range out.Events {
		ev, err := parseEvent(resourceID, aws.ToInt64(e.Timestamp), aws.ToString(e.Message))
		if err != nil {
			return nil, err
		}
		events = append(events, ev)
	}
	return events, nil
}

// getLogEvents makes one GetLogEvents call.
func (r *EnhancedMonitoring) getLogEvents(ctx context.Context, in *cloudwatchlogs.GetLogEventsInput) (*cloudwatchlogs.GetLogEventsOutput, error) {
	stream := aws.ToString(in.LogStreamName)
	if err := r.wait(ctx, APIGetLogEvents); err != nil {
		return nil, err
	}
	out, err := r.logs.GetLogEvents(ctx, in, r.observe(APIGetLogEvents))
	r.obs.Request(APIGetLogEvents, err)
	var missing *logstypes.ResourceNotFoundException
	switch {
	case errors.As(err, &missing):
		return nil, fmt.Errorf("get log events of %s: %w: %w", stream, ErrNoStream, err)
	case err != nil:
		return nil, fmt.Errorf("get log events of %s: %w", stream, err)
	}
	return out, nil
}

// ReadFleet calls fn with every event of the instances' streams taken in
// [start, end), in time order across streams, with FilterLogEvents: one
// call per page for up to 100 streams, so that a fleet's newest events
// come in a few calls. Streams that do not exist have no events.
func (r *EnhancedMonitoring) ReadFleet(ctx context.Context, resourceIDs []string, start, end time.Time, fn func(resourceID string, ev OSEvent) error) (ReadStats, error) {
	var st ReadStats
	for i := 0; i < len(resourceIDs); i += maxFilterStreamNames {
		batch := resourceIDs[i:min(i+maxFilterStreamNames, len(resourceIDs))]
		s, err := r.filter(ctx, batch, start, end, fn)
		st.Calls, st.Events = st.Calls+s.Calls, st.Events+s.Events
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// filter pages FilterLogEvents over up to 100 streams.
func (r *EnhancedMonitoring) filter(ctx context.Context, streams []string, start, end time.Time, fn func(string, OSEvent) error) (ReadStats, error) {
	in := &cloudwatchlogs.FilterLogEventsInput{
		LogGroupName:   aws.String(OSMetricsLogGroup),
		LogStreamNames: streams,
		StartTime:      aws.Int64(start.UnixMilli()),
		EndTime:        aws.Int64(end.UnixMilli() - 1), // FilterLogEvents' end is inclusive
	}
	var st ReadStats
	for {
		if err := r.wait(ctx, APIFilterLogEvents); err != nil {
			return st, err
		}
		out, err := r.logs.FilterLogEvents(ctx, in, r.observe(APIFilterLogEvents))
		r.obs.Request(APIFilterLogEvents, err)
		st.Calls++
		if err != nil {
			return st, fmt.Errorf("filter log events of %d streams: %w", len(streams), err)
		}
		for _, e := range out.Events {
			id := aws.ToString(e.LogStreamName)
			ev, err := parseEvent(id, aws.ToInt64(e.Timestamp), aws.ToString(e.Message))
			if err != nil {
				return st, err
			}
			if err := fn(id, ev); err != nil {
				return st, err
			}
			st.Events++
		}
		if aws.ToString(out.NextToken) == "" {
			return st, nil
		}
		in.NextToken = out.NextToken
	}
}

// LogStream is an Enhanced Monitoring stream: an instance's DbiResourceId
// and the times of its first and last events (zero when it has none).
type LogStream struct {
	ResourceID string
	FirstEvent time.Time
	LastEvent  time.Time
}

// Streams lists the streams of RDSOSMetrics with DescribeLogStreams, 50 a
// call.
func (r *EnhancedMonitoring) Streams(ctx context.Context) ([]LogStream, error) {
	in := &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String(OSMetricsLogGroup), Limit: aws.Int32(maxLogStreamsPerPage)}
	var out []LogStream
	for {
		if err := r.wait(ctx, APIDescribeLogStreams); err != nil {
			return nil, err
		}
		page, err := r.logs.DescribeLogStreams(ctx, in, r.observe(APIDescribeLogStreams))
		r.obs.Request(APIDescribeLogStreams, err)
		if err != nil {
			return nil, fmt.Errorf("describe log streams of %s: %w", OSMetricsLogGroup, err)
		}
		for _, s := range page.LogStreams {
			out = append(out, LogStream{ResourceID: aws.ToString(s.LogStreamName), FirstEvent: msTime(s.FirstEventTimestamp), LastEvent: msTime(s.LastEventTimestamp)})
		}
		if aws.ToString(page.NextToken) == "" {
			return out, nil
		}
		in.NextToken = page.NextToken
	}
}

// msTime converts optional milliseconds to a time, zero when absent.
func msTime(ms *int64) time.Time {
	if ms == nil {
		return time.Time{}
	}
	return time.UnixMilli(*ms).UTC()
}
