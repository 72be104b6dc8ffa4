package config

import (
	"reflect"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

func TestSourcesSections(t *testing.T) {
	c, err := Parse([]byte(`
enhanced_monitoring:
  enabled: true
  interval: 30s
  tags: {deep: "yes"}
performance_insights:
  enabled: true
  instances: [db-1, db-2]
  top_statements: 25
  top_wait_events: 5
`), "sources.yml")
	if err != nil {
		t.Fatal(err)
	}
	em := EnhancedMonitoring{LiveSource{Enabled: true, Interval: 30 * time.Second, Tags: map[string]string{"deep": "yes"}}}
	pi := PerformanceInsights{LiveSource: LiveSource{Enabled: true, Interval: time.Minute, Instances: []string{"db-1", "db-2"}}, TopStatements: 25, TopWaitEvents: 5}
	if !reflect.DeepEqual(c.EnhancedMonitoring, em) || !reflect.DeepEqual(c.PerformanceInsights, pi) {
		t.Errorf("got %+v %+v\nwant %+v %+v", c.EnhancedMonitoring, c.PerformanceInsights, em, pi)
	}
	keep := model.Described{Resource: model.Resource{ID: "db-2"}}
	if !c.PerformanceInsights.Filter().Keeps(keep) || c.EnhancedMonitoring.Filter().Keeps(keep) {
		t.Errorf("filters: PI keeps db-2 (listed), EM does not (no tag deep=yes)")
	}
	d := Default()
	if d.EnhancedMonitoring.Enabled || d.PerformanceInsights.Enabled || d.PerformanceInsights.TopStatements != 10 || d.EnhancedMonitoring.Interval != time.Minute {
		t.Errorf("Default(): both off, 1m, top 10 statements; got %+v %+v", d.EnhancedMonitoring, d.PerformanceInsights)
	}
}

func TestSourcesInvalid(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"short interval", "enhanced_monitoring:\n  interval: 5s\n",
			"sources.yml:2: enhanced_monitoring.interval: 5s is shorter than the minimum, 10s"},
		{"bad instance", "performance_insights:\n  instances: [Prod_DB]\n",
			`sources.yml:2: performance_insights.instances[0]: "Prod_DB" is not a DB instance identifier (1 to 63 lower-case letters, digits and hyphens; a letter first; no hyphen last or twice in a row)`},
		{"duplicate instance", "enhanced_monitoring:\n  instances: [a, a]\n",
			`sources.yml:2: enhanced_monitoring.instances[1]: duplicate instance "a"`},
		{"too many statements", "performance_insights:\n  top_statements: 26\n",
			"sources.yml:2: performance_insights.top_statements: must be 1 to 25 (Performance Insights' largest GroupBy limit), got 26"},
		{"no wait events", "performance_insights:\n  top_wait_events: 0\n",
			"sources.yml:2: performance_insights.top_wait_events: must be 1 to 25 (Performance Insights' largest GroupBy limit), got 0"},
		{"unknown key", "performance_insights:\n  top_statement: 5\n",
			`sources.yml:2: performance_insights: unknown field "top_statement" (did you mean "top_statements"?)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), "sources.yml")
			if err == nil || err.Error() != tc.want {
				t.Errorf("got  %v\nwant %s", err, tc.want)
			}
		})
	}
}
