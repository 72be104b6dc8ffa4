package dashboards_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/dashboards"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// defaultConfigFleet is a fleet of one engine family, run with the
// default config (no config file), and the panels that are empty on it
// because CloudWatch has none of their metrics for it (checked against
// awssim's published series).
type defaultConfigFleet struct {
	name  string
	sim   awssim.Options
	empty []string // "dashboard uid / panel title"
	// snakeCase runs the exporter with --labels.snake-case and reads the
	// snake-case dashboards, whose UIDs end in -snake-case.
	snakeCase bool
}

func defaultConfigFleets() []defaultConfigFleet {
	fleets := []defaultConfigFleet{
		{"postgres", awssim.Options{Instances: 6, Engines: []string{"postgres"}, Proxies: 1}, []string{
			"rds-clusters-proxies / Backup storage",
			"rds-clusters-proxies / Cluster volume I/O",
			"rds-clusters-proxies / Cluster volume left",
			"rds-clusters-proxies / Cluster volume used",
			"rds-clusters-proxies / Global database lag",
			"rds-clusters-proxies / Serverless v2 capacity",
			"rds-instance / Aurora replica lag",
			"rds-instance / Binary log disk usage",
			"rds-instance / Buffer cache hit ratio",
			"rds-instance / Commit latency",
			"rds-instance / Commits",
			"rds-instance / Deadlocks",
			"rds-instance / Free local storage",
			"rds-instance / Queries",
			"rds-instance / Query latency",
			"rds-instance / Serverless v2 capacity",
			"rds-instance / Serverless v2 utilization",
		}, false},
		{"mysql", awssim.Options{Instances: 6, Engines: []string{"mysql"}, Proxies: 1}, []string{
			"rds-clusters-proxies / Backup storage",
			"rds-clusters-proxies / Cluster volume I/O",
			"rds-clusters-proxies / Cluster volume left",
			"rds-clusters-proxies / Cluster volume used",
			"rds-clusters-proxies / Global database lag",
			"rds-clusters-proxies / Serverless v2 capacity",
			"rds-instance / Aurora replica lag",
			"rds-instance / Buffer cache hit ratio",
			"rds-instance / Checkpoint lag",
			"rds-instance / Commit latency",
			"rds-instance / Commits",
			"rds-instance / Deadlocks",
			"rds-instance / Free local storage",
			"rds-instance / Maximum used transaction IDs",
			"rds-instance / Queries",
			"rds-instance / Query latency",
			"rds-instance / Replication slot disk usage",
			"rds-instance / Replication slot lag",
			"rds-instance / Serverless v2 capacity",
			"rds-instance / Serverless v2 utilization",
			"rds-instance / Transaction logs disk usage",
			"rds-instance / Transaction logs generation",
		}, false},
		{"aurora", awssim.Options{Instances: 12, Engines: []string{"aurora-postgresql", "aurora-mysql"}, Proxies: 1}, []string{
			"rds-fleet-overview / Free storage space: lowest 10",
			"rds-fleet-overview / Highest replica lag",
			"rds-fleet-overview / Replica lag: highest 10",
			"rds-instance / Binary log disk usage",
			"rds-instance / Burst balance",
			"rds-instance / Checkpoint lag",
			"rds-instance / Free storage space",
			"rds-instance / Replica lag",
			"rds-instance / Replication slot lag",
			"rds-instance / Transaction logs generation",
		}, false},
	}
	// The default config reads neither Enhanced Monitoring nor
	// Performance Insights: their rows are empty on every fleet.
	for i := range fleets {
		fleets[i].empty = slices.Sorted(slices.Values(append(fleets[i].empty, sourcePanels()...)))
	}
	// The snake-case dashboards on the PostgreSQL fleet: the same panels
	// have data.
	pg := fleets[0]
	pg.name, pg.snakeCase = "postgres-snake-case", true
	return append(fleets, pg)
}

// sourcePanels are the panels of the OS and database-load rows.
func sourcePanels() []string {
	return []string{
		"rds-instance / CPU by mode", "rds-instance / Load average", "rds-instance / Memory",
		"rds-instance / Disk operations by device", "rds-instance / Disk wait by device",
		"rds-instance / File system use", "rds-instance / Network by interface", "rds-instance / Processes",
		"rds-instance / Database load by wait event", "rds-instance / Database load by top SQL",
		"rds-instance / Top SQL over the range",
	}
}

// On a fleet of each engine family run with the default config (no config
// file), every panel of the shipped dashboards has data over the last
// hours, but those whose metrics CloudWatch does not have for the fleet:
// the test lists them, and checks the list against the series awssim
// publishes (ListMetrics), by the kind of resource each panel reads.
func TestPanelsOnDefaultConfigFleets(t *testing.T) {
	for _, f := range defaultConfigFleets() {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel() // the fleets wait for their rate limiters more than they compute
			h := buildHistoryOf(t, historySpec{sim: f.sim, config: "", days: 2, snakeCase: f.snakeCase})
			db := openBlocks(t, h.dir)
			dir, l := dashboards.JSONDir, catalog.Labeling{SnakeCase: f.snakeCase}
			if f.snakeCase {
				dir = dashboards.SnakeCaseJSONDir
			}
			ds := loadDashboardsIn(t, dir)
			derived := unpublishedPanels(t, ds, l, h.sim)
			if !slices.Equal(derived, f.empty) {
				t.Errorf("panels without a metric awssim publishes for the %s fleet:\n%s\nthe test lists:\n%s",
					f.name, strings.Join(derived, "\n"), strings.Join(f.empty, "\n"))
			}
			for _, d := range ds {
				for _, p := range d.panels() {
					name := strings.TrimSuffix(d.UID, "-snake-case") + " / " + p.Title
					if got, want := panelHasData(t, d, p, db, h), !slices.Contains(derived, name); got != want {
						t.Errorf("%s: data %t, want %t", name, got, want)
					}
				}
			}
		})
	}
}

// panelHasData reports whether any query of a panel returns a value over
// the last three hours (a range query at a 5-minute step, or an instant
// query at the end), with every variable set to All.
func panelHasData(t *testing.T, d grafanaDashboard, p grafanaPanel, db storage.Queryable, h *history) bool {
	t.Helper()
	engine := newEngine()
	start, end, step := h.now.Add(-3*time.Hour), h.now, 5*time.Minute
	for _, tg := range p.Targets {
		expr := mustExpand(t, tg.Expr, d.allVars(step, end.Sub(h.start), scrapeEvery))
		var q promql.Query
		var err error
		if tg.Instant {
			q, err = engine.NewInstantQuery(context.Background(), db, nil, expr, end)
		} else {
			q, err = engine.NewRangeQuery(context.Background(), db, nil, expr, start, end, step)
		}
		switch v := execQuery(t, expr, q, err).(type) {
		case promql.Matrix:
			for _, s := range v {
				if len(s.Floats) > 0 {
					return true
				}
			}
		case promql.Vector:
			for _, s := range v {
				if !math.IsNaN(s.F) {
					return true
				}
			}
		case promql.Scalar:
			return true
		}
	}
	return false
}

// unpublishedPanels returns the panels of the shipped dashboards that read
// aws_rds_* metrics and none that awssim publishes for the kind of
// resource the panel shows, or only the series of Enhanced Monitoring and
// Performance Insights, which the default config does not read
// ("dashboard uid / panel title", sorted). A
// panel that reads only aws_rds_info or the exporter's own metrics, or
// falls back to a constant (`or vector(0)`), has data whatever the fleet.
func unpublishedPanels(t *testing.T, ds []grafanaDashboard, l catalog.Labeling, sim *awssim.Server) []string {
	t.Helper()
	published := publishedNames(l, sim)
	var out []string
	for _, d := range ds {
		for _, p := range d.panels() {
			reads, has := false, false
			for _, tg := range p.Targets {
				s, err := expand(tg.Expr, lintVars(d))
				if err != nil {
					t.Fatal(err)
				}
				expr, err := parsePromQL(s)
				if err != nil {
					t.Fatal(err)
				}
				parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
					if call, ok := node.(*parser.Call); ok && call.Func.Name == "vector" {
						has = true
					}
					vs, ok := node.(*parser.VectorSelector)
					name := ""
					if ok {
						name = metricNameOf(vs.LabelMatchers)
					}
					if ok && slices.Contains(sourceFamilies(), name) {
						reads = true // opt-in sources: the default config reads neither
						return nil
					}
					if !ok || !strings.HasPrefix(name, "aws_rds_") || name == catalog.InfoMetric {
						return nil
					}
					reads = true
					has = has || published[kindLabelOf(vs.LabelMatchers)+" "+name]
					return nil
				})
			}
			if reads && !has {
				out = append(out, strings.TrimSuffix(d.UID, "-snake-case")+" / "+p.Title)
			}
		}
	}
	slices.Sort(out)
	return out
}

// publishedNames returns "label name" for the series awssim publishes for
// one resource of a kind (by DBInstanceIdentifier, DBClusterIdentifier or
// ProxyName alone), with the label that names the resource (named by l)
// and the Prometheus name of each default statistic.
func publishedNames(l catalog.Labeling, sim *awssim.Server) map[string]bool {
	out := map[string]bool{}
	for _, sr := range sim.PublishedSeries(sim.AccountID(), sim.Region()) {
		if len(sr.Dimensions) != 1 {
			continue
		}
		for dim := range sr.Dimensions {
			if dim != model.DimInstance && dim != model.DimCluster && dim != model.DimProxy {
				continue
			}
			for _, stat := range catalog.DefaultStatistics() {
				out[l.DimensionLabel(dim)+" "+catalog.PromName(sr.Metric, stat)] = true
			}
		}
	}
	return out
}

// kindLabelOf returns the label a selector requires not empty: the one
// that names the resources of the kind it reads.
func kindLabelOf(ms []*labels.Matcher) string {
	for _, m := range ms {
		if m.Type == labels.MatchNotEqual && m.Value == "" && strings.HasPrefix(m.Name, "dimension_") {
			return m.Name
		}
	}
	return ""
}
