package dashboards_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
)

// readsSources reports whether a query reads Enhanced Monitoring or
// Performance Insights series, which the test history has for the whole
// range, backfilled and live.
func readsSources(expr string) bool {
	return strings.Contains(expr, catalog.OSMetricsPrefix) || strings.Contains(expr, catalog.PIPrefix)
}

// osRestart is how long after a stopped window an instance's first
// Enhanced Monitoring event may come: its interval (60 s in the test
// history), as events keep their phase within the minute.
const osRestart = time.Minute

// osExcused excuses, for Enhanced Monitoring series, the stopped hours of
// their instance until its first event after, and the live reads that
// liveFaults throttles for ten minutes (no new event for longer than the
// panels hold one).
func osExcused(h *history) func(labels.Labels, int64) bool {
	gaps := inGapsThen(h.gapHours(), osRestart)
	from, to := h.liveStart.Add(90*time.Minute).UnixMilli(), h.liveStart.Add(100*time.Minute+5*time.Minute).UnixMilli()
	return func(ls labels.Labels, ts int64) bool { return gaps(ls, ts) || (ts >= from && ts < to) }
}

// inGapsThen is inGaps, each gap hour extended by after: the times a
// series may have no value because its instance was stopped, and for
// Enhanced Monitoring until its first event after the restart.
func inGapsThen(gaps map[string][]time.Time, after time.Duration) func(labels.Labels, int64) bool {
	return func(ls labels.Labels, ts int64) bool {
		for _, g := range gaps[ls.Get(catalog.LabelInstanceID)] {
			if ts >= g.UnixMilli() && ts < g.Add(time.Hour+after).UnixMilli() {
				return true
			}
		}
		return false
	}
}

// checkTopSQL checks the load by top statement: each instance's top
// statements change over time (a digest has a series only while it is in
// the top N), so no series need be continuous; but every instance has
// statements both in the backfilled history and live.
func checkTopSQL(t *testing.T, m promql.Matrix, liveStart time.Time) {
	t.Helper()
	backfilled, live := map[string]bool{}, map[string]bool{}
	for _, s := range m {
		id := s.Metric.Get(catalog.LabelInstanceID)
		for _, p := range s.Floats {
			if p.T < liveStart.UnixMilli() {
				backfilled[id] = true
			} else {
				live[id] = true
			}
		}
	}
	if len(backfilled) != historyInstances || len(live) != historyInstances {
		t.Errorf("statements of %d instances in the backfilled history and of %d live, want %d each", len(backfilled), len(live), historyInstances)
	}
}
