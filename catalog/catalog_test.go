package catalog

import (
	"slices"
	"testing"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

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
		{"Some.Metric-Name/x", "p99", "aws_rds_some_metric_name_x_p99"},
		{"Trailing_", "Average", "aws_rds_trailing_average"},
	} {
		if got := PromName(tc.metric, tc.stat); got != tc.want {
			t.Errorf("PromName(%q, %q) = %q, want %q", tc.metric, tc.stat, got, tc.want)
		}
	}
}

func TestCatalog(t *testing.T) {
	seen := map[string]bool{}
	defaults := 0
	for _, m := range Metrics() {
		if seen[m.Name] {
			t.Errorf("duplicate metric %q", m.Name)
		}
		seen[m.Name] = true
		if m.Unit == "" || m.Help == "" {
			t.Errorf("metric %q lacks unit or help", m.Name)
		}
		if m.Default {
			defaults++
		}
	}
	if defaults != 20 {
		t.Errorf("want 20 default metrics, got %d", defaults)
	}
	if _, ok := Lookup("CPUUtilization"); !ok {
		t.Error("Lookup(CPUUtilization) failed")
	}
	if _, ok := Lookup("NoSuchMetric"); ok {
		t.Error("Lookup(NoSuchMetric) succeeded")
	}
	if !ValidStatistic("Average") || ValidStatistic("Median") {
		t.Error("ValidStatistic is wrong")
	}
}

func TestQueries(t *testing.T) {
	sel := []Selection{{Metric: "CPUUtilization", Statistics: []string{Average, Maximum}}, {Metric: "FreeStorageSpace", Statistics: []string{Average}}}
	a := model.Resource{Kind: model.KindDBInstance, ID: "a"}
	b := model.Resource{Kind: model.KindDBInstance, ID: "b"}
	qs := Queries([]model.Resource{a, b}, sel)
	if len(qs) != 6 || QueriesPerResource(sel) != 3 {
		t.Fatalf("%d queries, want 6", len(qs))
	}
	if q := qs[4]; q.Resource != b || q.Metric != "CPUUtilization" || q.Statistic != Maximum {
		t.Errorf("qs[4] = %+v", q)
	}
}

func TestSeriesLabels(t *testing.T) {
	r := model.Resource{Target: model.Target{AccountID: "123456789012", Region: "eu-west-1"}, Kind: model.KindDBInstance, ID: "db-1"}
	r.ARN = r.Target.ARN(r.Kind, r.ID)
	want := []Label{
		{"name", "arn:aws:rds:eu-west-1:123456789012:db:db-1"},
		{"dimension_DBInstanceIdentifier", "db-1"},
		{"region", "eu-west-1"},
		{"account_id", "123456789012"},
	}
	if got := SeriesLabels(r); !slices.Equal(got, want) {
		t.Errorf("SeriesLabels = %v, want %v", got, want)
	}
	if got := LabelNames(model.KindDBInstance); !slices.Equal(got, []string{LabelName, LabelInstanceID, LabelRegion, LabelAccountID}) {
		t.Errorf("LabelNames = %v", got)
	}
	if DimensionLabel(model.KindDBInstance) != LabelInstanceID {
		t.Errorf("DimensionLabel(db) = %q, want %q", DimensionLabel(model.KindDBInstance), LabelInstanceID)
	}
	if got := LabelValues(r); !slices.Equal(got, []string{r.ARN, "db-1", "eu-west-1", "123456789012"}) {
		t.Errorf("LabelValues = %v", got)
	}
}
