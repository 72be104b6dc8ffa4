package main

import (
	"context"
	"fmt"
	"log/slog"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/collector"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/config"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/inventory"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/telemetry"
)

// awsFlags select where AWS is.
type awsFlags struct {
	Simulate          bool `name:"aws.simulate" help:"Start the simulated AWS (CloudWatch, RDS, STS) in-process on 127.0.0.1 and point the AWS SDK at it: no credentials or network needed."`
	SimulateInstances int  `name:"aws.simulate.instances" default:"5" help:"Number of DB instances the simulated AWS has (with --aws.simulate)."`
	Parallel          int  `name:"aws.parallel-requests" default:"4" help:"GetMetricData requests in flight at once per account and region (the rate limit still applies)."`
}

// simRegion is the region of the simulated AWS when the config names none.
const simRegion = "us-east-1"

type startOptions struct {
	cfg      *config.Config
	aws      awsFlags
	backfill backfillFlags
	logger   *slog.Logger
}

// awsParts are what every command that talks to AWS needs.
type awsParts struct {
	clients   []*cloudwatch.Client
	inventory *inventory.Inventory
	closers   []func()
}

func (p *awsParts) close() {
	for i := len(p.closers) - 1; i >= 0; i-- {
		p.closers[i]()
	}
}

// connect builds the AWS clients (starting the simulator first with
// --aws.simulate) and the inventory, and runs the first discovery.
func connect(ctx context.Context, o startOptions, tm *telemetry.Metrics) (*awsParts, error) {
	p := &awsParts{}
	loadOpts, err := p.awsLoadOptions(o)
	if err != nil {
		p.close()
		return nil, err
	}
	p.clients, err = cloudwatch.NewClients(ctx, cloudwatch.Options{
		Regions:           o.cfg.Regions,
		Accounts:          accounts(o.cfg.Accounts),
		RequestsPerSecond: o.cfg.RateLimit.RequestsPerSecond,
		Burst:             o.cfg.RateLimit.Burst,
		MaxAttempts:       o.cfg.RateLimit.MaxAttempts,
		Parallel:          o.aws.Parallel,
		LoadOptions:       loadOpts,
		Observer:          tm,
	})
	if err != nil {
		p.close()
		return nil, err
	}
	p.inventory = newInventory(o.cfg, p.clients, tm, o.logger)
	if err := p.inventory.Refresh(ctx); err != nil {
		o.logger.Warn("first instance discovery failed; will retry", "err", err)
	}
	return p, nil
}

// start connects to AWS, starts the discovery and poll loops (which stop
// with ctx) and the backfill job manager.
func start(ctx context.Context, o startOptions) (*exporter, error) {
	tm := telemetry.New()
	reg, err := newRegistry(tm)
	if err != nil {
		return nil, err
	}
	parts, err := connect(ctx, o, tm)
	if err != nil {
		return nil, err
	}
	ex := &exporter{registry: reg, telemetry: tm, logger: o.logger, inventory: parts.inventory, closers: []func(){parts.close}}
	go parts.inventory.Run(ctx, o.cfg.Discovery.Interval)
	ex.collector = collector.New(collector.Options{
		Targets:   targets(parts.clients),
		Instances: parts.inventory,
		Metrics:   selections(o.cfg),
		Interval:  o.cfg.Poll.Interval,
		Period:    o.cfg.Poll.Period,
		Delay:     o.cfg.Poll.Delay,
		Logger:    o.logger.With("component", "collector"),
		Telemetry: tm,
	})
	if err := reg.Register(ex.collector); err != nil {
		ex.close()
		return nil, err
	}
	go ex.collector.Run(ctx)
	if err := ex.startBackfill(ctx, o, parts); err != nil {
		ex.close()
		return nil, err
	}
	return ex, nil
}

func (ex *exporter) startBackfill(ctx context.Context, o startOptions, parts *awsParts) error {
	if o.backfill.Disabled {
		return nil
	}
	b, err := newBackfiller(o, parts, ex.telemetry)
	if err != nil {
		return err
	}
	ex.backfiller = b
	ex.jobs = backfill.NewJobs(ctx, b)
	if o.backfill.Interval > 0 {
		auto := &backfill.Auto{
			Jobs: ex.jobs, Instances: parts.inventory.All, Interval: o.backfill.Interval,
			Days: o.backfill.MaxDays, Logger: o.logger.With("component", "auto-backfill"),
		}
		go func() {
			select { // after the first poll, so the first run does not delay it
			case <-ex.collector.Ready():
				auto.Run(ctx)
			case <-ctx.Done():
			}
		}()
	}
	ex.closers = append(ex.closers, func() {
		ex.jobs.Wait()
		_ = b.Close()
	})
	return nil
}

func newBackfiller(o startOptions, parts *awsParts, tm *telemetry.Metrics) (*backfill.Backfiller, error) {
	bt := make([]backfill.Target, 0, len(parts.clients))
	for _, c := range parts.clients {
		bt = append(bt, backfill.Target{AccountID: c.AccountID, Region: c.Region, Fetcher: c})
	}
	return backfill.New(backfill.Options{
		OutputDir:         o.backfill.OutputDir,
		PrometheusDataDir: o.backfill.PrometheusDataDir,
		Targets:           bt,
		Metrics:           selections(o.cfg),
		Period:            o.backfill.Period,
		HeadMargin:        o.backfill.HeadMargin,
		MaxDays:           o.backfill.MaxDays,
		Labels:            o.backfill.Labels,
		ResweepEmpty:      o.backfill.ResweepEmpty,
		BlockWindow:       o.backfill.BlockDuration,
		BatchSamples:      o.backfill.BatchSamples,
		Logger:            o.logger.With("component", "backfill"),
		Telemetry:         tm,
	})
}

// awsLoadOptions returns the extra SDK load options: none for real AWS, the
// simulator's endpoint and dummy credentials with --aws.simulate.
func (p *awsParts) awsLoadOptions(o startOptions) ([]func(*awsconfig.LoadOptions) error, error) {
	if !o.aws.Simulate {
		return nil, nil
	}
	region := simRegion
	if len(o.cfg.Regions) > 0 {
		region = o.cfg.Regions[0]
	}
	sim := awssim.New(simOptions(o.cfg, region, o.aws.SimulateInstances))
	if err := sim.Start("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start simulated AWS: %w", err)
	}
	p.closers = append(p.closers, func() { _ = sim.Close() })
	o.logger.Info("simulated AWS started", "url", sim.URL(), "region", region, "instances", o.aws.SimulateInstances)
	return []func(*awsconfig.LoadOptions) error{
		awsconfig.WithBaseEndpoint(sim.URL()),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("SIMULATED", "SIMULATED", "")),
		awsconfig.WithRegion(region),
	}, nil
}

func accounts(in []config.Account) []cloudwatch.Account {
	out := make([]cloudwatch.Account, 0, len(in))
	for _, a := range in {
		out = append(out, cloudwatch.Account{RoleARN: a.RoleARN, ExternalID: a.ExternalID, SessionName: a.SessionName, Regions: a.Regions})
	}
	return out
}

func selections(cfg *config.Config) []catalog.Selection {
	var out []catalog.Selection
	for _, m := range cfg.SelectedMetrics() {
		out = append(out, catalog.Selection{Metric: m.Metric, Statistics: m.Statistics})
	}
	return out
}

func targets(clients []*cloudwatch.Client) []collector.Target {
	out := make([]collector.Target, 0, len(clients))
	for _, c := range clients {
		out = append(out, collector.Target{AccountID: c.AccountID, Region: c.Region, Fetcher: c})
	}
	return out
}

func newInventory(cfg *config.Config, clients []*cloudwatch.Client, tm *telemetry.Metrics, logger *slog.Logger) *inventory.Inventory {
	sources := make([]inventory.Source, 0, len(clients))
	for _, c := range clients {
		sources = append(sources, inventory.Source{AccountID: c.AccountID, Region: c.Region, Describer: c})
	}
	return inventory.New(inventory.Options{
		Static:    staticInstances(cfg, clients),
		Sources:   sources,
		Discovery: cfg.Discovery.Enabled,
		Filter:    cloudwatch.DiscoveryFilter{Engines: cfg.Discovery.Engines, Tags: cfg.Discovery.Tags},
		Logger:    logger.With("component", "inventory"),
		OnRefresh: func(all []model.Instance, err error) {
			tm.Instances.Reset()
			for _, i := range all {
				tm.Instances.WithLabelValues(i.ProviderName()).Inc()
			}
			if err != nil {
				tm.DiscoveryRefreshErrors.Inc()
				return
			}
			tm.DiscoveryLastSuccess.SetToCurrentTime()
		},
	})
}

// staticInstances completes the static entries: an AWS instance without
// region or account takes those of the first client (of its region), and
// gets its ARN.
func staticInstances(cfg *config.Config, clients []*cloudwatch.Client) []model.Instance {
	out := make([]model.Instance, 0, len(cfg.Static))
	for _, s := range cfg.Static {
		i := s.Instance()
		if c := clientFor(clients, i.Region); c != nil {
			if i.Region == "" {
				i.Region = c.Region
			}
			if i.AccountID == "" {
				i.AccountID = c.AccountID
			}
		}
		if i.ServedByCloudWatch() && i.ARN == "" {
			i.ARN = cloudwatch.InstanceARN(i.Region, i.AccountID, i.ID)
		}
		out = append(out, i)
	}
	return out
}

func clientFor(clients []*cloudwatch.Client, region string) *cloudwatch.Client {
	for _, c := range clients {
		if region == "" || c.Region == region {
			return c
		}
	}
	return nil
}
