package config

import (
	"slices"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
)

// MetricSelection is one CloudWatch metric to fetch, with its statistics.
type MetricSelection struct {
	Metric     string
	Statistics []string
}

// SelectedMetrics resolves the metrics section: the catalog's default
// metrics (when Metrics.Defaults), plus Metrics.Add, minus Metrics.Remove, in
// catalog order. Each gets its own statistics or Metrics.Statistics, without
// duplicates. The slices are new on every call.
func (c *Config) SelectedMetrics() []MetricSelection {
	own := map[string][]string{}
	if c.Metrics.Defaults {
		for _, name := range catalog.DefaultMetrics() {
			own[name] = nil
		}
	}
	for _, a := range c.Metrics.Add {
		own[a.Name] = a.Statistics
	}
	for _, name := range c.Metrics.Remove {
		delete(own, name)
	}
	common := c.Metrics.Statistics
	if len(common) == 0 {
		common = catalog.DefaultStatistics()
	}
	var out []MetricSelection
	for _, m := range catalog.Metrics() {
		stats, ok := own[m.Name]
		if !ok {
			continue
		}
		if len(stats) == 0 {
			stats = common
		}
		out = append(out, MetricSelection{Metric: m.Name, Statistics: dedupe(stats)})
	}
	return out
}

// QueriesPerInstance is the number of GetMetricData queries (metric and
// statistic pairs, the billing unit) that one instance costs for one time
// range, whatever its length.
func (c *Config) QueriesPerInstance() int {
	n := 0
	for _, m := range c.SelectedMetrics() {
		n += len(m.Statistics)
	}
	return n
}

// Target is one account and region to discover and poll, the unit that owns
// a rate limiter.
type Target struct {
	// Account is the role to assume; the zero Account (RoleARN "") means the
	// default credentials.
	Account Account
	// Region is the AWS region; "" means the SDK's default region.
	Region string
}

// Targets lists the accounts and regions of the config: every region of
// every account, or of the default credentials when there are no accounts.
// Static instances in other regions are not included.
func (c *Config) Targets() []Target {
	if len(c.Accounts) == 0 {
		return regionTargets(Account{}, c.Regions)
	}
	var out []Target
	for _, a := range c.Accounts {
		out = append(out, regionTargets(a, a.Regions)...)
	}
	return out
}

// regionTargets returns a Target for account in each region, or in the
// SDK's default region when regions is empty.
func regionTargets(account Account, regions []string) []Target {
	if len(regions) == 0 {
		regions = []string{""}
	}
	out := make([]Target, len(regions))
	for i, r := range regions {
		a := account
		a.Regions = slices.Clone(account.Regions)
		out[i] = Target{Account: a, Region: r}
	}
	return out
}

// dedupe returns a copy of s without repeated values, first ones kept.
func dedupe(s []string) []string {
	out := make([]string, 0, len(s))
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
