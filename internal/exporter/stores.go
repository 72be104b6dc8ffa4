package exporter

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/config"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/bucket"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/promcoverage"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/remotewrite"
)

// StoreOptions are the command line's settings of the backfill's stores,
// each over the config file's backfill section; empty ones leave the
// file's.
type StoreOptions struct {
	// RemoteWriteURL sets backfill.remote_write.url.
	RemoteWriteURL string
	// ObjstoreConfigFile, ObjstoreExternalLabels and ObjstoreTenant set
	// backfill.objstore's config_file, external_labels and tenant.
	ObjstoreConfigFile     string
	ObjstoreExternalLabels map[string]string
	ObjstoreTenant         string
	// CoverageQueryURL sets backfill.coverage_query.url.
	CoverageQueryURL string
}

// storeSettings returns the config file's backfill section with the
// command line's settings over it, checked. It does not change the config.
func (x *Exporter) storeSettings() (config.Backfill, error) {
	b, o := x.cfg.Backfill, x.opts.Backfill.Stores
	if o.RemoteWriteURL != "" {
		b.RemoteWrite = clone(b.RemoteWrite)
		b.RemoteWrite.URL = o.RemoteWriteURL
	}
	if o.ObjstoreConfigFile != "" || len(o.ObjstoreExternalLabels) > 0 || o.ObjstoreTenant != "" {
		b.Objstore = clone(b.Objstore)
		b.Objstore.ConfigFile = cmpOr(o.ObjstoreConfigFile, b.Objstore.ConfigFile)
		b.Objstore.Tenant = cmpOr(o.ObjstoreTenant, b.Objstore.Tenant)
		if len(o.ObjstoreExternalLabels) > 0 {
			b.Objstore.ExternalLabels = maps.Clone(o.ObjstoreExternalLabels)
		}
	}
	if o.CoverageQueryURL != "" {
		b.CoverageQuery = clone(b.CoverageQuery)
		b.CoverageQuery.URL = o.CoverageQueryURL
	}
	return b, x.checkStores(b)
}

// clone returns a copy of *p, or a new zero value when p is nil.
func clone[T any](p *T) *T {
	var c T
	if p != nil {
		c = *p
	}
	return &c
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// checkStores reports what keeps the stores of b from working: a store
// without its URL or config file, stores that exclude each other, remote
// write without a way to read what the receiver holds, an automatic
// backfill that cannot see what Prometheus scraped.
func (x *Exporter) checkStores(b config.Backfill) error {
	switch {
	case b.RemoteWrite != nil && b.RemoteWrite.URL == "":
		return errors.New("backfill.remote_write has no url: set it in the config file or with --backfill.remote-write.url")
	case b.Objstore != nil && b.Objstore.ConfigFile == "":
		return errors.New("backfill.objstore has no config_file: set it in the config file or with --backfill.objstore.config-file (the external labels and tenant need it)")
	case b.CoverageQuery != nil && b.CoverageQuery.URL == "":
		return errors.New("backfill.coverage_query has no url: set it in the config file or with --backfill.coverage-query-url")
	case b.Conflict() != nil:
		return b.Conflict()
	case b.RemoteWrite != nil && b.CoverageQuery == nil:
		return errors.New("remote write needs --backfill.coverage-query-url (or backfill.coverage_query.url): the backfill skips the hours the store already holds, and learns them from its query API; without it every run would fetch and send the whole range again")
	case x.opts.Backfill.Interval > 0 && x.opts.Backfill.PrometheusDataDir == "" && b.CoverageQuery == nil:
		return fmt.Errorf("--backfill.interval=%s needs --backfill.prometheus-data-dir or --backfill.coverage-query-url: without what Prometheus holds, every scraped hour would be fetched again", x.opts.Backfill.Interval)
	}
	return nil
}

// stores are the backfill's stores, those the settings ask for.
type stores struct {
	remoteWrite   *remotewrite.Writer
	bucket        *bucket.Store
	coverageQuery *promcoverage.Reader
	// closer closes the bucket's client, if any.
	closer io.Closer
}

// newStores builds the stores the settings ask for.
func (x *Exporter) newStores() (stores, error) {
	var s stores
	b, err := x.storeSettings()
	if err != nil {
		return s, fmt.Errorf("backfill stores: %w", err)
	}
	if rw := b.RemoteWrite; rw != nil {
		if s.remoteWrite, err = remotewrite.New(*rw, x.env.Logger.With("component", "remote-write")); err != nil {
			return s, fmt.Errorf("backfill.remote_write: %w", err)
		}
	}
	if cq := b.CoverageQuery; cq != nil {
		if s.coverageQuery, err = promcoverage.New(*cq, x.env.Logger.With("component", "coverage-query")); err != nil {
			return s, fmt.Errorf("backfill.coverage_query: %w", err)
		}
	}
	if o := b.Objstore; o != nil {
		err = x.newBucket(&s, o)
	}
	return s, err
}

// newBucket builds the bucket of o into s.
func (x *Exporter) newBucket(s *stores, o *config.Objstore) error {
	conf, err := os.ReadFile(o.ConfigFile)
	if err != nil {
		return fmt.Errorf("backfill.objstore.config_file: %w", err)
	}
	logger := x.env.Logger.With("component", "objstore")
	bkt, err := bucket.NewBucket(conf, logger)
	if err != nil {
		return fmt.Errorf("%s: %w", o.ConfigFile, err)
	}
	s.closer = bkt
	if s.bucket, err = bucket.New(bkt, o.Config, logger); err != nil {
		return fmt.Errorf("backfill.objstore: %w", err)
	}
	return nil
}

// options sets the stores in opts; those not built stay nil interfaces.
func (s stores) options(opts *backfill.Options) {
	if s.remoteWrite != nil {
		opts.RemoteWrite = s.remoteWrite
	}
	if s.bucket != nil {
		opts.Bucket = s.bucket
	}
	if s.coverageQuery != nil {
		opts.CoverageQuery = s.coverageQuery
	}
}
