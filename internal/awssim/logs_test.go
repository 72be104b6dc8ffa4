package awssim

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	logstypes "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"
)

// logsClient returns a CloudWatch Logs client for the simulator.
func logsClient(t testing.TB, s *Server, extra ...func(*config.LoadOptions) error) *cloudwatchlogs.Client {
	return cloudwatchlogs.NewFromConfig(awsConfig(t, s, extra...))
}

// emInstance returns the first instance with the given monitoring
// interval.
func emInstance(t testing.TB, s *Server, interval int32) Instance {
	t.Helper()
	return findInstance(t, s, fmt.Sprintf("with MonitoringInterval %d", interval), func(in Instance) bool { return in.MonitoringInterval == interval })
}

// readForward follows nextForwardToken from the start of [from, to) until
// it repeats, as the API reference says to, and returns the events and the
// number of calls.
func readForward(t *testing.T, c *cloudwatchlogs.Client, stream string, from, to time.Time, limit *int32) ([]logstypes.OutputLogEvent, int) {
	t.Helper()
	in := &cloudwatchlogs.GetLogEventsInput{
		LogGroupName: aws.String("RDSOSMetrics"), LogStreamName: aws.String(stream),
		StartTime: aws.Int64(from.UnixMilli()), EndTime: aws.Int64(to.UnixMilli()), StartFromHead: aws.Bool(true), Limit: limit,
	}
	var events []logstypes.OutputLogEvent
	for calls := 1; ; calls++ {
		out, err := c.GetLogEvents(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if limit != nil && len(out.Events) > int(*limit) {
			t.Fatalf("page of %d events, limit %d", len(out.Events), *limit)
		}
		if size := pageBytes(out.Events); size > maxLogBytes {
			t.Fatalf("page of %d bytes", size)
		}
		events = append(events, out.Events...)
		if in.NextToken != nil && aws.ToString(out.NextForwardToken) == *in.NextToken {
			if len(out.Events) != 0 {
				t.Fatalf("the repeated token came with %d events", len(out.Events))
			}
			return events, calls
		}
		in.NextToken = out.NextForwardToken
	}
}

// pageBytes is what a page's events count towards the megabyte.
func pageBytes(events []logstypes.OutputLogEvent) int {
	n := 0
	for _, e := range events {
		n += len(aws.ToString(e.Message)) + logEventOverhead
	}
	return n
}

// checkEvents checks that events are exactly the simulator's events at
// want, each with the message OSMetrics says.
func checkEvents(t *testing.T, s *Server, in Instance, events []logstypes.OutputLogEvent, want []time.Time) {
	t.Helper()
	if len(events) != len(want) {
		t.Fatalf("%d events, want %d", len(events), len(want))
	}
	for i, e := range events {
		if ts := time.UnixMilli(aws.ToInt64(e.Timestamp)).UTC(); !ts.Equal(want[i]) {
			t.Fatalf("event %d at %v, want %v", i, ts, want[i])
		}
		m, ok := s.OSMetrics(in.ARN, want[i])
		if !ok {
			t.Fatalf("OSMetrics has no event at %v", want[i])
		}
		if aws.ToString(e.Message) != m.Message() {
			t.Fatalf("event %d: message differs from OSMetrics", i)
		}
		if aws.ToInt64(e.IngestionTime) <= aws.ToInt64(e.Timestamp) {
			t.Fatalf("event %d ingested at %d, before it was taken", i, aws.ToInt64(e.IngestionTime))
		}
	}
}

func TestGetLogEventsForwardPages(t *testing.T) {
	s := startSim(t, Options{Instances: 8})
	c := logsClient(t, s)
	tests := []struct {
		name     string
		interval int32
		span     time.Duration
		limit    *int32
	}{
		{"1s instance, 2h, 1 MB pages", 1, 2 * time.Hour, nil},
		{"60s instance, 3 days", 60, 72 * time.Hour, nil},
		{"5s instance, limit 100", 5, time.Hour, aws.Int32(100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := emInstance(t, s, tt.interval)
			to := testNow.Truncate(time.Minute)
			from := to.Add(-tt.span)
			want := s.OSEventTimes(in.ARN, from, to)
			if len(want) == 0 {
				t.Fatal("no events in range")
			}
			s.ResetCounters()
			events, calls := readForward(t, c, in.ResourceID, from, to, tt.limit)
			checkEvents(t, s, in, events, want)
			// Full pages: by size (1 MB) or by limit; one more call to see
			// the token repeat.
			pages := (pageBytesOf(s, in, want) + maxLogBytes - 1) / maxLogBytes
			if tt.limit != nil {
				pages = (len(want) + int(*tt.limit) - 1) / int(*tt.limit)
			}
			if calls > pages+2 || calls < pages+1 {
				t.Errorf("%d calls for %d events, want about %d pages + 1", calls, len(want), pages)
			}
			if got := s.Counters().Requests[opGetLogEvents]; got != int64(calls) {
				t.Errorf("counter says %d GetLogEvents, the test made %d", got, calls)
			}
		})
	}
}

// pageBytesOf is what the events at times count towards pages.
func pageBytesOf(s *Server, in Instance, times []time.Time) int {
	n := 0
	for _, ts := range times {
		m, _ := s.OSMetrics(in.ARN, ts)
		n += len(m.Message()) + logEventOverhead
	}
	return n
}

func TestGetLogEventsNewestAndBackward(t *testing.T) {
	s := startSim(t, Options{Instances: 4})
	c := logsClient(t, s)
	in := emInstance(t, s, 60)
	ctx := context.Background()
	get := func(token *string, head bool) *cloudwatchlogs.GetLogEventsOutput {
		out, err := c.GetLogEvents(ctx, &cloudwatchlogs.GetLogEventsInput{
			LogGroupName: aws.String("RDSOSMetrics"), LogStreamName: aws.String(in.ResourceID),
			StartTime: aws.Int64(testNow.Add(-time.Hour).UnixMilli()), Limit: aws.Int32(25), NextToken: token, StartFromHead: aws.Bool(head),
		})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	all := s.OSEventTimes(in.ARN, testNow.Add(-time.Hour), testNow.Add(time.Minute))
	newest := get(nil, false)
	checkEvents(t, s, in, newest.Events, all[len(all)-25:])
	older := get(newest.NextBackwardToken, false)
	checkEvents(t, s, in, older.Events, all[len(all)-50:len(all)-25])
	// Nothing is newer than the newest page: its forward token repeats.
	tail := get(newest.NextForwardToken, true)
	if len(tail.Events) != 0 || aws.ToString(tail.NextForwardToken) != aws.ToString(newest.NextForwardToken) {
		t.Errorf("after the newest page: %d events, token %q, want none and the same token", len(tail.Events), aws.ToString(tail.NextForwardToken))
	}
	// Going back to the start of the range ends with the same token too.
	tok := older.NextBackwardToken
	for range 5 {
		out := get(tok, false)
		if aws.ToString(out.NextBackwardToken) == aws.ToString(tok) {
			if len(out.Events) != 0 {
				t.Fatalf("the repeated token came with %d events", len(out.Events))
			}
			return
		}
		tok = out.NextBackwardToken
	}
	t.Fatal("the backward token never repeated")
}

func TestGetLogEventsRetentionAndGaps(t *testing.T) {
	const retention = 10 * 24 * time.Hour
	s := startSim(t, Options{Instances: 10, LogRetentionDays: 10})
	var gappy Instance
	var gaps []time.Time
	for _, in := range s.Instances() {
		if in.HasGaps && in.EnhancedMonitoring() && len(gaps) == 0 {
			gappy, gaps = in, s.Gaps(in.ARN, testNow.Add(-retention), testNow.Add(-time.Hour))
		}
	}
	if len(gaps) == 0 {
		t.Fatal("no instance with Enhanced Monitoring has a stopped hour in 10 days")
	}
	times := s.OSEventTimes(gappy.ARN, testNow.Add(-2*retention), testNow.Add(time.Hour))
	if first := times[0]; first.Before(testNow.Add(-retention)) {
		t.Errorf("first event at %v, older than the 10 days of retention", first)
	}
	if last := times[len(times)-1]; !last.Before(testNow) {
		t.Errorf("last event at %v, not before now %v", last, testNow)
	}
	for _, h := range gaps {
		if n := len(s.OSEventTimes(gappy.ARN, h, h.Add(time.Hour))); n != 0 {
			t.Errorf("%d events in the stopped hour %v", n, h)
		}
		if _, ok := s.OSMetrics(gappy.ARN, h.Add(time.Duration(gappy.MonitoringInterval)*time.Second)); ok {
			t.Errorf("OSMetrics has an event in the stopped hour %v", h)
		}
	}
	from, to := gaps[0].Add(-time.Hour), gaps[0].Add(2*time.Hour)
	events, _ := readForward(t, logsClient(t, s), gappy.ResourceID, from, to, nil)
	checkEvents(t, s, gappy, events, s.OSEventTimes(gappy.ARN, from, to))
	if len(events) == 0 {
		t.Error("no events around the stopped hour")
	}
}

func TestLogsErrors(t *testing.T) {
	s := startSim(t, Options{Instances: 8})
	c := logsClient(t, s, noRetries())
	on, other := emInstance(t, s, 60), emInstance(t, s, 1)
	var off Instance
	for _, in := range s.Instances() {
		if !in.EnhancedMonitoring() {
			off = in
		}
	}
	otherTok := func() *string {
		out, err := c.GetLogEvents(context.Background(), &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("RDSOSMetrics"), LogStreamName: aws.String(other.ResourceID), Limit: aws.Int32(1)})
		if err != nil {
			t.Fatal(err)
		}
		return out.NextBackwardToken
	}()
	tests := []struct {
		name string
		in   cloudwatchlogs.GetLogEventsInput
		code string
	}{
		{"instance without Enhanced Monitoring", cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("RDSOSMetrics"), LogStreamName: aws.String(off.ResourceID)}, "ResourceNotFoundException"},
		{"unknown group", cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("other"), LogStreamName: aws.String(on.ResourceID)}, "ResourceNotFoundException"},
		{"name and identifier", cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("RDSOSMetrics"), LogGroupIdentifier: aws.String("RDSOSMetrics"), LogStreamName: aws.String(on.ResourceID)}, "InvalidParameterException"},
		{"limit 0", cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("RDSOSMetrics"), LogStreamName: aws.String(on.ResourceID), Limit: aws.Int32(0)}, "InvalidParameterException"},
		{"limit 10001", cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("RDSOSMetrics"), LogStreamName: aws.String(on.ResourceID), Limit: aws.Int32(10001)}, "InvalidParameterException"},
		{"garbage token", cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("RDSOSMetrics"), LogStreamName: aws.String(on.ResourceID), NextToken: aws.String("f/123/s")}, "InvalidParameterException"},
		{"another stream's token", cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("RDSOSMetrics"), LogStreamName: aws.String(on.ResourceID), NextToken: otherTok}, "InvalidParameterException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.GetLogEvents(context.Background(), &tt.in)
			if got := errorCode(err); got != tt.code {
				t.Errorf("error %v, want code %s", err, tt.code)
			}
		})
	}
	// The group's ARN works as its identifier.
	arn := "arn:aws:logs:" + s.Region() + ":" + s.AccountID() + ":log-group:RDSOSMetrics:*"
	if _, err := c.GetLogEvents(context.Background(), &cloudwatchlogs.GetLogEventsInput{LogGroupIdentifier: aws.String(arn), LogStreamName: aws.String(on.ResourceID), Limit: aws.Int32(1)}); err != nil {
		t.Errorf("by ARN: %v", err)
	}
}

// filterAll pages FilterLogEvents to the end and returns the events and
// the number of calls.
func filterAll(t *testing.T, c *cloudwatchlogs.Client, in cloudwatchlogs.FilterLogEventsInput) ([]logstypes.FilteredLogEvent, int) {
	t.Helper()
	var events []logstypes.FilteredLogEvent
	for calls := 1; ; calls++ {
		out, err := c.FilterLogEvents(context.Background(), &in)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, out.Events...)
		if out.NextToken == nil {
			return events, calls
		}
		in.NextToken = out.NextToken
	}
}

func TestFilterLogEventsInterleavesStreams(t *testing.T) {
	s := startSim(t, Options{Instances: 8})
	c := logsClient(t, s)
	from, to := testNow.Add(-20*time.Minute), testNow.Add(-10*time.Minute)
	var names []string
	want := map[string][]time.Time{}
	for _, in := range s.Instances() {
		if in.EnhancedMonitoring() && in.MonitoringInterval >= 5 {
			names = append(names, in.ResourceID)
			want[in.ResourceID] = s.OSEventTimes(in.ARN, from, to.Add(time.Millisecond))
		}
	}
	for _, head := range []bool{true, false} {
		events, calls := filterAll(t, c, cloudwatchlogs.FilterLogEventsInput{
			LogGroupName: aws.String("RDSOSMetrics"), LogStreamNames: names, StartTime: aws.Int64(from.UnixMilli()),
			EndTime: aws.Int64(to.UnixMilli()), Limit: aws.Int32(50), StartFromHead: aws.Bool(head),
		})
		got := map[string][]time.Time{}
		for i, e := range events {
			got[aws.ToString(e.LogStreamName)] = append(got[aws.ToString(e.LogStreamName)], time.UnixMilli(aws.ToInt64(e.Timestamp)).UTC())
			if i > 0 {
				prev, cur := aws.ToInt64(events[i-1].Timestamp), aws.ToInt64(e.Timestamp)
				if (head && prev > cur) || (!head && prev < cur) {
					t.Fatalf("startFromHead %v: event %d at %d after %d", head, i, cur, prev)
				}
			}
		}
		total := 0
		for name, w := range want {
			if !head {
				slices.Reverse(got[name])
			}
			if !slices.Equal(got[name], w) {
				t.Errorf("startFromHead %v: stream %s has %d events, want %d", head, name, len(got[name]), len(w))
			}
			total += len(w)
		}
		if wantCalls := (total + 49) / 50; calls != wantCalls {
			t.Errorf("startFromHead %v: %d calls for %d events in pages of 50, want %d", head, calls, total, wantCalls)
		}
	}
}

func TestFilterLogEventsPatternsAndErrors(t *testing.T) {
	s := startSim(t, Options{Instances: 8})
	c := logsClient(t, s, noRetries())
	from := testNow.Add(-10 * time.Minute)
	base := cloudwatchlogs.FilterLogEventsInput{LogGroupName: aws.String("RDSOSMetrics"), StartTime: aws.Int64(from.UnixMilli())}
	with := func(f func(*cloudwatchlogs.FilterLogEventsInput)) cloudwatchlogs.FilterLogEventsInput {
		in := base
		f(&in)
		return in
	}
	all, _ := filterAll(t, c, base)
	aurora, _ := filterAll(t, c, with(func(in *cloudwatchlogs.FilterLogEventsInput) { in.FilterPattern = aws.String(`"aurora-postgresql"`) }))
	notAurora, _ := filterAll(t, c, with(func(in *cloudwatchlogs.FilterLogEventsInput) { in.FilterPattern = aws.String(`-aurora-postgresql`) }))
	if len(aurora) == 0 || len(notAurora) == 0 || len(aurora)+len(notAurora) != len(all) {
		t.Errorf("%d events match aurora-postgresql and %d don't, of %d", len(aurora), len(notAurora), len(all))
	}
	for _, e := range aurora {
		if !strings.Contains(aws.ToString(e.Message), `"engine":"aurora-postgresql"`) {
			t.Fatalf("%s matched but is not Aurora", aws.ToString(e.LogStreamName))
		}
	}
	prefix, _ := filterAll(t, c, with(func(in *cloudwatchlogs.FilterLogEventsInput) {
		in.LogStreamNamePrefix = aws.String(aws.ToString(all[0].LogStreamName)[:6])
	}))
	for _, e := range prefix {
		if !strings.HasPrefix(aws.ToString(e.LogStreamName), aws.ToString(all[0].LogStreamName)[:6]) {
			t.Fatalf("stream %s does not have the prefix", aws.ToString(e.LogStreamName))
		}
	}
	for _, tt := range []struct {
		name string
		in   cloudwatchlogs.FilterLogEventsInput
	}{
		{"names and prefix", with(func(in *cloudwatchlogs.FilterLogEventsInput) {
			in.LogStreamNames, in.LogStreamNamePrefix = []string{"a"}, aws.String("a")
		})},
		{"JSON pattern", with(func(in *cloudwatchlogs.FilterLogEventsInput) { in.FilterPattern = aws.String(`{ $.engine = "x" }`) })},
		{"descending before 2024", with(func(in *cloudwatchlogs.FilterLogEventsInput) {
			in.StartTime, in.StartFromHead = aws.Int64(time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC).UnixMilli()), aws.Bool(false)
		})},
		{"token of another request", with(func(in *cloudwatchlogs.FilterLogEventsInput) {
			in.NextToken = (filterToken{pos: fleetPos{t: 1, forward: true}, fp: 42}).StringPtr()
		})},
	} {
		if _, err := c.FilterLogEvents(context.Background(), &tt.in); errorCode(err) != "InvalidParameterException" {
			t.Errorf("%s: error %v, want InvalidParameterException", tt.name, err)
		}
	}
}

// StringPtr returns the token's text.
func (t filterToken) StringPtr() *string { s := t.String(); return &s }

func TestDescribeLogStreams(t *testing.T) {
	s := startSim(t, Options{Instances: 12})
	c := logsClient(t, s, noRetries())
	var want []string
	for _, in := range s.Instances() {
		if in.EnhancedMonitoring() {
			want = append(want, in.ResourceID)
		}
	}
	slices.Sort(want)
	var got []logstypes.LogStream
	p := cloudwatchlogs.NewDescribeLogStreamsPaginator(c, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: aws.String("RDSOSMetrics"), Limit: aws.Int32(2)})
	pages := 0
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, out.LogStreams...)
		pages++
	}
	if pages != (len(want)+1)/2 {
		t.Errorf("%d pages of 2 for %d streams", pages, len(want))
	}
	var names []string
	for _, st := range got {
		names = append(names, aws.ToString(st.LogStreamName))
		in := instanceByResource(t, s, aws.ToString(st.LogStreamName))
		times := s.OSEventTimes(in.ARN, testNow.Add(-40*24*time.Hour), testNow.Add(time.Hour))
		if aws.ToInt64(st.FirstEventTimestamp) != times[0].UnixMilli() || aws.ToInt64(st.LastEventTimestamp) != times[len(times)-1].UnixMilli() {
			t.Errorf("%s: events %d..%d, want %v..%v", in.ID, aws.ToInt64(st.FirstEventTimestamp), aws.ToInt64(st.LastEventTimestamp), times[0], times[len(times)-1])
		}
		if aws.ToString(st.Arn) != in.EnhancedMonitoringResourceArn {
			t.Errorf("%s: ARN %s, DescribeDBInstances says %s", in.ID, aws.ToString(st.Arn), in.EnhancedMonitoringResourceArn)
		}
	}
	if !slices.Equal(names, want) {
		t.Errorf("streams %v, want %v", names, want)
	}
	_, err := c.DescribeLogStreams(context.Background(), &cloudwatchlogs.DescribeLogStreamsInput{
		LogGroupName: aws.String("RDSOSMetrics"), OrderBy: logstypes.OrderByLastEventTime, LogStreamNamePrefix: aws.String("db-"),
	})
	if errorCode(err) != "InvalidParameterException" {
		t.Errorf("LastEventTime with a prefix: %v, want InvalidParameterException", err)
	}
}

// instanceByResource returns the instance with the DbiResourceId.
func instanceByResource(t *testing.T, s *Server, id string) Instance {
	t.Helper()
	return findInstance(t, s, id, func(in Instance) bool { return in.ResourceID == id })
}

func TestLogsThrottling(t *testing.T) {
	s := startSim(t, Options{Instances: 4, Faults: Faults{ThrottleAboveRPS: 10}})
	in := emInstance(t, s, 60)
	req := &cloudwatchlogs.GetLogEventsInput{LogGroupName: aws.String("RDSOSMetrics"), LogStreamName: aws.String(in.ResourceID), Limit: aws.Int32(1)}
	bare := logsClient(t, s, noRetries())
	var throttled int
	for range 15 {
		_, err := bare.GetLogEvents(context.Background(), req)
		if code := errorCode(err); code == "ThrottlingException" {
			throttled++
		} else if err != nil {
			t.Fatalf("error %v, want ThrottlingException or none", err)
		}
	}
	if throttled == 0 {
		t.Fatal("15 requests at once above 10/s: none throttled")
	}
	// The SDK's retryer backs off and gets through.
	retrying := logsClient(t, s, config.WithRetryer(func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts, o.MaxBackoff = 50, 100*time.Millisecond })
	}))
	for range 15 {
		if _, err := retrying.GetLogEvents(context.Background(), req); err != nil {
			t.Fatal(err)
		}
	}
	if s.Counters().Throttled <= int64(throttled) {
		t.Errorf("counters show %d throttled, want more than the %d without retries", s.Counters().Throttled, throttled)
	}
}
