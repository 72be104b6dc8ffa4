package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// Limits of the settings.
const (
	// MinDiscoveryInterval is the shortest discovery.interval.
	MinDiscoveryInterval = time.Minute
	// MinPeriod is CloudWatch's period of RDS metrics (basic monitoring);
	// poll.period is a multiple of it.
	MinPeriod = time.Minute
	// MaxRequestsPerSecond is the default GetMetricData quota per account
	// and region.
	MaxRequestsPerSecond = 50
	// MaxBurst keeps a burst within one second of the quota.
	MaxBurst = 50
)

// validate records every problem of c (after defaults) in p.
func (c *Config) validate(p *problems) {
	validateRegions(p, "regions", c.Regions)
	c.validateAccounts(p)
	c.validateDiscovery(p)
	c.validateExportedTags(p)
	c.validateStatic(p)
	c.validateMetrics(p)
	c.validatePoll(p)
	c.validateRateLimit(p)
	c.validateBackfill(p)
	c.validateSources(p)
}

// validateRegions checks a list of region names.
func validateRegions(p *problems, field string, regions []string) {
	for i, r := range regions {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case !regionPattern().MatchString(r):
			p.errorf(f, "%q is not an AWS region name (e.g. us-east-1)", r)
		case slices.Index(regions, r) < i:
			p.errorf(f, "duplicate region %q", r)
		}
	}
}

// validateAccounts checks the roles, their STS parameters and regions.
func (c *Config) validateAccounts(p *problems) {
	for i, a := range c.Accounts {
		f := fmt.Sprintf("accounts[%d]", i)
		switch first := slices.IndexFunc(c.Accounts, func(b Account) bool { return b.RoleARN == a.RoleARN }); {
		case a.RoleARN == "":
			p.errorf(f+".role_arn", "missing: the IAM role to assume is required")
		case !roleARNPattern().MatchString(a.RoleARN):
			p.errorf(f+".role_arn", "%q is not an IAM role ARN (e.g. arn:aws:iam::123456789012:role/rds-exporter)", a.RoleARN)
		case first < i:
			p.errorf(f+".role_arn", "duplicate role %q (also accounts[%d])", a.RoleARN, first)
		}
		if a.ExternalID != "" && !validExternalID(a.ExternalID) {
			p.errorf(f+".external_id", "%q is not an STS external ID (2 to 1224 letters, digits and +=,.@:/-)", a.ExternalID)
		}
		if !regexp.MustCompile(`^[\w+=,.@-]{2,64}$`).MatchString(a.SessionName) {
			p.errorf(f+".session_name", "%q is not an STS role session name (2 to 64 letters, digits and +=,.@-)", a.SessionName)
		}
		validateRegions(p, f+".regions", a.Regions)
	}
}

// validateDiscovery checks the discovery settings, and that something is
// exported at all.
func (c *Config) validateDiscovery(p *problems) {
	d := c.Discovery
	if d.Interval < MinDiscoveryInterval {
		p.errorf("discovery.interval", "%s is shorter than the minimum, %s", formatDuration(d.Interval), formatDuration(MinDiscoveryInterval))
	}
	for i, e := range d.Engines {
		f := fmt.Sprintf("discovery.engines[%d]", i)
		switch {
		case !slices.Contains(rdsEngines(), e):
			p.errorf(f, "unknown RDS engine %q%s", e, didYouMean(e, rdsEngines()))
		case slices.Index(d.Engines, e) < i:
			p.errorf(f, "duplicate engine %q", e)
		}
	}
	validateKinds(p, "discovery.kinds", d.Kinds, model.ResourceKinds())
	validateKinds(p, "discovery.aggregates", d.Aggregates, model.AggregateKinds())
	if !d.Enabled && len(c.Static) == 0 {
		p.errorf("discovery.enabled", "discovery is off and there are no static instances: nothing to export")
	}
}

// validateKinds checks a list of kinds against the allowed ones.
func validateKinds(p *problems, field string, kinds []string, allowed []model.Kind) {
	names := make([]string, len(allowed))
	for i, k := range allowed {
		names[i] = string(k)
	}
	for i, k := range kinds {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case !slices.Contains(names, k):
			p.errorf(f, "unknown kind %q%s (one of %s)", k, didYouMean(k, names), strings.Join(names, ", "))
		case slices.Index(kinds, k) < i:
			p.errorf(f, "duplicate kind %q", k)
		}
	}
}

// validateStatic checks the static instances; two are the same instance
// when their ID, region and account are.
func (c *Config) validateStatic(p *problems) {
	for i, s := range c.Static {
		f := fmt.Sprintf("static[%d]", i)
		first := slices.IndexFunc(c.Static, func(o StaticInstance) bool {
			return o.ID == s.ID && o.Region == s.Region && o.AccountID == s.AccountID
		})
		switch {
		case s.ID == "":
			p.errorf(f+".id", "missing: the DB instance identifier is required")
		case s.ID != strings.ToLower(s.ID) && validInstanceID(strings.ToLower(s.ID)):
			p.errorf(f+".id", "%q is not in lower case, as RDS stores identifiers and CloudWatch matches them (did you mean %q?)", s.ID, strings.ToLower(s.ID))
		case !validInstanceID(s.ID):
			p.errorf(f+".id", "%q is not a DB instance identifier (1 to 63 lower-case letters, digits and hyphens; a letter first; no hyphen last or twice in a row)", s.ID)
		case first < i:
			p.errorf(f+".id", "duplicate instance %q (also static[%d])", s.ID, first)
		}
		if s.Region != "" && !regionPattern().MatchString(s.Region) {
			p.errorf(f+".region", "%q is not an AWS region name (e.g. us-east-1)", s.Region)
		}
		if s.AccountID != "" && !regexp.MustCompile(`^\d{12}$`).MatchString(s.AccountID) {
			p.errorf(f+".account_id", "%q is not an AWS account ID (12 digits)", s.AccountID)
		}
		if !regexp.MustCompile(`^[a-z][a-z0-9_-]*$`).MatchString(s.Provider) {
			p.errorf(f+".provider", "%q is not a provider name (lower-case letters, digits, _ and -, e.g. aws or onprem)", s.Provider)
		}
	}
}

// validateMetrics checks metric names and statistics, that every removed
// metric is a default one, and that something is selected.
func (c *Config) validateMetrics(p *problems) {
	m := c.Metrics
	validateStatistics(p, "metrics.statistics", m.Statistics)
	for i, a := range m.Add {
		f := fmt.Sprintf("metrics.add[%d]", i)
		first := slices.IndexFunc(m.Add, func(b MetricSpec) bool { return b.Name == a.Name })
		switch {
		case a.Name == "":
			p.errorf(f+".name", "missing: the CloudWatch metric name is required")
		case first < i:
			p.errorf(f+".name", "duplicate metric %q (also metrics.add[%d])", a.Name, first)
		default:
			checkMetricName(p, f+".name", a.Name)
		}
		validateStatistics(p, f+".statistics", a.Statistics)
	}
	for i, name := range m.Remove {
		f := fmt.Sprintf("metrics.remove[%d]", i)
		added := slices.IndexFunc(m.Add, func(b MetricSpec) bool { return b.Name == name })
		switch {
		case !knownMetric(name):
			unknownMetric(p, f, name)
		case slices.Index(m.Remove, name) < i:
			p.errorf(f, "duplicate metric %q", name)
		case added >= 0:
			p.errorf(f, "%q is also in metrics.add[%d]", name, added)
		case !m.Defaults:
			p.errorf(f, "%q is not selected: metrics.defaults is false and it is not in metrics.add", name)
		case !isDefault(name):
			p.errorf(f, "%q is not selected: it is not a default metric and not in metrics.add", name)
		}
	}
	if !m.Defaults && len(m.Add) == 0 {
		p.errorf("metrics", "no metric selected")
	}
}

// checkMetricName checks a metric name of metrics.add: any name CloudWatch
// takes whose series get a valid Prometheus name, but not a known one in
// the wrong letter case (CloudWatch's names are case-sensitive).
func checkMetricName(p *problems, field, name string) {
	if err := catalog.CheckMetricName(name); err != nil {
		p.errorf(field, "%v", err)
		return
	}
	if knownMetric(name) {
		return
	}
	for _, m := range catalog.Metrics() {
		if strings.EqualFold(m.Name, name) {
			p.errorf(field, "unknown CloudWatch metric %q of %s: metric names are case-sensitive (did you mean %q?)", name, catalog.Namespace, m.Name)
			return
		}
	}
}

// knownMetric reports whether name is a metric of the catalog.
func knownMetric(name string) bool {
	_, ok := catalog.Lookup(name)
	return ok
}

// isDefault reports whether name is a default metric of some kind.
func isDefault(name string) bool {
	m, ok := catalog.Lookup(name)
	return ok && m.Default != nil
}

// unknownMetric records that name is not a metric of the catalog, with the
// closest one as a hint.
func unknownMetric(p *problems, field, name string) {
	var names []string
	for _, m := range catalog.Metrics() {
		names = append(names, m.Name)
	}
	p.errorf(field, "unknown CloudWatch metric %q of %s%s", name, catalog.Namespace, didYouMean(name, names))
}

// validateStatistics checks a list of CloudWatch statistics, standard or
// extended.
func validateStatistics(p *problems, field string, stats []string) {
	for i, s := range stats {
		f := fmt.Sprintf("%s[%d]", field, i)
		switch err := catalog.CheckStatistic(s); {
		case err != nil:
			p.errorf(f, "%v", err)
		case slices.Index(stats, s) < i:
			p.errorf(f, "duplicate statistic %q", s)
		}
	}
}

// validatePoll checks the collector's schedule against CloudWatch's periods.
func (c *Config) validatePoll(p *problems) {
	q := c.Poll
	minPeriod := fmt.Sprintf("%gs", MinPeriod.Seconds())
	switch {
	case q.Period < MinPeriod:
		p.errorf("poll.period", "%s is shorter than %s, CloudWatch's period of RDS metrics", formatDuration(q.Period), minPeriod)
	case q.Period%MinPeriod != 0:
		p.errorf("poll.period", "%s is not a multiple of %s", formatDuration(q.Period), minPeriod)
	case q.Interval < q.Period:
		p.errorf("poll.interval", "%s%s is shorter than poll.period (%s)", p.defaultWord("poll.interval"), formatDuration(q.Interval), formatDuration(q.Period))
	}
	if q.Delay < 0 {
		p.errorf("poll.delay", "must not be negative, got %s", formatDuration(q.Delay))
	}
}

// validateRateLimit checks the limiter against the GetMetricData quota.
func (c *Config) validateRateLimit(p *problems) {
	r := c.RateLimit
	if !(r.RequestsPerSecond > 0 && r.RequestsPerSecond <= MaxRequestsPerSecond) {
		p.errorf("rate_limit.requests_per_second", "must be more than 0 and at most %d (the default GetMetricData quota per account and region), got %g", MaxRequestsPerSecond, r.RequestsPerSecond)
	}
	if r.Burst < 1 || r.Burst > MaxBurst {
		p.errorf("rate_limit.burst", "must be between 1 and %d, got %d", MaxBurst, r.Burst)
	}
	if r.MaxAttempts < 1 {
		p.errorf("rate_limit.max_attempts", "must be at least 1 (the first attempt counts), got %d", r.MaxAttempts)
	}
}

// regionPattern matches AWS region names of every partition: us-east-1,
// us-gov-west-1, cn-north-1, us-isob-east-1, eusc-de-east-1.
func regionPattern() *regexp.Regexp {
	return regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)?-[a-z]+-\d{1,2}$`)
}

// roleARNPattern matches IAM role ARNs of every partition, with an optional
// path; the group is the account ID.
func roleARNPattern() *regexp.Regexp {
	return regexp.MustCompile(`^arn:aws(?:-[a-z]+)*:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$`)
}

// validInstanceID reports whether id follows RDS's rules for DB instance
// identifiers, in the lower case that RDS stores and CloudWatch matches.
func validInstanceID(id string) bool {
	return len(id) <= 63 && regexp.MustCompile(`^[a-z](?:-?[a-z0-9])*$`).MatchString(id)
}

// rdsEngines returns the engine names DescribeDBInstances reports, which
// are the values its "engine" filter accepts.
func rdsEngines() []string {
	return []string{
		"aurora-mysql", "aurora-postgresql", "mariadb", "mysql", "postgres",
		"oracle-ee", "oracle-ee-cdb", "oracle-se2", "oracle-se2-cdb",
		"custom-oracle-ee", "custom-oracle-ee-cdb", "custom-oracle-se2", "custom-oracle-se2-cdb",
		"sqlserver-ee", "sqlserver-se", "sqlserver-ex", "sqlserver-web", "sqlserver-dev-ee",
		"custom-sqlserver-ee", "custom-sqlserver-se", "custom-sqlserver-web", "custom-sqlserver-dev",
		"db2-ae", "db2-ce", "db2-se", "docdb", "neptune",
	}
}

// formatDuration writes d in its largest whole unit: 90s, 2m, 1h, 90m.
func formatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}

// validExternalID reports whether id is an STS external ID: 2 to 1224
// letters, digits and +=,.@:/-.
func validExternalID(id string) bool {
	return len(id) >= 2 && len(id) <= 1224 && regexp.MustCompile(`^[\w+=,.@:/-]+$`).MatchString(id)
}
