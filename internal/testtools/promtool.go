package testtools

import (
	"os/exec"
	"strings"
	"testing"
)

// CheckMetrics runs the pinned promtool's `check metrics` on an exposition
// and fails the test for any finding but the camelCase of label names:
// YACE's dimension_DBInstanceIdentifier, dimension_DBClusterIdentifier,
// dimension_ProxyName and the others, kept on purpose so that dashboards
// and queries written for YACE work.
func (t *Tools) CheckMetrics(tb testing.TB, exposition string) {
	tb.Helper()
	cmd := exec.CommandContext(tb.Context(), t.Promtool(tb), "check", "metrics")
	cmd.Stdin = strings.NewReader(exposition)
	out, err := cmd.CombinedOutput()
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" || strings.Contains(line, "label names should be written in 'snake_case' not 'camelCase'") {
			continue
		}
		tb.Errorf("promtool check metrics: %s", line)
	}
	if err != nil && !strings.Contains(string(out), "camelCase") {
		tb.Errorf("promtool check metrics failed: %v\n%s", err, out)
	}
}
