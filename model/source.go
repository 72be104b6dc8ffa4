package model

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Source is where history and live values of a resource come from.
type Source string

// The sources the exporter reads.
const (
	// SourceCloudWatch is CloudWatch's AWS/RDS metrics (GetMetricData).
	SourceCloudWatch Source = "cloudwatch"
	// SourceEnhancedMonitoring is Enhanced Monitoring's OS metrics: JSON
	// events in the CloudWatch Logs group RDSOSMetrics, one stream per DB
	// instance.
	SourceEnhancedMonitoring Source = "enhanced-monitoring"
	// SourcePerformanceInsights is Performance Insights' database load.
	SourcePerformanceInsights Source = "performance-insights"
	// SourceAll names every source in a request.
	SourceAll = "all"
)

// Sources returns every source, CloudWatch first.
func Sources() []Source {
	return []Source{SourceCloudWatch, SourceEnhancedMonitoring, SourcePerformanceInsights}
}

// ErrBadSource says that a source name is not one of Sources or "all".
var ErrBadSource = errors.New("unknown source")

// ParseSources parses a request's source: "" (CloudWatch), a source's
// name, or "all" (every source).
func ParseSources(s string) ([]Source, error) {
	switch {
	case s == "":
		return []Source{SourceCloudWatch}, nil
	case s == SourceAll:
		return Sources(), nil
	case slices.Contains(Sources(), Source(s)):
		return []Source{Source(s)}, nil
	}
	return nil, fmt.Errorf("%w %q: want %s or %s", ErrBadSource, s, sourceNames(), SourceAll)
}

// sourceNames lists the sources' names for messages.
func sourceNames() string {
	names := make([]string, 0, 3)
	for _, s := range Sources() {
		names = append(names, string(s))
	}
	return strings.Join(names, ", ")
}

// ErrSourceOff says that a source has nothing for a resource: Enhanced
// Monitoring or Performance Insights is off for the DB instance, or the
// resource is not a DB instance. Errors that match it say why.
var ErrSourceOff = errors.New("source is off for the resource")

// sourceOff is an ErrSourceOff with its reason as its message.
type sourceOff struct{ reason string }

func (e sourceOff) Error() string        { return e.reason }
func (e sourceOff) Is(target error) bool { return target == ErrSourceOff }

// offf returns an ErrSourceOff that says why.
func offf(format string, args ...any) error { return sourceOff{fmt.Sprintf(format, args...)} }

// Available says whether the source has data of the resource: CloudWatch
// for every resource it serves; Enhanced Monitoring and Performance
// Insights for DB instances that have them on (DescribeDBInstances'
// MonitoringInterval and PerformanceInsightsEnabled) and whose
// DbiResourceId is known. The error matches ErrSourceOff and says why.
func (s Source) Available(d Described) error {
	if s == SourceCloudWatch {
		return nil
	}
	switch in := d.Instance; {
	case d.Kind != KindDBInstance:
		return offf("%s %s is not a DB instance, and %s serves DB instances only", d.Kind, d.ID, s.Title())
	case d.Static && in.ResourceID == "":
		return offf("DB instance %s is static: its DbiResourceId, which %s needs, is not known", d.ID, s.Title())
	case s == SourceEnhancedMonitoring && in.MonitoringInterval <= 0:
		return offf("Enhanced Monitoring is not enabled for DB instance %s (its MonitoringInterval is 0)", d.ID)
	case s == SourcePerformanceInsights && !in.PerformanceInsights:
		return offf("Performance Insights is not enabled for DB instance %s", d.ID)
	case in.ResourceID == "":
		return offf("the DbiResourceId of DB instance %s, which %s needs, is not known", d.ID, s.Title())
	}
	return nil
}

// Title returns the source's name for people: "CloudWatch", "Enhanced
// Monitoring", "Performance Insights".
func (s Source) Title() string {
	switch s {
	case SourceEnhancedMonitoring:
		return "Enhanced Monitoring"
	case SourcePerformanceInsights:
		return "Performance Insights"
	}
	return "CloudWatch"
}

// SourceFilter selects the DB instances a source is read for live: by
// identifier and by tags. The zero SourceFilter selects every instance.
type SourceFilter struct {
	// Instances, if any, keeps the DB instances with these identifiers.
	Instances []string
	// Tags, if any, keeps the resources that carry every one of these tags.
	Tags map[string]string
}

// Keeps reports whether f selects d.
func (f SourceFilter) Keeps(d Described) bool {
	if len(f.Instances) > 0 && !slices.Contains(f.Instances, d.ID) {
		return false
	}
	for k, v := range maps.All(f.Tags) {
		if d.Tags[k] != v {
			return false
		}
	}
	return true
}
