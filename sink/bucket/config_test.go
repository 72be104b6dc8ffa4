package bucket_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/bucket"
)

func TestNewBucket(t *testing.T) {
	dir := t.TempDir()
	bkt, err := bucket.NewBucket([]byte("type: filesystem\nconfig:\n  directory: "+dir+"\nprefix: tenants\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bkt.Close()
	if err := bkt.Upload(context.Background(), "x", bytes.NewReader([]byte("1"))); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		conf, want string
	}{
		{"type: COS\nconfig: {}\n", `type "COS": want one of S3, GCS, AZURE, SWIFT, FILESYSTEM`},
		{"type: S3\nbucket: x\n", "field bucket not found"},
		{"type: S3\nconfig:\n  bucket: x\n  endpoint: e\n  color: red\n", "S3: "},
		{"type: [\n", "object storage config: yaml"},
	}
	for _, tt := range tests {
		if _, err := bucket.NewBucket([]byte(tt.conf), nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("NewBucket(%q) = %v, want %q", tt.conf, err, tt.want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		cfg  bucket.Config
		want string
	}{
		{bucket.Config{ExternalLabels: map[string]string{"a-b": "x"}}, `external_labels: "a-b"`},
		{bucket.Config{ExternalLabels: map[string]string{"__tenant": "x"}}, `external_labels: "__tenant"`},
		{bucket.Config{Tenant: "a/b"}, `tenant "a/b"`},
		{bucket.Config{MaxAttempts: -1}, "max_attempts -1"},
	}
	for _, tt := range tests {
		if err := tt.cfg.WithDefaults().Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Validate(%+v) = %v, want %q", tt.cfg, err, tt.want)
		}
	}
	if err := (bucket.Config{ExternalLabels: map[string]string{"cluster": "eu"}, Tenant: "team-a"}).WithDefaults().Validate(); err != nil {
		t.Fatal(err)
	}
}
