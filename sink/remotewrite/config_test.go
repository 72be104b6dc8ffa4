package remotewrite_test

import (
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

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

// TestConfigYAML decodes the documented example strictly, so that the
// YAML keys of Config and its inline HTTP settings are what README.md
// says.
func TestConfigYAML(t *testing.T) {
	const doc = `
url: https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write
protocol_version: "2.0"
batch_size: 500
shards: 2
timeout: 10s
min_backoff: 100ms
max_backoff: 5s
max_retries: 3
sigv4: {region: eu-west-1, role_arn: "arn:aws:iam::123456789012:role/amp"}
tls_config: {ca_file: /etc/ssl/ca.pem, insecure_skip_verify: false}
headers: {X-Scope-OrgID: team-a}
`
	var c remotewrite.Config
	dec := yaml.NewDecoder(strings.NewReader(doc))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil {
		t.Fatal(err)
	}
	if c.SigV4.Region != "eu-west-1" || c.TLS.CAFile != "/etc/ssl/ca.pem" || c.Headers["X-Scope-OrgID"] != "team-a" ||
		c.BatchSize != 500 || c.Timeout != 10*time.Second || c.ProtocolVersion != "2.0" {
		t.Fatalf("decoded %+v", c)
	}
	if err := c.WithDefaults().Validate(); err != nil {
		t.Fatal(err)
	}
	dec = yaml.NewDecoder(strings.NewReader("url: http://p\nbasic_auth: {user: u}\n"))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err == nil || !strings.Contains(err.Error(), "field user not found") {
		t.Fatalf("unknown key: %v", err)
	}
}
