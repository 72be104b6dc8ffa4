package awssim

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// newTestSim returns an unstarted simulator with the fixed clock.
func newTestSim(o Options) *Server {
	if o.Now == nil {
		o.Now = func() time.Time { return testNow }
	}
	return New(o)
}

func TestInstancesNaming(t *testing.T) {
	s := newTestSim(Options{Instances: 6})
	got := s.Instances()
	want := []string{"sim-postgres-01", "sim-mysql-02", "sim-mariadb-03", "sim-aurora-postgresql-04", "sim-postgres-05", "sim-mysql-06"}
	for i, in := range got {
		if in.ID != want[i] {
			t.Errorf("instance %d: ID %q, want %q", i, in.ID, want[i])
		}
		if arn := "arn:aws:rds:us-east-1:123456789012:db:" + in.ID; in.ARN != arn {
			t.Errorf("%s: ARN %q, want %q", in.ID, in.ARN, arn)
		}
		if !strings.HasPrefix(in.ResourceID, "db-") || len(in.ResourceID) != 29 {
			t.Errorf("%s: DbiResourceId %q", in.ID, in.ResourceID)
		}
		if in.AccountID != "123456789012" || in.Region != "us-east-1" || in.Tags["Name"] != in.ID {
			t.Errorf("%s: account %q, region %q, tags %v", in.ID, in.AccountID, in.Region, in.Tags)
		}
	}
	if got[2].HasGaps != true || got[0].HasGaps || got[1].HasGaps {
		t.Errorf("only the third instance should have gaps: %v %v %v", got[0].HasGaps, got[1].HasGaps, got[2].HasGaps)
	}
	if got[5].ReplicaSource != "sim-mysql-02" {
		t.Errorf("sim-mysql-06 ReplicaSource = %q, want sim-mysql-02", got[5].ReplicaSource)
	}
	got[0].Tags["env"] = "changed"
	if s.Instances()[0].Tags["env"] == "changed" {
		t.Error("Instances() shares tag maps with the simulator")
	}
}

func TestValueDeterministic(t *testing.T) {
	at := testNow.Add(-48 * time.Hour).Truncate(time.Hour)
	a, b, c := newTestSim(Options{}), newTestSim(Options{}), newTestSim(Options{Seed: 2})
	va, _ := a.Value(a.InstanceARN("sim-postgres-01"), "CPUUtilization", "Average", at, time.Hour)
	vb, _ := b.Value(b.InstanceARN("sim-postgres-01"), "CPUUtilization", "Average", at, time.Hour)
	vc, _ := c.Value(c.InstanceARN("sim-postgres-01"), "CPUUtilization", "Average", at, time.Hour)
	if va != vb {
		t.Errorf("same seed: %v != %v", va, vb)
	}
	if va == vc {
		t.Errorf("different seeds give the same value %v", va)
	}
}

func TestValueStatisticsConsistent(t *testing.T) {
	s := newTestSim(Options{Instances: 12, Engines: allEngines(), Proxies: 2})
	periods := []time.Duration{time.Minute, 5 * time.Minute, time.Hour, 24 * time.Hour}
	units := newDocIndex(false).units
	for _, sr := range s.PublishedSeries(s.AccountID(), s.Region()) {
		for _, per := range periods {
			for k := range 5 {
				at := testNow.Add(-time.Duration(k+2) * 7 * time.Hour).Truncate(per)
				checkStats(t, s, sr, units[sr.Metric], at, per)
			}
		}
	}
}

// allEngines is every engine awssim knows.
func allEngines() []string {
	return []string{EnginePostgres, EngineMySQL, EngineMariaDB, EngineAuroraPostgres, EngineAuroraMySQL}
}

// checkStats checks the statistics of one period against each other and
// against the metric's unit.
func checkStats(t *testing.T, s *Server, sr Series, unit string, at time.Time, per time.Duration) {
	t.Helper()
	val := func(stat string) float64 {
		v, _ := s.SeriesValue(sr, stat, at, per)
		return v
	}
	avg, ok := s.SeriesValue(sr, "Average", at, per)
	_, okMax := s.SeriesValue(sr, "Maximum", at, per)
	_, okMin := s.SeriesValue(sr, "Minimum", at, per)
	where := fmt.Sprintf("%s %v %v %v", sr.Metric, sr.Dimensions, at, per)
	if ok != okMax || ok != okMin {
		t.Fatalf("%s: Average ok=%v, Maximum ok=%v, Minimum ok=%v", where, ok, okMax, okMin)
	}
	if !ok {
		return
	}
	mx, mn, sum, n := val("Maximum"), val("Minimum"), val("Sum"), val("SampleCount")
	if !(mx >= avg && avg >= mn && mn >= 0) || math.IsNaN(avg) {
		t.Fatalf("%s: want Maximum %v >= Average %v >= Minimum %v >= 0", where, mx, avg, mn)
	}
	if unit == "Percent" && mx > 100 {
		t.Fatalf("%s: Percent above 100: %v", where, mx)
	}
	if n < 1 || n != math.Round(n) || n > per.Minutes()*float64(s.opts.Instances) || !near(sum, avg*n) {
		t.Fatalf("%s: SampleCount %v, Sum %v, Average %v", where, n, sum, avg)
	}
	p50, p99, iqm, wm := val("p50"), val("p99.9"), val("IQM"), val("wm95")
	if val("p0") != mn || val("p100") != mx || !(mn <= p50 && p50 <= p99 && p99 <= mx) || iqm < mn || iqm > mx || wm < mn || wm > mx {
		t.Fatalf("%s: p0 %v p50 %v p99.9 %v p100 %v IQM %v wm95 %v, Minimum %v Maximum %v", where, val("p0"), p50, p99, val("p100"), iqm, wm, mn, mx)
	}
	if !near(val("TM(0%:100%)"), avg) || val("TC(0%:100%)") != n || !near(val("TS(:100%)"), sum) || val(fmt.Sprintf("PR(:%.0f)", math.Ceil(mx)+1)) != 100 {
		t.Fatalf("%s: TM %v TC %v TS %v PR %v, Average %v SampleCount %v Sum %v", where, val("TM(0%:100%)"), val("TC(0%:100%)"), val("TS(:100%)"), val(fmt.Sprintf("PR(:%.0f)", math.Ceil(mx)+1)), avg, n, sum)
	}
}

// near reports whether a and b agree to nine significant digits.
func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

func TestValueRealisticRanges(t *testing.T) {
	s := newTestSim(Options{Instances: 8})
	cases := []struct {
		metric, stat string
		lo, hi       float64
	}{
		{"CPUUtilization", "Average", 0.5, 100},
		{"ReadLatency", "Average", 0.0005, 0.02},
		{"WriteLatency", "Maximum", 0.0005, 0.05},
		{"FreeableMemory", "Average", 0.2 * gib, 64 * gib},
		{"FreeStorageSpace", "Average", 1 * gib, 1000 * gib},
		{"DatabaseConnections", "Average", 1, 200},
		{"BurstBalance", "Average", 50, 100},
	}
	for _, tc := range cases {
		for _, in := range s.Instances() {
			for h := range 24 * 7 {
				at := testNow.Truncate(time.Hour).Add(-time.Duration(h+1) * time.Hour)
				v, ok := s.Value(in.ARN, tc.metric, tc.stat, at, time.Hour)
				if ok && (v < tc.lo || v > tc.hi) {
					t.Fatalf("%s %s %s at %v = %v, want in [%v, %v]", in.ID, tc.metric, tc.stat, at, v, tc.lo, tc.hi)
				}
			}
		}
	}
}

func TestFreeStorageSpaceTrends(t *testing.T) {
	s := newTestSim(Options{})
	// Over a sawtooth period, the free space falls on most days.
	falls := 0
	for d := range 30 {
		at := testNow.Truncate(24 * time.Hour).Add(-time.Duration(d+1) * 24 * time.Hour)
		today, _ := s.Value(s.InstanceARN("sim-postgres-01"), "FreeStorageSpace", "Average", at, time.Hour)
		before, _ := s.Value(s.InstanceARN("sim-postgres-01"), "FreeStorageSpace", "Average", at.Add(-24*time.Hour), time.Hour)
		if today < before {
			falls++
		}
	}
	if falls < 20 {
		t.Errorf("FreeStorageSpace fell on %d of 30 days, want most", falls)
	}
}

func TestInstanceMetricsPresentExceptGaps(t *testing.T) {
	s := newTestSim(Options{Instances: 10})
	listed := map[string][]string{}
	for _, sr := range s.PublishedSeries(s.AccountID(), s.Region()) {
		if id, ok := sr.Dimensions[dimInstance]; ok {
			listed[id] = append(listed[id], sr.Metric)
		}
	}
	from := testNow.Truncate(time.Hour).Add(-7 * 24 * time.Hour)
	to := testNow.Truncate(time.Hour)
	gapsSeen := 0
	for _, in := range s.Instances() {
		gaps := s.Gaps(in.ARN, from, to)
		if !in.HasGaps && len(gaps) > 0 {
			t.Errorf("%s: gaps %v without HasGaps", in.ID, gaps)
		}
		gapsSeen += len(gaps)
		if len(listed[in.ID]) < 10 {
			t.Fatalf("%s publishes only %v", in.ID, listed[in.ID])
		}
		for _, m := range listed[in.ID] {
			for at := from; at.Before(to); at = at.Add(time.Hour) {
				_, ok := s.Value(in.ARN, m, "Average", at, time.Hour)
				if inGap := slices.ContainsFunc(gaps, at.Equal); ok == inGap {
					t.Fatalf("%s %s at %v: ok=%v, in a gap=%v", in.ID, m, at, ok, inGap)
				}
			}
		}
	}
	if gapsSeen == 0 {
		t.Error("no gaps in a week of 10 instances")
	}
}

func TestValueNoData(t *testing.T) {
	s := newTestSim(Options{Instances: 4})
	at := testNow.Truncate(time.Hour).Add(-5 * time.Hour)
	cases := []struct {
		name, id, metric, stat string
		at                     time.Time
		period                 time.Duration
		want                   bool
	}{
		{"published", "sim-mysql-02", "BinLogDiskUsage", "Average", at, time.Hour, true},
		{"not published by engine", "sim-postgres-01", "BinLogDiskUsage", "Average", at, time.Hour, false},
		{"postgres only", "sim-postgres-01", "CheckpointLag", "Average", at, time.Hour, true},
		{"SQL Server metric", "sim-postgres-01", "TempDbDataFileUsage", "Average", at, time.Hour, false},
		{"unknown metric", "sim-postgres-01", "NoSuchMetric", "Average", at, time.Hour, false},
		{"unknown instance", "nope", "CPUUtilization", "Average", at, time.Hour, false},
		{"unknown statistic", "sim-postgres-01", "CPUUtilization", "Median", at, time.Hour, false},
		{"sub-minute period", "sim-postgres-01", "CPUUtilization", "Average", at, 30 * time.Second, false},
		{"future", "sim-postgres-01", "CPUUtilization", "Average", testNow.Add(time.Hour), time.Hour, false},
		{"current minute", "sim-postgres-01", "CPUUtilization", "Average", testNow.Truncate(time.Minute), time.Minute, false},
		{"last full minute", "sim-postgres-01", "CPUUtilization", "Average", testNow.Truncate(time.Minute).Add(-time.Minute), time.Minute, true},
		{"current hour", "sim-postgres-01", "CPUUtilization", "Average", testNow.Truncate(time.Hour), time.Hour, true},
		{"1-minute data past 15 days", "sim-postgres-01", "CPUUtilization", "Average", testNow.Add(-16 * 24 * time.Hour).Truncate(time.Minute), time.Minute, false},
		{"5-minute data at 60 days", "sim-postgres-01", "CPUUtilization", "Average", testNow.Add(-60 * 24 * time.Hour).Truncate(5 * time.Minute), 5 * time.Minute, true},
		{"5-minute data past 63 days", "sim-postgres-01", "CPUUtilization", "Average", testNow.Add(-64 * 24 * time.Hour).Truncate(5 * time.Minute), 5 * time.Minute, false},
		{"hourly data at 400 days", "sim-postgres-01", "CPUUtilization", "Average", testNow.Add(-400 * 24 * time.Hour).Truncate(time.Hour), time.Hour, true},
		{"hourly data past 455 days", "sim-postgres-01", "CPUUtilization", "Average", testNow.Add(-456 * 24 * time.Hour).Truncate(time.Hour), time.Hour, false},
		{"burstable only, not burstable", "sim-postgres-01", "CPUCreditUsage", "Average", at, time.Hour, s.order[0].instances[0].class.burstable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := s.Value(s.InstanceARN(tc.id), tc.metric, tc.stat, tc.at, tc.period); ok != tc.want {
				t.Errorf("ok = %v, want %v", ok, tc.want)
			}
		})
	}
}

func TestReplicaLag(t *testing.T) {
	s := newTestSim(Options{Instances: 6})
	at := testNow.Truncate(time.Hour).Add(-3 * time.Hour)
	primary, _ := s.Value(s.InstanceARN("sim-mysql-02"), "ReplicaLag", "Average", at, time.Hour)
	replica, _ := s.Value(s.InstanceARN("sim-mysql-06"), "ReplicaLag", "Average", at, time.Hour)
	if primary != 0 || replica <= 0 {
		t.Errorf("ReplicaLag primary %v (want 0), replica %v (want > 0)", primary, replica)
	}
}
