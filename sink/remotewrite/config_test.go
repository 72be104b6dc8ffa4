package remotewrite_test

import (
	"strings"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/remotewrite"
)

func TestConfig(t *testing.T) {
	d := remotewrite.Config{URL: "http://p:9090/api/v1/write"}.WithDefaults()
	if d.ProtocolVersion != "auto" || d.BatchSize != 2000 || d.Shards != 4 || d.Timeout != 30*time.Second || d.MaxRetries != 10 {
		t.Fatalf("defaults %+v", d)
	}
	tests := []struct {
		name string
		cfg  remotewrite.Config
		want string
	}{
		{"no url", remotewrite.Config{}, "url: empty"},
		{"relative url", remotewrite.Config{URL: "/api/v1/write"}, "url:"},
		{"version", remotewrite.Config{URL: "http://p", ProtocolVersion: "3.0"}, `protocol_version "3.0"`},
		{"batch", remotewrite.Config{URL: "http://p", BatchSize: -1}, "batch_size -1"},
		{"shards", remotewrite.Config{URL: "http://p", Shards: -2}, "shards -2"},
		{"retries", remotewrite.Config{URL: "http://p", MaxRetries: -1}, "max_retries -1"},
		{"backoff", remotewrite.Config{URL: "http://p", MinBackoff: time.Minute, MaxBackoff: time.Second}, "min_backoff 1m0s and max_backoff 1s"},
		{"auth", remotewrite.Config{URL: "http://p", HTTPConfig: sink.HTTPConfig{BearerToken: "a", BearerTokenFile: "b"}}, "bearer_token and bearer_token_file"},
	}
	for _, tt := range tests {
		_, err := remotewrite.New(tt.cfg, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}
