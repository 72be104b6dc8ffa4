package testtools

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/go-kit/log"
	"github.com/thanos-io/objstore"
	"github.com/thanos-io/objstore/providers/s3"
)

// BlockMeta is the part of a block's meta.json in a bucket that tests
// read: Prometheus's fields and the thanos section.
type BlockMeta struct {
	ULID    string `json:"ulid"`
	MinTime int64  `json:"minTime"`
	MaxTime int64  `json:"maxTime"`
	Version int    `json:"version"`
	Thanos  struct {
		Labels     map[string]string `json:"labels"`
		Downsample struct {
			Resolution *int64 `json:"resolution"`
		} `json:"downsample"`
		Source       string   `json:"source"`
		SegmentFiles []string `json:"segment_files"`
		Files        []struct {
			RelPath   string `json:"rel_path"`
			SizeBytes int64  `json:"size_bytes"`
		} `json:"files"`
	} `json:"thanos"`
}

// Check reports what differs from the meta.json of a daily block the
// backfill uploads with the external labels given: Prometheus's fields,
// and a thanos section with the labels, downsample resolution 0, source
// rds-backfill-exporter, one chunk segment and the files chunks/000001,
// index and meta.json.
func (m BlockMeta) Check(labels map[string]string) error {
	th := m.Thanos
	var files []string
	for _, f := range th.Files {
		files = append(files, f.RelPath)
	}
	switch {
	case m.ULID == "" || m.Version != 1 || m.MinTime == 0 || m.MaxTime <= m.MinTime:
		return fmt.Errorf("meta.json lacks Prometheus's fields: %+v", m)
	case !maps.Equal(th.Labels, labels) || th.Labels == nil:
		return fmt.Errorf("thanos.labels %v, want %v", th.Labels, labels)
	case th.Downsample.Resolution == nil || *th.Downsample.Resolution != 0:
		return fmt.Errorf("thanos.downsample.resolution missing or not 0: %+v", th)
	case th.Source != "rds-backfill-exporter":
		return fmt.Errorf("thanos.source %q", th.Source)
	case !slices.Equal(th.SegmentFiles, []string{"000001"}) || !slices.Equal(files, []string{"chunks/000001", "index", "meta.json"}):
		return fmt.Errorf("thanos.segment_files %v, files %v", th.SegmentFiles, files)
	}
	return nil
}

// S3Client returns a client of s's bucket (objstore's S3 client), closed
// when the test ends.
func S3Client(tb testing.TB, s *S3) objstore.Bucket {
	tb.Helper()
	bkt, err := s3.NewBucket(log.NewNopLogger(), s.clientConfig(), "testtools", nil)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = bkt.Close() })
	return bkt
}

// BucketBlocks checks that every block folder of bkt whose meta.json
// exists has all the files its meta.json lists, with their sizes (fails
// the test otherwise), and returns the metas of those blocks and the
// folders without a meta.json: uploads that did not finish.
func BucketBlocks(tb testing.TB, bkt objstore.Bucket) (whole []BlockMeta, partial []string) {
	tb.Helper()
	ctx := context.Background()
	err := bkt.Iter(ctx, "", func(name string) error {
		id := strings.TrimSuffix(name, "/")
		r, err := bkt.Get(ctx, id+"/meta.json")
		if bkt.IsObjNotFoundErr(err) {
			partial = append(partial, id)
			return nil
		}
		if err != nil {
			return err
		}
		defer r.Close()
		var m BlockMeta
		if err := json.NewDecoder(r).Decode(&m); err != nil {
			return fmt.Errorf("%s/meta.json: %w", id, err)
		}
		for _, f := range m.Thanos.Files {
			attrs, err := bkt.Attributes(ctx, id+"/"+f.RelPath)
			if err != nil {
				return fmt.Errorf("block %s has a meta.json but not %s: %w", id, f.RelPath, err)
			}
			if f.RelPath != "meta.json" && attrs.Size != f.SizeBytes {
				return fmt.Errorf("block %s: %s has %d bytes, meta.json says %d", id, f.RelPath, attrs.Size, f.SizeBytes)
			}
		}
		whole = append(whole, m)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return whole, partial
}
