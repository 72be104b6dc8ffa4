package awssim

import (
	"slices"
	"strings"
	"testing"
)

// metricsByInstance returns the metrics PublishedSeries lists per instance.
func metricsByInstance(s *Server) map[string][]string {
	out := map[string][]string{}
	for _, sr := range s.PublishedSeries(s.AccountID(), s.Region()) {
		if id, ok := sr.Dimensions[dimInstance]; ok && len(sr.Dimensions) == 1 {
			out[id] = append(out[id], sr.Metric)
		}
	}
	return out
}

func TestEngineFleets(t *testing.T) {
	cases := []struct {
		name            string
		engines         []string
		always, never   []string
		replicas, burst bool
	}{
		{"PostgreSQL", []string{EnginePostgres}, docPostgres, []string{"BinLogDiskUsage", "VolumeBytesUsed", "AuroraReplicaLag"}, true, true},
		{"MySQL", []string{EngineMySQL}, docMySQL, []string{"MaximumUsedTransactionIDs", "CheckpointLag", "AuroraReplicaLag"}, true, true},
		{"Aurora PostgreSQL", []string{EngineAuroraPostgres}, []string{"MaximumUsedTransactionIDs", "BufferCacheHitRatio", "EngineUptime"}, []string{"FreeStorageSpace", "BinLogDiskUsage", "ReplicaLag", "CheckpointLag"}, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSim(Options{Instances: 12, Engines: tc.engines})
			byInstance := metricsByInstance(s)
			var replicas, burstable, pi int
			for _, in := range s.Instances() {
				ms := byInstance[in.ID]
				if in.Engine != tc.engines[0] {
					t.Fatalf("%s has engine %s", in.ID, in.Engine)
				}
				for _, m := range tc.always {
					if !slices.Contains(ms, m) {
						t.Errorf("%s lacks %s", in.ID, m)
					}
				}
				for _, m := range tc.never {
					if slices.Contains(ms, m) {
						t.Errorf("%s has %s", in.ID, m)
					}
				}
				if slices.Contains(ms, "ReplicaLag") != (in.ReplicaSource != "") || slices.Contains(ms, "CPUCreditBalance") != strings.HasPrefix(in.Class, "db.t") {
					t.Errorf("%s (replica of %q, class %s) publishes %v", in.ID, in.ReplicaSource, in.Class, ms)
				}
				replicas += int(boolInt(in.ReplicaSource != ""))
				burstable += int(boolInt(strings.HasPrefix(in.Class, "db.t")))
				pi += int(boolInt(slices.Contains(ms, "DBLoad")))
			}
			if (replicas > 0) != tc.replicas || (burstable > 0) != tc.burst || pi == 0 || pi == 12 {
				t.Errorf("%d replicas, %d burstable, %d with Performance Insights of 12", replicas, burstable, pi)
			}
		})
	}
}

func TestAuroraFleetShape(t *testing.T) {
	s := newTestSim(Options{Instances: 9, Engines: []string{EngineAuroraPostgres}, ClusterSize: 3, Proxies: 4})
	cs := s.Clusters()
	if len(cs) != 3 {
		t.Fatalf("%d clusters, want 3", len(cs))
	}
	for k, c := range cs {
		if len(c.Members) != 3 || !c.Members[0].Writer || c.Members[1].Writer || c.Serverless() != (k == 1) || (c.GlobalClusterID != "") != (k == 2) {
			t.Errorf("cluster %d: %+v", k, c)
		}
	}
	for _, in := range s.Instances() {
		if (in.Class == serverlessClass) != (in.ClusterID == cs[1].ID) {
			t.Errorf("%s in %s has class %s", in.ID, in.ClusterID, in.Class)
		}
	}
	ps := s.Proxies()
	if len(ps) != 4 || ps[3].TargetID != cs[0].ID || ps[0].EngineFamily != "POSTGRESQL" {
		t.Errorf("proxies %+v", ps)
	}
	byInstance := metricsByInstance(s)
	if w := byInstance[cs[0].Members[0].InstanceID]; !slices.Contains(w, "AuroraReplicaLagMaximum") || slices.Contains(w, "AuroraReplicaLag") {
		t.Errorf("writer publishes %v", w)
	}
	if r := byInstance[cs[0].Members[1].InstanceID]; slices.Contains(r, "AuroraReplicaLagMaximum") || !slices.Contains(r, "AuroraReplicaLag") {
		t.Errorf("reader publishes %v", r)
	}
}

func TestClassesAndReplicasOptions(t *testing.T) {
	s := newTestSim(Options{Instances: 12, Engines: []string{EngineMariaDB}, Classes: []string{"db.t3.micro", "db.r6g.4xlarge"}, ReplicaEvery: -1})
	for i, in := range s.Instances() {
		want := []string{"db.t3.micro", "db.r6g.4xlarge"}[i%2]
		if in.Class != want || in.ReplicaSource != "" {
			t.Errorf("%s: class %s, replica of %q; want %s and no replica", in.ID, in.Class, in.ReplicaSource, want)
		}
	}
	c := s.order[0].byID["sim-mariadb-02"].class
	if c.vcpus != 16 || c.memGiB != 128 || c.burstable {
		t.Errorf("db.r6g.4xlarge: %+v", c)
	}
}

func TestOptionsCheck(t *testing.T) {
	cases := []struct {
		name string
		o    Options
		want string
	}{
		{"default", Options{}, ""},
		{"unknown engine", Options{Engines: []string{"oracle-ee"}}, `unknown engine "oracle-ee"`},
		{"unknown class", Options{Classes: []string{"db.q9.huge"}}, `instance class "db.q9.huge"`},
		{"not a class", Options{Classes: []string{"m5.large"}}, `unknown instance class "m5.large"`},
		{"negative proxies", Options{Proxies: -1}, "must not be negative"},
	}
	for _, tc := range cases {
		err := tc.o.Check()
		if (err == nil) != (tc.want == "") || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("New accepted an unknown engine")
		}
	}()
	New(Options{Engines: []string{"oracle-ee"}})
}

// A dense fleet has every instance metric for every instance, and no
// stopped hours; the default fleet has neither.
func TestDenseFleet(t *testing.T) {
	all := newDocIndex(false).instanceOrder
	for _, dense := range []bool{false, true} {
		s := newTestSim(Options{Instances: 20, Dense: dense})
		byInstance := metricsByInstance(s)
		var full, gaps int
		for _, in := range s.Instances() {
			if len(byInstance[in.ID]) == len(all) {
				full++
			}
			if in.HasGaps {
				gaps++
			}
		}
		if want := 20; dense && (full != want || gaps != 0) {
			t.Errorf("dense: %d of %d instances publish all %d instance metrics, %d have gaps; want all and none", full, want, len(all), gaps)
		}
		if !dense && (full == 20 || gaps == 0) {
			t.Errorf("default: %d instances publish every instance metric, %d have gaps; want fewer than all, and some", full, gaps)
		}
	}
}
