package dashboards_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/storage"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
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

// TestPanelsOnRealHistory evaluates the dashboards over a TSDB made by the
// real exporter on awssim: a 7-day hourly backfill job and three hours of
// minute-level scrapes (see buildHistory). The TSDB is built once for the
// subtests.
func TestPanelsOnRealHistory(t *testing.T) {
	h := buildHistory(t)
	db := openBlocks(t, h.dir)
	t.Run("PanelQueriesDrawContinuousHistory", func(t *testing.T) { testPanelQueries(t, h, db) })
	t.Run("RawHourlySeriesHaveGaps", func(t *testing.T) { testRawHourlySeries(t, h, db) })
	t.Run("DaysUntilFull", func(t *testing.T) { testDaysUntilFull(t, h, db) })
}

// testPanelQueries evaluates every panel query with the variables set to
// All over the whole history: each query returns series, and no series has
// a gap longer than one step, except in the hours awssim has no data for
// the series's DB instance. Series of RDS metrics must also span the whole
// range, backfilled and live, as one line.
func testPanelQueries(t *testing.T, h *history, db storage.Queryable) {
	engine := newEngine()
	scrape := scrapeInterval(t)
	if scrape != scrapeEvery {
		t.Fatalf("the datasource's scrape interval is %s, the test scrapes every %s", scrape, scrapeEvery)
	}
	excused := inGaps(h.gapHours())
	start, end := h.start, h.now
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
						if strings.Contains(tg.Expr, catalog.PILoadBySQL) {
							checkTopSQL(t, m, h.liveStart)
							return
						}
						wholeRange := strings.Contains(tg.Expr, "aws_rds_") || readsSources(tg.Expr)
						excused := excused
						if strings.Contains(tg.Expr, catalog.OSMetricsPrefix) {
							excused = osExcused(h)
						}
						for _, problem := range continuityProblems(m, start, end, step, wholeRange, excused) {
							t.Error(problem)
						}
					})
				}
			}
		}
	}
}

// testRawHourlySeries shows why the panels wrap their queries: raw
// backfilled series draw as dots at a one-minute step, and the harness sees
// it in every instance's series, even with the stopped hours excused.
func testRawHourlySeries(t *testing.T, h *history, db storage.Queryable) {
	m := evalRange(t, newEngine(), db,
		`max by (dimension_DBInstanceIdentifier) (aws_rds_cpuutilization_average)`, h.start, h.now, time.Minute)
	if len(m) != len(h.instances) {
		t.Fatalf("%d series, want one per instance (%d)", len(m), len(h.instances))
	}
	for _, s := range m {
		if len(continuityProblems(promql.Matrix{s}, h.start, h.now, time.Minute, true, inGaps(h.gapHours()))) == 0 {
			t.Errorf("raw hourly series of %s shows no gap at a 1m step; the continuity check checks nothing", s.Metric)
		}
	}
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

// continuityProblems finds the series that have no value at an evaluation
// time where they should: between their first and last value (a gap longer
// than one step) and, if wholeRange, anywhere in [start, end] but the first
// step. A time that excused excuses for the series is not a problem.
func continuityProblems(m promql.Matrix, start, end time.Time, step time.Duration, wholeRange bool,
	excused func(labels.Labels, int64) bool) []string {
	var problems []string
	for _, s := range m {
		pts := s.Floats
		if len(pts) == 0 {
			problems = append(problems, fmt.Sprintf("%s: no float samples", s.Metric))
			continue
		}
		from, to := pts[0].T, pts[len(pts)-1].T
		if wholeRange {
			from, to = start.Add(step).UnixMilli(), end.UnixMilli()
		}
		first, last, ok := firstMissing(pts, from, to, step.Milliseconds(), func(ts int64) bool { return excused(s.Metric, ts) })
		if ok {
			problems = append(problems, fmt.Sprintf("%s: no value from %s to %s", s.Metric, formatMillis(first), formatMillis(last)))
		}
	}
	return problems
}

// firstMissing returns the first run of evaluation times from, from+step,
// ... up to to at which pts has no value and which excused does not excuse.
func firstMissing(pts []promql.FPoint, from, to, step int64, excused func(int64) bool) (first, last int64, ok bool) {
	i := 0
	for ts := from; ts <= to; ts += step {
		for i < len(pts) && pts[i].T < ts {
			i++
		}
		if (i < len(pts) && pts[i].T == ts) || excused(ts) {
			if ok {
				return first, last, true
			}
			continue
		}
		if !ok {
			first, ok = ts, true
		}
		last = ts
	}
	return first, last, ok
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

// testDaysUntilFull checks the value of the fleet table's time-to-full
// column against awssim's data: free storage falls linearly (a slow
// sawtooth), so an instance has its free space now divided by what it lost
// per day over the backfilled week. An instance whose free storage jumped
// up in the week (the sawtooth's clean-up) is not checked.
func testDaysUntilFull(t *testing.T, h *history, db storage.Queryable) {
	expr := ""
	for _, d := range loadDashboards(t) {
		for _, p := range d.panels() {
			for i, tg := range p.Targets {
				if d.UID == "rds-fleet-overview" && targetUnit(p, i) == "d" {
					expr = mustExpand(t, tg.Expr, d.allVars(time.Hour, h.now.Sub(h.start), scrapeEvery))
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
	got := map[string]float64{}
	for _, s := range v {
		got[s.Metric.Get(catalog.LabelInstanceID)] = s.F
	}
	checked := 0
	for _, inst := range h.instances {
		want, ok := expectedDaysUntilFull(t, h, inst.ID)
		if !ok {
			continue
		}
		checked++
		if g, found := got[inst.ID]; !found || math.Abs(g-want) > 0.01*want {
			t.Errorf("days until full of %s = %v (found %t), want %.2f", inst.ID, g, found, want)
		}
	}
	if checked == 0 {
		t.Error("no instance's free storage shrinks steadily over the week: nothing checked")
	}
}

// expectedDaysUntilFull computes from awssim's data the days until an
// instance's free storage runs out; ok is false if it did not fall steadily
// over the backfilled week.
func expectedDaysUntilFull(t *testing.T, h *history, id string) (days float64, ok bool) {
	t.Helper()
	const fss = "FreeStorageSpace"
	var first, last float64
	var firstAt, lastAt time.Time
	for ts := h.start; ts.Before(h.liveStart); ts = ts.Add(time.Hour) {
		v, ok := h.sim.Value(h.sim.InstanceARN(id), fss, catalog.Average, ts, time.Hour)
		switch {
		case !ok:
			continue
		case firstAt.IsZero():
			first, firstAt = v, ts
		case v > last*1.001:
			return 0, false // a clean-up freed space
		}
		last, lastAt = v, ts
	}
	perDay := (first - last) / lastAt.Sub(firstAt).Hours() * 24
	// The live value at the last scrape: the poll then read the last whole
	// minute before its 2-minute delay.
	now, okNow := h.sim.Value(h.sim.InstanceARN(id), fss, catalog.Average, h.now.Add(-3*time.Minute), time.Minute)
	if !okNow || perDay <= 0 {
		return 0, false
	}
	return now / perDay, true
}
