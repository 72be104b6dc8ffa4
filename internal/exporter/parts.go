package exporter

import (
	"context"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/collector"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/config"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/inventory"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// newClients builds one client per account and region of the config.
func (x *Exporter) newClients(ctx context.Context) ([]*cloudwatch.Client, error) {
	rl := x.cfg.RateLimit
	return cloudwatch.NewClients(ctx, cloudwatch.Options{
		Regions:           x.cfg.Regions,
		Accounts:          accounts(x.cfg.Accounts),
		RequestsPerSecond: rl.RequestsPerSecond,
		Burst:             rl.Burst,
		MaxAttempts:       rl.MaxAttempts,
		Parallel:          x.opts.Parallel,
		LoadOptions:       x.env.AWSLoadOptions,
		Observer:          x.telemetry,
	})
}

func accounts(in []config.Account) []cloudwatch.Account {
	out := make([]cloudwatch.Account, 0, len(in))
	for _, a := range in {
		out = append(out, cloudwatch.Account{RoleARN: a.RoleARN, ExternalID: a.ExternalID, SessionName: a.SessionName, Regions: a.Regions})
	}
	return out
}

func (x *Exporter) newInventory() *inventory.Inventory {
	describers := make([]inventory.Describer, len(x.clients))
	for i, c := range x.clients {
		describers[i] = c
	}
	d := x.cfg.Discovery
	return inventory.New(inventory.Options{
		Static:     x.staticInstances(),
		Describers: describers,
		Discovery:  d.Enabled,
		Filter:     cloudwatch.DiscoveryFilter{Engines: d.Engines, Tags: d.Tags},
		Logger:     x.env.Logger.With("component", "inventory"),
		OnRefresh:  x.discovered,
	})
}

// discovered records a refresh of the instance list in the self-metrics.
func (x *Exporter) discovered(all []model.Instance, err error) {
	tm := x.telemetry
	tm.Instances.Reset()
	for _, i := range all {
		tm.Instances.WithLabelValues(i.ProviderName()).Inc()
	}
	if err != nil {
		tm.DiscoveryRefreshErrors.Inc()
		return
	}
	tm.DiscoveryLastSuccess.Set(float64(x.env.Now().UnixNano()) / 1e9)
}

// staticInstances completes the static entries: an AWS instance without
// region or account takes those of the first client (of its region), and
// gets its ARN.
func (x *Exporter) staticInstances() []model.Instance {
	out := make([]model.Instance, 0, len(x.cfg.Static))
	for _, s := range x.cfg.Static {
		i := s.Instance()
		if c := x.clientIn(i.Region); c != nil {
			if i.Region == "" {
				i.Region = c.Target().Region
			}
			if i.AccountID == "" {
				i.AccountID = c.Target().AccountID
			}
		}
		if i.ServedByCloudWatch() && i.ARN == "" {
			i.ARN = i.Target().ARN(model.KindDBInstance, i.ID)
		}
		out = append(out, i)
	}
	return out
}

// clientIn returns the first client of region, or of any region for "".
func (x *Exporter) clientIn(region string) *cloudwatch.Client {
	for _, c := range x.clients {
		if region == "" || c.Target().Region == region {
			return c
		}
	}
	return nil
}

func (x *Exporter) newCollector() *collector.Collector {
	fetchers := make([]collector.Fetcher, len(x.clients))
	for i, c := range x.clients {
		fetchers[i] = c
	}
	p := x.cfg.Poll
	return collector.New(collector.Options{
		Fetchers:  fetchers,
		Instances: x.inventory,
		Metrics:   x.cfg.SelectedMetrics(),
		Interval:  p.Interval,
		Period:    p.Period,
		Delay:     p.Delay,
		Now:       x.env.Now,
		Logger:    x.env.Logger.With("component", "collector"),
		Telemetry: x.telemetry,
	})
}

func (x *Exporter) newBackfiller() (*backfill.Backfiller, error) {
	fetchers := make([]backfill.Fetcher, len(x.clients))
	for i, c := range x.clients {
		fetchers[i] = c
	}
	o := x.opts.Backfill
	return backfill.New(backfill.Options{
		OutputDir:         o.OutputDir,
		PrometheusDataDir: o.PrometheusDataDir,
		Fetchers:          fetchers,
		Metrics:           x.cfg.SelectedMetrics(),
		Period:            o.Period,
		HeadMargin:        o.HeadMargin,
		MaxDays:           o.MaxDays,
		Labels:            o.Labels,
		ResweepEmpty:      o.ResweepEmpty,
		BlockWindow:       o.BlockDuration,
		BatchSamples:      o.BatchSamples,
		Now:               x.env.Now,
		Logger:            x.env.Logger.With("component", "backfill"),
		Telemetry:         x.telemetry,
	})
}
