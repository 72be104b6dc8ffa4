package dashboards_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"
)

// evalSteps are the steps the dashboards must draw continuous lines at: a
// few hours, a day or two, and a week or more on a typical screen.
func evalSteps() []time.Duration { return []time.Duration{time.Minute, 5 * time.Minute, time.Hour} }

func newEngine() *promql.Engine {
	return promql.NewEngine(promql.EngineOpts{
		MaxSamples:       100_000_000,
		Timeout:          5 * time.Minute,
		EnableAtModifier: true, // on by default in Prometheus; the rankings use @ end()
	})
}

// TestPanelQueriesDrawContinuousHistory evaluates every panel query with the
// variables set to All over hourly backfilled history and minute-level live
// samples: each query returns series, and no series has a gap longer than one
// step. Series of RDS metrics must also span the whole range, backfilled and
// live, as one line.
func TestPanelQueriesDrawContinuousHistory(t *testing.T) {
	h, db := testDB(t)
	engine := newEngine()
	scrape := scrapeInterval(t)
	start, end := h.start(), h.now
	for _, d := range loadDashboards(t) {
		for _, p := range d.panels() {
			for _, tg := range p.Targets {
				name := fmt.Sprintf("%s/%s/%s", d.UID, p.Title, tg.RefID)
				if tg.Instant {
					t.Run(name+"/instant", func(t *testing.T) {
						expr := mustExpand(t, tg.Expr, d.allVars(time.Hour, end.Sub(start), scrape))
						checkInstant(t, engine, db, expr, end)
					})
					continue
				}
				for _, step := range evalSteps() {
					t.Run(name+"/"+step.String(), func(t *testing.T) {
						expr := mustExpand(t, tg.Expr, d.allVars(step, end.Sub(start), scrape))
						m := evalRange(t, engine, db, expr, start, end, step)
						wholeRange := strings.Contains(tg.Expr, "aws_rds_")
						for _, problem := range continuityProblems(m, start, end, step, wholeRange) {
							t.Error(problem)
						}
					})
				}
			}
		}
	}
}

// TestRawHourlySeriesHaveGaps shows why the panels wrap their queries: raw
// backfilled series draw as dots at a one-minute step, and the harness sees it.
func TestRawHourlySeriesHaveGaps(t *testing.T) {
	h, db := testDB(t)
	m := evalRange(t, newEngine(), db,
		`max by (dimension_DBInstanceIdentifier) (aws_rds_cpuutilization_average)`, h.start(), h.now, time.Minute)
	if len(continuityProblems(m, h.start(), h.now, time.Minute, true)) == 0 {
		t.Error("raw hourly series show no gaps at a 1m step; the continuity check checks nothing")
	}
}

// testDB writes the test history into a temporary folder and opens it.
func testDB(t *testing.T) (history, storage.Queryable) {
	t.Helper()
	h := testHistory()
	dir := t.TempDir()
	writeHistory(t, dir, h)
	return h, openBlocks(t, dir)
}

func mustExpand(t *testing.T, expr string, vars map[string]string) string {
	t.Helper()
	s, err := expand(expr, vars)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// execQuery runs a query the engine made (or failed to make) from expr.
func execQuery(t *testing.T, expr string, q promql.Query, err error) parser.Value {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	defer q.Close()
	res := q.Exec(context.Background())
	if res.Err != nil {
		t.Fatalf("%s: %v", expr, res.Err)
	}
	return res.Value
}

func evalRange(t *testing.T, engine *promql.Engine, db storage.Queryable, expr string, start, end time.Time, step time.Duration) promql.Matrix {
	t.Helper()
	q, err := engine.NewRangeQuery(context.Background(), db, nil, expr, start, end, step)
	m, err := (&promql.Result{Value: execQuery(t, expr, q, err)}).Matrix()
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	if len(m) == 0 {
		t.Fatalf("%s returns no series", expr)
	}
	return m
}

// continuityProblems finds series with a gap longer than one step, and, if
// wholeRange, series that do not span [start, end].
func continuityProblems(m promql.Matrix, start, end time.Time, step time.Duration, wholeRange bool) []string {
	var problems []string
	for _, s := range m {
		pts := s.Floats
		if len(pts) == 0 {
			problems = append(problems, fmt.Sprintf("%s: no float samples", s.Metric))
			continue
		}
		for i := 1; i < len(pts); i++ {
			if pts[i].T-pts[i-1].T > step.Milliseconds() {
				problems = append(problems, fmt.Sprintf("%s: gap from %s to %s", s.Metric,
					formatMillis(pts[i-1].T), formatMillis(pts[i].T)))
				break
			}
		}
		first, last := pts[0].T, pts[len(pts)-1].T
		if wholeRange && (first > start.Add(step).UnixMilli() || last < end.UnixMilli()) {
			problems = append(problems, fmt.Sprintf("%s: spans %s to %s, not the whole range", s.Metric,
				formatMillis(first), formatMillis(last)))
		}
	}
	return problems
}

// checkInstant evaluates an instant query at ts: it must return a value.
func checkInstant(t *testing.T, engine *promql.Engine, db storage.Queryable, expr string, ts time.Time) {
	t.Helper()
	q, err := engine.NewInstantQuery(context.Background(), db, nil, expr, ts)
	switch v := execQuery(t, expr, q, err).(type) {
	case promql.Vector:
		if len(v) == 0 {
			t.Errorf("%s returns no series", expr)
		}
		for _, s := range v {
			if math.IsNaN(s.F) {
				t.Errorf("%s: %s is NaN", expr, s.Metric)
			}
		}
	case promql.Scalar:
	default:
		t.Errorf("%s returns %s, want a vector", expr, v.Type())
	}
}

// TestDaysUntilFull checks the value of the fleet table's time-to-full
// column: the first test instance loses half a GiB an hour and has 116 GiB
// left at the end, 9.67 days; the others do not shrink and have no value.
func TestDaysUntilFull(t *testing.T) {
	h, db := testDB(t)
	expr := ""
	for _, d := range loadDashboards(t) {
		for _, p := range d.panels() {
			for i, tg := range p.Targets {
				if d.UID == "rds-fleet-overview" && targetUnit(p, i) == "d" {
					expr = mustExpand(t, tg.Expr, d.allVars(time.Hour, 7*24*time.Hour, time.Minute))
				}
			}
		}
	}
	if expr == "" {
		t.Fatal("no days-until-full query in the fleet overview")
	}
	q, err := newEngine().NewInstantQuery(context.Background(), db, nil, expr, h.now)
	v, err := (&promql.Result{Value: execQuery(t, expr, q, err)}).Vector()
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != 1 || v[0].Metric.Get("dimension_DBInstanceIdentifier") != h.instances[0].id ||
		math.Abs(v[0].F-116.0/12) > 0.01 {
		t.Errorf("days until full = %v, want %s at %.2f", v, h.instances[0].id, 116.0/12)
	}
}
