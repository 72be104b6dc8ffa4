package exporter_test

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// tools are the pinned Prometheus tools.
var tools testtools.Tools

// With the default config, a poll asks, for every instance, cluster and
// proxy, exactly the default metrics of its kind that CloudWatch lists for
// it: every one of them (twice: Average and Maximum), and no other. The
// counts are awssim's, per resource and metric.
func TestDefaultConfigAsksOnlyWhatExists(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts awssim.Options
		// want are metrics some resource of the fleet must be polled for.
		want []string
	}{
		{"postgresql", awssim.Options{Instances: 12, Engines: []string{"postgres"}},
			[]string{"DBLoadCPU", "DBLoadNonCPU", "MaximumUsedTransactionIDs", "OldestReplicationSlotLag", "OldestLogicalReplicationSlotLag",
				"ReplicationSlotDiskUsage", "TransactionLogsDiskUsage", "TransactionLogsGeneration", "CheckpointLag", "ReplicaLag", "CPUCreditBalance"}},
		{"mysql", awssim.Options{Instances: 12, Engines: []string{"mysql", "mariadb"}},
			[]string{"BinLogDiskUsage", "ReplicaLag", "DBLoad", "BurstBalance"}},
		{"aurora", awssim.Options{Instances: 12, Engines: []string{"aurora-postgresql", "aurora-mysql"}, ClusterSize: 3, Proxies: 3},
			[]string{"AuroraReplicaLag", "AuroraReplicaLagMaximum", "VolumeBytesUsed", "ServerlessDatabaseCapacity", "ACUUtilization",
				"AuroraGlobalDBReplicationLag", "ClientConnections", "QueryDatabaseResponseLatency", "Queries"}},
		{"mixed", awssim.Options{Instances: 20, Proxies: 2}, []string{"CheckpointLag", "BinLogDiskUsage", "VolumeBytesUsed", "ClientConnections"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := startSim(t, tc.opts)
			x := newExporter(t, sim, "regions: [us-east-1]\n", t.TempDir())
			sim.ResetCounters()
			if err := x.Poll(t.Context()); err != nil {
				t.Fatal(err)
			}
			pub := testtools.Published(sim)
			counts := sim.Counters().ResourceQueries
			polled := map[string]bool{}
			resources := 0
			for _, r := range x.Resources() {
				queried, have := counts[r.Key()], pub[r.Key()]
				for m, n := range queried {
					polled[m] = true
					if !have[m] {
						t.Errorf("%s: %d queries for %s, which ListMetrics does not list", r.Key(), n, m)
					}
				}
				for _, m := range catalog.DefaultMetrics(r.Kind) {
					if have[m] && queried[m] != 2 {
						t.Errorf("%s: CloudWatch has the default metric %s, polled %d times, want 2 (Average, Maximum)", r.Key(), m, queried[m])
					}
				}
				if !r.MetricsListed {
					t.Errorf("%s: metrics not checked against ListMetrics", r.Key())
				}
				resources++
			}
			for k := range counts {
				if !slices.ContainsFunc(x.Resources(), func(r model.Described) bool { return r.Key() == k }) {
					t.Errorf("queries for %s, which is no resource of the exporter", k)
				}
			}
			for _, m := range tc.want {
				if !polled[m] {
					t.Errorf("no resource polled for %s", m)
				}
			}
			n := sim.Counters().MetricsRequested
			instances := len(model.OfKind(x.Resources(), model.KindDBInstance))
			t.Logf("%d resources (%d instances): %d metrics requested per poll, was %d (20 metrics x 2 statistics per instance)", resources, instances, n, 40*instances)
		})
	}
}

// scrape returns /metrics as label sets per metric name, the value under
// the key "__value__", and checks it with promtool: no finding but YACE's
// camelCase dimension labels.
func scrape(t *testing.T, base string) map[string][]map[string]string {
	t.Helper()
	_, _, raw := testtools.Do(t, http.MethodGet, base+"/metrics")
	b := string(raw)
	tools.CheckMetrics(t, b)
	out := map[string][]map[string]string{}
	for _, line := range strings.Split(b, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, rest, _ := strings.Cut(line, "{")
		labels, value, _ := strings.Cut(rest, "} ")
		m := map[string]string{"__value__": value}
		for _, kv := range splitLabels(labels) {
			k, v, _ := strings.Cut(kv, "=")
			m[k] = strings.Trim(v, `"`)
		}
		out[name] = append(out[name], m)
	}
	return out
}

// splitLabels splits `a="x",b="y,z"` at the commas between labels.
func splitLabels(s string) []string {
	var out []string
	quoted, start := false, 0
	for i, c := range s {
		switch {
		case c == '"' && (i == 0 || s[i-1] != '\\'):
			quoted = !quoted
		case c == ',' && !quoted:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// Aurora clusters and RDS Proxies are served live with YACE's label names,
// and aws_rds_info (value 0, with tag_ labels) describes every resource:
// the roles of a cluster's members, its writer, the proxy's family.
func TestClustersAndProxiesLive(t *testing.T) {
	sim := startSim(t, awssim.Options{Instances: 8, Engines: []string{"aurora-postgresql", "postgres"}, Proxies: 2})
	x := newExporter(t, sim, "regions: [us-east-1]\ndiscovery: {aggregates: [cluster-role, database-class, engine-name]}\n", t.TempDir())
	if err := x.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(x.Handler())
	t.Cleanup(srv.Close)
	fams := scrape(t, srv.URL)
	cl, px := sim.Clusters()[0], sim.Proxies()[0]
	find := func(name string, match map[string]string) map[string]string {
		t.Helper()
		for _, m := range fams[name] {
			if containsAll(m, match) {
				return m
			}
		}
		t.Errorf("%s has no series with %v", name, match)
		return nil
	}
	find("aws_rds_volume_bytes_used_average", map[string]string{"name": cl.ARN, "dimension_DBClusterIdentifier": cl.ID, "region": "us-east-1", "account_id": sim.AccountID()})
	find("aws_rds_client_connections_average", map[string]string{"name": px.ARN, "dimension_ProxyName": px.Name})
	find("aws_rds_cpuutilization_average", map[string]string{"name": cl.ARN, "dimension_DBClusterIdentifier": cl.ID, "dimension_Role": "WRITER"})
	find("aws_rds_cpuutilization_average", map[string]string{"name": "global", "dimension_DatabaseClass": sim.Instances()[0].Class})
	find("aws_rds_cpuutilization_average", map[string]string{"name": "global", "dimension_EngineName": "postgres"})
	info := find(catalog.InfoMetric, map[string]string{"name": cl.ARN, "dimension_DBClusterIdentifier": cl.ID, "writer": cl.Members[0].InstanceID,
		"engine": cl.Engine, "tag_team": cl.Tags["team"], "__value__": "0"})
	if info != nil && info["dimension_DBInstanceIdentifier"] != "" {
		t.Errorf("the cluster's info has an instance label: %v", info)
	}
	find(catalog.InfoMetric, map[string]string{"dimension_DBInstanceIdentifier": cl.Members[0].InstanceID, "role": "writer", "cluster_id": cl.ID, "__value__": "0"})
	find(catalog.InfoMetric, map[string]string{"dimension_DBInstanceIdentifier": cl.Members[1].InstanceID, "role": "reader", "cluster_id": cl.ID})
	find(catalog.InfoMetric, map[string]string{"name": px.ARN, "dimension_ProxyName": px.Name, "engine_family": px.EngineFamily, "tag_env": px.Tags["env"]})
	for _, m := range fams[catalog.InfoMetric] {
		if m["__value__"] != "0" {
			t.Errorf("aws_rds_info %v is not 0", m)
		}
	}
}

func containsAll(have, want map[string]string) bool {
	for k, v := range want {
		if have[k] != v {
			return false
		}
	}
	return true
}

// Clusters and proxies are backfilled through the API, each into its own
// series; an instance with a cluster's identifier is another resource,
// with its own (here empty) history.
func TestClustersAndProxiesBackfilled(t *testing.T) {
	sim := startSim(t, awssim.Options{Instances: 4, Engines: []string{"aurora-postgresql"}, Proxies: 1})
	cl, px := sim.Clusters()[0], sim.Proxies()[0]
	// A static instance with the cluster's identifier: CloudWatch has no
	// data for it.
	x := newExporter(t, sim, fmt.Sprintf("regions: [us-east-1]\nstatic: [{id: %s}]\n", cl.ID), t.TempDir())
	srv := httptest.NewServer(x.Handler())
	t.Cleanup(srv.Close)

	for _, tc := range []struct{ path, field, id, arn, dim string }{
		{"clusters", "cluster_id", cl.ID, cl.ARN, "dimension_DBClusterIdentifier"},
		{"proxies", "proxy_id", px.Name, px.ARN, "dimension_ProxyName"},
	} {
		res := post(t, srv.URL+"/api/v1/"+tc.path+"/"+tc.id+"/metrics/backfill?days=2")
		if res[tc.field] != tc.id || res["success"] != true || res["hours_backfilled"] != 48.0 {
			t.Errorf("%s backfill: %v", tc.path, res)
		}
		var h historyAnswer
		get(t, srv.URL+"/api/v1/"+tc.path+"/"+tc.id+"/metrics/history?range=3d", &h)
		if len(h.Series) < 5 {
			t.Fatalf("%s: %d history series", tc.path, len(h.Series))
		}
		for _, s := range h.Series {
			if s.Labels["name"] != tc.arn || s.Labels[tc.dim] != tc.id || s.Labels["dimension_DBInstanceIdentifier"] != "" || s.Labels["job"] != "rds" {
				t.Fatalf("%s history: %s%v", tc.path, s.Metric, s.Labels)
			}
			metric, stat := metricOf(t, s.Metric)
			for _, smp := range s.Samples {
				want, ok := sim.Value(tc.arn, metric, stat, time.Unix(int64(smp[0]), 0), time.Hour)
				if !ok || math.Abs(want-smp[1]) > 1e-9*math.Max(1, math.Abs(want)) {
					t.Fatalf("%s %s at %v: %v, awssim has %v (%v)", tc.path, s.Metric, smp[0], smp[1], want, ok)
				}
			}
		}
	}

	inst := post(t, srv.URL+"/api/v1/instances/"+cl.ID+"/metrics/backfill?days=2")
	if inst["instance_id"] != cl.ID || inst["hours_backfilled"] != 0.0 || inst["hours_empty"] != 48.0 {
		t.Errorf("the instance named as the cluster: %v", inst)
	}
	var h struct {
		Series []any `json:"series"`
	}
	get(t, srv.URL+"/api/v1/instances/"+cl.ID+"/metrics/history?range=3d", &h)
	if len(h.Series) != 0 {
		t.Errorf("the instance named as the cluster has %d history series, want none", len(h.Series))
	}
	var list struct {
		Resources []struct {
			Kind         string `json:"kind"`
			ID           string `json:"id"`
			HoursCovered *int   `json:"hours_covered"`
		} `json:"resources"`
	}
	get(t, srv.URL+"/api/v1/resources", &list)
	covered := map[string]int{}
	for _, r := range list.Resources {
		if r.ID == cl.ID && r.HoursCovered != nil {
			covered[r.Kind] = *r.HoursCovered
		}
	}
	if covered["cluster"] != 48 || covered["db"] != 0 || len(covered) != 2 {
		t.Errorf("hours covered of %s by kind: %v", cl.ID, covered)
	}
}

// metricOf returns the CloudWatch metric and statistic of a series name
// of the default statistics.
func metricOf(t *testing.T, name string) (string, string) {
	t.Helper()
	for _, m := range catalog.Metrics() {
		for _, st := range catalog.DefaultStatistics() {
			if catalog.PromName(m.Name, st) == name {
				return m.Name, st
			}
		}
	}
	t.Fatalf("no catalog metric is named %s", name)
	return "", ""
}

// Extended statistics and metrics beyond the defaults (one the catalog
// knows but does not fetch by default, one it does not know) go through
// the config, the live poll and the backfill with YACE's names; a metric
// CloudWatch does not list is never asked for.
func TestExtendedStatisticsAndAddedMetrics(t *testing.T) {
	sim := startSim(t, awssim.Options{Instances: 4, Engines: []string{"aurora-postgresql"}})
	dir := t.TempDir()
	yml := "regions: [us-east-1]\nmetrics:\n  add:\n" +
		"    - {name: ReadLatency, statistics: [p99, p99.9, \"TM(10%:90%)\", IQM]}\n" +
		"    - {name: EngineUptime, statistics: [Maximum]}\n" +
		"    - {name: SomeFutureMetric, statistics: [p50]}\n"
	x := newExporter(t, sim, yml, dir)
	sim.ResetCounters()
	if err := x.Poll(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := sim.Counters().MetricQueries["SomeFutureMetric"]; n != 0 {
		t.Errorf("%d queries for a metric ListMetrics does not list", n)
	}
	srv := httptest.NewServer(x.Handler())
	t.Cleanup(srv.Close)
	fams := scrape(t, srv.URL)
	inst := sim.Instances()[0]
	names := []string{"aws_rds_read_latency_p99", "aws_rds_read_latency_p99_9", "aws_rds_read_latency_tm_10_percent_90_percent_",
		"aws_rds_read_latency_iqm", "aws_rds_engine_uptime_maximum"}
	for _, name := range names {
		if !slices.ContainsFunc(fams[name], func(m map[string]string) bool { return m["dimension_DBInstanceIdentifier"] == inst.ID }) {
			t.Errorf("no live %s of %s", name, inst.ID)
		}
	}
	post(t, srv.URL+"/api/v1/instances/"+inst.ID+"/metrics/backfill?days=1")
	stats := map[string][2]string{
		names[0]: {"ReadLatency", "p99"}, names[1]: {"ReadLatency", "p99.9"}, names[2]: {"ReadLatency", "TM(10%:90%)"},
		names[3]: {"ReadLatency", "IQM"}, names[4]: {"EngineUptime", "Maximum"},
	}
	for name, ms := range stats {
		written := blockSeries(t, dir, name, inst.ID)
		if len(written) != 1 || len(written[0].Samples) < 20 {
			t.Fatalf("%s: %d backfilled series", name, len(written))
		}
		for _, smp := range written[0].Samples {
			want, ok := sim.Value(inst.ARN, ms[0], ms[1], time.UnixMilli(smp.T), time.Hour)
			if !ok || math.Abs(want-smp.V) > 1e-9*math.Max(1, math.Abs(want)) {
				t.Fatalf("%s at %d: %v, awssim has %v (%v)", name, smp.T, smp.V, want, ok)
			}
		}
	}
}
