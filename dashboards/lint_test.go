package dashboards_test

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
)

// dashboardVariables are the variables a dashboard declares, in order:
// those of every dashboard, then one per kind of resource it shows.
func dashboardVariables(uid string) []string {
	vars := []string{"datasource", "job", "account_id", "region"}
	if uid == "rds-clusters-proxies" {
		return append(vars, "cluster", "proxy")
	}
	return append(vars, "instance")
}

// kindVariables maps the label that names a resource of each kind to the
// variable that selects it.
func kindVariables() map[string]string {
	return map[string]string{catalog.LabelInstanceID: "$instance", catalog.LabelClusterID: "$cluster", catalog.LabelProxyName: "$proxy"}
}

// datasourceRef is how panels, queries and variables name the datasource.
const datasourceRef = "${datasource}"

func parsePromQL(s string) (parser.Expr, error) {
	return parser.NewParser(parser.Options{}).ParseExpr(s)
}

// lintVars substitutes Grafana's built-in variables and leaves the
// dashboard's own as they are ("$job"), so the lint can see which selector
// filters by which variable.
func lintVars(d grafanaDashboard) map[string]string {
	vars := d.allVars(5*time.Minute, 7*24*time.Hour, time.Minute)
	for _, name := range dashboardVariables(d.UID) {
		vars[name] = "$" + name
	}
	return vars
}

func TestQueriesParse(t *testing.T) {
	for _, d := range loadDashboards(t) {
		vars := d.allVars(5*time.Minute, 7*24*time.Hour, time.Minute)
		for _, p := range d.panels() {
			for _, tg := range p.Targets {
				s, err := expand(tg.Expr, vars)
				if err == nil {
					_, err = parsePromQL(s)
				}
				if err != nil {
					t.Errorf("%s / %s / %s: %v", d.UID, p.Title, tg.RefID, err)
				}
			}
		}
	}
}

// labelValuesCall matches Grafana's label_values(selector, label).
func labelValuesCall() *regexp.Regexp {
	return regexp.MustCompile(`^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$`)
}

func TestVariableQueriesParse(t *testing.T) {
	produced := producedMetrics()
	for _, d := range loadDashboards(t) {
		vars := d.allVars(5*time.Minute, 7*24*time.Hour, time.Minute)
		for _, v := range d.Templating.List {
			if v.Type != "query" {
				continue
			}
			m := labelValuesCall().FindStringSubmatch(v.Query)
			if m == nil {
				t.Errorf("%s: variable %s: query %q is not label_values(selector, label)", d.UID, v.Name, v.Query)
				continue
			}
			sel, err := expand(m[1], vars)
			if err != nil {
				t.Errorf("%s: variable %s: %v", d.UID, v.Name, err)
				continue
			}
			matchers, err := parser.NewParser(parser.Options{}).ParseMetricSelector(sel)
			if err != nil {
				t.Errorf("%s: variable %s: selector %q: %v", d.UID, v.Name, sel, err)
				continue
			}
			if name := metricNameOf(matchers); produced[name] != gauge || name == "" {
				t.Errorf("%s: variable %s reads %q, not a gauge the exporter produces", d.UID, v.Name, name)
			}
		}
	}
}

func TestDashboardsDeclareVariables(t *testing.T) {
	for _, d := range loadDashboards(t) {
		if d.UID == "" || d.Title == "" || d.Description == "" {
			t.Errorf("%s: dashboard needs uid, title and description", d.UID)
		}
		var names []string
		for _, v := range d.Templating.List {
			names = append(names, v.Name)
		}
		if !slices.Equal(names, dashboardVariables(d.UID)) {
			t.Errorf("%s: variables %v, want %v", d.UID, names, dashboardVariables(d.UID))
		}
		if v, _ := d.variable("datasource"); v.Type != "datasource" || v.Query != "prometheus" {
			t.Errorf("%s: datasource variable must be a prometheus datasource variable: %+v", d.UID, v)
		}
		for _, name := range dashboardVariables(d.UID)[1:] {
			v, _ := d.variable(name)
			if v.Type != "query" || !v.Multi || !v.IncludeAll || v.AllValue != ".*" {
				t.Errorf("%s: variable %s must be a multi-select query with All = .*: %+v", d.UID, name, v)
			}
			if v.Datasource == nil || v.Datasource.UID != datasourceRef {
				t.Errorf("%s: variable %s must query the datasource variable", d.UID, name)
			}
		}
	}
}

func TestPanelsLint(t *testing.T) {
	produced := producedMetrics()
	for _, d := range loadDashboards(t) {
		ids := map[int]bool{}
		for _, p := range d.Panels {
			if ids[p.ID] || p.ID == 0 {
				t.Errorf("%s: panel %q: id %d is zero or not unique", d.UID, p.Title, p.ID)
			}
			ids[p.ID] = true
		}
		for _, p := range d.panels() {
			for _, problem := range panelProblems(d, p, produced) {
				t.Errorf("%s / %s: %s", d.UID, p.Title, problem)
			}
		}
	}
}

// panelProblems lints one panel: what every panel needs, then every query.
func panelProblems(d grafanaDashboard, p grafanaPanel, produced map[string]metricKind) []string {
	var problems []string
	if p.Title == "" || p.Description == "" || p.FieldConfig.Defaults.Unit == "" {
		problems = append(problems, "panel needs a title, a description and a unit")
	}
	if p.Datasource == nil || p.Datasource.UID != datasourceRef || p.Datasource.Type != "prometheus" {
		problems = append(problems, "panel must use the datasource variable")
	}
	if len(p.Targets) == 0 {
		problems = append(problems, "panel has no query")
	}
	for i, tg := range p.Targets {
		if tg.Datasource == nil || tg.Datasource.UID != datasourceRef {
			problems = append(problems, tg.RefID+": query must use the datasource variable")
		}
		if tg.Instant == tg.Range {
			problems = append(problems, tg.RefID+": query must be either instant or range")
		}
		s, err := expand(tg.Expr, lintVars(d))
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		expr, err := parsePromQL(s)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", tg.RefID, err))
			continue
		}
		for _, problem := range exprProblems(expr, produced) {
			problems = append(problems, tg.RefID+": "+problem)
		}
		for _, problem := range filterProblems(expr) {
			problems = append(problems, tg.RefID+": "+problem)
		}
		for _, problem := range unitProblems(expr, targetUnit(p, i)) {
			problems = append(problems, tg.RefID+": "+problem)
		}
		for _, problem := range sourceUnitProblems(expr, targetUnit(p, i)) {
			problems = append(problems, tg.RefID+": "+problem)
		}
		for _, problem := range descriptionProblems(p.Description, tg.Expr, expr) {
			problems = append(problems, tg.RefID+": "+problem)
		}
	}
	return problems
}

// exprProblems finds metric names the exporter does not produce (allowed
// lists those it does, and any others allowed, such as recorded series) and
// counters read without rate() or increase().
func exprProblems(expr parser.Expr, allowed map[string]metricKind) []string {
	var problems []string
	parser.Inspect(expr, func(node parser.Node, path []parser.Node) error {
		vs, ok := node.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		name := metricNameOf(vs.LabelMatchers)
		if _, ok := allowed[name]; !ok {
			problems = append(problems, fmt.Sprintf("%q is not a metric the exporter produces", name))
		}
		if isCounter(name, allowed) && !underRate(path) {
			problems = append(problems, fmt.Sprintf("counter %s is read without rate() or increase()", name))
		}
		return nil
	})
	return problems
}

// underRate reports whether a selector with these ancestors is the range of
// rate(), irate() or increase().
func underRate(path []parser.Node) bool {
	if len(path) < 2 {
		return false
	}
	if _, ok := path[len(path)-1].(*parser.MatrixSelector); !ok {
		return false
	}
	call, ok := path[len(path)-2].(*parser.Call)
	return ok && slices.Contains([]string{"rate", "irate", "increase"}, call.Func.Name)
}

// metricNameOf returns the metric name an equality matcher selects.
func metricNameOf(ms []*labels.Matcher) string {
	for _, m := range ms {
		if m.Name == model.MetricNameLabel && m.Type == labels.MatchEqual {
			return m.Value
		}
	}
	return ""
}

// filterProblems checks that every selector filters by the variables that
// apply to it: RDS series by job, account, region and the resource of
// their kind (the one whose label they require not empty); self-metrics by
// job.
func filterProblems(expr parser.Expr) []string {
	var problems []string
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		vs, ok := node.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		want := map[string]string{"job": "$job"}
		name := metricNameOf(vs.LabelMatchers)
		if _, ok := catalogMetricOf(name); ok || name == catalog.InfoMetric || slices.Contains(sourceFamilies(), name) {
			want[catalog.LabelAccountID] = "$account_id"
			want[catalog.LabelRegion] = "$region"
			kinds := 0
			for label, variable := range kindVariables() {
				if slices.ContainsFunc(vs.LabelMatchers, func(m *labels.Matcher) bool {
					return m.Name == label && m.Type == labels.MatchNotEqual && m.Value == ""
				}) {
					want[label] = variable
					kinds++
				}
			}
			if kinds != 1 {
				problems = append(problems, fmt.Sprintf("%s requires %d resource labels not empty, want 1 (the kind it shows)", name, kinds))
			}
		}
		for label, value := range want {
			if !slices.ContainsFunc(vs.LabelMatchers, func(m *labels.Matcher) bool {
				return m.Name == label && m.Type == labels.MatchRegexp && m.Value == value
			}) {
				problems = append(problems, fmt.Sprintf("%s does not filter %s=~%q", name, label, value))
			}
		}
		return nil
	})
	return problems
}

// targetUnit is the unit Grafana formats the i-th query of a panel with: a
// unit override of its table column, else the panel unit.
func targetUnit(p grafanaPanel, i int) string {
	column := "Value"
	if len(p.Targets) > 1 {
		column = "Value #" + p.Targets[i].RefID
	}
	for _, o := range p.FieldConfig.Overrides {
		if o.Matcher.ID != "byName" || o.Matcher.Options != column {
			continue
		}
		for _, prop := range o.Properties {
			if u, ok := prop.Value.(string); prop.ID == "unit" && ok {
				return u
			}
		}
	}
	return p.FieldConfig.Defaults.Unit
}

// unitsFor lists the Grafana units that show a CloudWatch unit faithfully:
// bytes as bytes (never bits), seconds as time, percentages as percent.
func unitsFor(cloudWatchUnit string) []string {
	switch cloudWatchUnit {
	case "Bytes":
		return []string{"bytes", "decbytes"}
	case "Bytes/Second":
		return []string{"Bps", "binBps"}
	case "Seconds":
		return []string{"s", "dtdurations"}
	case "Milliseconds":
		return []string{"ms"}
	case "Microseconds":
		return []string{"µs"}
	case "Percent":
		return []string{"percent"}
	case "Count/Second":
		return []string{"iops", "ops", "cps"}
	default:
		return []string{"short", "none"}
	}
}

// unitProblems checks the unit of a query that shows one catalog metric as
// it is: selected, carried over time, aggregated by max, min or avg, or
// ranked. Other queries (counts, ratios, predictions) have units of their own.
func unitProblems(expr parser.Expr, unit string) []string {
	metrics := map[string]catalog.Metric{}
	asIs := true
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		switch n := node.(type) {
		case *parser.VectorSelector:
			if m, ok := catalogMetricOf(metricNameOf(n.LabelMatchers)); ok {
				metrics[m.Name] = m
			} else {
				asIs = false
			}
		case *parser.AggregateExpr:
			asIs = asIs && slices.Contains([]string{"max", "min", "avg", "topk", "bottomk"}, n.Op.String())
		case *parser.Call:
			asIs = asIs && slices.Contains([]string{"last_over_time", "max_over_time", "min_over_time"}, n.Func.Name)
		case *parser.BinaryExpr:
			asIs = asIs && n.Op == parser.LAND
		case nil, *parser.MatrixSelector, *parser.SubqueryExpr, *parser.ParenExpr, *parser.StepInvariantExpr, *parser.NumberLiteral:
			// nil ends a walk; the others keep what they wrap as it is.
		default:
			asIs = false
		}
		return nil
	})
	if !asIs || len(metrics) != 1 {
		return nil
	}
	for _, m := range metrics {
		if !slices.Contains(unitsFor(m.Unit), unit) {
			return []string{fmt.Sprintf("%s is in %s; unit %q should be one of %v", m.Name, m.Unit, unit, unitsFor(m.Unit))}
		}
	}
	return nil
}

// descriptionProblems checks that a description explains what a query
// depends on: the continuity wrapper, and metrics that are not fetched by
// default.
func descriptionProblems(description, raw string, expr parser.Expr) []string {
	var problems []string
	if strings.Contains(raw, "last_over_time") && !strings.Contains(description, "last_over_time") {
		problems = append(problems, "description does not explain last_over_time")
	}
	for _, m := range catalogMetricsOf(expr) {
		if m.Default == nil && (!strings.Contains(description, m.Name) || !strings.Contains(description, "not fetched by default")) {
			problems = append(problems, fmt.Sprintf("description does not say %s is not fetched by default", m.Name))
		}
	}
	return problems
}

// catalogMetricsOf returns the catalog metrics an expression reads.
func catalogMetricsOf(expr parser.Expr) []catalog.Metric {
	var ms []catalog.Metric
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		if vs, ok := node.(*parser.VectorSelector); ok {
			if m, ok := catalogMetricOf(metricNameOf(vs.LabelMatchers)); ok {
				ms = append(ms, m)
			}
		}
		return nil
	})
	return ms
}

// eachCatalogMetric calls f for every catalog metric every panel query reads.
func eachCatalogMetric(t testing.TB, f func(d grafanaDashboard, p grafanaPanel, m catalog.Metric)) {
	t.Helper()
	for _, d := range loadDashboards(t) {
		for _, p := range d.panels() {
			for _, tg := range p.Targets {
				s, _ := expand(tg.Expr, lintVars(d))
				expr, err := parsePromQL(s)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range catalogMetricsOf(expr) {
					f(d, p, m)
				}
			}
		}
	}
}

// TestFleetOverviewUsesDefaultMetrics: a fleet view must not be empty for a
// user who has not enabled optional metrics.
func TestFleetOverviewUsesDefaultMetrics(t *testing.T) {
	eachCatalogMetric(t, func(d grafanaDashboard, p grafanaPanel, m catalog.Metric) {
		if d.UID == "rds-fleet-overview" && m.Default == nil {
			t.Errorf("%s reads %s, which is not fetched by default", p.Title, m.Name)
		}
	})
}

// TestLintCatches shows the lint finds what it is meant to find.
func TestLintCatches(t *testing.T) {
	const sel = `{job=~"$job", account_id=~"$account_id", region=~"$region", dimension_DBInstanceIdentifier=~"$instance", dimension_DBInstanceIdentifier!=""}`
	tests := []struct {
		expr, unit, want string
	}{
		{`aws_rds_cpuutilization_average` + sel, "percent", ""},
		{`aws_rds_cpu_utilization_average` + sel, "percent", `"aws_rds_cpu_utilization_average" is not a metric`},
		{`rds_backfill_exporter_polls_total{job=~"$job"}`, "short", "counter rds_backfill_exporter_polls_total is read without rate"},
		{`sum(rate(rds_backfill_exporter_polls_total{job=~"$job"}[5m]))`, "ops", ""},
		{`histogram_quantile(0.9, rate(rds_backfill_exporter_poll_duration_seconds_bucket{job=~"$job"}[5m]))`, "s", ""},
		{`rds_backfill_exporter_poll_duration_seconds_sum{job=~"$job"}`, "s", "read without rate"},
		{`max by (region) (last_over_time(aws_rds_free_storage_space_average` + sel + `[1h]))`, "bits", `unit "bits" should be one of [bytes decbytes]`},
		{`max by (region) (last_over_time(aws_rds_network_receive_throughput_average` + sel + `[1h]))`, "bps", "should be one of [Bps binBps]"},
		{`count(aws_rds_free_storage_space_average` + sel + `)`, "short", ""},
		{`aws_rds_cpuutilization_average{job=~"$job"}`, "percent", `does not filter region=~"$region"`},
		{`max by (mode) (last_over_time(rdsosmetrics_cpu_utilization_percent` + sel + `[5m]))`, "percent", ""},
		{`max by (device) (last_over_time(rdsosmetrics_disk_await_seconds` + sel + `[5m]))`, "ms", `unit "ms" should be one of [s dtdurations]`},
		{`rds_pi_db_load_average{job=~"$job", region=~"$region"}`, "short", `does not filter account_id=~"$account_id"`},
		{`aws_rds_cpuutilization_average{job=~"$job", account_id=~"$account_id", region=~"$region", dimension_DBInstanceIdentifier=~"$instance"}`, "percent", "requires 0 resource labels not empty"},
		{`aws_rds_client_connections_average{job=~"$job", region=~"$region", dimension_ProxyName=~"$instance", dimension_ProxyName!=""}`, "short", `does not filter dimension_ProxyName=~"$proxy"`},
	}
	produced := producedMetrics()
	for _, tt := range tests {
		expr, err := parsePromQL(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(slices.Concat(exprProblems(expr, produced), filterProblems(expr), unitProblems(expr, tt.unit), sourceUnitProblems(expr, tt.unit)), "; ")
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: problems %q, want %q", tt.expr, got, tt.want)
		}
	}
}

// TestREADMEListsOptionalMetrics keeps the README's table of optional
// metrics in step with the panels that read them.
func TestREADMEListsOptionalMetrics(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	eachCatalogMetric(t, func(_ grafanaDashboard, p grafanaPanel, m catalog.Metric) {
		if m.Default == nil && (!strings.Contains(readme, "| "+p.Title+" |") || !strings.Contains(readme, m.Name)) {
			t.Errorf("README.md's optional metrics table has no row for panel %q and metric %s", p.Title, m.Name)
		}
	})
}
