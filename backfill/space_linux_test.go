package backfill_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// A one-day backfill of one instance (20 metrics x 2 statistics) from
// awssim succeeds on a 64 MiB volume, which its blocks used to need 512 MiB
// free for.
func TestBackfillOnSmallVolume(t *testing.T) {
	testtools.OnTmpfs(t, "64m", func(t *testing.T, dir string) {
		_, c, instances := simFleet(t, 1)
		b := newSimBackfiller(t, c, dir)
		res, err := b.Backfill(context.Background(), backfill.Request{Resources: withMetrics(instances, defaultSelection()), Days: 1})
		if err != nil {
			t.Fatal(err)
		}
		if res.HoursBackfilled+res.HoursEmpty != 24 || res.HoursBackfilled == 0 || res.Blocks == 0 {
			t.Errorf("result %+v", res)
		}
		t.Logf("%d samples in %d blocks", res.Samples, res.Blocks)
	})
}

// On a volume too small for its blocks a sweep fails before it asks
// CloudWatch for anything, saying how much space it needs, and writes
// nothing.
func TestBackfillTooSmallVolume(t *testing.T) {
	testtools.OnTmpfs(t, "1m", func(t *testing.T, dir string) {
		sim, c, instances := simFleet(t, 1)
		b := newSimBackfiller(t, c, dir)
		sim.ResetCounters()
		_, err := b.Backfill(context.Background(), backfill.Request{Resources: withMetrics(instances, defaultSelection()), Days: 1})
		if !errors.Is(err, tsdbwriter.ErrNoSpace) || !strings.Contains(err.Error(), "needs about") {
			t.Fatalf("got %v, want a not-enough-space error", err)
		}
		if n := sim.Counters().Requests["GetMetricData"]; n != 0 {
			t.Errorf("%d GetMetricData calls, want none", n)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), ".") {
				t.Errorf("%s left in the output folder", e.Name())
			}
		}
	})
}

// An output folder that cannot be created or written (on a read-only file
// system, which stops root too) fails New with ErrOutputFolder, naming the
// folder: the caller can run without the backfill.
func TestNewOnReadOnlyFolder(t *testing.T) {
	testtools.OnReadOnlyTmpfs(t, func(t *testing.T, dir string) {
		for _, out := range []string{dir, dir + "/backfill"} {
			_, err := backfill.New(backfill.Options{OutputDir: out})
			if !errors.Is(err, backfill.ErrOutputFolder) || !strings.HasPrefix(err.Error(), "backfill: cannot write to the output folder "+out+": ") ||
				!strings.HasSuffix(err.Error(), "read-only file system") {
				t.Errorf("New(%s) = %v, want ErrOutputFolder naming it", out, err)
			}
		}
	})
}
