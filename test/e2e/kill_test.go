package e2e

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/oklog/ulid/v2"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// weekBlocks is how many daily blocks a 7-day backfill writes: 7 days that
// do not start at midnight span 8 UTC days.
const weekBlocks = 8

// TestKillDuringBackfill kills the exporter (SIGKILL) as soon as the first
// block of a fleet backfill lands, checks that the kill landed mid-run
// (some but not all blocks, and the sweep had not finished: it records the
// hours it swept only at its end), that the output folder holds only
// complete blocks, and that the next backfill fetches and writes exactly the
// hours the surviving blocks lack.
func TestKillDuringBackfill(t *testing.T) {
	sim := startSim(t, awssim.Options{Instances: 200})
	out := t.TempDir()
	exp := startExporter(t, sim, "--backfill.output-dir="+out)
	code, body := exp.call(t, "POST", "/api/v1/metrics/backfill?days=7&async=true")
	if code != 202 {
		t.Fatalf("async fleet backfill: %d %v", code, body)
	}
	testtools.Eventually(t, 5*time.Minute, time.Millisecond, func() error {
		if len(blocks(t, out)) == 0 {
			return errors.New("no block was written")
		}
		return nil
	})
	exp.kill() // SIGKILL

	survivors := blocks(t, out)
	t.Logf("%d of %d blocks survived the kill", len(survivors), weekBlocks)
	if len(survivors) >= weekBlocks {
		t.Fatalf("%d blocks: the kill landed after the last block, not mid-run", len(survivors))
	}
	if _, err := os.Stat(filepath.Join(out, "rds-backfill-empty-hours.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the sweep recorded its hours (%v): the kill landed after it finished", err)
	}
	analyze(t, out) // every block in the folder is complete and sound
	survived := copyDir(t, out)

	exp2 := startExporter(t, sim, "--backfill.output-dir="+out)
	code, body = exp2.call(t, "POST", "/api/v1/metrics/backfill?days=7")
	if code != 200 {
		t.Fatalf("second backfill: %d %v\n%s", code, body, exp2.logs)
	}
	first, second := testtools.ParseTime(t, body["from"]), testtools.ParseTime(t, body["to"])
	covered := coveredHours(t, survived, sim, first, second)
	if body["hours_skipped_covered"] != float64(covered) {
		t.Errorf("second backfill skipped %v hours, the surviving blocks cover %d", body["hours_skipped_covered"], covered)
	}
	total := body["hours_backfilled"].(float64) + body["hours_skipped_covered"].(float64) + body["hours_empty"].(float64) + body["hours_skipped_known_empty"].(float64)
	if want := float64(resources(sim) * 168); total != want {
		t.Errorf("hours add up to %v, want %v: %v", total, want, body)
	}
	if body["hours_backfilled"].(float64) == 0 {
		t.Errorf("the second backfill had nothing to do: the kill did not interrupt the first")
	}
	exp2.kill()
	prom := startPrometheus(t, copyDir(t, out))
	for _, inst := range sim.Instances()[:5] {
		checkSeries(t, prom, sim, inst.ID, "CPUUtilization", "Average", first, second)
		checkSeries(t, prom, sim, inst.ID, "FreeStorageSpace", "Maximum", first, second)
	}
}

// coveredHours counts the resource-hours of [from, to) of sim's instances,
// clusters and proxies that the blocks in dir hold samples for.
func coveredHours(t *testing.T, dir string, sim *awssim.Server, from, to time.Time) int {
	t.Helper()
	cov, err := tsdbwriter.ScanCoverage(context.Background(), []string{dir}, tsdbwriter.CoverageOptions{
		Label: catalog.LabelName, Mint: from.UnixMilli(), Maxt: to.UnixMilli(),
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, arn := range arns(sim) {
		n += cov.Count(arn)
	}
	return n
}

// arns returns the ARNs of sim's instances, clusters and proxies.
func arns(sim *awssim.Server) []string {
	var out []string
	for _, i := range sim.Instances() {
		out = append(out, i.ARN)
	}
	for _, c := range sim.Clusters() {
		out = append(out, c.ARN)
	}
	for _, p := range sim.Proxies() {
		out = append(out, p.ARN)
	}
	return out
}

// resources is how many instances, clusters and proxies sim has.
func resources(sim *awssim.Server) int { return len(arns(sim)) }

// blocks lists the block folders (named by a ULID) in dir, and fails the
// test on any other entry but the hidden staging folders and the empty-hours
// file.
func blocks(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if _, err := ulid.ParseStrict(name); err == nil && e.IsDir() {
			if _, err := os.Stat(filepath.Join(dir, name, "meta.json")); err != nil {
				t.Fatalf("block %s has no meta.json", name)
			}
			out = append(out, name)
			continue
		}
		if name[0] == '.' || name == "rds-backfill-empty-hours.json" || name == "rds-backfill-empty-hours.json.tmp" {
			continue
		}
		t.Fatalf("unexpected entry %q in the output folder", name)
	}
	return out
}
