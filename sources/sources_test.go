package sources

import (
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// key names a sample by family and labels.
func key(s Sample) string {
	var b strings.Builder
	b.WriteString(s.Name)
	for _, l := range s.Labels {
		b.WriteString("," + l.Name + "=" + l.Value)
	}
	return b.String()
}

func byKey(t *testing.T, samples []Sample) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, s := range samples {
		k := key(s)
		if _, dup := out[k]; dup {
			t.Fatalf("two samples of %s", k)
		}
		out[k] = s.Value
	}
	return out
}

// The Aurora message of the cloudwatch package's tests: every field lands
// in its family, in base units, and the cluster volume is device
// cluster-volume.
func TestOSSamplesAurora(t *testing.T) {
	raw, err := os.ReadFile("../cloudwatch/testdata/em-aurora-message.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := cloudwatch.ParseOSMetrics(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	got := byKey(t, OSSamples(m))
	want := map[string]float64{
		"rdsosmetrics_cpu_utilization_percent,mode=idle":                            90,
		"rdsosmetrics_cpu_utilization_percent,mode=user":                            6.5,
		"rdsosmetrics_vcpus":                                                        4,
		"rdsosmetrics_load15":                                                       0.7,
		"rdsosmetrics_uptime_seconds":                                               3*86400 + 3723,
		"rdsosmetrics_memory_free_bytes":                                            900000 * 1024,
		"rdsosmetrics_memory_huge_page_size_bytes":                                  2048 * 1024,
		"rdsosmetrics_tasks,state=running":                                          2,
		"rdsosmetrics_swap_out_bytes_per_second":                                    0.25 * 1024,
		"rdsosmetrics_network_transmit_bytes_per_second,interface=eth0":             22000.25,
		"rdsosmetrics_disk_read_latency_seconds,device=cluster-volume":              0.52e-3,
		"rdsosmetrics_disk_read_bytes_per_second,device=cluster-volume":             131072,
		"rdsosmetrics_disk_queue_length,device=cluster-volume":                      1,
		"rdsosmetrics_disk_write_bytes_per_second,device=rdstemp":                   10.5 * 1024,
		"rdsosmetrics_disk_await_seconds,device=rdstemp":                            0.8e-3,
		"rdsosmetrics_filesystem_used_bytes,filesystem=local,mountpoint=/rdsdbdata": 1200000 * 1024,
		"rdsosmetrics_filesystem_files,filesystem=local,mountpoint=/rdsdbdata":      524288,
		"rdsosmetrics_processes_rss_bytes,process=OS processes":                     90000 * 1024,
		"rdsosmetrics_processes_cpu_percent,process=OS processes":                   0.05,
		"rdsosmetrics_filesystem_files_used,filesystem=local,mountpoint=/rdsdbdata": 900,
		"rdsosmetrics_disk_transactions_per_second,device=rdstemp":                  2.5,
		"rdsosmetrics_memory_huge_pages":                                            0,
		"rdsosmetrics_disk_write_latency_seconds,device=cluster-volume":             0.9e-3,
		"rdsosmetrics_disk_write_iops,device=cluster-volume":                        8.25,
		"rdsosmetrics_disk_utilization_percent,device=rdstemp":                      0.3,
		"rdsosmetrics_disk_request_size_bytes,device=rdstemp":                       6 * 1024,
		"rdsosmetrics_network_receive_bytes_per_second,interface=eth0":              1500.5,
		"rdsosmetrics_swap_total_bytes":                                             4193276 * 1024,
		"rdsosmetrics_filesystem_size_bytes,filesystem=local,mountpoint=/rdsdbdata": 8000000 * 1024,
		"rdsosmetrics_processes_memory_percent,process=OS processes":                2.5,
		"rdsosmetrics_processes_vss_bytes,process=OS processes":                     1500000 * 1024,
		"rdsosmetrics_memory_page_tables_bytes":                                     12000 * 1024,
		"rdsosmetrics_disk_read_merged_per_second,device=rdstemp":                   0,
		"rdsosmetrics_disk_write_merged_per_second,device=rdstemp":                  0.1,
		"rdsosmetrics_disk_queue_length,device=rdstemp":                             0.01,
		"rdsosmetrics_cpu_utilization_percent,mode=steal":                           0.3,
		"rdsosmetrics_memory_total_bytes":                                           15900000 * 1024,
		"rdsosmetrics_tasks,state=sleeping":                                         120,
		"rdsosmetrics_disk_read_iops,device=rdstemp":                                0.5,
		"rdsosmetrics_load1":                                                        0.52,
		"rdsosmetrics_memory_dirty_bytes":                                           640 * 1024,
		"rdsosmetrics_disk_write_bytes_per_second,device=cluster-volume":            65536.5,
		"rdsosmetrics_disk_read_bytes_per_second,device=rdstemp":                    4 * 1024,
		"rdsosmetrics_disk_read_iops,device=cluster-volume":                         12.5,
		"rdsosmetrics_disk_write_iops,device=rdstemp":                               2,
		"rdsosmetrics_swap_free_bytes":                                              4190000 * 1024,
		"rdsosmetrics_memory_cached_bytes":                                          8000000 * 1024,
		"rdsosmetrics_memory_active_bytes":                                          4000000 * 1024,
		"rdsosmetrics_memory_slab_bytes":                                            700000 * 1024,
		"rdsosmetrics_memory_buffers_bytes":                                         1000000 * 1024,
		"rdsosmetrics_memory_inactive_bytes":                                        6000000 * 1024,
		"rdsosmetrics_memory_mapped_bytes":                                          500000 * 1024,
		"rdsosmetrics_swap_cached_bytes":                                            100 * 1024,
		"rdsosmetrics_load5":                                                        0.61,
		"rdsosmetrics_cpu_utilization_percent,mode=system":                          2.5,
		"rdsosmetrics_cpu_utilization_percent,mode=wait":                            0.4,
		"rdsosmetrics_cpu_utilization_percent,mode=irq":                             0.1,
		"rdsosmetrics_cpu_utilization_percent,mode=nice":                            0.2,
		"rdsosmetrics_cpu_utilization_percent,mode=guest":                           0,
		"rdsosmetrics_memory_writeback_bytes":                                       0,
		"rdsosmetrics_memory_huge_pages_free":                                       0,
		"rdsosmetrics_memory_huge_pages_reserved":                                   0,
		"rdsosmetrics_memory_huge_pages_surplus":                                    0,
		"rdsosmetrics_tasks,state=blocked":                                          0,
		"rdsosmetrics_tasks,state=stopped":                                          0,
		"rdsosmetrics_tasks,state=zombie":                                           0,
		"rdsosmetrics_swap_in_bytes_per_second":                                     0,
	}
	if !maps.EqualFunc(got, want, near) {
		for k, v := range want {
			if g, ok := got[k]; !ok || !near(g, v) {
				t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("unexpected sample %s", k)
			}
		}
	}
}

// Every family the catalog documents is produced by the events of a
// PostgreSQL and an Aurora instance of the simulator, and nothing else is:
// the catalog and the conversion agree, and the labels are the catalog's.
func TestOSSamplesFamiliesMatchCatalog(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	sim := awssim.New(awssim.Options{Instances: 4, Now: func() time.Time { return now }, Monitoring: func(awssim.Instance) awssim.Monitoring {
		return awssim.Monitoring{MonitoringInterval: 1}
	}})
	families := map[string][]string{}
	for _, m := range catalog.OSMetrics() {
		families[m.Name] = m.Labels
	}
	seen := map[string]bool{}
	for _, in := range sim.Instances() {
		if in.Engine != "postgres" && in.Engine != "aurora-postgresql" {
			continue
		}
		ev, ok := sim.OSMetrics(in.ARN, now.Add(-time.Minute))
		if !ok {
			t.Fatalf("%s: no event", in.ID)
		}
		m, err := cloudwatch.ParseOSMetrics(ev.Message())
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range OSSamples(m) {
			labels, known := families[s.Name]
			names := make([]string, len(s.Labels))
			for i, l := range s.Labels {
				names[i] = l.Name
			}
			if !known || !slices.Equal(names, labels) {
				t.Errorf("%s%v: not a catalog family with those labels (%v)", s.Name, names, labels)
			}
			if Help(s.Name) == "" {
				t.Errorf("%s has no help", s.Name)
			}
			seen[s.Name] = true
		}
	}
	for name := range families {
		if !seen[name] {
			t.Errorf("catalog family %s is never produced", name)
		}
	}
}

// near reports whether a and b agree to 12 digits: a conversion to
// base units may round the last bit.
func near(a, b float64) bool { return math.Abs(a-b) <= 1e-12*math.Max(math.Abs(a), math.Abs(b)) }

func TestParseUptime(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"0:05:00", 300, true},
		{"1 day, 2:03:04", 86400 + 7384, true},
		{"53 days, 16:04:14", 53*86400 + 16*3600 + 4*60 + 14, true},
		{"12:00:00.5", 43200.5, true},
		{"", 0, false},
		{"3 weeks, 1:00:00", 0, false},
		{"1:00", 0, false},
		{"x days, 1:00:00", 0, false},
	} {
		got, ok := ParseUptime(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseUptime(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestPIFamilies(t *testing.T) {
	for _, tc := range []struct {
		name string
		dims map[string]string
		want []PIFamily
	}{
		{"total", nil, nil},
		{"wait event", map[string]string{"db.wait_event.name": "IO:DataFileRead", "db.wait_event.type": "IO"},
			[]PIFamily{{Name: "rds_pi_db_load_average", Labels: []catalog.Label{{Name: "wait_event", Value: "IO:DataFileRead"}, {Name: "wait_event_type", Value: "IO"}}}}},
		{"statement", map[string]string{"db.sql_tokenized.id": "AB12", "db.sql_tokenized.db_id": "pi-1", "db.sql_tokenized.statement": "SELECT 1"},
			[]PIFamily{
				{Name: "rds_pi_sql_db_load_average", Labels: []catalog.Label{{Name: "digest", Value: "AB12"}}},
				{Name: "rds_pi_sql_info", Info: true, Labels: []catalog.Label{{Name: "digest", Value: "AB12"}, {Name: "digest_db_id", Value: "pi-1"}, {Name: "statement", Value: "SELECT 1"}}},
			}},
	} {
		got := PIFamilies(cloudwatch.PISeries{Metric: "db.load.avg", Dimensions: tc.dims})
		if !slices.EqualFunc(got, tc.want, func(a, b PIFamily) bool {
			return a.Name == b.Name && a.Info == b.Info && slices.Equal(a.Labels, b.Labels)
		}) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
		for _, f := range got {
			if s := f.Sample(2.5); s.Value != map[bool]float64{true: 1, false: 2.5}[f.Info] || catalog.PIMetricHelp(f.Name) == "" {
				t.Errorf("%s: sample %+v", f.Name, s)
			}
		}
	}
}

// The README documents every series family the sources produce.
func TestREADMEListsSeries(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range catalog.OSMetrics() {
		if !strings.Contains(string(b), "| `"+m.Name+"` |") {
			t.Errorf("README.md has no row of %s", m.Name)
		}
	}
	for _, m := range catalog.PIMetrics() {
		if !strings.Contains(string(b), "| `"+m.Name+"` |") {
			t.Errorf("README.md has no row of %s", m.Name)
		}
	}
}

// A sample's series has the DB instance's identity labels as the
// exporter's labeling names them (YACE's camelCase or snake case), then
// the family's labels.
func TestSeriesLabels(t *testing.T) {
	tg := model.Target{AccountID: "123456789012", Region: "eu-west-1"}
	r := model.Resource{Target: tg, Kind: model.KindDBInstance, ID: "db-1", ARN: tg.ARN(model.KindDBInstance, "db-1")}
	s := Sample{Name: catalog.OSDiskAwait, Labels: []catalog.Label{{Name: catalog.LabelDevice, Value: "rdsdev"}}}
	for _, tc := range []struct {
		l        catalog.Labeling
		instance string
	}{
		{catalog.Labeling{}, "dimension_DBInstanceIdentifier"},
		{catalog.Labeling{SnakeCase: true}, "dimension_dbinstance_identifier"},
	} {
		want := []catalog.Label{
			{Name: catalog.LabelName, Value: r.ARN}, {Name: tc.instance, Value: "db-1"},
			{Name: catalog.LabelRegion, Value: "eu-west-1"}, {Name: catalog.LabelAccountID, Value: "123456789012"},
			{Name: catalog.LabelDevice, Value: "rdsdev"},
		}
		if got := s.SeriesLabels(tc.l, r); !slices.Equal(got, want) {
			t.Errorf("snake case %t: %v, want %v", tc.l.SnakeCase, got, want)
		}
	}
}
