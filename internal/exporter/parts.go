package exporter

import (
	"context"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/collector"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/config"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/inventory"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/telemetry"
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
	d := x.cfg.Discovery
	return inventory.New(inventory.Options{
		Static:     x.staticInstances(),
		Describers: clientsAs(x.clients, func(c *cloudwatch.Client) inventory.Describer { return c }),
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

// staticInstances are the config's static entries; the inventory completes
// their region, account and ARN.
func (x *Exporter) staticInstances() []model.Instance {
	out := make([]model.Instance, 0, len(x.cfg.Static))
	for _, s := range x.cfg.Static {
		out = append(out, s.Instance())
	}
	return out
}

func (x *Exporter) newCollector() *collector.Collector {
	p := x.cfg.Poll
	return collector.New(collector.Options{
		Fetchers:       clientsAs(x.clients, func(c *cloudwatch.Client) collector.Fetcher { return c }),
		Instances:      x.inventory,
		InstancesReady: x.inventory.Ready(),
		Metrics:        x.cfg.SelectedMetrics(),
		Interval:       p.Interval,
		Period:         p.Period,
		Delay:          p.Delay,
		Env:            x.componentEnv("collector"),
	})
}

func (x *Exporter) newBackfiller() (*backfill.Backfiller, error) {
	o := x.opts.Backfill
	return backfill.New(backfill.Options{
		OutputDir:         o.OutputDir,
		PrometheusDataDir: o.PrometheusDataDir,
		Fetchers:          clientsAs(x.clients, func(c *cloudwatch.Client) backfill.Fetcher { return c }),
		Metrics:           x.cfg.SelectedMetrics(),
		Period:            o.Period,
		HeadMargin:        o.HeadMargin,
		MaxDays:           o.MaxDays,
		Labels:            o.Labels,
		ResweepEmpty:      o.ResweepEmpty,
		BlockWindow:       o.BlockDuration,
		BatchSamples:      o.BatchSamples,
		Env:               x.componentEnv("backfill"),
	})
}

// clientsAs returns the clients as the interface a part declares.
func clientsAs[T any](clients []*cloudwatch.Client, as func(*cloudwatch.Client) T) []T {
	out := make([]T, len(clients))
	for i, c := range clients {
		out[i] = as(c)
	}
	return out
}

// componentEnv is the clock, a logger naming the component, and the
// self-metrics.
func (x *Exporter) componentEnv(component string) telemetry.Env {
	return telemetry.Env{Now: x.env.Now, Logger: x.env.Logger.With("component", component), Telemetry: x.telemetry}
}
