package exporter

import (
	"context"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
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
		Kinds:      d.ResourceKinds(),
		Aggregates: d.AggregateKinds(),
		Filter:     cloudwatch.DiscoveryFilter{Engines: d.Engines, Tags: d.Tags},
		Rules:      x.cfg.MetricRules(),
		Logger:     x.env.Logger.With("component", "inventory"),
		OnRefresh:  x.discovered,
	})
}

// discovered records a refresh of the resource list in the self-metrics.
func (x *Exporter) discovered(all []model.Described, err error) {
	tm := x.telemetry
	tm.SetResources(all)
	if err != nil {
		tm.DiscoveryRefreshErrors.Inc()
		return
	}
	tm.DiscoveryLastSuccess.Set(float64(x.env.Now().UnixNano()) / 1e9)
}

// staticInstances are the config's static entries; the inventory completes
// their region, account and ARN.
func (x *Exporter) staticInstances() []model.Described {
	out := make([]model.Described, 0, len(x.cfg.Static))
	for _, s := range x.cfg.Static {
		out = append(out, s.Described())
	}
	return out
}

func (x *Exporter) newCollector() *collector.Collector {
	p := x.cfg.Poll
	return collector.New(collector.Options{
		Fetchers:       clientsAs(x.clients, func(c *cloudwatch.Client) collector.Fetcher { return c }),
		Resources:      x.inventory,
		ResourcesReady: x.inventory.Ready(),
		Interval:       p.Interval,
		Period:         p.Period,
		Delay:          p.Delay,
		Labeling:       x.labeling(),
		Env:            x.componentEnv("collector"),
	})
}

func (x *Exporter) newBackfiller() (*backfill.Backfiller, error) {
	o := x.opts.Backfill
	opts := backfill.Options{
		OutputDir:         o.OutputDir,
		PrometheusDataDir: o.PrometheusDataDir,
		Fetchers:          clientsAs(x.clients, func(c *cloudwatch.Client) backfill.Fetcher { return c }),
		Readers: clientsAs(x.clients, func(c *cloudwatch.Client) backfill.SourceReaders {
			return backfill.SourceReaders{Target: c.Target, OS: c.EnhancedMonitoring(), PI: c.PerformanceInsights()}
		}),
		PIWaitEvents: x.cfg.PerformanceInsights.TopWaitEvents,
		PIStatements: x.cfg.PerformanceInsights.TopStatements,
		Period:       o.Period,
		HeadMargin:   o.HeadMargin,
		MaxDays:      o.MaxDays,
		Labels:       o.Labels,
		Labeling:     x.labeling(),
		ResweepEmpty: o.ResweepEmpty,
		BlockWindow:  o.BlockDuration,
		BatchSamples: o.BatchSamples,
		Env:          x.componentEnv("backfill"),
	}
	x.stores.options(&opts)
	return backfill.New(opts)
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

// labeling is how every RDS series is labeled, live and backfilled.
func (x *Exporter) labeling() catalog.Labeling { return x.cfg.Labeling(x.opts.LabelsSnakeCase) }
