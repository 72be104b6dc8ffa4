package e2e

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/thanos-io/objstore"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
)

// TestKillDuringUpload kills the exporter (SIGKILL) while it uploads the
// third block of a fleet backfill to a bucket over S3 (the server holds
// that block's index until the client goes away). The bucket then has no
// block whose meta.json exists without all its files. The next exporter
// on the same output folder uploads what the first left in its spool
// folder, completing the half-uploaded block, and so has no hour with
// data to fetch; the blocks, served by a real Prometheus, hold what
// awssim serves.
func TestKillDuringUpload(t *testing.T) {
	sim := startSim(t, awssim.Options{Instances: 20})
	s3 := testtools.StartS3(t)
	var (
		mu      sync.Mutex
		indexes []string
	)
	s3.SetFaults(nil, func(key string) bool {
		mu.Lock()
		defer mu.Unlock()
		if !strings.HasSuffix(key, "/index") {
			return false
		}
		if !slices.Contains(indexes, key) {
			indexes = append(indexes, key)
		}
		return slices.Index(indexes, key) == 2
	})
	cfg := filepath.Join(t.TempDir(), "objstore.yml")
	if err := os.WriteFile(cfg, s3.Config(), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	args := []string{"--backfill.output-dir=" + out, "--backfill.objstore.config-file=" + cfg}
	exp := startExporter(t, sim, args...)
	if code, body := exp.call(t, "POST", "/api/v1/metrics/backfill?days=7&async=true"); code != 202 {
		t.Fatalf("async fleet backfill: %d %v", code, body)
	}
	select {
	case key := <-s3.Held():
		t.Logf("killing the exporter while it uploads %s", key)
	case <-time.After(5 * time.Minute):
		t.Fatalf("the upload of a third block never started\n%s", exp.logs)
	}
	exp.kill() // SIGKILL

	bkt := testtools.S3Client(t, s3)
	whole, partial := testtools.BucketBlocks(t, bkt)
	if len(whole) != 2 || len(partial) != 1 {
		t.Fatalf("after the kill: %d whole blocks and %v without meta.json; want 2 and the one held", len(whole), partial)
	}

	s3.SetFaults(nil, nil)
	exp2 := startExporter(t, sim, args...)
	code, body := exp2.call(t, "POST", "/api/v1/metrics/backfill?days=7")
	if code != 200 {
		t.Fatalf("second backfill: %d %v\n%s", code, body, exp2.logs)
	}
	// The killed sweep did not get to remember the hours CloudWatch had
	// no data for: those are asked again, and found empty again.
	if body["hours_backfilled"] != 0.0 || body["hours_skipped_covered"].(float64)+body["hours_empty"].(float64) != body["hours_total"] {
		t.Errorf("second backfill %v: want the spool uploaded and nothing but empty hours fetched", body)
	}
	exp2.kill()
	whole, partial = testtools.BucketBlocks(t, bkt)
	if len(whole) != weekBlocks || len(partial) != 0 {
		t.Fatalf("after the second run: %d whole blocks and %v without meta.json; want %d and none", len(whole), partial, weekBlocks)
	}
	if spooled := blocks(t, filepath.Join(out, ".upload-spool")); len(spooled) != 0 {
		t.Errorf("the spool folder still has %v", spooled)
	}

	data := t.TempDir()
	for _, m := range whole {
		if err := objstore.DownloadDir(context.Background(), nopKit{}, bkt, m.ULID, m.ULID, filepath.Join(data, m.ULID)); err != nil {
			t.Fatal(err)
		}
	}
	from, to := testtools.ParseTime(t, body["from"]), testtools.ParseTime(t, body["to"])
	prom := startPrometheus(t, data)
	for _, inst := range sim.Instances() {
		for _, sel := range testtools.TwentyMetrics() {
			for _, stat := range sel.Statistics {
				checkSeries(t, prom, sim, inst.ID, sel.Metric, stat, from, to)
			}
		}
	}
}

type nopKit struct{}

func (nopKit) Log(...any) error { return nil }
