package bucket_test

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/bucket"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

func coverage(t *testing.T, st *bucket.Store, cache string) *tsdbwriter.Coverage {
	t.Helper()
	cov, err := st.Coverage(context.Background(), cache, tsdbwriter.CoverageOptions{
		Label: "name", Mint: day0.Add(-24 * time.Hour).UnixMilli(), Maxt: day0.Add(72 * time.Hour).UnixMilli(),
		Matchers: []*labels.Matcher{labels.MustNewMatcher(labels.MatchRegexp, "__name__", "aws_rds_.+")},
	})
	if err != nil {
		t.Fatal(err)
	}
	return cov
}

// TestCoverage reads coverage of two uploaded daily blocks under a tenant
// and expects exactly the hours written; a block marked for deletion
// drops out, and with it its cached copy.
func TestCoverage(t *testing.T) {
	s3 := startS3(t)
	series, dirs := fleetDays(t, t.TempDir(), day0, 2, 3)
	bkt := s3.bucket(t)
	st := newStore(t, bkt, bucket.Config{Tenant: "team-a"})
	for _, dir := range dirs {
		if _, err := st.Upload(context.Background(), dir); err != nil {
			t.Fatal(err)
		}
	}
	cache := t.TempDir()
	cov := coverage(t, st, cache)
	want := map[string][]int64{}
	for _, s := range series {
		for _, x := range s.Samples {
			want[s.Labels.Get("name")] = append(want[s.Labels.Get("name")], x.T)
		}
	}
	for name, hours := range want {
		// Both metrics have the same hours: keep one copy of each.
		want[name] = hours[:len(hours)/2]
	}
	for name, hours := range want {
		var got []int64
		for h := day0; h.Before(day0.Add(72 * time.Hour)); h = h.Add(time.Hour) {
			if cov.Covered(name, h.UnixMilli()) {
				got = append(got, h.UnixMilli())
			}
		}
		if !reflect.DeepEqual(got, hours) {
			t.Fatalf("%s: coverage %d hours, want %d", name, len(got), len(hours))
		}
	}
	// Mark the first day's block deleted, as Thanos's compactor does.
	first := filepath.Base(dirs[0])
	if err := bkt.Upload(context.Background(), "team-a/"+first+"/deletion-mark.json", strings.NewReader("{}")); err != nil {
		t.Fatal(err)
	}
	cov = coverage(t, st, cache)
	if cov.Blocks != 1 || cov.Covered(arn(0), day0.Add(time.Hour).UnixMilli()) {
		t.Fatalf("coverage after the deletion mark: %d blocks, first day covered %v", cov.Blocks, cov.Covered(arn(0), day0.Add(time.Hour).UnixMilli()))
	}
	if _, err := os.Stat(filepath.Join(cache, first)); !os.IsNotExist(err) {
		t.Fatalf("cached copy of the deleted block: %v", err)
	}
}
