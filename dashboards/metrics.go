package dashboards

import (
	"fmt"
	"slices"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/units"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
)

// line is one statistic of one catalog metric drawn in a graph.
type line struct {
	metric    string // CloudWatch name, e.g. "ReadIOPS"
	statistic string // catalog.Average or catalog.Maximum
	legend    string // appended to the instance name in the legend
}

// metricGraph draws catalog metrics, one continuous line per DB instance and
// line. The unit follows the catalog unit of the first line; the description
// says what about says, which of the metrics the exporter does not fetch by
// default, and why the query is wrapped as it is.
func metricGraph(title, about string, lines ...line) cog.Builder[dashboard.Panel] {
	return kindGraph(instances(), title, about, lines...)
}

// kindGraph is metricGraph for resources of kind k: one line per
// resource and line.
func kindGraph(k resourceKind, title, about string, lines ...line) cog.Builder[dashboard.Panel] {
	s := spec{
		title:       title,
		description: describe(about, metricsOf(lines)...),
		unit:        unitOf(lines[0].metric),
	}
	for _, l := range lines {
		s.queries = append(s.queries, query{
			expr:   k.continuous(l.metric, l.statistic),
			legend: "{{" + k.label + "}}" + l.legend,
		})
	}
	return graph(s)
}

func metricsOf(lines []line) []string {
	names := make([]string, len(lines))
	for i, l := range lines {
		names[i] = l.metric
	}
	return names
}

// describe completes a panel description with the optional-metric note and
// the continuity note.
func describe(about string, metrics ...string) string {
	var optional []string
	for _, name := range metrics {
		if m, ok := catalog.Lookup(name); ok && m.Default == nil && !slices.Contains(optional, name) {
			optional = append(optional, name)
		}
	}
	parts := []string{about}
	if len(optional) > 0 {
		parts = append(parts, fmt.Sprintf("%s: not fetched by default; add %s to the exporter's metrics "+
			"(live and backfill) to fill this panel. Engines that do not publish %s leave it empty.",
			strings.Join(optional, ", "), pronoun(len(optional)), pronoun(len(optional))))
	}
	parts = append(parts, continuityNote)
	return strings.Join(parts, "\n\n")
}

func pronoun(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// unitOf returns the Grafana unit of a catalog metric: bytes as bytes (never
// bits), seconds as seconds, percentages as percent.
func unitOf(metric string) string {
	m, ok := catalog.Lookup(metric)
	if !ok {
		return units.Short
	}
	switch m.Unit {
	case "Percent":
		return units.Percent
	case "Bytes":
		return units.BytesIEC
	case "Bytes/Second":
		return units.BytesPerSecondSI
	case "Seconds":
		return units.Seconds
	case "Milliseconds":
		return units.Milliseconds
	case "Microseconds":
		return units.Microseconds
	case "Count/Second":
		return units.IOOpsPerSecond
	default:
		return units.Short
	}
}
