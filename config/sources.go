package config

import (
	"fmt"
	"slices"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// Defaults and limits of the Enhanced Monitoring and Performance Insights
// sections.
const (
	DefaultSourceInterval = time.Minute
	MinSourceInterval     = 10 * time.Second
)

// LiveSource is what the sections of Enhanced Monitoring and Performance
// Insights share: whether the source is read live, how often, and for
// which DB instances (those that have it on in AWS, and that the
// identifiers and tags, when given, select).
type LiveSource struct {
	// Enabled reads the source live for the DB instances selected.
	Enabled bool `yaml:"enabled"`
	// Interval between two reads; at least MinSourceInterval.
	Interval time.Duration `yaml:"interval"`
	// Instances, when not empty, selects the DB instances with these
	// identifiers.
	Instances []string `yaml:"instances"`
	// Tags, when not empty, selects the DB instances that carry all these
	// tags with these values.
	Tags map[string]string `yaml:"tags"`
}

// Filter returns the section's selection of DB instances.
func (l LiveSource) Filter() model.SourceFilter {
	return model.SourceFilter{Instances: l.Instances, Tags: l.Tags}
}

// EnhancedMonitoring is the enhanced_monitoring section: OS metrics of the
// DB instances from the CloudWatch Logs group RDSOSMetrics.
type EnhancedMonitoring struct {
	LiveSource `yaml:",inline"`
}

// PerformanceInsights is the performance_insights section: database load
// by wait event and by SQL statement.
type PerformanceInsights struct {
	LiveSource `yaml:",inline"`
	// TopStatements is how many SQL digests, those with the most load, are
	// read: 1 to 25.
	TopStatements int `yaml:"top_statements"`
	// TopWaitEvents is how many wait events, those with the most load, are
	// read: 1 to 25.
	TopWaitEvents int `yaml:"top_wait_events"`
}

// defaultEnhancedMonitoring is the section's default: off.
func defaultEnhancedMonitoring() EnhancedMonitoring {
	return EnhancedMonitoring{LiveSource: LiveSource{Interval: DefaultSourceInterval}}
}

// defaultPerformanceInsights is the section's default: off, the top 10
// statements and wait events.
func defaultPerformanceInsights() PerformanceInsights {
	return PerformanceInsights{
		LiveSource:    LiveSource{Interval: DefaultSourceInterval},
		TopStatements: catalog.DefaultPIStatements, TopWaitEvents: catalog.DefaultPIWaitEvents,
	}
}

// validateSources checks both sections.
func (c *Config) validateSources(p *problems) {
	validateLiveSource(p, "enhanced_monitoring", c.EnhancedMonitoring.LiveSource)
	pi := c.PerformanceInsights
	validateLiveSource(p, "performance_insights", pi.LiveSource)
	for _, n := range []struct {
		field string
		v     int
	}{{"top_statements", pi.TopStatements}, {"top_wait_events", pi.TopWaitEvents}} {
		if n.v < 1 || n.v > catalog.MaxPIGroupLimit {
			p.errorf("performance_insights."+n.field, "must be 1 to %d (Performance Insights' largest GroupBy limit), got %d", catalog.MaxPIGroupLimit, n.v)
		}
	}
}

// validateLiveSource checks a section's interval and selection.
func validateLiveSource(p *problems, section string, l LiveSource) {
	if l.Interval < MinSourceInterval {
		p.errorf(section+".interval", "%s is shorter than the minimum, %s", formatDuration(l.Interval), formatDuration(MinSourceInterval))
	}
	for i, id := range l.Instances {
		f := fmt.Sprintf("%s.instances[%d]", section, i)
		switch {
		case !validInstanceID(id):
			p.errorf(f, "%q is not a DB instance identifier (1 to 63 lower-case letters, digits and hyphens; a letter first; no hyphen last or twice in a row)", id)
		case slices.Index(l.Instances, id) < i:
			p.errorf(f, "duplicate instance %q", id)
		}
	}
}
