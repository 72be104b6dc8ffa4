package config

import (
	"errors"
	"strings"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/bucket"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/promcoverage"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/remotewrite"
)

// Backfill is the backfill section of the file: the stores backfilled
// history can go to instead of the local output folder, and the query API
// that says which hours a store already holds. Each is optional, nil when
// the file leaves it out. The command line's --backfill.* flags may set
// their URLs, the bucket config file, its external labels and tenant over
// what the file says, so a section without its URL or config file is valid
// here; the exporter checks what the flags and the file give together.
type Backfill struct {
	// RemoteWrite sends samples by Prometheus Remote-Write.
	RemoteWrite *remotewrite.Config `yaml:"remote_write"`
	// Objstore uploads blocks to a bucket.
	Objstore *Objstore `yaml:"objstore"`
	// CoverageQuery asks a Prometheus-compatible query API which hours
	// it holds.
	CoverageQuery *promcoverage.Config `yaml:"coverage_query"`
}

// Objstore is where blocks are uploaded: objstore's client configuration
// file (the one Thanos, Mimir and Cortex read) and how blocks are laid out
// in the bucket.
type Objstore struct {
	// ConfigFile is objstore's client configuration: type, config, prefix.
	ConfigFile    string `yaml:"config_file"`
	bucket.Config `yaml:",inline"`
}

// ErrExclusiveStores says that remote write and object storage were both
// chosen.
var ErrExclusiveStores = errors.New("backfill.remote_write.url (--backfill.remote-write.url) and backfill.objstore.config_file (--backfill.objstore.config-file) are exclusive: the backfill writes to one store")

// Conflict reports stores that exclude each other: remote write and object
// storage both with their URL or config file.
func (b Backfill) Conflict() error {
	if b.RemoteWrite != nil && b.RemoteWrite.URL != "" && b.Objstore != nil && b.Objstore.ConfigFile != "" {
		return ErrExclusiveStores
	}
	return nil
}

// validateBackfill checks the settings of each store the file has, but
// for an empty URL or config file, which a flag may give.
func (c *Config) validateBackfill(p *problems) {
	b := c.Backfill
	if rw := b.RemoteWrite; rw != nil {
		validateURL(p, "backfill.remote_write.url", rw.URL)
		check(p, "backfill.remote_write", rw.WithDefaults().ValidateSettings())
	}
	if o := b.Objstore; o != nil {
		check(p, "backfill.objstore", o.WithDefaults().Validate())
	}
	if cq := b.CoverageQuery; cq != nil {
		validateURL(p, "backfill.coverage_query.url", cq.URL)
		check(p, "backfill.coverage_query", cq.WithDefaults().ValidateSettings())
	}
	check(p, "backfill.objstore.config_file", b.Conflict())
}

// validateURL checks a store's URL, if set.
func validateURL(p *problems, field, url string) {
	if url != "" {
		check(p, field, sink.CheckURL(url))
	}
}

// check records err, if any, as a problem of field: at the line of the
// key its message starts with when the file has that key in field (the
// sink packages' messages start with the key they are about), else at the
// line of field.
func check(p *problems, field string, err error) {
	if err == nil {
		return
	}
	key, _, _ := strings.Cut(err.Error(), " ")
	if line, ok := p.lines[joinField(field, strings.TrimSuffix(key, ":"))]; ok {
		p.at(line, field, "%v", err)
		return
	}
	p.errorf(field, "%v", err)
}
