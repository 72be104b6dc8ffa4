package testtools

import (
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
)

// AWSOptions are the SDK load options that point the real AWS SDK at sim:
// its endpoint, dummy static credentials (the simulator's default
// account) and its region as the default region; extra come last.
func AWSOptions(sim *awssim.Server, extra ...func(*config.LoadOptions) error) []func(*config.LoadOptions) error {
	return append([]func(*config.LoadOptions) error{
		config.WithRegion(sim.Region()),
		config.WithBaseEndpoint(sim.URL()),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")),
	}, extra...)
}
