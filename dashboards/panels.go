package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// query is one PromQL query of a panel.
type query struct {
	expr   string
	legend string
	// column and unit name and format the value column of a table query;
	// unit defaults to the panel unit.
	column string
	unit   string
}

// spec is what every panel needs, whatever its visualization.
type spec struct {
	title       string
	description string
	unit        string
	width       uint32 // grid columns of 24; 0 means 12
	height      uint32 // grid rows; 0 means 8
	queries     []query
}

// datasource is the reference every panel, query and variable uses: the
// datasource the user picks in the dashboard's datasource variable.
func datasource() common.DataSourceRef {
	return common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr("${" + varDatasource + "}")}
}

// panelBuilder is what the foundation SDK's panel builders have in common.
type panelBuilder[B any] interface {
	cog.Builder[dashboard.Panel]
	Title(string) B
	Description(string) B
	Datasource(common.DataSourceRef) B
	Unit(string) B
	Height(uint32) B
	Span(uint32) B
	WithTarget(cog.Builder[variants.Dataquery]) B
}

// queryKind is how Grafana runs a panel's queries.
type queryKind int

const (
	// rangeQueries evaluate at every step of the dashboard range.
	rangeQueries queryKind = iota
	// instantQueries evaluate once, at the end of the range.
	instantQueries
	// tableQueries are instant queries returned as table frames, which
	// Grafana's table panel merges on their labels.
	tableQueries
)

// withSpec sets the common fields of a panel and adds its queries.
func withSpec[B panelBuilder[B]](b B, s spec, kind queryKind) B {
	width, height := s.width, s.height
	if width == 0 {
		width = 12
	}
	if height == 0 {
		height = 8
	}
	b = b.Title(s.title).Description(s.description).Datasource(datasource()).
		Unit(s.unit).Span(width).Height(height)
	for i, q := range s.queries {
		t := prometheus.NewDataqueryBuilder().Datasource(datasource()).RefId(refID(i)).Expr(q.expr)
		if q.legend != "" {
			t = t.LegendFormat(q.legend)
		}
		switch kind {
		case rangeQueries:
			t = t.Range()
		case instantQueries:
			t = t.Instant()
		case tableQueries:
			t = t.Instant().Format(prometheus.PromQueryFormatTable)
		}
		b = b.WithTarget(t)
	}
	return b
}

// refID names the i-th query of a panel as Grafana does: A, B, C...
func refID(i int) string { return string(rune('A' + i)) }

// graph is a time series panel. Lines step after each sample: a backfilled
// sample is the statistic of the hour that starts at its timestamp.
func graph(s spec) cog.Builder[dashboard.Panel] {
	return withSpec(timeseries.NewPanelBuilder(), s, rangeQueries).
		LineInterpolation(common.LineInterpolationStepAfter).
		FillOpacity(10).
		ShowPoints(common.VisibilityModeNever).
		Legend(common.NewVizLegendOptionsBuilder().
			DisplayMode(common.LegendDisplayModeTable).
			Placement(common.LegendPlacementBottom).
			ShowLegend(true).
			Calcs([]string{"lastNotNull", "max"})).
		Tooltip(common.NewVizTooltipOptionsBuilder().
			Mode(common.TooltipDisplayModeMulti).
			Sort(common.SortOrderDescending))
}

// single is a stat panel showing the value of an instant query.
func single(s spec) cog.Builder[dashboard.Panel] {
	if s.width == 0 {
		s.width = 6
	}
	if s.height == 0 {
		s.height = 4
	}
	return withSpec(stat.NewPanelBuilder(), s, instantQueries).
		GraphMode(common.BigValueGraphModeNone).
		Orientation(common.VizOrientationAuto).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}))
}

// bars is a horizontal bar gauge of an instant query, one bar per series.
func bars(s spec) cog.Builder[dashboard.Panel] {
	return withSpec(bargauge.NewPanelBuilder(), s, instantQueries).
		Orientation(common.VizOrientationHorizontal).
		DisplayMode(common.BarGaugeDisplayModeBasic).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}).Values(false))
}

// grid is a table joining instant queries into one row per series. The label
// columns named in hide are not shown; each query's value column is named by
// query.column and formatted by query.unit.
func grid(s spec, hide ...string) cog.Builder[dashboard.Panel] {
	b := withSpec(table.NewPanelBuilder(), s, tableQueries).
		Footer(common.NewTableFooterOptionsBuilder().Show(false).Reducer([]string{}))
	exclude := map[string]any{"Time": true, "__name__": true}
	for _, h := range hide {
		exclude[h] = true
	}
	for i, q := range s.queries {
		value := valueColumn(len(s.queries), i)
		if q.column == "" {
			exclude[value] = true
			continue
		}
		props := []dashboard.DynamicConfigValue{{Id: "displayName", Value: q.column}}
		if q.unit != "" {
			props = append(props, dashboard.DynamicConfigValue{Id: "unit", Value: q.unit})
		}
		b = b.OverrideByName(value, props)
	}
	return b.
		WithTransformation(dashboard.DataTransformerConfig{Id: "merge", Options: map[string]any{}}).
		WithTransformation(dashboard.DataTransformerConfig{Id: "organize", Options: map[string]any{"excludeByName": exclude}})
}

// valueColumn is the name Grafana gives the value column of the i-th of n
// table queries: "Value" alone, "Value #<refId>" when there are several.
func valueColumn(n, i int) string {
	if n == 1 {
		return "Value"
	}
	return "Value #" + refID(i)
}
