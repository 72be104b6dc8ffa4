package bucket_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/bucket"
)

// TestUploadSpool: the blocks of a spool folder are uploaded and removed;
// one whose upload fails stays for the next call, which completes it.
func TestUploadSpool(t *testing.T) {
	s3 := startS3(t)
	spool := t.TempDir()
	_, dirs := fleetDays(t, spool, day0, 3, 2)
	if err := os.Mkdir(filepath.Join(spool, "not-a-block"), 0o755); err != nil {
		t.Fatal(err)
	}
	second := filepath.Base(dirs[1])
	s3.SetFaults(func(key string, _ int) int {
		if key == second+"/index" {
			return 500
		}
		return 0
	}, nil)
	bkt := s3.bucket(t)
	st := newStore(t, bkt, bucket.Config{MaxAttempts: 2})
	done, err := st.UploadSpool(context.Background(), spool)
	if err == nil || !strings.Contains(err.Error(), second) || len(done) != 2 {
		t.Fatalf("UploadSpool: %d done, %v; want 2 done and an error about %s", len(done), err, second)
	}
	left, _ := os.ReadDir(spool)
	if names := dirNames(left); len(names) != 2 || names[0] != second || names[1] != "not-a-block" {
		t.Fatalf("spool holds %v, want the failed block and the other folder", names)
	}
	s3.SetFaults(nil, nil)
	done, err = st.UploadSpool(context.Background(), spool)
	if err != nil || len(done) != 1 || done[0].ULID != second || done[0].Skipped {
		t.Fatalf("second UploadSpool: %+v, %v", done, err)
	}
	for _, dir := range dirs {
		if !exists(t, bkt, filepath.Base(dir)+"/meta.json") {
			t.Fatalf("block %s not in the bucket", dir)
		}
	}
}

func dirNames(entries []os.DirEntry) []string {
	var out []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") { // tsdbwriter's staging
			out = append(out, e.Name())
		}
	}
	return out
}
