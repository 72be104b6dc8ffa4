package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
)

// defaultSimInstances is how many DB instances the simulated AWS has
// unless a flag says otherwise.
const defaultSimInstances = 5

// SimulateCmd runs awssim alone.
type SimulateCmd struct {
	Listen        string        `name:"listen" default:"127.0.0.1:4566" help:"Address to listen on; keep it on loopback."`
	Region        string        `name:"region" default:"us-east-1" help:"Region the simulated AWS reports."`
	AccountID     string        `name:"account-id" default:"123456789012" help:"Account ID the simulated AWS reports."`
	Regions       []string      `name:"regions" help:"Regions with a simulated fleet, comma-separated (default: --region)."`
	Accounts      []string      `name:"accounts" help:"Accounts with a simulated fleet, comma-separated (default: --account-id); AssumeRole into a role of one acts in it."`
	Instances     int           `name:"instances" default:"${default_sim_instances}" help:"Number of simulated DB instances of each fleet."`
	Engines       []string      `name:"engines" help:"Engines the instances rotate through, comma-separated: postgres, mysql, mariadb, aurora-postgresql, aurora-mysql (default: the first four)."`
	Proxies       int           `name:"proxies" default:"0" help:"Number of simulated RDS Proxies of each fleet."`
	Seed          int64         `name:"seed" default:"1" help:"Seed of the simulated data."`
	Dense         bool          `name:"dense" help:"A fleet of a fixed shape, for benchmarks: every instance publishes every DB instance metric, with a datapoint every period (no stopped hours)."`
	ThrottleAbove float64       `name:"fault.throttle-above" default:"0" help:"Answer GetMetricData with Throttling above this many requests per second (0: never)."`
	ErrorRate     float64       `name:"fault.error-rate" default:"0" help:"Share of requests (0 to 1) answered with a 5xx error."`
	Latency       time.Duration `name:"fault.latency" default:"0s" help:"Latency added to every request."`
	Outage        string        `name:"fault.outage" placeholder:"ACTION[=DURATION]" help:"Answer every request of one API action (GetCallerIdentity, DescribeDBInstances, GetMetricData...) with 503 ServiceUnavailable, for DURATION from start or for good."`

	MonitoringInterval int32 `name:"monitoring-interval" default:"-1" help:"Enhanced Monitoring interval of every instance, in seconds: 0 (off), 1, 5, 10, 15, 30 or 60, with Performance Insights on (7 days) for all; -1: a mix of intervals, some instances without either."`
	LogRetentionDays   int   `name:"log-retention-days" default:"30" help:"Retention of the RDSOSMetrics log group (Enhanced Monitoring's events), in days."`
}

// Validate checks --fault.outage and --monitoring-interval.
func (s *SimulateCmd) Validate() error {
	if _, err := parseOutage(s.Outage); err != nil {
		return err
	}
	_, err := s.monitoring()
	return err
}

// parseOutage parses --fault.outage: empty, ACTION or ACTION=DURATION.
func parseOutage(spec string) (awssim.Outage, error) {
	action, d, timed := strings.Cut(spec, "=")
	o := awssim.Outage{Action: action}
	if timed {
		var err error
		if o.For, err = time.ParseDuration(d); err != nil || o.For <= 0 {
			return o, fmt.Errorf("--fault.outage=%s: want ACTION or ACTION=DURATION with a positive duration", spec)
		}
	}
	if action == "" && spec != "" {
		return o, fmt.Errorf("--fault.outage=%s: no action", spec)
	}
	return o, nil
}

// monitoring returns the instances' Enhanced Monitoring and Performance
// Insights settings of --monitoring-interval; nil for awssim's mix.
func (s *SimulateCmd) monitoring() (func(awssim.Instance) awssim.Monitoring, error) {
	switch s.MonitoringInterval {
	case -1:
		return nil, nil
	case 0, 1, 5, 10, 15, 30, 60:
		m := awssim.Monitoring{MonitoringInterval: s.MonitoringInterval, PerformanceInsightsEnabled: true}
		return func(awssim.Instance) awssim.Monitoring { return m }, nil
	}
	return nil, fmt.Errorf("simulate: --monitoring-interval=%d: want 0, 1, 5, 10, 15, 30 or 60 (or -1 for a mix)", s.MonitoringInterval)
}

// Run serves until ctx ends.
func (s *SimulateCmd) Run(ctx context.Context, g *globals) error {
	logger, err := newLogger(g.cli, g.stderr)
	if err != nil {
		return err
	}
	outage, err := parseOutage(s.Outage)
	if err != nil {
		return err
	}
	opts := awssim.Options{
		Region: s.Region, AccountID: s.AccountID, Regions: s.Regions, Accounts: s.Accounts,
		Instances: s.Instances, Engines: s.Engines, Proxies: s.Proxies, Seed: s.Seed, Dense: s.Dense,
		Faults:           awssim.Faults{ThrottleAboveRPS: s.ThrottleAbove, ErrorRate: s.ErrorRate, Latency: s.Latency, Outage: outage},
		LogRetentionDays: s.LogRetentionDays,
	}
	if opts.Monitoring, err = s.monitoring(); err != nil {
		return err
	}
	if err := opts.Check(); err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	sim := awssim.New(opts)
	if err := sim.Start(s.Listen); err != nil {
		return fmt.Errorf("start simulated AWS: %w", err)
	}
	defer func() { _ = sim.Close() }()
	logger.Info("simulated AWS listening", "url", sim.URL(), "region", s.Region, "account_id", s.AccountID, "instances", s.Instances)
	fmt.Fprintf(g.stdout, "Simulated AWS (CloudWatch, RDS, STS, CloudWatch Logs, Performance Insights) at %s\nPoint the exporter at it with:\n  AWS_ENDPOINT_URL=%s AWS_REGION=%s AWS_ACCESS_KEY_ID=x AWS_SECRET_ACCESS_KEY=x rds-backfill-exporter serve\n",
		sim.URL(), sim.URL(), s.Region)
	<-ctx.Done()
	return nil
}
