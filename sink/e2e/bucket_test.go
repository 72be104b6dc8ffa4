package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/thanos-io/objstore"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/exporter"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// objstoreFile writes the S3 server's objstore config into a file.
func objstoreFile(t *testing.T, s3 *testtools.S3) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "objstore.yml")
	if err := os.WriteFile(path, s3.Config(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// bucketHistory downloads every block of bkt, opens each with the tsdb
// package (through tsdbwriter.ReadSeries) and returns what they hold.
func bucketHistory(t *testing.T, bkt objstore.Bucket, sim *awssim.Server, metas []testtools.BlockMeta) history {
	t.Helper()
	h := history{}
	for _, m := range metas {
		dir := filepath.Join(t.TempDir(), m.ULID)
		if err := objstore.DownloadDir(context.Background(), nopKit{}, bkt, m.ULID, m.ULID, dir); err != nil {
			t.Fatal(err)
		}
		series, err := tsdbwriter.ReadSeries(context.Background(), []string{filepath.Dir(dir)}, tsdbwriter.ReadOptions{
			Mint: m.MinTime, Maxt: m.MaxTime,
			Matchers: []*labels.Matcher{labels.MustNewMatcher(labels.MatchRegexp, "__name__", "aws_rds_.+")},
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range series {
			if err := h.add(sim, s.Labels.Map(), samplesOf(s.Samples)); err != nil {
				t.Fatal(err)
			}
		}
	}
	return h
}

type nopKit struct{}

func (nopKit) Log(...any) error { return nil }

// TestBackfillIntoBucketOverS3: a 7-day fleet backfill through the
// exporter uploads daily blocks over the S3 protocol (gofakes3 on
// 127.0.0.1, objstore's S3 client configured from the bucket YAML);
// downloaded and opened with tsdb, they hold exactly what awssim serves;
// their meta.json has the thanos section; a rerun reads the bucket's
// coverage and uploads and fetches nothing.
func TestBackfillIntoBucketOverS3(t *testing.T) {
	sim := startSim(t)
	s3 := testtools.StartS3(t)
	external := map[string]string{"cluster": "e2e", "replica": "backfill"}
	a := startExporter(t, sim, "", exporter.StoreOptions{ObjstoreConfigFile: objstoreFile(t, s3), ObjstoreExternalLabels: external})
	from, to, body := a.backfillOK(t)
	bkt := testtools.S3Client(t, s3)
	metas, partial := testtools.BucketBlocks(t, bkt)
	if len(metas) != 8 || len(partial) > 0 || body["blocks_written"] != 8.0 {
		t.Fatalf("%d whole blocks, %v partial, answer %v; want the 8 daily blocks of a week", len(metas), partial, body)
	}
	for _, m := range metas {
		if err := m.Check(external); err != nil {
			t.Errorf("block %s: %v", m.ULID, err)
		}
	}
	n, err := bucketHistory(t, bkt, sim, metas).compare(sim, from, to)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("checked %d samples against awssim", n)
	if got := a.selfMetric(t, "backfill_blocks_uploaded_total"); got != 8 {
		t.Errorf("%v blocks uploaded counted, want 8", got)
	}
	puts := s3.Puts()
	a.checkRepeat(t, sim)
	if s3.Puts() != puts {
		t.Errorf("the rerun uploaded %d objects, want none", s3.Puts()-puts)
	}
}

// TestBucketFailedPutsCompletedByTheNextRun: the S3 server fails every PUT
// of the index of the 2nd and 5th block uploaded; the backfill fails (502,
// the store failed) and leaves no block whose meta.json exists without
// all its files. The next run, with the server healthy, uploads what the
// first left in its spool folder and has no hour with data to fetch:
// every block is whole and holds what awssim serves.
func TestBucketFailedPutsCompletedByTheNextRun(t *testing.T) {
	sim := startSim(t)
	s3 := testtools.StartS3(t)
	var (
		mu      sync.Mutex
		indexes []string
	)
	s3.SetFaults(func(key string, _ int) int {
		if !strings.HasSuffix(key, "/index") {
			return 0
		}
		mu.Lock()
		defer mu.Unlock()
		if !slices.Contains(indexes, key) {
			indexes = append(indexes, key)
		}
		if i := slices.Index(indexes, key); i == 1 || i == 4 {
			return http.StatusInternalServerError
		}
		return 0
	}, nil)
	const retries = "backfill:\n  objstore:\n    max_attempts: 2\n    min_backoff: 10ms\n    max_backoff: 10ms\n"
	a := startExporter(t, sim, retries, exporter.StoreOptions{ObjstoreConfigFile: objstoreFile(t, s3)})
	status, body := a.backfill(t)
	if status != http.StatusBadGateway || !strings.Contains(body["error"].(string), "upload blocks") {
		t.Fatalf("backfill: %d %v, want 502 for the failed uploads", status, body)
	}
	bkt := testtools.S3Client(t, s3)
	metas, partial := testtools.BucketBlocks(t, bkt)
	if len(metas) != 6 || len(partial) != 2 {
		t.Fatalf("%d whole blocks and %d without meta.json, want 6 and 2", len(metas), len(partial))
	}
	s3.SetFaults(nil, nil)
	from, to, body := a.backfillOK(t)
	// The failed run wrote every window into the spool folder before its
	// uploads failed, so it remembered the hours CloudWatch had no data
	// for in them: the next run fetches no hour with data (an empty hour
	// it did not remember would be asked again, and found empty again).
	known := body["hours_skipped_covered"].(float64) + body["hours_skipped_known_empty"].(float64) + body["hours_empty"].(float64)
	if body["hours_backfilled"] != 0.0 || known != body["hours_total"] {
		t.Errorf("next run %v: want the spool uploaded and nothing but empty hours fetched", body)
	}
	metas, partial = testtools.BucketBlocks(t, bkt)
	if len(metas) != 8 || len(partial) != 0 {
		t.Fatalf("%d whole blocks and %v without meta.json, want 8 and none", len(metas), partial)
	}
	if _, err := bucketHistory(t, bkt, sim, metas).compare(sim, from, to); err != nil {
		t.Fatal(err)
	}
}
