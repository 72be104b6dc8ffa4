package sink

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/sigv4"
)

// HTTPConfig says how a sink reaches a store over HTTP: authentication,
// TLS, extra headers and a per-request timeout. The zero value sends plain
// requests without authentication and without a timeout. Its fields are
// plain values so that the exporter's strict config decoder reads it; it
// turns into Prometheus's own HTTP client settings (prometheus/common
// config), so it behaves as Prometheus's remote_write does.
type HTTPConfig struct {
	// BasicAuth sends HTTP basic authentication.
	BasicAuth BasicAuth `yaml:"basic_auth"`
	// BearerToken is sent as "Authorization: Bearer <token>".
	BearerToken string `yaml:"bearer_token"`
	// BearerTokenFile is a file whose content is the bearer token, read at
	// every request (so a rotated token is picked up).
	BearerTokenFile string `yaml:"bearer_token_file"`
	// TLS configures HTTPS.
	TLS TLSConfig `yaml:"tls_config"`
	// Headers are added to every request. Headers the protocol sets
	// (Authorization, Content-Type, Content-Encoding, User-Agent,
	// X-Prometheus-Remote-Write-Version, ...) cannot be set.
	Headers map[string]string `yaml:"headers"`
	// SigV4 signs requests with AWS Signature Version 4, as Amazon Managed
	// Service for Prometheus requires.
	SigV4 SigV4Config `yaml:"sigv4"`
	// Timeout bounds one HTTP request (one attempt). Zero: no limit.
	Timeout time.Duration `yaml:"timeout"`
}

// BasicAuth is HTTP basic authentication.
type BasicAuth struct {
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// PasswordFile is a file whose content is the password.
	PasswordFile string `yaml:"password_file"`
}

// TLSConfig configures HTTPS.
type TLSConfig struct {
	// CAFile is a PEM file of the CAs that sign the server's certificate.
	// Default: the system's.
	CAFile string `yaml:"ca_file"`
	// CertFile and KeyFile are the PEM client certificate and key, for
	// mutual TLS. Both or neither.
	CertFile string `yaml:"cert_file"`
	KeyFile  string `yaml:"key_file"`
	// ServerName overrides the name the server's certificate must have.
	ServerName string `yaml:"server_name"`
	// InsecureSkipVerify accepts any server certificate. Tests only.
	InsecureSkipVerify bool `yaml:"insecure_skip_verify"`
}

// SigV4Config signs requests with AWS Signature Version 4. Setting Region
// turns signing on. Credentials come from the default AWS chain
// (environment, profile, web identity, instance role) unless AccessKey and
// SecretKey are set; RoleARN assumes that role first.
type SigV4Config struct {
	Region    string `yaml:"region"`
	RoleARN   string `yaml:"role_arn"`
	Profile   string `yaml:"profile"`
	AccessKey string `yaml:"access_key"`
	SecretKey string `yaml:"secret_key"`
	// ServiceName is the service signed for. Default "aps" (Amazon Managed
	// Service for Prometheus).
	ServiceName string `yaml:"service_name"`
}

// Enabled reports whether requests are signed.
func (s SigV4Config) Enabled() bool { return s.Region != "" }

// Validate reports the first invalid setting, naming it by its YAML key.
func (c HTTPConfig) Validate() error {
	bearer := c.BearerToken != "" || c.BearerTokenFile != ""
	basic := c.BasicAuth != BasicAuth{}
	switch {
	case c.BearerToken != "" && c.BearerTokenFile != "":
		return errors.New("bearer_token and bearer_token_file are exclusive")
	case basic && bearer:
		return errors.New("basic_auth and bearer_token are exclusive")
	case (basic || bearer) && c.SigV4.Enabled():
		return errors.New("sigv4 signs requests itself: it excludes basic_auth and bearer_token")
	case basic && c.BasicAuth.Username == "":
		return errors.New("basic_auth.username is empty")
	case c.BasicAuth.Password != "" && c.BasicAuth.PasswordFile != "":
		return errors.New("basic_auth.password and basic_auth.password_file are exclusive")
	case (c.TLS.CertFile == "") != (c.TLS.KeyFile == ""):
		return errors.New("tls_config.cert_file and tls_config.key_file go together")
	case c.Timeout < 0:
		return fmt.Errorf("timeout %s is negative", c.Timeout)
	case !c.SigV4.Enabled() && c.SigV4 != SigV4Config{}:
		return errors.New("sigv4.region is empty: it turns signing on")
	}
	if c.SigV4.Enabled() {
		if err := c.sigv4().Validate(); err != nil {
			return fmt.Errorf("sigv4: %w", err)
		}
	}
	pc := c.prometheus()
	if pc.HTTPHeaders != nil {
		if err := pc.HTTPHeaders.Validate(); err != nil {
			return fmt.Errorf("headers: %w", err)
		}
	}
	return pc.Validate()
}

// Client returns an HTTP client that applies c. name is the client's name
// in Prometheus's HTTP client metrics and logs, e.g. "remote_write". The
// caller must have validated c.
func (c HTTPConfig) Client(name string) (*http.Client, error) {
	client, err := config.NewClientFromConfig(c.prometheus(), name)
	if err != nil {
		return nil, fmt.Errorf("http client: %w", err)
	}
	if c.SigV4.Enabled() {
		rt, err := sigv4.NewSigV4RoundTripper(c.sigv4(), client.Transport)
		if err != nil {
			return nil, fmt.Errorf("http client: sigv4: %w", err)
		}
		client.Transport = rt
	}
	client.Timeout = c.Timeout
	return client, nil
}

// prometheus returns c as Prometheus's HTTP client settings.
func (c HTTPConfig) prometheus() config.HTTPClientConfig {
	pc := config.DefaultHTTPClientConfig
	if c.BasicAuth != (BasicAuth{}) {
		pc.BasicAuth = &config.BasicAuth{
			Username: c.BasicAuth.Username, Password: config.Secret(c.BasicAuth.Password),
			PasswordFile: c.BasicAuth.PasswordFile,
		}
	}
	if c.BearerToken != "" || c.BearerTokenFile != "" {
		pc.Authorization = &config.Authorization{
			Type: "Bearer", Credentials: config.Secret(c.BearerToken), CredentialsFile: c.BearerTokenFile,
		}
	}
	pc.TLSConfig = config.TLSConfig{
		CAFile: c.TLS.CAFile, CertFile: c.TLS.CertFile, KeyFile: c.TLS.KeyFile,
		ServerName: c.TLS.ServerName, InsecureSkipVerify: c.TLS.InsecureSkipVerify,
	}
	if len(c.Headers) > 0 {
		pc.HTTPHeaders = &config.Headers{Headers: map[string]config.Header{}}
		for k, v := range c.Headers {
			pc.HTTPHeaders.Headers[k] = config.Header{Values: []string{v}}
		}
	}
	return pc
}

// sigv4 returns c's SigV4 settings as the sigv4 package takes them.
func (c HTTPConfig) sigv4() *sigv4.SigV4Config {
	s := c.SigV4
	return &sigv4.SigV4Config{
		Region: s.Region, RoleARN: s.RoleARN, Profile: s.Profile,
		AccessKey: s.AccessKey, SecretKey: config.Secret(s.SecretKey), ServiceName: s.ServiceName,
	}
}

// CheckURL reports whether u is an absolute http or https URL.
func CheckURL(u string) error {
	if u == "" {
		return errors.New("empty")
	}
	p, err := url.Parse(u)
	if err != nil {
		return err
	}
	if (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
		return fmt.Errorf("%q is not an absolute http or https URL", u)
	}
	return nil
}
