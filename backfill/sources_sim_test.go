package backfill_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	pmodel "github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools/sourcecheck"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// srcNow is the clock of the source tests, in the middle of an hour.
var srcNow = time.Date(2026, 3, 10, 12, 30, 0, 0, time.UTC)

// sourceMonitoring gives instance sim-postgres-01 Enhanced Monitoring at
// 60 s and Performance Insights for 731 days, sim-mysql-02 neither, and
// sim-mariadb-03 Enhanced Monitoring at interval and Performance Insights
// for 7 days.
func sourceMonitoring(interval int32) func(awssim.Instance) awssim.Monitoring {
	return func(in awssim.Instance) awssim.Monitoring {
		switch {
		case strings.HasSuffix(in.ID, "-01"):
			return awssim.Monitoring{MonitoringInterval: 60, PerformanceInsightsEnabled: true, PerformanceInsightsRetentionPeriod: 731}
		case strings.HasSuffix(in.ID, "-03"):
			return awssim.Monitoring{MonitoringInterval: interval, PerformanceInsightsEnabled: true, PerformanceInsightsRetentionPeriod: 7}
		}
		return awssim.Monitoring{}
	}
}

// sourceSetup starts awssim at srcNow with three instances (see
// sourceMonitoring) and returns a backfiller of dir reading it through the
// real clients, and the instances as discovery describes them.
func sourceSetup(t testing.TB, dir string, interval int32, opts func(*backfill.Options)) (*awssim.Server, *backfill.Backfiller, []model.Described) {
	t.Helper()
	sim := awssim.New(awssim.Options{Instances: 3, Now: func() time.Time { return srcNow }, Monitoring: sourceMonitoring(interval)})
	if err := sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	clients, err := cloudwatch.NewClients(context.Background(), cloudwatch.Options{
		RequestsPerSecond: 1000, Burst: 5,
		LoadOptions: testtools.AWSOptions(sim),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := clients[0]
	instances, err := c.DescribeInstances(context.Background(), cloudwatch.DiscoveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	o := backfill.Options{
		OutputDir: dir, Fetchers: []backfill.Fetcher{c}, Labels: map[string]string{"job": "rds"},
		Readers: []backfill.SourceReaders{{Target: c.Target, OS: c.EnhancedMonitoring(), PI: c.PerformanceInsights()}},
	}
	o.Now = func() time.Time { return srcNow }
	if opts != nil {
		opts(&o)
	}
	b, err := backfill.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return sim, b, instances
}

// readSource reads back the series of a source's family prefix that the
// blocks of dir hold for one instance, keyed as sourcecheck.Expected.
func readSource(t *testing.T, dir, prefix string, d model.Described, from, to time.Time) sourcecheck.Expected {
	t.Helper()
	series, err := tsdbwriter.ReadSeries(context.Background(), []string{dir}, tsdbwriter.ReadOptions{
		Mint: from.UnixMilli(), Maxt: to.UnixMilli(),
		Matchers: []*labels.Matcher{
			labels.MustNewMatcher(labels.MatchRegexp, pmodel.MetricNameLabel, prefix+".+"),
			labels.MustNewMatcher(labels.MatchEqual, "name", d.ARN),
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := sourcecheck.Expected{}
	for _, s := range series {
		if s.Labels.Get("job") != "rds" || s.Labels.Get("dimension_DBInstanceIdentifier") != d.ID || s.Labels.Get("account_id") != d.AccountID {
			t.Fatalf("labels %v", s.Labels)
		}
		k := sourcecheck.SourceKey(s.Labels)
		got[k] = map[int64]float64{}
		for _, smp := range s.Samples {
			got[k][smp.T] = smp.V
		}
	}
	return got
}

// total counts every request awssim answered.
func total(c awssim.Counters) int64 {
	n := int64(0)
	for _, v := range c.Requests {
		n += v
	}
	return n
}

func instanceNamed(t testing.TB, all []model.Described, suffix string) model.Described {
	t.Helper()
	for _, d := range all {
		if strings.HasSuffix(d.ID, suffix) {
			return d
		}
	}
	t.Fatalf("no instance %s", suffix)
	return model.Described{}
}

// Three days of Enhanced Monitoring at 60 s: every event awssim's stream
// holds is in the blocks, as a sample of each of its series; each stream
// is read with the fewest GetLogEvents pages; the instance without
// Enhanced Monitoring is reported, not failed; a repeat reads nothing.
func TestBackfillEnhancedMonitoring(t *testing.T) {
	dir := t.TempDir()
	sim, b, all := sourceSetup(t, dir, 60, nil)
	sim.ResetCounters()
	res, err := b.Backfill(context.Background(), backfill.Request{Resources: all, Days: 3, Sources: []model.Source{model.SourceEnhancedMonitoring}})
	if err != nil {
		t.Fatal(err)
	}
	em := res.Sources[model.SourceEnhancedMonitoring]
	if em == nil || em.Resources != 2 || len(em.Unavailable) != 1 || em.Unavailable[0].ID != "sim-mysql-02" ||
		!strings.Contains(em.Unavailable[0].Reason, "Enhanced Monitoring is not enabled for DB instance sim-mysql-02") {
		t.Fatalf("result %+v", em)
	}
	if em.HoursTotal != 2*72 || em.HoursBackfilled+em.HoursEmpty != em.HoursTotal || res.Hours != em.Hours || res.Requests != 0 || em.Samples != res.Samples {
		t.Errorf("hours %+v, totals %+v", em.Hours, res.Hours)
	}
	calls, hours := 0, 0
	for _, suffix := range []string{"-01", "-03"} {
		d := instanceNamed(t, all, suffix)
		want, err := sourcecheck.OSExpected(sim, d.ARN, res.From, res.To)
		if err != nil {
			t.Fatal(err)
		}
		if want.Samples() < 72*60*70 {
			t.Fatalf("%s: the oracle has %d samples", d.ID, want.Samples())
		}
		got := readSource(t, dir, "rdsosmetrics_", d, res.From, res.To)
		for _, diff := range sourcecheck.Compare(got, want, 10) {
			t.Error(d.ID, diff)
		}
		hours += want.Hours()
		// Two series straight from the oracle's fields, not through the
		// exporter's conversion.
		ev, _ := sim.OSMetrics(d.ARN, sim.OSEventTimes(d.ARN, res.From, res.To)[100])
		at := ev.Timestamp.UnixMilli()
		if got["rdsosmetrics_cpu_utilization_percent{mode=idle}"][at] != ev.CPUUtilization.Idle ||
			got["rdsosmetrics_memory_free_bytes{}"][at] != float64(ev.Memory.Free)*1024 {
			t.Errorf("%s at %s: idle %v free %v, awssim %v and %v KiB", d.ID, ev.Timestamp,
				got["rdsosmetrics_cpu_utilization_percent{mode=idle}"][at], got["rdsosmetrics_memory_free_bytes{}"][at], ev.CPUUtilization.Idle, ev.Memory.Free)
		}
		calls += sourcecheck.GetLogEventsCalls(sim, d.ARN, res.From, res.To)
	}
	if got := sim.Counters().Requests["GetLogEvents"]; got != int64(calls) || em.Requests != calls {
		t.Errorf("awssim counted %d GetLogEvents, the result %d; the fewest pages are %d", got, em.Requests, calls)
	}
	if em.HoursBackfilled != hours {
		t.Errorf("%d hours backfilled, awssim has events in %d", em.HoursBackfilled, hours)
	}
	sim.ResetCounters()
	again, err := b.Backfill(context.Background(), backfill.Request{Resources: all, Days: 3, Sources: []model.Source{model.SourceEnhancedMonitoring}})
	if err != nil {
		t.Fatal(err)
	}
	if c := sim.Counters(); total(c) != 0 || again.Sources[model.SourceEnhancedMonitoring].HoursSkipped != hours {
		t.Errorf("repeat: %d requests, %+v", total(c), again.Sources[model.SourceEnhancedMonitoring])
	}
}

// A 5 s instance whose day holds more samples than the batch budget is
// written a few hours at a time, as blocks within the daily windows: the
// stream's read pauses at each hour's end and resumes, so the pages are
// still the fewest of one pass (about 50 for the day), and every event is
// written.
func TestBackfillEnhancedMonitoringWithinBudget(t *testing.T) {
	dir := t.TempDir()
	sim, b, all := sourceSetup(t, dir, 5, func(o *backfill.Options) {
		o.BatchSamples = 150_000 // about 3 hours of the instance
	})
	d := instanceNamed(t, all, "-03")
	sim.ResetCounters()
	res, err := b.Backfill(context.Background(), backfill.Request{Resources: []model.Described{d}, Days: 1, Sources: []model.Source{model.SourceEnhancedMonitoring}})
	if err != nil {
		t.Fatal(err)
	}
	want, err := sourcecheck.OSExpected(sim, d.ARN, res.From, res.To)
	if err != nil {
		t.Fatal(err)
	}
	if res.Blocks < 6 || res.Blocks > 12 || res.Sources[model.SourceEnhancedMonitoring].HoursBackfilled != want.Hours() || want.Hours() < 20 {
		t.Fatalf("%d blocks (want one per 2 or 3 hours), %+v; awssim has events in %d hours", res.Blocks, res.Sources[model.SourceEnhancedMonitoring], want.Hours())
	}
	for _, diff := range sourcecheck.Compare(readSource(t, dir, "rdsosmetrics_", d, res.From, res.To), want, 10) {
		t.Error(diff)
	}
	if got, fewest := sim.Counters().Requests["GetLogEvents"], sourcecheck.GetLogEventsCalls(sim, d.ARN, res.From, res.To); got != int64(fewest) {
		t.Errorf("%d GetLogEvents calls, the fewest are %d", got, fewest)
	}
}

// Seven days of Performance Insights: one GetResourceMetrics call per
// instance for the whole range (both queries, 22 series, fit a page); the
// load by wait event and by top statement, and the statements' info
// series, as awssim served them at 1 minute; the 7-day instance's range
// starts at its retention; the instance without PI is reported; a repeat
// makes no request.
func TestBackfillPerformanceInsights(t *testing.T) {
	dir := t.TempDir()
	sim, b, all := sourceSetup(t, dir, 60, nil)
	sim.ResetCounters()
	res, err := b.Backfill(context.Background(), backfill.Request{Resources: all, Days: 7, Sources: []model.Source{model.SourcePerformanceInsights}})
	if err != nil {
		t.Fatal(err)
	}
	pi := res.Sources[model.SourcePerformanceInsights]
	if pi.Resources != 2 || len(pi.Unavailable) != 1 || pi.Unavailable[0].ID != "sim-mysql-02" || pi.Requests != 2 {
		t.Fatalf("result %+v", pi)
	}
	if c := sim.Counters().Requests["GetResourceMetrics"]; c != 2 {
		t.Errorf("awssim counted %d GetResourceMetrics calls, want 2 (one per instance)", c)
	}
	retention := cloudwatch.PIRetentionStart(srcNow, 7).Truncate(time.Hour).Add(time.Hour)
	beyond := int(retention.Sub(res.From) / time.Hour)
	if pi.HoursBeyondRetention != beyond || pi.HoursTotal != 2*168 || beyond < 1 {
		t.Errorf("hours %+v, want %d beyond the 7-day retention", pi.Hours, beyond)
	}
	hours := 0
	for _, tc := range []struct {
		suffix string
		from   time.Time
	}{{"-01", res.From}, {"-03", retention}} {
		d := instanceNamed(t, all, tc.suffix)
		want := sourcecheck.PIExpected(sim, d.ARN, tc.from, res.To, time.Minute, 10, 10)
		if want.Samples() < 20*60*(int(res.To.Sub(tc.from).Hours())-1) {
			t.Fatalf("%s: the oracle has %d samples", d.ID, want.Samples())
		}
		for _, diff := range sourcecheck.Compare(readSource(t, dir, "rds_pi_", d, res.From, res.To), want, 10) {
			t.Error(d.ID, diff)
		}
		hours += want.Hours()
	}
	if pi.HoursBackfilled != hours || pi.HoursEmpty != 2*168-beyond-hours {
		t.Errorf("hours %+v; awssim has data in %d", pi.Hours, hours)
	}
	sim.ResetCounters()
	again, err := b.Backfill(context.Background(), backfill.Request{Resources: all, Days: 7, Sources: []model.Source{model.SourcePerformanceInsights}})
	if err != nil || total(sim.Counters()) != 0 || again.HoursBackfilled != 0 {
		t.Errorf("repeat: %v, %d requests, %+v", err, total(sim.Counters()), again.Hours)
	}
}

// A request for a source the resource does not have is refused before
// any request; source all sweeps CloudWatch and reports the others.
func TestBackfillSourceOff(t *testing.T) {
	sim, b, all := sourceSetup(t, t.TempDir(), 60, nil)
	off := withMetrics([]model.Described{instanceNamed(t, all, "-02")}, defaultSelection())[0]
	sim.ResetCounters()
	for _, src := range []model.Source{model.SourceEnhancedMonitoring, model.SourcePerformanceInsights} {
		_, err := b.Backfill(context.Background(), backfill.Request{Resources: []model.Described{off}, Days: 1, Sources: []model.Source{src}})
		if !errors.Is(err, model.ErrSourceOff) || !strings.Contains(err.Error(), "not enabled for DB instance sim-mysql-02") {
			t.Errorf("%s: %v, want ErrSourceOff naming the instance", src, err)
		}
	}
	if c := total(sim.Counters()); c != 0 {
		t.Errorf("%d requests for a refused backfill", c)
	}
	res, err := b.Backfill(context.Background(), backfill.Request{Resources: []model.Described{off}, Days: 1, Sources: model.Sources()})
	if err != nil {
		t.Fatal(err)
	}
	cw := res.Sources[model.SourceCloudWatch]
	if cw.HoursBackfilled == 0 || cw.Requests != 1 || len(res.Sources[model.SourceEnhancedMonitoring].Unavailable) != 1 || len(res.Sources[model.SourcePerformanceInsights].Unavailable) != 1 {
		t.Errorf("all: %+v %+v %+v", cw, res.Sources[model.SourceEnhancedMonitoring], res.Sources[model.SourcePerformanceInsights])
	}
}

// BenchmarkEnhancedMonitoringBackfill backfills a day of a 1 s instance
// (86,400 events, about 7M samples) from the simulator over loopback, and
// reports events and samples per second and the peak heap and RSS (the
// simulator's included: it runs in the process).
//
//	go test ./backfill -run '^$' -bench EnhancedMonitoringBackfill -benchtime 1x
func BenchmarkEnhancedMonitoringBackfill(b *testing.B) {
	for range b.N {
		b.StopTimer()
		dir := b.TempDir()
		sim, bf, all := sourceSetup(b, dir, 1, nil)
		d := instanceNamed(b, all, "-03")
		stop := testtools.WatchMemory(b)
		b.StartTimer()
		res, err := bf.Backfill(context.Background(), backfill.Request{Resources: []model.Described{d}, Days: 1, Sources: []model.Source{model.SourceEnhancedMonitoring}})
		b.StopTimer()
		stop()
		if err != nil {
			b.Fatal(err)
		}
		events := len(sim.OSEventTimes(d.ARN, res.From, res.To))
		b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
		b.ReportMetric(float64(res.Samples)/b.Elapsed().Seconds(), "samples/s")
	}
}
