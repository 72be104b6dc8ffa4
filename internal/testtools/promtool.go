package testtools

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// camelCaseFinding is promtool's finding on YACE's label names.
const camelCaseFinding = "label names should be written in 'snake_case' not 'camelCase'"

// CheckMetrics runs the pinned promtool's `check metrics` on an exposition
// and fails the test for any finding but the camelCase of label names:
// YACE's dimension_DBInstanceIdentifier, dimension_DBClusterIdentifier,
// dimension_ProxyName and the others, kept on purpose so that dashboards
// and queries written for YACE work.
func (t *Tools) CheckMetrics(tb testing.TB, exposition string) {
	tb.Helper()
	t.CheckMetricsAllowing(tb, exposition, camelCaseFinding)
}

// CheckMetricsAllowing runs the pinned promtool's `check metrics` on an
// exposition and fails the test for any finding that contains none of
// allowed (none allowed: any finding fails it).
func (t *Tools) CheckMetricsAllowing(tb testing.TB, exposition string, allowed ...string) {
	tb.Helper()
	cmd := exec.CommandContext(tb.Context(), t.Promtool(tb), "check", "metrics")
	cmd.Stdin = strings.NewReader(exposition)
	out, err := cmd.CombinedOutput()
	findings := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		findings++
		if !slices.ContainsFunc(allowed, func(a string) bool { return strings.Contains(line, a) }) {
			tb.Errorf("promtool check metrics: %s", line)
		}
	}
	if err != nil && findings == 0 {
		tb.Errorf("promtool check metrics failed: %v\n%s", err, out)
	}
}
