package dashboards_test

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
)

func ruleFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("rules", "*.rules.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no rule files: %v", err)
	}
	return files
}

func ruleTestFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("rules", "tests", "*.test.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no rule test files: %v", err)
	}
	return files
}

// tools finds promtool, pinned in go.mod, built once per test binary (the
// first build takes minutes on a cold build cache).
var tools testtools.Tools

// promtool runs the pinned promtool with args and fails on any error.
func promtool(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), tools.Promtool(t), args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

func TestPromtoolCheckRules(t *testing.T) {
	promtool(t, append([]string{"check", "rules"}, ruleFiles(t)...)...)
}

func TestPromtoolTestRules(t *testing.T) {
	promtool(t, append([]string{"test", "rules"}, ruleTestFiles(t)...)...)
}

// loadRules parses every rule file as Prometheus does.
func loadRules(t *testing.T) []rulefmt.Rule {
	t.Helper()
	var rules []rulefmt.Rule
	for _, f := range ruleFiles(t) {
		groups, errs := rulefmt.ParseFile(f, false, model.LegacyValidation, parser.NewParser(parser.Options{}), promslog.NewNopLogger())
		if len(errs) > 0 {
			t.Fatalf("%s: %v", f, errs)
		}
		for _, g := range groups.Groups {
			rules = append(rules, g.Rules...)
		}
	}
	return rules
}

// TestRulesLint: alerts carry a severity and say what happened, why it
// matters and what to do; recording rules are named level:metric:operations;
// every rule reads series the exporter produces (or recorded ones), and
// counters only through rate() or increase().
func TestRulesLint(t *testing.T) {
	rules := loadRules(t)
	allowed := producedMetrics()
	for _, r := range rules {
		if r.Record != "" {
			allowed[r.Record] = gauge
		}
	}
	for _, r := range rules {
		name := r.Alert + r.Record
		if r.Alert != "" {
			if s := r.Labels["severity"]; s != "warning" && s != "critical" {
				t.Errorf("%s: severity %q, want warning or critical", name, s)
			}
			for _, a := range []string{"summary", "description", "runbook"} {
				if r.Annotations[a] == "" {
					t.Errorf("%s: no %s annotation", name, a)
				}
			}
		}
		if r.Record != "" && strings.Count(r.Record, ":") != 2 {
			t.Errorf("%s: recording rule names are level:metric:operations", name)
		}
		expr, err := parsePromQL(r.Expr)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, problem := range exprProblems(expr, allowed) {
			t.Errorf("%s: %s", name, problem)
		}
	}
}

// TestEveryAlertTestedFiringAndNot: the promtool tests hold, for every
// alert, a case where it fires and one where it does not.
func TestEveryAlertTestedFiringAndNot(t *testing.T) {
	firing, silent := map[string]bool{}, map[string]bool{}
	for _, f := range ruleTestFiles(t) {
		var file struct {
			Tests []struct {
				AlertRuleTest []struct {
					Alertname string `yaml:"alertname"`
					ExpAlerts []any  `yaml:"exp_alerts"`
				} `yaml:"alert_rule_test"`
			} `yaml:"tests"`
		}
		readYAML(t, f, &file)
		for _, tc := range file.Tests {
			for _, a := range tc.AlertRuleTest {
				if len(a.ExpAlerts) > 0 {
					firing[a.Alertname] = true
				} else {
					silent[a.Alertname] = true
				}
			}
		}
	}
	var alerts []string
	for _, r := range loadRules(t) {
		if r.Alert == "" {
			continue
		}
		alerts = append(alerts, r.Alert)
		if !firing[r.Alert] || !silent[r.Alert] {
			t.Errorf("%s: tested firing %v, not firing %v; want both", r.Alert, firing[r.Alert], silent[r.Alert])
		}
	}
	want := []string{"RDSFreeStorageSpaceLow", "RDSStorageFullIn24Hours", "RDSCPUUtilizationHigh",
		"RDSCPUCreditsExhausted", "RDSReplicaLagHigh", "RDSTransactionIDWraparound", "RDSExporterPollsFailing",
		"RDSExporterPollsStale", "RDSExporterCloudWatchThrottled", "RDSBackfillJobsFailing"}
	for _, a := range want {
		if !slices.Contains(alerts, a) {
			t.Errorf("alert %s is missing", a)
		}
	}
}
