// Package config reads the exporter's YAML config file strictly: unknown keys
// at any depth, wrong types and values CloudWatch or RDS would refuse are
// errors that name the file, the line and the field. Defaults are applied and
// the result validated in one place (Parse), so every other package can trust
// a *Config it is given.
//
// No config file at all is a valid setup: Default() discovers every instance
// in the AWS SDK's default region and polls the catalog's default metrics.
package config

import (
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// Defaults of the settings the file may leave out.
const (
	DefaultSessionName       = "rds-backfill-exporter"
	DefaultDiscoveryInterval = 10 * time.Minute
	DefaultPollInterval      = 5 * time.Minute
	DefaultPollPeriod        = time.Minute
	DefaultPollDelay         = 2 * time.Minute
	DefaultRequestsPerSecond = 10
	DefaultBurst             = 5
	DefaultMaxAttempts       = 10
)

// Config is the whole config file after defaults. The yaml tags are the keys
// of the file; the decoder reads them and accepts no other key.
type Config struct {
	// Regions to discover and poll. Empty means the AWS SDK's default region
	// (AWS_REGION, the profile, ...), resolved when the clients are built.
	Regions []string `yaml:"regions"`
	// Accounts are roles to assume. Empty means the default credentials.
	Accounts []Account `yaml:"accounts"`
	// Discovery lists the instances through DescribeDBInstances.
	Discovery Discovery `yaml:"discovery"`
	// Static are instances declared by hand.
	Static []StaticInstance `yaml:"static"`
	// Metrics selects the CloudWatch metrics and statistics fetched.
	Metrics Metrics `yaml:"metrics"`
	// Poll is the schedule of the live collector.
	Poll Poll `yaml:"poll"`
	// RateLimit bounds the AWS requests per account and region.
	RateLimit RateLimit `yaml:"rate_limit"`
	// Backfill says where backfilled history goes, if not to the local
	// output folder, and where coverage is read.
	Backfill Backfill `yaml:"backfill"`
	// EnhancedMonitoring and PerformanceInsights read those sources live
	// (sources.go).
	EnhancedMonitoring  EnhancedMonitoring  `yaml:"enhanced_monitoring"`
	PerformanceInsights PerformanceInsights `yaml:"performance_insights"`
}

// Account is one AWS account, reached by assuming a role with STS.
type Account struct {
	// RoleARN is the IAM role to assume, arn:<partition>:iam::<account>:role/<name>.
	RoleARN string `yaml:"role_arn"`
	// ExternalID is passed to AssumeRole when not empty.
	ExternalID string `yaml:"external_id"`
	// SessionName is the role session name; DefaultSessionName after Parse.
	SessionName string `yaml:"session_name"`
	// Regions of this account; after Parse, the top-level Regions when the
	// file names none (still empty when those are empty).
	Regions []string `yaml:"regions"`
}

// Discovery controls the listing of resources with DescribeDBInstances,
// DescribeDBClusters and DescribeDBProxies, and of their metrics with
// ListMetrics.
type Discovery struct {
	// Enabled turns discovery on (the default).
	Enabled bool `yaml:"enabled"`
	// Interval is how often the resource list is refreshed; at least a minute.
	Interval time.Duration `yaml:"interval"`
	// Engines, when not empty, keeps only instances and clusters of these
	// engines (the DescribeDB* filter "engine"), and proxies of their
	// engine families.
	Engines []string `yaml:"engines"`
	// Tags, when not empty, keeps only resources that carry all these tags
	// with these values.
	Tags map[string]string `yaml:"tags"`
	// Kinds are the kinds of resources discovered: db (DB instances),
	// cluster (Aurora clusters), db-proxy (RDS Proxies); default all three.
	Kinds []string `yaml:"kinds"`
	// Aggregates are the aggregates of DB instances served: cluster-role
	// (DBClusterIdentifier and Role), database-class (DatabaseClass),
	// engine-name (EngineName); default none.
	Aggregates []string `yaml:"aggregates"`
	// ExportedTagsOnMetrics are tag keys carried by every value series as
	// tag_<key> labels (YACE's exportedTagsOnMetrics); default none.
	ExportedTagsOnMetrics []string `yaml:"exported_tags_on_metrics"`
}

// ResourceKinds returns the kinds of Discovery.Kinds.
func (d Discovery) ResourceKinds() []model.Kind { return toKinds(d.Kinds) }

// AggregateKinds returns the kinds of Discovery.Aggregates.
func (d Discovery) AggregateKinds() []model.Kind { return toKinds(d.Aggregates) }

func toKinds(names []string) []model.Kind {
	out := make([]model.Kind, len(names))
	for i, n := range names {
		out[i] = model.Kind(n)
	}
	return out
}

// StaticInstance is an instance declared in the file rather than discovered.
type StaticInstance struct {
	// ID is the DB instance identifier (CloudWatch's DBInstanceIdentifier).
	ID string `yaml:"id"`
	// Region of the instance; after Parse, the first of Config.Regions when
	// the file names none, or "" (the SDK's default region) when there are none.
	Region string `yaml:"region"`
	// AccountID is the 12-digit AWS account ID, optional.
	AccountID string `yaml:"account_id"`
	// Provider is model.ProviderAWS (the default after Parse) for instances
	// CloudWatch serves; any other value makes the instance inventory only.
	Provider string `yaml:"provider"`
	// Engine is shown in the info metric, optional.
	Engine string `yaml:"engine"`
}

// Described returns the instance as a static model.Described. The ARN is
// left empty: it needs the partition and account, which only the AWS side
// knows.
func (s StaticInstance) Described() model.Described {
	return model.Described{
		Resource: model.Resource{Target: model.Target{AccountID: s.AccountID, Region: s.Region}, Kind: model.KindDBInstance, ID: s.ID},
		Provider: s.Provider,
		Engine:   s.Engine,
		Static:   true,
	}
}

// Metrics selects the CloudWatch metrics to fetch; MetricRules resolves
// it.
type Metrics struct {
	// Defaults starts each resource from the catalog's default metrics of
	// its kind (those ListMetrics lists for it, or without a listing those
	// of its engine, class and role).
	Defaults bool `yaml:"defaults"`
	// Statistics fetched for every selected metric without its own list.
	Statistics []string `yaml:"statistics"`
	// Add selects more metrics (any AWS/RDS metric name), or sets the
	// statistics of a default one.
	Add []MetricSpec `yaml:"add"`
	// Remove drops selected metrics, by CloudWatch name.
	Remove []string `yaml:"remove"`
	// NilToZero serves 0 for a statistic CloudWatch has no datapoint for
	// in a poll, instead of no series (YACE's nilToZero), for every
	// metric without its own setting; default false.
	NilToZero bool `yaml:"nil_to_zero"`
}

// MetricSpec is one entry of metrics.add.
type MetricSpec struct {
	// Name is the CloudWatch metric name, e.g. "ReplicaLag".
	Name string `yaml:"name"`
	// Statistics of this metric, standard or extended (p99, TM(10%:90%),
	// ...); empty means Metrics.Statistics.
	Statistics []string `yaml:"statistics"`
	// NilToZero overrides Metrics.NilToZero for this metric when set.
	NilToZero *bool `yaml:"nil_to_zero"`
}

// Poll is the schedule of the live collector.
type Poll struct {
	// Interval between two polls of CloudWatch; at least Period.
	Interval time.Duration `yaml:"interval"`
	// Period is the CloudWatch period of the datapoints, a multiple of 60s.
	Period time.Duration `yaml:"period"`
	// Delay is how far back from now a poll ends, because CloudWatch
	// publishes datapoints a few minutes late.
	Delay time.Duration `yaml:"delay"`
}

// RateLimit bounds the GetMetricData and DescribeDBInstances requests sent to
// one account and region, shared by the collector and the backfill.
type RateLimit struct {
	// RequestsPerSecond is the steady rate, more than 0 and at most 50 (the
	// default GetMetricData quota per account and region).
	RequestsPerSecond float64 `yaml:"requests_per_second"`
	// Burst is how many requests may go at once above the steady rate.
	Burst int `yaml:"burst"`
	// MaxAttempts is the AWS SDK's retry limit per request, counting the
	// first attempt (the SDK's retry.AdaptiveMode MaxAttempts).
	MaxAttempts int `yaml:"max_attempts"`
}

// DefaultKinds returns discovery.kinds' default: every kind of resource.
func DefaultKinds() []string {
	var out []string
	for _, k := range model.ResourceKinds() {
		out = append(out, string(k))
	}
	return out
}

// Default returns the config used without a file: discovery on in the SDK's
// default region, the default metrics, every default below.
func Default() *Config {
	return &Config{
		Discovery: Discovery{Enabled: true, Interval: DefaultDiscoveryInterval, Kinds: DefaultKinds()},
		Metrics:   Metrics{Defaults: true, Statistics: catalog.DefaultStatistics()},
		Poll:      Poll{Interval: DefaultPollInterval, Period: DefaultPollPeriod, Delay: DefaultPollDelay},
		RateLimit: RateLimit{RequestsPerSecond: DefaultRequestsPerSecond, Burst: DefaultBurst, MaxAttempts: DefaultMaxAttempts},

		EnhancedMonitoring:  defaultEnhancedMonitoring(),
		PerformanceInsights: defaultPerformanceInsights(),
	}
}

// Load reads and parses the config file at path; path "" means no file and
// returns Default().
func Load(path string) (*Config, error) {
	if path == "" {
		return Default(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	return Parse(data, path)
}

// Parse parses a config file strictly, applies defaults and validates the
// result. filename is used in error messages only. The error lists the
// problems in file order, each an *Error, joined with errors.Join: the YAML
// and type problems when there are any, else every invalid value.
func Parse(data []byte, filename string) (*Config, error) {
	c := Default()
	p := &problems{file: filename, lines: map[string]int{}}
	decode(data, c, p)
	if len(p.errs) > 0 {
		return nil, p.err()
	}
	c.applyDefaults()
	c.validate(p)
	if len(p.errs) > 0 {
		return nil, p.err()
	}
	return c, nil
}

// applyDefaults fills the defaults of list entries, which depend on other
// settings. The defaults of single settings come from Default(), which the
// file is decoded over.
func (c *Config) applyDefaults() {
	if len(c.Metrics.Statistics) == 0 {
		c.Metrics.Statistics = catalog.DefaultStatistics()
	}
	if len(c.Discovery.Kinds) == 0 {
		c.Discovery.Kinds = DefaultKinds()
	}
	for i := range c.Accounts {
		a := &c.Accounts[i]
		if a.SessionName == "" {
			a.SessionName = DefaultSessionName
		}
		if len(a.Regions) == 0 {
			a.Regions = slices.Clone(c.Regions)
		}
	}
	for i := range c.Static {
		s := &c.Static[i]
		if s.Provider == "" {
			s.Provider = model.ProviderAWS
		}
		if s.Region == "" && len(c.Regions) > 0 {
			s.Region = c.Regions[0]
		}
	}
}
