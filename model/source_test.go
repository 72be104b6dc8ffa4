package model

import (
	"errors"
	"slices"
	"testing"
	"time"
)

func TestParseSources(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Source
		err  bool
	}{
		{"", []Source{SourceCloudWatch}, false},
		{"cloudwatch", []Source{SourceCloudWatch}, false},
		{"enhanced-monitoring", []Source{SourceEnhancedMonitoring}, false},
		{"performance-insights", []Source{SourcePerformanceInsights}, false},
		{"all", []Source{SourceCloudWatch, SourceEnhancedMonitoring, SourcePerformanceInsights}, false},
		{"pi", nil, true},
		{"ALL", nil, true},
	} {
		got, err := ParseSources(tc.in)
		if (err != nil) != tc.err || !slices.Equal(got, tc.want) || (err != nil && !errors.Is(err, ErrBadSource)) {
			t.Errorf("ParseSources(%q) = %v, %v; want %v (error %v)", tc.in, got, err, tc.want, tc.err)
		}
	}
}

func TestSourceAvailable(t *testing.T) {
	on := Described{Resource: Resource{Kind: KindDBInstance, ID: "db"}, Instance: InstanceInfo{
		ResourceID: "db-ABC", MonitoringInterval: time.Minute, PerformanceInsights: true, PIRetentionDays: 7,
	}}
	emOff, piOff, static, cluster := on, on, on, on
	emOff.Instance.MonitoringInterval = 0
	piOff.Instance.PerformanceInsights = false
	static.Instance.ResourceID, static.Static = "", true
	cluster.Kind = KindCluster
	for _, tc := range []struct {
		name   string
		d      Described
		em, pi string // "" when available
	}{
		{"both on", on, "", ""},
		{"EM off", emOff, "Enhanced Monitoring is not enabled for DB instance db (its MonitoringInterval is 0)", ""},
		{"PI off", piOff, "", "Performance Insights is not enabled for DB instance db"},
		{"static", static, "DB instance db is static: its DbiResourceId, which Enhanced Monitoring needs, is not known",
			"DB instance db is static: its DbiResourceId, which Performance Insights needs, is not known"},
		{"cluster", cluster, "cluster db is not a DB instance, and Enhanced Monitoring serves DB instances only",
			"cluster db is not a DB instance, and Performance Insights serves DB instances only"},
	} {
		for _, c := range []struct {
			src  Source
			want string
		}{{SourceEnhancedMonitoring, tc.em}, {SourcePerformanceInsights, tc.pi}, {SourceCloudWatch, ""}} {
			err := c.src.Available(tc.d)
			got := ""
			if err != nil {
				got = err.Error()
				if !errors.Is(err, ErrSourceOff) {
					t.Errorf("%s, %s: %v is not ErrSourceOff", tc.name, c.src, err)
				}
			}
			if got != c.want {
				t.Errorf("%s, %s: %q, want %q", tc.name, c.src, got, c.want)
			}
		}
	}
}

func TestSourceFilter(t *testing.T) {
	d := Described{Resource: Resource{ID: "db-1"}, Tags: map[string]string{"env": "prod", "team": "a"}}
	for _, tc := range []struct {
		f    SourceFilter
		want bool
	}{
		{SourceFilter{}, true},
		{SourceFilter{Instances: []string{"db-2", "db-1"}}, true},
		{SourceFilter{Instances: []string{"db-2"}}, false},
		{SourceFilter{Tags: map[string]string{"env": "prod"}}, true},
		{SourceFilter{Tags: map[string]string{"env": "prod", "team": "b"}}, false},
		{SourceFilter{Instances: []string{"db-1"}, Tags: map[string]string{"env": "dev"}}, false},
	} {
		if got := tc.f.Keeps(d); got != tc.want {
			t.Errorf("%+v keeps db-1: %v, want %v", tc.f, got, tc.want)
		}
	}
}
