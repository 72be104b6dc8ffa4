package main

import (
	"fmt"
	"log/slog"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/config"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
)

// awsFlags select where AWS is.
type awsFlags struct {
	Simulate          bool `name:"aws.simulate" help:"Start the simulated AWS (CloudWatch, RDS, STS) in-process on 127.0.0.1 and point the AWS SDK at it: no credentials or network needed."`
	SimulateInstances int  `name:"aws.simulate.instances" default:"${default_sim_instances}" help:"Number of DB instances the simulated AWS has (with --aws.simulate)."`
	Parallel          int  `name:"aws.parallel-requests" default:"${default_parallel}" help:"GetMetricData requests in flight at once per account and region (the rate limit still applies)."`
}

// simRegion is the region of the simulated AWS when the config names none.
const simRegion = "us-east-1"

// loadOptions returns the extra SDK load options and a function that
// releases what they need: none for real AWS; with --aws.simulate, the
// endpoint and dummy credentials of a simulator started here.
func (f awsFlags) loadOptions(cfg *config.Config, logger *slog.Logger) ([]func(*awsconfig.LoadOptions) error, func(), error) {
	if !f.Simulate {
		return nil, func() {}, nil
	}
	region := simRegion
	if len(cfg.Regions) > 0 {
		region = cfg.Regions[0]
	}
	sim := awssim.New(simOptions(cfg, region, f.SimulateInstances))
	if err := sim.Start("127.0.0.1:0"); err != nil {
		return nil, nil, fmt.Errorf("start simulated AWS: %w", err)
	}
	logger.Info("simulated AWS started", "url", sim.URL(), "region", region, "instances", f.SimulateInstances)
	return []func(*awsconfig.LoadOptions) error{
		awsconfig.WithBaseEndpoint(sim.URL()),
		awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("SIMULATED", "SIMULATED", "")),
		awsconfig.WithRegion(region),
	}, func() { _ = sim.Close() }, nil
}
