package awssim

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

func TestParseStat(t *testing.T) {
	cases := []struct {
		in   string
		ok   bool
		kind statKind
	}{
		{"Average", true, statAverage}, {"SampleCount", true, statSampleCount},
		{"p99", true, statPercentile}, {"p99.9", true, statPercentile}, {"p0", true, statPercentile}, {"p100", true, statPercentile},
		{"p99.1234567890", true, statPercentile}, {"p99.12345678901", false, 0}, {"p100.1", false, 0}, {"p", false, 0}, {"P99", false, 0},
		{"tm99", true, statTrimmedMean}, {"wm98", true, statWinsorizedMean}, {"tc90", true, statTrimmedCount}, {"ts90", true, statTrimmedSum},
		{"tm101", false, 0}, {"IQM", true, statTrimmedMean}, {"iqm", false, 0},
		{"TM(10%:90%)", true, statTrimmedMean}, {"TM(:90%)", true, statTrimmedMean}, {"TM(10%:)", true, statTrimmedMean},
		{"TM(150:1000)", true, statTrimmedMean}, {"WM(10%:90%)", true, statWinsorizedMean}, {"TC(0.5:2)", true, statTrimmedCount},
		{"TS(5%:95%)", true, statTrimmedSum}, {"PR(:300)", true, statPercentileRank}, {"PR(100:2000)", true, statPercentileRank},
		{"TM(:)", false, 0}, {"TM(90%:10%)", false, 0}, {"TM(10%:900)", false, 0}, {"TM(10%:110%)", false, 0},
		{"PR(10%:90%)", false, 0}, {"tm(10%:90%)", false, 0}, {"TM(10%,90%)", false, 0}, {"Median", false, 0}, {"", false, 0},
	}
	for _, tc := range cases {
		st, ok := parseStat(tc.in)
		if ok != tc.ok || (ok && st.kind != tc.kind) {
			t.Errorf("parseStat(%q) = %+v, %v; want kind %d, %v", tc.in, st, ok, tc.kind, tc.ok)
		}
	}
}

func TestRangeStatistics(t *testing.T) {
	// Ten samples of one period: from 1, with a long tail up to 9.
	sm := sample{avg: 3, min: 1, max: 9, count: 10}
	d := newDist(sm)
	val := func(s string) float64 {
		t.Helper()
		st, ok := parseStat(s)
		v, has := st.of(sm)
		if !ok || !has {
			t.Fatalf("%s: no value", s)
		}
		return v
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"mean of the distribution is the Average", near(d.integral(0, 1), 3)},
		{"right-skewed: median below the Average", val("p50") < 3},
		{"tm90 drops the highest values", val("tm90") < 3 && val("tm90") > 1},
		{"IQM is TM(25%:75%)", val("IQM") == val("TM(25%:75%)")},
		{"wm90 lies between tm90 and the Average", val("wm90") > val("tm90") && val("wm90") < 3},
		{"tc90 counts 90% of ten samples", val("tc90") == 9},
		{"ts90 is tm90 times the samples kept", near(val("ts90"), val("tm90")*9)},
		{"PR(:p50) is 50", near(val(fmt.Sprintf("PR(:%.10f)", val("p50"))), 50)},
		{"PR(:9) is 100, PR(:1) is 0", val("PR(:9)") == 100 && val("PR(:1)") == 0},
		{"TM(value range) excludes values at most the lower bound", val("TM(2:9)") > val("TM(1:9)")},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s (p50 %v tm90 %v wm90 %v IQM %v tc90 %v ts90 %v)", c.name, val("p50"), val("tm90"), val("wm90"), val("IQM"), val("tc90"), val("ts90"))
		}
	}
	if st, _ := parseStat("TM(9.5:20)"); func() bool { _, has := st.of(sm); return has }() {
		t.Error("a trimmed mean of a range without datapoints has a value")
	}
}

func TestExtendedStatisticsOverTheWire(t *testing.T) {
	s := startSim(t, Options{})
	stats := []string{"p99", "p99.9", "tm99", "wm95", "tc90", "ts90", "IQM", "TM(10%:90%)", "WM(5%:95%)", "TC(:50%)", "TS(10%:)", "PR(:20)"}
	var queries []cwtypes.MetricDataQuery
	for i, st := range stats {
		queries = append(queries, rdsQuery(fmt.Sprintf("q%d", i), "sim-postgres-01", "CPUUtilization", st, 3600))
	}
	end := testNow.Truncate(time.Hour)
	start := end.Add(-6 * time.Hour)
	got := fetchAll(t, cwClient(t, s), &cloudwatch.GetMetricDataInput{StartTime: &start, EndTime: &end, MetricDataQueries: queries})
	for i, st := range stats {
		pts := got.series[fmt.Sprintf("q%d", i)]
		if len(pts) != 6 {
			t.Errorf("%s: %d datapoints, want 6", st, len(pts))
		}
		for _, p := range pts {
			if want, ok := s.Value(s.InstanceARN("sim-postgres-01"), "CPUUtilization", st, p.t, time.Hour); !ok || want != p.v {
				t.Errorf("%s at %v: %v, Value %v", st, p.t, p.v, want)
			}
		}
	}
	_, err := cwClient(t, s, noRetries()).GetMetricData(context.Background(), &cloudwatch.GetMetricDataInput{StartTime: &start, EndTime: &end,
		MetricDataQueries: []cwtypes.MetricDataQuery{rdsQuery("bad", "sim-postgres-01", "CPUUtilization", "TM(90%:10%)", 3600)}})
	if errorCode(err) != "ValidationError" || !strings.Contains(err.Error(), "TM(90%:10%)") {
		t.Errorf("invalid statistic: %v", err)
	}
}
