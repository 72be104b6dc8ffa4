package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/exporter"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// backfillFlags configure the backfill, for serve and the backfill command.
type backfillFlags struct {
	Disabled          bool              `name:"backfill.disabled" help:"Turn the backfill API off (serve only)."`
	OutputDir         string            `name:"backfill.output-dir" aliases:"output-dir" default:"data/backfill" type:"path" help:"Folder the TSDB blocks are written to; point Prometheus at it or move its blocks into Prometheus's data folder."`
	PrometheusDataDir string            `name:"backfill.prometheus-data-dir" type:"path" help:"Prometheus's data folder, read-only: hours its blocks already hold are skipped."`
	MaxDays           int               `name:"backfill.max-days" default:"${default_max_days}" help:"Cap on the days of one backfill (at most ${retention_1h} for period 1h, ${retention_5m} for 5m, ${retention_1m} for 1m: CloudWatch retention)."`
	HeadMargin        time.Duration     `name:"backfill.head-margin" default:"${default_head_margin}" help:"Hours newer than this are never backfilled: Prometheus's head block holds them."`
	Period            time.Duration     `name:"backfill.period" default:"${default_period}" help:"CloudWatch period of backfilled samples: 1h, or 5m (within ${retention_5m} days) or 1m (within ${retention_1m} days)."`
	Labels            map[string]string `name:"backfill.label" default:"${default_labels}" help:"Target labels added to every backfilled series, as name=value (repeatable); use the job (and instance, if you aggregate by it) of your scrape config."`
	ResweepEmpty      bool              `name:"backfill.resweep-empty" help:"Ask CloudWatch again for hours an earlier backfill found no datapoint in."`
	BlockDuration     time.Duration     `name:"backfill.block-duration" default:"${default_block_duration}" help:"Time span of one TSDB block, aligned to UTC midnight; must divide 24h."`
	BatchSamples      int               `name:"backfill.batch-samples" default:"${default_batch_samples}" help:"Samples (8 bytes each) held in memory before blocks are written; a larger sweep is written in batches of resources, a set of blocks each."`
	Interval          time.Duration     `name:"backfill.interval" default:"0s" help:"Backfill every AWS instance's last --backfill.max-days on this interval, filling what downtime lost (serve only; 0: off). Needs --backfill.prometheus-data-dir or --backfill.coverage-query-url, so that hours Prometheus scraped are not fetched again."`

	RemoteWriteURL         string            `name:"backfill.remote-write.url" placeholder:"URL" help:"Send backfilled samples by Prometheus Remote-Write to this write endpoint (e.g. http://prometheus:9090/api/v1/write) instead of writing blocks; needs --backfill.coverage-query-url. Authentication, TLS and batching: backfill.remote_write in the config file."`
	ObjstoreConfigFile     string            `name:"backfill.objstore.config-file" placeholder:"FILE" help:"Upload backfilled blocks to the bucket this objstore client config (the YAML Thanos reads: S3, GCS, AZURE, SWIFT, FILESYSTEM) describes, instead of keeping them in --backfill.output-dir."`
	ObjstoreExternalLabels map[string]string `name:"backfill.objstore.external-label" placeholder:"NAME=VALUE" help:"External label (thanos.labels) of every uploaded block (repeatable)."`
	ObjstoreTenant         string            `name:"backfill.objstore.tenant" help:"Upload blocks under this tenant's folder of the bucket (Mimir, Cortex)."`
	CoverageQueryURL       string            `name:"backfill.coverage-query-url" placeholder:"URL" help:"Base URL of a Prometheus-compatible query API (Prometheus, Thanos Query, Mimir, Cortex, VictoriaMetrics, AMP), e.g. http://prometheus:9090: hours it holds are not backfilled. Authentication and TLS: backfill.coverage_query in the config file."`
}

// Validate checks the flags; kong calls it after parsing.
func (f *backfillFlags) Validate() error {
	limit, ok := backfill.RetentionDays(f.Period)
	switch {
	case !ok:
		return fmt.Errorf("--backfill.period=%s: want 1h, 5m or 1m", f.Period)
	case f.MaxDays < 1 || f.MaxDays > limit:
		return fmt.Errorf("--backfill.max-days=%d: want 1 to %d for --backfill.period=%s (CloudWatch retention)", f.MaxDays, limit, f.Period)
	case f.HeadMargin < 0:
		return fmt.Errorf("--backfill.head-margin=%s: must not be negative", f.HeadMargin)
	case tsdbwriter.ValidateWindow(f.BlockDuration) != nil:
		return fmt.Errorf("--backfill.block-duration=%s: must divide 24h", f.BlockDuration)
	case f.RemoteWriteURL != "" && sink.CheckURL(f.RemoteWriteURL) != nil:
		return fmt.Errorf("--backfill.remote-write.url: %w", sink.CheckURL(f.RemoteWriteURL))
	case f.CoverageQueryURL != "" && sink.CheckURL(f.CoverageQueryURL) != nil:
		return fmt.Errorf("--backfill.coverage-query-url: %w", sink.CheckURL(f.CoverageQueryURL))
	case f.BatchSamples < backfill.MinBatchSamples:
		return fmt.Errorf("--backfill.batch-samples=%d: want at least %d", f.BatchSamples, backfill.MinBatchSamples)
	case f.Interval < 0 || (f.Interval > 0 && f.Interval < backfill.MinInterval):
		return fmt.Errorf("--backfill.interval=%s: want 0 (off) or at least %s", f.Interval, shortDuration(backfill.MinInterval))
	case f.Interval > 0 && f.Disabled:
		return fmt.Errorf("--backfill.interval=%s and --backfill.disabled contradict each other", f.Interval)
	}
	return nil
}

// options returns the flags as the composition root takes them.
func (f *backfillFlags) options() exporter.BackfillOptions {
	return exporter.BackfillOptions{
		Disabled:          f.Disabled,
		OutputDir:         f.OutputDir,
		PrometheusDataDir: f.PrometheusDataDir,
		MaxDays:           f.MaxDays,
		HeadMargin:        f.HeadMargin,
		Period:            f.Period,
		Labels:            f.Labels,
		ResweepEmpty:      f.ResweepEmpty,
		BlockDuration:     f.BlockDuration,
		BatchSamples:      f.BatchSamples,
		Interval:          f.Interval,
		Stores: exporter.StoreOptions{
			RemoteWriteURL:         f.RemoteWriteURL,
			ObjstoreConfigFile:     f.ObjstoreConfigFile,
			ObjstoreExternalLabels: f.ObjstoreExternalLabels,
			ObjstoreTenant:         f.ObjstoreTenant,
			CoverageQueryURL:       f.CoverageQueryURL,
		},
	}
}

// backfillVars are the defaults and limits of the backfill flags, from the
// packages that define them, for kong's ${...} in tags.
func backfillVars() kong.Vars {
	vars := kong.Vars{
		"default_days":           strconv.Itoa(backfill.DefaultDays),
		"default_max_days":       strconv.Itoa(backfill.DefaultMaxDays),
		"default_head_margin":    shortDuration(backfill.DefaultHeadMargin),
		"default_period":         shortDuration(backfill.DefaultPeriod),
		"default_labels":         backfill.DefaultLabels,
		"default_block_duration": shortDuration(tsdbwriter.DefaultWindow),
		"default_batch_samples":  strconv.Itoa(backfill.DefaultBatchSamples),
	}
	for name, period := range map[string]time.Duration{"1m": time.Minute, "5m": 5 * time.Minute, "1h": time.Hour} {
		days, _ := backfill.RetentionDays(period)
		vars["retention_"+name] = strconv.Itoa(days)
	}
	return vars
}

// shortDuration writes d without zero minutes and seconds: 3h, 90m, 0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
