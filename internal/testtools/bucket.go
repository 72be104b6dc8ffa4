package testtools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/thanos-io/objstore"
)

// BlockMeta is the part of a block's meta.json in a bucket that tests
// read: Prometheus's fields and the thanos section.
type BlockMeta struct {
	ULID    string `json:"ulid"`
	MinTime int64  `json:"minTime"`
	MaxTime int64  `json:"maxTime"`
	Thanos  struct {
		Labels     map[string]string `json:"labels"`
		Downsample struct {
			Resolution *int64 `json:"resolution"`
		} `json:"downsample"`
		Source string `json:"source"`
		Files  []struct {
			RelPath   string `json:"rel_path"`
			SizeBytes int64  `json:"size_bytes"`
		} `json:"files"`
	} `json:"thanos"`
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
