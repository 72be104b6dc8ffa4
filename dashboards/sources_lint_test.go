package dashboards_test

import (
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/prometheus/promql/parser"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
)

// sourceFamilies are the names of the Enhanced Monitoring and Performance
// Insights series the exporter produces.
func sourceFamilies() []string {
	var out []string
	for _, m := range catalog.OSMetrics() {
		out = append(out, m.Name)
	}
	for _, m := range catalog.PIMetrics() {
		out = append(out, m.Name)
	}
	return out
}

// sourceUnits lists the Grafana units that show a source family faithfully,
// by the unit its name ends in.
func sourceUnits(name string) []string {
	for _, u := range []struct {
		suffix string
		units  []string
	}{
		{"_bytes_per_second", []string{"Bps", "binBps"}},
		{"_bytes", []string{"bytes", "decbytes"}},
		{"_seconds", []string{"s", "dtdurations"}},
		{"_percent", []string{"percent"}},
		{"_iops", []string{"iops", "ops"}},
	} {
		if strings.HasSuffix(name, u.suffix) {
			return u.units
		}
	}
	return []string{"short", "none"}
}

// sourceUnitProblems checks the unit of a query that shows one source
// family as it is (selected, carried over time, aggregated by max): its
// unit must be the one the family's name says. Ratios and products have
// units of their own.
func sourceUnitProblems(expr parser.Expr, unit string) []string {
	names := map[string]bool{}
	asIs := true
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		switch n := node.(type) {
		case *parser.VectorSelector:
			name := metricNameOf(n.LabelMatchers)
			names[name] = slices.Contains(sourceFamilies(), name)
		case *parser.AggregateExpr:
			asIs = asIs && n.Op.String() == "max"
		case *parser.Call:
			asIs = asIs && n.Func.Name == "last_over_time"
		case nil, *parser.MatrixSelector, *parser.ParenExpr, *parser.StepInvariantExpr:
		default:
			asIs = false
		}
		return nil
	})
	if !asIs || len(names) != 1 {
		return nil
	}
	for name, source := range names {
		if source && !slices.Contains(sourceUnits(name), unit) {
			return []string{fmt.Sprintf("%s: unit %q should be one of %v", name, unit, sourceUnits(name))}
		}
	}
	return nil
}
