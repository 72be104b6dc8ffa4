package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --version prints what the version command prints.
func TestVersionFlag(t *testing.T) {
	var flag, cmd, stderr syncBuffer
	if code := run(context.Background(), []string{"--version"}, &flag, &stderr); code != 0 {
		t.Fatalf("--version: exit %d: %s", code, stderr.String())
	}
	if code := run(context.Background(), []string{"version"}, &cmd, &stderr); code != 0 {
		t.Fatalf("version: exit %d: %s", code, stderr.String())
	}
	if flag.String() != cmd.String() || !strings.HasPrefix(flag.String(), "rds-backfill-exporter, version ") {
		t.Errorf("--version printed %q, version %q", flag.String(), cmd.String())
	}
}

// convert-config prints the converted config on stdout (the golden file
// of package yace) and the notes on stderr.
func TestConvertConfig(t *testing.T) {
	var stdout, stderr syncBuffer
	src := "../../config/yace/testdata/rds.yml"
	if code := run(context.Background(), []string{"convert-config", src}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	want, err := os.ReadFile("../../config/yace/testdata/rds.converted.yml")
	if err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(src)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.ReplaceAll(stdout.String(), abs, "testdata/rds.yml"); got != string(want) {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
	if n := strings.Count(stderr.String(), "\n"); n != 2 || strings.Contains(stdout.String(), "differs:") {
		t.Errorf("want the 2 notes on stderr only; stderr:\n%s", stderr.String())
	}
}

// With YACE's -labels-snake-case (either spelling), the default config's
// /metrics has snake-case dimension labels and no promtool finding at
// all.
func TestServeSnakeCaseLabels(t *testing.T) {
	p := startExporter(t, "--labels-snake-case", "serve", "--aws.simulate", "--aws.simulate.instances=4")
	code, body := p.get(t, "/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	if strings.Contains(body, "dimension_DBInstanceIdentifier") || !strings.Contains(body, `dimension_dbinstance_identifier="sim-postgres-01"`) ||
		!strings.Contains(body, `dimension_dbcluster_identifier="sim-aurora-postgresql-cluster-01"`) {
		t.Errorf("/metrics does not have snake-case dimension labels:\n%s", body)
	}
	tools.CheckMetricsAllowing(t, body)
}
