package dashboards_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/telemetry"
)

// metricKind is how a series behaves, which decides the PromQL that may read it.
type metricKind int

const (
	gauge metricKind = iota
	counter
	histogram
)

// selfPrefix is the namespace of the exporter's own metrics.
const selfPrefix = "rds_backfill_exporter_"

// selfMetric is one metric the exporter registers about itself.
type selfMetric struct {
	name string // without selfPrefix
	kind metricKind
	// series are label name/value pairs of series the exporter exports,
	// one slice per series (values are examples); nil means one series
	// without labels. TestSelfMetricsAreRegistered checks the label names.
	series [][]string
}

// selfMetrics is the one list of the exporter's own metrics that dashboards
// and rules may use. Keep it in step with what the exporter registers.
func selfMetrics() []selfMetric {
	outcome := func(values ...string) [][]string {
		var s [][]string
		for _, v := range values {
			s = append(s, []string{"outcome", v})
		}
		return s
	}
	return []selfMetric{
		{"cloudwatch_requests_total", counter, [][]string{
			{"api", "GetMetricData", "outcome", "success"}, {"api", "GetMetricData", "outcome", "error"},
			{"api", "DescribeDBInstances", "outcome", "success"}, {"api", "DescribeDBInstances", "outcome", "error"},
		}},
		{"cloudwatch_throttles_total", counter, [][]string{{"api", "GetMetricData"}, {"api", "DescribeDBInstances"}}},
		{"cloudwatch_metrics_requested_total", counter, [][]string{{"caller", "live"}, {"caller", "backfill"}}},
		{"cloudwatch_datapoints_total", counter, [][]string{{"caller", "live"}, {"caller", "backfill"}}},
		{"poll_duration_seconds", histogram, nil},
		{"polls_total", counter, outcome("success", "failure")},
		{"last_poll_success", gauge, nil},
		{"last_poll_success_timestamp_seconds", gauge, nil},
		{"instances", gauge, [][]string{{"provider", "aws"}}},
		{"discovery_last_success_timestamp_seconds", gauge, nil},
		{"discovery_errors_total", counter, nil},
		{"backfill_history_seconds_total", counter, nil},
		{"backfill_samples_total", counter, nil},
		{"backfill_blocks_total", counter, nil},
		{"backfill_jobs_running", gauge, nil},
		{"backfill_jobs_total", counter, outcome("success", "failure", "canceled")},
		{"backfill_coverage_seconds", gauge, [][]string{{catalog.LabelInstanceID, "orders-db"}}},
		{"backfill_remote_write_requests_total", counter, nil},
		{"backfill_remote_write_retries_total", counter, nil},
		{"backfill_blocks_uploaded_total", counter, nil},
		{"backfill_uploaded_bytes_total", counter, nil},
		{"build_info", gauge, [][]string{{"version", "0.1.0", "revision", "abc1234", "goversion", "go1.26.8"}}},
	}
}

// producedMetrics maps every metric name the exporter produces to its kind:
// the catalog metrics with the statistics the exporter fetches (Average and
// Maximum), the info series, Enhanced Monitoring's and Performance
// Insights' series, and the self-metrics, histograms as their _bucket,
// _count and _sum series (counters).
func producedMetrics() map[string]metricKind {
	names := map[string]metricKind{catalog.InfoMetric: gauge}
	for _, m := range catalog.Metrics() {
		for _, s := range catalog.DefaultStatistics() {
			names[catalog.PromName(m.Name, s)] = gauge
		}
	}
	for _, name := range sourceFamilies() {
		names[name] = gauge
	}
	for _, m := range selfMetrics() {
		if m.kind == histogram {
			for _, suffix := range []string{"_bucket", "_count", "_sum"} {
				names[selfPrefix+m.name+suffix] = counter
			}
			continue
		}
		names[selfPrefix+m.name] = m.kind
	}
	return names
}

// isCounter reports whether a series only makes sense under rate or increase.
func isCounter(name string, produced map[string]metricKind) bool {
	if produced[name] == counter {
		return true
	}
	for _, suffix := range []string{"_total", "_bucket", "_count", "_sum"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return false
}

// catalogMetricOf returns the catalog metric whose series a name is.
func catalogMetricOf(name string) (catalog.Metric, bool) {
	for _, m := range catalog.Metrics() {
		for _, s := range catalog.DefaultStatistics() {
			if catalog.PromName(m.Name, s) == name {
				return m, true
			}
		}
	}
	return catalog.Metric{}, false
}

// TestSelfMetricsAreRegistered checks the list above against what the
// exporter registers: every listed metric exists, with the same type and
// label names.
func TestSelfMetricsAreRegistered(t *testing.T) {
	m := telemetry.New()
	reg := prometheus.NewPedanticRegistry()
	if err := m.Register(reg); err != nil {
		t.Fatal(err)
	}
	touchVectors(m)
	m.BackfillCoverage.Set(model.Resource{Kind: model.KindDBInstance, ID: "x", ARN: "arn:x"}, 1)
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	registered := map[string]*dto.MetricFamily{}
	for _, f := range families {
		registered[f.GetName()] = f
	}
	kinds := map[metricKind]dto.MetricType{gauge: dto.MetricType_GAUGE, counter: dto.MetricType_COUNTER, histogram: dto.MetricType_HISTOGRAM}
	for _, sm := range selfMetrics() {
		f, ok := registered[selfPrefix+sm.name]
		if !ok {
			t.Errorf("%s%s is not registered by the exporter", selfPrefix, sm.name)
			continue
		}
		if f.GetType() != kinds[sm.kind] {
			t.Errorf("%s: registered as %s", f.GetName(), f.GetType())
		}
		for _, pairs := range sm.series {
			for i := 0; i < len(pairs); i += 2 {
				if !hasLabel(f, pairs[i]) {
					t.Errorf("%s has no label %s", f.GetName(), pairs[i])
				}
			}
		}
	}
}

// touchVectors creates one child of every metric vector among the fields of
// m, whatever their names, so that Gather shows the vectors.
func touchVectors(m any) {
	v := reflect.ValueOf(m).Elem()
	for i := range v.NumField() {
		withLabelValues := v.Field(i).MethodByName("WithLabelValues")
		if !withLabelValues.IsValid() {
			continue
		}
		for n := 1; n <= 8 && !tryLabelValues(withLabelValues, n); n++ {
		}
	}
}

// tryLabelValues calls WithLabelValues with n values; it panics on a wrong
// number of values.
func tryLabelValues(withLabelValues reflect.Value, n int) (ok bool) {
	defer func() { ok = recover() == nil }()
	args := make([]reflect.Value, n)
	for i := range args {
		args[i] = reflect.ValueOf("x")
	}
	withLabelValues.Call(args)
	return true
}

func hasLabel(f *dto.MetricFamily, name string) bool {
	for _, m := range f.GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == name {
				return true
			}
		}
	}
	return false
}
