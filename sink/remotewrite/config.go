package remotewrite

import (
	"fmt"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink"
)

// Protocol versions of Prometheus Remote-Write.
const (
	// Version1 is Remote-Write 1.0 (prometheus.WriteRequest), which every
	// receiver speaks.
	Version1 = "1.0"
	// Version2 is Remote-Write 2.0 (io.prometheus.write.v2.Request):
	// interned label strings and metadata. Prometheus 3 receives it.
	Version2 = "2.0"
	// VersionAuto sends 2.0 until the receiver shows it takes only 1.0
	// (it answers 415 Unsupported Media Type, or 2xx without the 2.0
	// written-samples header), and from then on 1.0: the refused request
	// is sent again in 1.0.
	VersionAuto = "auto"
)

// Defaults of Config.
const (
	DefaultBatchSize  = 2000
	DefaultShards     = 4
	DefaultTimeout    = 30 * time.Second
	DefaultMinBackoff = time.Second
	DefaultMaxBackoff = 30 * time.Second
	DefaultMaxRetries = 10
)

// Config says where and how samples are sent. WithDefaults fills in unset
// fields; Validate names the first invalid one by its YAML key.
type Config struct {
	// URL is the receiver's write endpoint, e.g.
	// http://prometheus:9090/api/v1/write.
	URL string `yaml:"url"`
	// HTTPConfig holds authentication, TLS, headers and the per-request
	// timeout (default DefaultTimeout).
	sink.HTTPConfig `yaml:",inline"`
	// ProtocolVersion is VersionAuto (default), Version1 or Version2.
	ProtocolVersion string `yaml:"protocol_version"`
	// BatchSize is the most samples one request carries, unless the
	// samples of one group in one hour (see Writer.Write) are more.
	// Default DefaultBatchSize.
	BatchSize int `yaml:"batch_size"`
	// Shards is how many requests are in flight at once. Each group of
	// series (see Writer.Write) belongs to one shard, whose requests go
	// one after another, so its samples arrive in time order. Default
	// DefaultShards.
	Shards int `yaml:"shards"`
	// MinBackoff and MaxBackoff bound the wait between retries of a
	// request that failed with a network error, a 5xx or a 429; a
	// Retry-After header adds to it.
	MinBackoff time.Duration `yaml:"min_backoff"`
	MaxBackoff time.Duration `yaml:"max_backoff"`
	// MaxRetries is how often one request is retried before the write
	// fails. Default DefaultMaxRetries.
	MaxRetries int `yaml:"max_retries"`
}

// WithDefaults returns c with unset fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.ProtocolVersion == "" {
		c.ProtocolVersion = VersionAuto
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	c.BatchSize = orDefault(c.BatchSize, DefaultBatchSize)
	c.Shards = orDefault(c.Shards, DefaultShards)
	c.MaxRetries = orDefault(c.MaxRetries, DefaultMaxRetries)
	c.MinBackoff = orDefault(c.MinBackoff, DefaultMinBackoff)
	c.MaxBackoff = orDefault(c.MaxBackoff, DefaultMaxBackoff)
	return c
}

func orDefault[T int | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// Validate reports the first invalid setting of c, which must have its
// defaults applied.
func (c Config) Validate() error {
	if err := sink.CheckURL(c.URL); err != nil {
		return fmt.Errorf("url: %w", err)
	}
	return c.ValidateSettings()
}

// ValidateSettings reports the first invalid setting of c other than the
// URL, which a command line may give; c must have its defaults applied.
func (c Config) ValidateSettings() error {
	switch {
	case c.ProtocolVersion != Version1 && c.ProtocolVersion != Version2 && c.ProtocolVersion != VersionAuto:
		return fmt.Errorf("protocol_version %q: want %q, %q or %q", c.ProtocolVersion, VersionAuto, Version1, Version2)
	case c.BatchSize < 1:
		return fmt.Errorf("batch_size %d: want at least 1", c.BatchSize)
	case c.Shards < 1:
		return fmt.Errorf("shards %d: want at least 1", c.Shards)
	case c.MaxRetries < 0:
		return fmt.Errorf("max_retries %d is negative", c.MaxRetries)
	case c.MinBackoff < 0 || c.MaxBackoff < c.MinBackoff:
		return fmt.Errorf("min_backoff %s and max_backoff %s: want 0 <= min_backoff <= max_backoff", c.MinBackoff, c.MaxBackoff)
	}
	return c.HTTPConfig.Validate()
}
