package bucket_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/thanos-io/objstore"
	"go.uber.org/goleak"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/bucket"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// helperEnv makes the test binary upload one block and exit: the process
// TestUploadKilled kills.
const helperEnv = "BUCKET_TEST_UPLOAD_HELPER"

func TestMain(m *testing.M) {
	if dir := os.Getenv(helperEnv); dir != "" {
		os.Exit(uploadHelper(dir, []byte(os.Getenv(helperEnv+"_CONFIG"))))
	}
	goleak.VerifyTestMain(m)
}

func uploadHelper(dir string, conf []byte) int {
	bkt, err := bucket.NewBucket(conf, nil)
	if err == nil {
		var s *bucket.Store
		if s, err = bucket.New(bkt, bucket.Config{MaxAttempts: 1}, nil); err == nil {
			_, err = s.Upload(context.Background(), dir)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

var day0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func TestUploadAndReadBack(t *testing.T) {
	s3 := startS3(t)
	series, dirs := fleetDays(t, t.TempDir(), day0, 2, 3)
	bkt := s3.bucket(t)
	st := newStore(t, bkt, bucket.Config{ExternalLabels: map[string]string{"cluster": "eu-1"}, Tenant: "team-a"})
	got := map[string][]tsdbwriter.Sample{}
	for _, dir := range dirs {
		up, err := st.Upload(context.Background(), dir)
		if err != nil {
			t.Fatal(err)
		}
		id := filepath.Base(dir)
		if up.Skipped || up.ULID != id || up.Files != 3 {
			t.Fatalf("upload %s: %+v, want 3 files (chunks/000001, index, meta.json)", id, up)
		}
		checkMeta(t, bkt, "team-a/"+id, map[string]string{"cluster": "eu-1"})
		for k, v := range readBlock(t, download(t, bkt, "team-a/"+id)) {
			got[k] = append(got[k], v...)
		}
	}
	if want := wantSamples(series); !reflect.DeepEqual(got, want) {
		t.Fatalf("downloaded blocks hold %d series, want %d, or their samples differ", len(got), len(want))
	}
	puts := s3.Puts()
	for _, dir := range dirs {
		up, err := st.Upload(context.Background(), dir)
		if err != nil || !up.Skipped || up.Files != 0 {
			t.Fatalf("second upload: %+v, %v; want skipped", up, err)
		}
	}
	if n := s3.Puts(); n != puts {
		t.Fatalf("second upload sent %d PUTs, want none", n-puts)
	}
}

// checkMeta checks the thanos section of the meta.json of the block at
// prefix.
func checkMeta(t *testing.T, bkt objstore.Bucket, prefix string, labels map[string]string) {
	t.Helper()
	r, err := bkt.Get(context.Background(), path.Join(prefix, "meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	var m testtools.BlockMeta
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.ULID != path.Base(prefix) {
		t.Errorf("meta.json of %s names %s", prefix, m.ULID)
	}
	if err := m.Check(labels); err != nil {
		t.Errorf("%v: %s", err, b)
	}
}

// TestUploadRetries: every first PUT of an object fails with 503; the
// Store's retries complete the block.
func TestUploadRetries(t *testing.T) {
	s3 := startS3(t)
	s3.SetFaults(func(_ string, attempt int) int {
		if attempt == 1 {
			return 503
		}
		return 0
	}, nil)
	series, dirs := fleetDays(t, t.TempDir(), day0, 1, 2)
	bkt := s3.bucket(t)
	up, err := newStore(t, bkt, bucket.Config{}).Upload(context.Background(), dirs[0])
	if err != nil {
		t.Fatal(err)
	}
	if puts := s3.Puts(); puts != 2*up.Files {
		t.Fatalf("%d PUTs for %d files, want two each", puts, up.Files)
	}
	if got := readBlock(t, download(t, bkt, up.ULID)); !reflect.DeepEqual(got, wantSamples(series)) {
		t.Fatal("downloaded block differs from the one written")
	}
}

// TestUploadFailureLeavesNoMeta: a server that refuses every PUT of the
// index makes Upload fail without meta.json; coverage ignores the partial
// block; the next Upload completes it.
func TestUploadFailureLeavesNoMeta(t *testing.T) {
	s3 := startS3(t)
	s3.SetFaults(func(key string, _ int) int {
		if strings.HasSuffix(key, "/index") {
			return 500
		}
		return 0
	}, nil)
	series, dirs := fleetDays(t, t.TempDir(), day0, 1, 2)
	bkt := s3.bucket(t)
	st := newStore(t, bkt, bucket.Config{MaxAttempts: 3})
	id := filepath.Base(dirs[0])
	_, err := st.Upload(context.Background(), dirs[0])
	if err == nil || !strings.Contains(err.Error(), id+"/index") {
		t.Fatalf("upload: %v, want an error about %s/index", err, id)
	}
	checkPartial(t, bkt, st, id)
	s3.SetFaults(nil, nil)
	completeAndCompare(t, bkt, st, dirs[0], series)
}

// TestUploadKilled: a process killed with SIGKILL while it uploads the
// index leaves no meta.json; the next Upload completes the block.
func TestUploadKilled(t *testing.T) {
	s3 := startS3(t)
	series, dirs := fleetDays(t, t.TempDir(), day0, 1, 2)
	id := filepath.Base(dirs[0])
	s3.SetFaults(nil, func(key string) bool { return key == id+"/index" })
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+dirs[0], helperEnv+"_CONFIG="+string(s3.Config()))
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case key := <-s3.Held():
		t.Logf("killing the uploader during the PUT of %s", key)
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("the uploader never reached the index: %s", out)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("the killed uploader exited cleanly")
	}
	s3.SetFaults(nil, nil)
	bkt := s3.bucket(t)
	st := newStore(t, bkt, bucket.Config{})
	checkPartial(t, bkt, st, id)
	completeAndCompare(t, bkt, st, dirs[0], series)
}

// checkPartial checks that block id has its chunks but no meta.json in
// the bucket, and that coverage does not count it.
func checkPartial(t *testing.T, bkt objstore.Bucket, st *bucket.Store, id string) {
	t.Helper()
	if !exists(t, bkt, id+"/chunks/000001") || exists(t, bkt, id+"/meta.json") {
		t.Fatal("want the chunks of the block uploaded and its meta.json not")
	}
	cov := coverage(t, st, t.TempDir())
	if n := cov.Count(arn(0)); n != 0 || cov.Blocks != 0 {
		t.Fatalf("coverage counts the partial block: %d blocks, %d hours of %s", cov.Blocks, n, arn(0))
	}
}

// completeAndCompare uploads dir again and compares the block in the
// bucket with series.
func completeAndCompare(t *testing.T, bkt objstore.Bucket, st *bucket.Store, dir string, series []tsdbwriter.Series) {
	t.Helper()
	up, err := st.Upload(context.Background(), dir)
	if err != nil || up.Skipped {
		t.Fatalf("upload after the failure: %+v, %v", up, err)
	}
	checkMeta(t, bkt, up.ULID, map[string]string{})
	if got := readBlock(t, download(t, bkt, up.ULID)); !reflect.DeepEqual(got, wantSamples(series)) {
		t.Fatal("completed block differs from the one written")
	}
}

// TestUploadCanceled: canceling the context during an upload ends it
// with the context's error and without meta.json.
func TestUploadCanceled(t *testing.T) {
	s3 := startS3(t)
	_, dirs := fleetDays(t, t.TempDir(), day0, 1, 2)
	id := filepath.Base(dirs[0])
	s3.SetFaults(nil, func(key string) bool { return key == id+"/index" })
	bkt := s3.bucket(t)
	st := newStore(t, bkt, bucket.Config{MinBackoff: time.Hour, MaxBackoff: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := st.Upload(ctx, dirs[0])
		done <- err
	}()
	<-s3.Held()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	s3.SetFaults(nil, nil)
	if exists(t, bkt, id+"/meta.json") {
		t.Fatal("meta.json uploaded by a canceled upload")
	}
}
