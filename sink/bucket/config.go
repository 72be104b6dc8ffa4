package bucket

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/common/model"
	"github.com/thanos-io/objstore"
	"github.com/thanos-io/objstore/providers/azure"
	"github.com/thanos-io/objstore/providers/filesystem"
	"github.com/thanos-io/objstore/providers/gcs"
	"github.com/thanos-io/objstore/providers/s3"
	"github.com/thanos-io/objstore/providers/swift"
	"go.yaml.in/yaml/v3"
)

// Defaults of Config.
const (
	DefaultSource      = "rds-backfill-exporter"
	DefaultMaxAttempts = 5
	DefaultMinBackoff  = time.Second
	DefaultMaxBackoff  = 30 * time.Second
)

// Config says how blocks are laid out in the bucket. The bucket itself is
// configured by objstore's own YAML (see NewBucket), the one Thanos,
// Mimir and Cortex users already have.
type Config struct {
	// ExternalLabels are the thanos.labels of every block uploaded: Thanos
	// adds them to every series of the block at query time and groups
	// blocks by them when compacting.
	ExternalLabels map[string]string `yaml:"external_labels"`
	// Tenant puts the blocks under <tenant>/ in the bucket, where Mimir and
	// Cortex look for a tenant's blocks. Empty: the bucket's root (Thanos).
	Tenant string `yaml:"tenant"`
	// Source is the thanos.source of uploaded blocks. Default
	// DefaultSource.
	Source string `yaml:"source"`
	// MaxAttempts is how often the upload of one file is tried. Default
	// DefaultMaxAttempts.
	MaxAttempts int `yaml:"max_attempts"`
	// MinBackoff and MaxBackoff bound the wait between attempts, which
	// doubles from MinBackoff.
	MinBackoff time.Duration `yaml:"min_backoff"`
	MaxBackoff time.Duration `yaml:"max_backoff"`
}

// WithDefaults returns c with unset fields set to their defaults.
func (c Config) WithDefaults() Config {
	if c.Source == "" {
		c.Source = DefaultSource
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.MinBackoff == 0 {
		c.MinBackoff = DefaultMinBackoff
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	return c
}

// Validate reports the first invalid setting of c, which must have its
// defaults applied.
func (c Config) Validate() error {
	for name := range c.ExternalLabels {
		if !model.LegacyValidation.IsValidLabelName(name) || strings.HasPrefix(name, "__") {
			return fmt.Errorf("external_labels: %q is not a valid label name", name)
		}
	}
	switch {
	case strings.Contains(c.Tenant, "/") || c.Tenant == "." || c.Tenant == "..":
		return fmt.Errorf("tenant %q: want a name without /", c.Tenant)
	case c.MaxAttempts < 1:
		return fmt.Errorf("max_attempts %d: want at least 1", c.MaxAttempts)
	case c.MinBackoff < 0 || c.MaxBackoff < c.MinBackoff:
		return fmt.Errorf("min_backoff %s and max_backoff %s: want 0 <= min_backoff <= max_backoff", c.MinBackoff, c.MaxBackoff)
	}
	return nil
}

// Providers NewBucket supports: objstore's own type names.
var providers = map[objstore.ObjProvider]func(log.Logger, []byte) (objstore.Bucket, error){
	objstore.S3: func(l log.Logger, c []byte) (objstore.Bucket, error) {
		return s3.NewBucket(l, c, component, nil)
	},
	objstore.GCS: func(l log.Logger, c []byte) (objstore.Bucket, error) {
		return gcs.NewBucket(context.Background(), l, c, component, nil)
	},
	objstore.AZURE: func(l log.Logger, c []byte) (objstore.Bucket, error) {
		return azure.NewBucket(l, c, component, nil)
	},
	objstore.SWIFT: func(l log.Logger, c []byte) (objstore.Bucket, error) {
		return swift.NewContainer(l, c, nil)
	},
	objstore.FILESYSTEM: func(_ log.Logger, c []byte) (objstore.Bucket, error) {
		return filesystem.NewBucketFromConfig(c)
	},
}

// component names us to the providers, e.g. in their user agent.
const component = "rds-backfill-exporter"

// bucketConfig is objstore's client configuration file, as Thanos reads it.
type bucketConfig struct {
	Type   objstore.ObjProvider `yaml:"type"`
	Config yaml.Node            `yaml:"config"`
	Prefix string               `yaml:"prefix"`
}

// NewBucket returns the bucket that conf, objstore's client configuration
// (type: S3, GCS, AZURE, SWIFT or FILESYSTEM; config; prefix), describes:
// the file Thanos, Mimir and Cortex users already have. Unknown keys are
// errors, at the top and in config. The caller must Close the bucket.
func NewBucket(conf []byte, logger *slog.Logger) (objstore.Bucket, error) {
	var bc bucketConfig
	dec := yaml.NewDecoder(bytes.NewReader(conf))
	dec.KnownFields(true)
	if err := dec.Decode(&bc); err != nil {
		return nil, fmt.Errorf("object storage config: %w", err)
	}
	newBucket, ok := providers[objstore.ObjProvider(strings.ToUpper(string(bc.Type)))]
	if !ok {
		return nil, fmt.Errorf("object storage config: type %q: want one of S3, GCS, AZURE, SWIFT, FILESYSTEM", bc.Type)
	}
	provConf, err := yaml.Marshal(&bc.Config)
	if err != nil {
		return nil, fmt.Errorf("object storage config: %w", err)
	}
	bkt, err := newBucket(kitLogger{logger}, provConf)
	if err != nil {
		return nil, fmt.Errorf("object storage config: %s: %w", bc.Type, err)
	}
	return objstore.NewPrefixedBucket(bkt, bc.Prefix), nil
}

// kitLogger passes objstore's go-kit logs to slog, at debug level.
type kitLogger struct{ l *slog.Logger }

func (k kitLogger) Log(keyvals ...any) error {
	if k.l != nil {
		k.l.Debug("objstore", keyvals...)
	}
	return nil
}
