package main

import (
	"strings"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/config"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
)

// simOptions returns the options of the in-process simulated AWS
// (--aws.simulate): a fleet in region and every region the config polls,
// for the default account and every account whose role the config assumes.
func simOptions(cfg *config.Config, region string, instances int) awssim.Options {
	o := awssim.Options{Region: region, Regions: append([]string{region}, cfg.Regions...), Instances: instances}
	for _, a := range cfg.Accounts {
		o.Regions = append(o.Regions, a.Regions...)
		if parts := strings.Split(a.RoleARN, ":"); len(parts) > 4 {
			o.Accounts = append(o.Accounts, parts[4])
		}
	}
	if len(o.Accounts) > 0 {
		o.Accounts = append([]string{awssim.DefaultAccountID}, o.Accounts...)
	}
	return o
}
