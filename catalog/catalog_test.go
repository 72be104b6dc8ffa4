package catalog

import (
	"strings"
	"testing"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// The expected names follow YACE's BuildMetricName (pkg/promutil): the
// namespace, the metric in PromString's snake case without a leading "aws"
// or "rds", "_", the statistic in snake case.
func TestPromName(t *testing.T) {
	for _, tc := range []struct{ metric, stat, want string }{
		{"CPUUtilization", "Average", "aws_rds_cpuutilization_average"},
		{"FreeStorageSpace", "Average", "aws_rds_free_storage_space_average"},
		{"DatabaseConnections", "Maximum", "aws_rds_database_connections_maximum"},
		{"EBSIOBalance%", "Average", "aws_rds_ebsiobalance_percent_average"},
		{"EBSByteBalance%", "Maximum", "aws_rds_ebsbyte_balance_percent_maximum"},
		{"ReadIOPS", "Average", "aws_rds_read_iops_average"},
		{"WriteLatency", "Maximum", "aws_rds_write_latency_maximum"},
		{"NetworkReceiveThroughput", "Average", "aws_rds_network_receive_throughput_average"},
		{"CPUCreditBalance", "Minimum", "aws_rds_cpucredit_balance_minimum"},
		{"DBLoadCPU", "Average", "aws_rds_dbload_cpu_average"},
		{"DBLoadRelativeToNumVCPUs", "Average", "aws_rds_dbload_relative_to_num_vcpus_average"},
		{"MaximumUsedTransactionIDs", "Maximum", "aws_rds_maximum_used_transaction_ids_maximum"},
		{"ReadIOPSLocalStorage", "Average", "aws_rds_read_iopslocal_storage_average"},
		{"TempDbAvailableDataSpace", "SampleCount", "aws_rds_temp_db_available_data_space_sample_count"},
		{"BinLogDiskUsage", "Sum", "aws_rds_bin_log_disk_usage_sum"},
		{"VolumeReadIOPs", "Average", "aws_rds_volume_read_iops_average"},
		{"AuroraGlobalDBRPOLag", "Maximum", "aws_rds_aurora_global_dbrpolag_maximum"},
		{"QueryDatabaseResponseLatency", "Average", "aws_rds_query_database_response_latency_average"},
		{"Some.Metric-Name/x", "p99", "aws_rds_some_metric_name_x_p99"},
		// YACE trims the parts of the namespace from the metric's start.
		{"RDSToAuroraPostgreSQLReplicaLag", "Average", "aws_rds_to_aurora_postgre_sqlreplica_lag_average"},
		{"AwsThing", "Average", "aws_rds_thing_average"},
		// ...and always writes "_" before the statistic.
		{"Trailing_", "Average", "aws_rds_trailing__average"},
		// Extended statistics.
		{"ReadLatency", "p99.9", "aws_rds_read_latency_p99_9"},
		{"ReadLatency", "p50", "aws_rds_read_latency_p50"},
		{"ReadLatency", "tm99", "aws_rds_read_latency_tm99"},
		{"ReadLatency", "IQM", "aws_rds_read_latency_iqm"},
		{"ReadLatency", "wm90", "aws_rds_read_latency_wm90"},
		{"ReadLatency", "TM(10%:90%)", "aws_rds_read_latency_tm_10_percent_90_percent_"},
		{"ReadLatency", "PR(:300)", "aws_rds_read_latency_pr__300_"},
	} {
		if got := PromName(tc.metric, tc.stat); got != tc.want {
			t.Errorf("PromName(%q, %q) = %q, want %q", tc.metric, tc.stat, got, tc.want)
		}
	}
}

func TestCheckStatistic(t *testing.T) {
	for _, tc := range []struct{ stat, wantErr string }{
		{"Average", ""}, {"SampleCount", ""}, {"IQM", ""},
		{"p50", ""}, {"p99", ""}, {"p99.9", ""}, {"p99.99", ""}, {"p100", ""}, {"p0", ""},
		{"tm99", ""}, {"wm90", ""}, {"tc90", ""}, {"ts90", ""},
		{"TM(10%:90%)", ""}, {"TM(:95%)", ""}, {"WM(5%:)", ""}, {"TC(150:1000)", ""}, {"TS(0.5:2.25)", ""}, {"PR(:300)", ""}, {"PR(100:2000)", ""},
		{"Median", `unknown statistic "Median" (Average, Maximum`},
		{"average", `unknown statistic "average" (did you mean "Average"? statistics are case-sensitive)`},
		{"P99", `unknown statistic "P99" (did you mean "p99"? statistics are case-sensitive)`},
		{"tm(10%:90%)", `unknown statistic "tm(10%:90%)" (did you mean "TM(10%:90%)"? statistics are case-sensitive)`},
		{"p101", `statistic "p101": percentage 101 is above 100`},
		{"p99.12345678901", `statistic "p99.12345678901": "99.12345678901" has more than ten decimals`},
		{"TM(:)", `statistic "TM(:)": TM(:) needs a lower or an upper bound`},
		{"TM(90%:10%)", `statistic "TM(90%:10%)": TM(90%:10%): the lower bound is not below the upper`},
		{"TM(10:90%)", `statistic "TM(10:90%)": TM(10:90%) mixes a percentage and a value`},
		{"WM(10%:190%)", `statistic "WM(10%:190%)": WM(10%:190%) has a percentage above 100`},
		{"PR(10%:)", `statistic "PR(10%:)": PR takes values, not percentages, e.g. PR(:300)`},
		{"TM(a:1)", `statistic "TM(a:1)": bound "a" is not a number`},
		{"p", `unknown statistic "p"`},
		{"", `unknown statistic ""`},
	} {
		err := CheckStatistic(tc.stat)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("CheckStatistic(%q) = %v, want nil", tc.stat, err)
		case tc.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.wantErr)):
			t.Errorf("CheckStatistic(%q) = %v, want %q...", tc.stat, err, tc.wantErr)
		}
	}
}

func TestCheckMetricName(t *testing.T) {
	for _, tc := range []struct{ name, wantErr string }{
		{"AuroraReplicaLag", ""},
		{"SomeFutureMetric", ""},
		{"EBSIOBalance%", ""},
		{"", "empty metric name"},
		{strings.Repeat("a", 256), "metric name of 256 characters"},
		{"Bad#Name", `metric name "Bad#Name" gives the Prometheus name "aws_rds_bad#name_average", which is not valid`},
	} {
		err := CheckMetricName(tc.name)
		if (tc.wantErr == "") != (err == nil) || (err != nil && !strings.HasPrefix(err.Error(), tc.wantErr)) {
			t.Errorf("CheckMetricName(%q) = %v, want %q", tc.name, err, tc.wantErr)
		}
	}
}

func TestCatalog(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range Metrics() {
		if seen[m.Name] {
			t.Errorf("duplicate metric %q", m.Name)
		}
		seen[m.Name] = true
		if m.Unit == "" || m.Help == "" || len(m.Kinds) == 0 {
			t.Errorf("metric %q lacks unit, help or kinds", m.Name)
		}
		if err := CheckMetricName(m.Name); err != nil {
			t.Error(err)
		}
	}
	for _, k := range model.Kinds() {
		if len(DefaultMetrics(k)) == 0 {
			t.Errorf("kind %s has no default metric", k)
		}
	}
	if _, ok := Lookup("CPUUtilization"); !ok {
		t.Error("Lookup(CPUUtilization) failed")
	}
	if _, ok := Lookup("NoSuchMetric"); ok {
		t.Error("Lookup(NoSuchMetric) succeeded")
	}
	if Help("NoSuchMetric") != "CloudWatch metric NoSuchMetric of AWS/RDS." || Unit("NoSuchMetric") != "unknown" || Unit("ReadLatency") != "Seconds" {
		t.Error("generic help or unit is wrong")
	}
}
