package cloudwatch

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
)

// sourceCounts records what the readers report.
type sourceCounts struct {
	mu        sync.Mutex
	requests  map[string]int
	errors    int
	throttled map[string]int
	bytes     map[string]int64
}

func newSourceCounts() *sourceCounts {
	return &sourceCounts{requests: map[string]int{}, throttled: map[string]int{}, bytes: map[string]int64{}}
}

func (c *sourceCounts) Request(api string, err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.requests[api]++
	if err != nil {
		c.errors++
	}
}

func (c *sourceCounts) Throttled(api string) { c.mu.Lock(); c.throttled[api]++; c.mu.Unlock() }

func (c *sourceCounts) BytesRead(api string, n int64) { c.mu.Lock(); c.bytes[api] += n; c.mu.Unlock() }

// emNow is the simulators' clock in these tests.
var emNow = time.Date(2026, 11, 28, 12, 7, 30, 0, time.UTC)

// startSourceSim starts a simulator with the fixed clock.
func startSourceSim(t *testing.T, opts awssim.Options) *awssim.Server {
	t.Helper()
	opts.Now = func() time.Time { return emNow }
	sim := awssim.New(opts)
	if err := sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	return sim
}

// simConfig loads an SDK config pointed at the simulator the way users
// load theirs.
func simConfig(t testing.TB, sim *awssim.Server, extra ...func(*config.LoadOptions) error) aws.Config {
	t.Helper()
	opts := testtools.AWSOptions(sim, extra...)
	cfg, err := config.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// quickRetries is a retryer with many attempts, short backoffs and no
// retry quota, so that tests that provoke throttling stay quick.
func quickRetries() config.LoadOptionsFunc {
	return config.WithRetryer(func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts, o.MaxBackoff, o.RateLimiter = 50, 100*time.Millisecond, ratelimit.None
		})
	})
}

// instanceWith returns the first simulated instance that f accepts.
func instanceWith(t *testing.T, sim *awssim.Server, f func(awssim.Instance) bool) awssim.Instance {
	t.Helper()
	for _, in := range sim.Instances() {
		if f(in) {
			return in
		}
	}
	t.Fatal("no such instance")
	return awssim.Instance{}
}

// checkOSEvent compares a parsed event with the simulator's oracle.
func checkOSEvent(t *testing.T, sim *awssim.Server, arn string, ev OSEvent) {
	t.Helper()
	want, ok := sim.OSMetrics(arn, ev.Timestamp)
	if !ok {
		t.Fatalf("%s: the simulator has no event at %v", arn, ev.Timestamp)
	}
	m := ev.Metrics
	got := []float64{m.CPUUtilization.User, m.CPUUtilization.Idle, m.CPUUtilization.Total, m.LoadAverageMinute.Five,
		m.Memory.Free, m.Memory.Total, m.Swap.Free, m.Tasks.Total, m.NumVCPUs, m.Network[0].Tx, m.FileSys[0].Used}
	exp := []float64{want.CPUUtilization.User, want.CPUUtilization.Idle, want.CPUUtilization.Total, want.LoadAverageMinute.Five,
		float64(want.Memory.Free), float64(want.Memory.Total), float64(want.Swap.Free), float64(want.Tasks.Total), float64(want.NumVCPUs),
		want.Network[0].Tx, float64(want.FileSys[0].Used)}
	if !slices.Equal(got, exp) || !m.Timestamp.Equal(want.Timestamp) || m.InstanceResourceID != want.InstanceResourceID || m.Engine != want.Engine {
		t.Fatalf("%s at %v: parsed %v, simulator %v", arn, ev.Timestamp, got, exp)
	}
	if len(m.DiskIO) != len(want.DiskIO) || len(m.ProcessList) != len(want.ProcessList) {
		t.Fatalf("%s at %v: %d disks and %d processes, want %d and %d", arn, ev.Timestamp, len(m.DiskIO), len(m.ProcessList), len(want.DiskIO), len(want.ProcessList))
	}
	for i, d := range m.DiskIO {
		if d.Device != want.DiskIO[i].Device || d.ReadIOsPS != want.DiskIO[i].ReadIOsPS || d.WriteIOsPS != want.DiskIO[i].WriteIOsPS {
			t.Fatalf("%s at %v: disk %d is %+v, want %+v", arn, ev.Timestamp, i, d, want.DiskIO[i])
		}
	}
	for i, p := range m.ProcessList {
		w := want.ProcessList[i]
		limit := VMLimit(w.VMLimit)
		if w.VMLimit == "" {
			limit = "0"
		}
		if p.Name != w.Name || p.VMLimit != limit || p.RSS != float64(w.RSS) || p.CPUUsedPc != w.CPUUsedPc {
			t.Fatalf("%s at %v: process %d is %+v, want %+v", arn, ev.Timestamp, i, p, w)
		}
	}
}

func TestEnhancedMonitoringReadRange(t *testing.T) {
	sim := startSourceSim(t, awssim.Options{Instances: 8})
	tests := []struct {
		name     string
		interval int32
		span     time.Duration
	}{
		{"3 days at 60 s", 60, 72 * time.Hour},
		{"6 hours at 1 s", 1, 6 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := instanceWith(t, sim, func(in awssim.Instance) bool { return in.MonitoringInterval == tt.interval })
			end := emNow.Truncate(time.Minute)
			start := end.Add(-tt.span)
			want := sim.OSEventTimes(in.ARN, start, end)
			obs := newSourceCounts()
			r := NewEnhancedMonitoring(simConfig(t, sim), SourceOptions{Observer: obs})
			sim.ResetCounters()
			var got []time.Time
			var sizes []int
			st, err := r.ReadRange(context.Background(), in.ResourceID, start, end, func(ev OSEvent) error {
				if len(got)%97 == 0 {
					checkOSEvent(t, sim, in.ARN, ev)
				}
				got = append(got, ev.Timestamp)
				m, _ := sim.OSMetrics(in.ARN, ev.Timestamp)
				sizes = append(sizes, len(m.Message())+26)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.EqualFunc(got, want, time.Time.Equal) {
				t.Fatalf("%d events, want %d", len(got), len(want))
			}
			// Each page holds up to 10,000 events and 1 MB (a message and 26
			// bytes each); the API ends the read with one more call, whose
			// token repeats.
			fewest := fullPages(sizes) + 1
			if simCalls := sim.Counters().Requests["GetLogEvents"]; st.Calls != fewest || simCalls != int64(fewest) {
				t.Errorf("%d calls (simulator counted %d) for %d events, want %d", st.Calls, simCalls, len(sizes), fewest)
			}
			messageBytes := 0
			for _, n := range sizes {
				messageBytes += n
			}
			if obs.requests[APIGetLogEvents] != st.Calls || obs.bytes[APIGetLogEvents] < int64(messageBytes) || st.Events != len(want) {
				t.Errorf("observer: %d requests, %d bytes; stats %+v", obs.requests[APIGetLogEvents], obs.bytes[APIGetLogEvents], st)
			}
		})
	}
}

// fullPages returns how many pages events of these sizes fill, filled in
// order up to 10,000 events and 1 MB each.
func fullPages(sizes []int) int {
	pages, n, bytes := 0, 0, 0
	for _, size := range sizes {
		if n == 0 || n == 10000 || bytes+size > 1<<20 {
			pages, n, bytes = pages+1, 0, 0
		}
		n, bytes = n+1, bytes+size
	}
	return pages
}

// The events reach the callback page by page: stopping after the first
// event makes one call, whatever the range.
func TestEnhancedMonitoringReadRangeStreams(t *testing.T) {
	sim := startSourceSim(t, awssim.Options{Instances: 4})
	in := instanceWith(t, sim, func(in awssim.Instance) bool { return in.MonitoringInterval == 1 })
	r := NewEnhancedMonitoring(simConfig(t, sim), SourceOptions{})
	stop := errors.New("enough")
	st, err := r.ReadRange(context.Background(), in.ResourceID, emNow.Add(-29*24*time.Hour), emNow, func(OSEvent) error { return stop })
	if !errors.Is(err, stop) || st.Calls != 1 || st.Events != 0 {
		t.Errorf("stats %+v, error %v; want one call and the callback's error", st, err)
	}
}

func TestEnhancedMonitoringLatestFleetAndStreams(t *testing.T) {
	sim := startSourceSim(t, awssim.Options{Instances: 10})
	r := NewEnhancedMonitoring(simConfig(t, sim), SourceOptions{})
	ctx := context.Background()
	var ids []string
	byResource := map[string]awssim.Instance{}
	for _, in := range sim.Instances() {
		if in.EnhancedMonitoring() {
			ids = append(ids, in.ResourceID)
			byResource[in.ResourceID] = in
		}
	}
	in := byResource[ids[0]]
	latest, err := r.Latest(ctx, in.ResourceID, emNow.Add(-time.Hour), 5)
	if err != nil {
		t.Fatal(err)
	}
	all := sim.OSEventTimes(in.ARN, emNow.Add(-time.Hour), emNow)
	if len(latest) != 5 || !latest[4].Timestamp.Equal(all[len(all)-1]) || !latest[0].Timestamp.Equal(all[len(all)-5]) {
		t.Errorf("latest %d events from %v, want the 5 up to %v", len(latest), latest[0].Timestamp, all[len(all)-1])
	}
	start, end := emNow.Add(-3*time.Minute), emNow.Add(-time.Minute)
	got := map[string][]time.Time{}
	st, err := r.ReadFleet(ctx, ids, start, end, func(id string, ev OSEvent) error {
		got[id] = append(got[id], ev.Timestamp)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	events := 0
	for id, in := range byResource {
		want := sim.OSEventTimes(in.ARN, start, end)
		events += len(want)
		if !slices.EqualFunc(got[id], want, time.Time.Equal) {
			t.Errorf("%s: %d events, want %d", in.ID, len(got[id]), len(want))
		}
	}
	if st.Events != events || st.Calls > events/100+3 {
		t.Errorf("stats %+v for %d events", st, events)
	}
	streams, err := r.Streams(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(streams) != len(ids) || streams[0].LastEvent.IsZero() {
		t.Errorf("streams %+v, want %d with events", streams, len(ids))
	}
}

func TestEnhancedMonitoringErrorsAndThrottling(t *testing.T) {
	sim := startSourceSim(t, awssim.Options{Instances: 6, Faults: awssim.Faults{ThrottleAboveRPS: 1}})
	off := instanceWith(t, sim, func(in awssim.Instance) bool { return !in.EnhancedMonitoring() })
	on := instanceWith(t, sim, func(in awssim.Instance) bool { return in.MonitoringInterval == 1 })
	obs := newSourceCounts()
	r := NewEnhancedMonitoring(simConfig(t, sim, quickRetries()), SourceOptions{Observer: obs})
	ctx := context.Background()
	_, err := r.ReadRange(ctx, off.ResourceID, emNow.Add(-time.Hour), emNow, func(OSEvent) error { return nil })
	if !errors.Is(err, ErrNoStream) {
		t.Errorf("instance without Enhanced Monitoring: %v, want ErrNoStream", err)
	}
	// The failed read took the second's one token, so the read of 20
	// minutes of 1 s events (5 pages and a last call) starts throttled, and
	// the SDK's retryer gets it through.
	from := emNow.Add(-20 * time.Minute)
	st, err := r.ReadRange(ctx, on.ResourceID, from, emNow, func(OSEvent) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if st.Events != len(sim.OSEventTimes(on.ARN, from, emNow)) || obs.throttled[APIGetLogEvents] == 0 || sim.Counters().Throttled == 0 {
		t.Errorf("stats %+v, %d throttles observed, %d in the simulator", st, obs.throttled[APIGetLogEvents], sim.Counters().Throttled)
	}
}
