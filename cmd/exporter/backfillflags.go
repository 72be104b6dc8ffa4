package main

import (
	"fmt"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
)

// backfillFlags configure the backfill, for serve and the backfill command.
type backfillFlags struct {
	Disabled          bool              `name:"backfill.disabled" help:"Turn the backfill API off (serve only)."`
	OutputDir         string            `name:"backfill.output-dir" aliases:"output-dir" default:"data/backfill" type:"path" help:"Folder the TSDB blocks are written to; point Prometheus at it or move its blocks into Prometheus's data folder."`
	PrometheusDataDir string            `name:"backfill.prometheus-data-dir" type:"path" help:"Prometheus's data folder, read-only: hours its blocks already hold are skipped."`
	MaxDays           int               `name:"backfill.max-days" default:"7" help:"Cap on the days of one backfill (at most 455 for period 1h, 63 for 5m, 15 for 1m: CloudWatch retention)."`
	HeadMargin        time.Duration     `name:"backfill.head-margin" default:"3h" help:"Hours newer than this are never backfilled: Prometheus's head block holds them."`
	Period            time.Duration     `name:"backfill.period" default:"1h" help:"CloudWatch period of backfilled samples: 1h, or 5m (within 63 days) or 1m (within 15 days)."`
	Labels            map[string]string `name:"backfill.label" default:"job=rds" help:"Target labels added to every backfilled series, as name=value (repeatable); use the job (and instance, if you aggregate by it) of your scrape config."`
	ResweepEmpty      bool              `name:"backfill.resweep-empty" help:"Ask CloudWatch again for hours an earlier backfill found no datapoint in."`
	BlockDuration     time.Duration     `name:"backfill.block-duration" default:"24h" help:"Time span of one TSDB block, aligned to UTC midnight; must divide 24h."`
	BatchSamples      int               `name:"backfill.batch-samples" default:"8000000" help:"Samples (16 bytes each) held in memory before blocks are written; a larger sweep is written in batches of instances, a set of blocks each."`
	Interval          time.Duration     `name:"backfill.interval" default:"0s" help:"Backfill every AWS instance's last --backfill.max-days on this interval, filling what downtime lost (serve only; 0: off). Needs --backfill.prometheus-data-dir, so that hours Prometheus scraped are not fetched again."`
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
	case f.BlockDuration <= 0 || (24*time.Hour)%f.BlockDuration != 0:
		return fmt.Errorf("--backfill.block-duration=%s: must divide 24h", f.BlockDuration)
	case f.BatchSamples < 1000:
		return fmt.Errorf("--backfill.batch-samples=%d: want at least 1000", f.BatchSamples)
	case f.Interval < 0 || (f.Interval > 0 && f.Interval < time.Minute):
		return fmt.Errorf("--backfill.interval=%s: want 0 (off) or at least 1m", f.Interval)
	case f.Interval > 0 && f.PrometheusDataDir == "":
		return fmt.Errorf("--backfill.interval=%s needs --backfill.prometheus-data-dir: without Prometheus's blocks every scraped hour would be fetched again", f.Interval)
	case f.Interval > 0 && f.Disabled:
		return fmt.Errorf("--backfill.interval=%s and --backfill.disabled contradict each other", f.Interval)
	}
	return nil
}
