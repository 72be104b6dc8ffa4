package sink_test

import (
	"context"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink"
)

func TestHTTPConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  sink.HTTPConfig
		want string // "" for valid
	}{
		{"zero", sink.HTTPConfig{}, ""},
		{"basic", sink.HTTPConfig{BasicAuth: sink.BasicAuth{Username: "u", Password: "p"}}, ""},
		{"bearer file", sink.HTTPConfig{BearerTokenFile: "/run/token"}, ""},
		{"sigv4", sink.HTTPConfig{SigV4: sink.SigV4Config{Region: "eu-west-1"}}, ""},
		{"two bearers", sink.HTTPConfig{BearerToken: "t", BearerTokenFile: "f"}, "bearer_token and bearer_token_file are exclusive"},
		{"basic and bearer", sink.HTTPConfig{BasicAuth: sink.BasicAuth{Username: "u"}, BearerToken: "t"}, "basic_auth and bearer_token are exclusive"},
		{"sigv4 and bearer", sink.HTTPConfig{BearerToken: "t", SigV4: sink.SigV4Config{Region: "eu-west-1"}}, "sigv4 signs requests itself"},
		{"no username", sink.HTTPConfig{BasicAuth: sink.BasicAuth{Password: "p"}}, "basic_auth.username is empty"},
		{"two passwords", sink.HTTPConfig{BasicAuth: sink.BasicAuth{Username: "u", Password: "p", PasswordFile: "f"}}, "basic_auth.password and basic_auth.password_file are exclusive"},
		{"cert without key", sink.HTTPConfig{TLS: sink.TLSConfig{CertFile: "c"}}, "tls_config.cert_file and tls_config.key_file go together"},
		{"negative timeout", sink.HTTPConfig{Timeout: -time.Second}, "timeout -1s is negative"},
		{"sigv4 without region", sink.HTTPConfig{SigV4: sink.SigV4Config{Profile: "p"}}, "sigv4.region is empty"},
		{"sigv4 half keys", sink.HTTPConfig{SigV4: sink.SigV4Config{Region: "r", AccessKey: "a"}}, "sigv4: must provide a AWS SigV4 Access key and Secret Key"},
		{"reserved header", sink.HTTPConfig{Headers: map[string]string{"content-type": "x"}}, `headers: setting header "Content-Type" is not allowed`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestHTTPConfigClient sends a request with each kind of authentication to
// a server on 127.0.0.1 and checks what arrived.
func TestHTTPConfigClient(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		cfg    sink.HTTPConfig
		header string
		want   string // prefix of the header's value
	}{
		{"basic", sink.HTTPConfig{BasicAuth: sink.BasicAuth{Username: "u", Password: "p"}}, "Authorization", "Basic dTpw"},
		{"bearer", sink.HTTPConfig{BearerToken: "tok"}, "Authorization", "Bearer tok"},
		{"bearer file", sink.HTTPConfig{BearerTokenFile: tokenFile}, "Authorization", "Bearer from-file"},
		{"header", sink.HTTPConfig{Headers: map[string]string{"X-Scope-OrgID": "team-a"}}, "X-Scope-Orgid", "team-a"},
		{"sigv4", sink.HTTPConfig{SigV4: sink.SigV4Config{Region: "eu-west-1", AccessKey: "AKID", SecretKey: "secret"}}, "Authorization", "AWS4-HMAC-SHA256 Credential=AKID/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := make(chan http.Header, 1)
			srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got <- r.Header }))
			defer srv.Close()
			get(t, tt.cfg, srv.URL)
			h := <-got
			if v := h.Get(tt.header); !strings.HasPrefix(v, tt.want) {
				t.Fatalf("%s: %q, want prefix %q", tt.header, v, tt.want)
			}
		})
	}
}

func get(t *testing.T, cfg sink.HTTPConfig, url string) {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := tryGet(cfg, url); err != nil {
		t.Fatal(err)
	}
}

func tryGet(cfg sink.HTTPConfig, url string) error {
	c, err := cfg.Client("test")
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}

// TestHTTPConfigTLS: a server with a self-signed certificate is refused
// by default and reached with its CA file or insecure_skip_verify.
func TestHTTPConfigTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	pemCert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemCert, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := tryGet(sink.HTTPConfig{}, srv.URL); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("untrusted server: %v, want a certificate error", err)
	}
	get(t, sink.HTTPConfig{TLS: sink.TLSConfig{CAFile: ca}}, srv.URL)
	get(t, sink.HTTPConfig{TLS: sink.TLSConfig{InsecureSkipVerify: true}}, srv.URL)
}

func TestCheckURL(t *testing.T) {
	for u, ok := range map[string]bool{
		"http://127.0.0.1:9090": true, "https://aps.example/workspaces/ws-1": true,
		"": false, "127.0.0.1:9090": false, "ftp://x": false, "http://": false,
	} {
		if err := sink.CheckURL(u); (err == nil) != ok {
			t.Errorf("CheckURL(%q) = %v", u, err)
		}
	}
}
