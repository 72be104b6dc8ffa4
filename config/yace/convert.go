package yace

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/config"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// YACE's defaults of a metric's period and length, in seconds
// (pkg/model DefaultPeriodSeconds, DefaultLengthSeconds).
const (
	defaultPeriod = 300
	minPeriod     = 60
)

// Result is a converted config.
type Result struct {
	// Config is this exporter's config file; config.Parse accepts it.
	Config []byte
	// Notes say, one line each ("file:line: key: ..."), what could not be
	// carried over or works differently here.
	Notes []string
}

// Convert turns the AWS/RDS jobs of a YACE config into this exporter's
// config: discovery jobs of type AWS/RDS (or its alias rds) and static
// jobs of namespace AWS/RDS. It fails when the file has none.
func Convert(p *Parsed) (Result, error) {
	c := &converter{p: p, metrics: map[string]*metricAcc{}, accounts: map[string]*outAccount{}}
	c.convert()
	notes := c.sortedNotes()
	if c.jobs == 0 {
		return Result{Notes: notes}, fmt.Errorf("%s: no AWS/RDS job (a discovery job of type AWS/RDS or a static job of namespace AWS/RDS): nothing to convert", p.Name)
	}
	if len(c.o.Metrics.Add) == 0 {
		return Result{Notes: notes}, fmt.Errorf("%s: no metric of the AWS/RDS jobs could be converted", p.Name)
	}
	b, err := c.o.render(p.Name)
	if err != nil {
		return Result{}, err
	}
	if _, err := config.Parse(b, "converted"); err != nil {
		return Result{}, fmt.Errorf("the converted config is not valid (a bug of convert-config): %w\n%s", err, b)
	}
	return Result{Config: b, Notes: notes}, nil
}

// converter accumulates the conversion of one file.
type converter struct {
	p     *Parsed
	o     out
	notes []note
	jobs  int // AWS/RDS jobs converted

	metrics     map[string]*metricAcc
	metricOrder []string
	periods     []int64
	periodPaths []string // the metric of each period
	delay       int64

	accounts     map[string]*outAccount // by role ARN
	accountOrder []string
	defaultCreds bool // a job uses the default credentials
	roleJobs     bool // a job assumes roles

	tagsFrom string // path of the job whose search tags were carried
	kinds    map[string]bool
	aggs     map[string]bool
	allDims  bool // a discovery job asks for every dimension set
}

// note is one line of Result.Notes and the line of the file it is about.
type note struct {
	line int
	text string
}

// sortedNotes returns the notes in the order of their lines.
func (c *converter) sortedNotes() []string {
	slices.SortStableFunc(c.notes, func(a, b note) int { return a.line - b.line })
	out := make([]string, len(c.notes))
	for i, n := range c.notes {
		out[i] = n.text
	}
	return out
}

// metricAcc is one metric of the output, from every job that asks for it.
type metricAcc struct {
	stats     []string
	nilToZero bool
}

func (c *converter) note(path, format string, args ...any) {
	c.notes = append(c.notes, note{c.p.Line(path), c.p.At(path, format, args...)})
}

func (c *converter) convert() {
	c.kinds, c.aggs = map[string]bool{}, map[string]bool{}
	if c.p.StsRegion != "" {
		c.note("sts-region", "not carried: STS requests use the SDK's usual configuration (AWS_REGION, AWS_STS_REGIONAL_ENDPOINTS)")
	}
	for i, j := range c.p.CustomNamespace {
		c.note(fmt.Sprintf("customNamespace[%d]", i), "not carried: this exporter serves the AWS/RDS namespace only (job %q, namespace %s)", j.Name, j.Namespace)
	}
	discovered := 0
	for i, j := range c.p.Discovery.Jobs {
		path := fmt.Sprintf("discovery.jobs[%d]", i)
		if j.Type != catalog.Namespace && j.Type != "rds" {
			c.note(path+".type", "not carried: this exporter serves AWS/RDS only, not %s", j.Type)
			continue
		}
		if c.discoveryJob(path, j) {
			discovered++
		}
	}
	for i, s := range c.p.Static {
		c.staticJob(fmt.Sprintf("static[%d]", i), s)
	}
	c.exportedTags()
	c.finish(discovered > 0)
}

// discoveryJob converts one discovery job; false when it has no region.
func (c *converter) discoveryJob(path string, j Job) bool {
	if len(j.Regions) == 0 {
		c.note(path+".regions", "not carried: the job has no region (YACE refuses it too)")
		return false
	}
	c.jobs++
	c.addRegions(j.Regions)
	c.roles(path, j.Roles, j.Regions)
	c.searchTags(path, j.SearchTags)
	c.dimensionRequirements(path, j.DimensionNameRequirements)
	if len(j.CustomTags) > 0 {
		c.note(path+".customTags", "not carried: no custom_tag_* labels here")
	}
	if j.RoundingPeriod != nil {
		c.note(path+".roundingPeriod", "not carried: polls end at a multiple of poll.period")
	}
	if j.RecentlyActiveOnly {
		c.note(path+".recentlyActiveOnly", "not carried: ListMetrics lists the series of the last two weeks")
	}
	for k, e := range j.EnhancedMetrics {
		c.note(fmt.Sprintf("%s.enhancedMetrics[%d]", path, k), "not carried: %s is not served as a metric", e.Name)
	}
	if j.Delay > 0 {
		c.delay = max(c.delay, j.Delay)
	}
	for k, m := range j.Metrics {
		c.metric(fmt.Sprintf("%s.metrics[%d]", path, k), m, &j.JobMetricFields)
	}
	return true
}

// staticJob converts a static job of AWS/RDS whose dimension is a DB
// instance.
func (c *converter) staticJob(path string, s Static) {
	switch {
	case s.Namespace != catalog.Namespace:
		c.note(path+".namespace", "not carried: this exporter serves AWS/RDS only, not %s (job %q)", s.Namespace, s.Name)
		return
	case len(s.Dimensions) != 1 || s.Dimensions[0].Name != model.DimInstance:
		c.note(path+".dimensions", "not carried: static resources here are DB instances, one DBInstanceIdentifier dimension (job %q)", s.Name)
		return
	case len(s.Regions) == 0:
		c.note(path+".regions", "not carried: the job has no region (YACE refuses it too)")
		return
	}
	c.jobs++
	c.addRegions(s.Regions)
	c.roles(path, s.Roles, s.Regions)
	accounts := []string{""}
	if ids := roleAccounts(s.Roles); len(ids) > 0 {
		accounts = ids
	}
	for _, region := range s.Regions {
		for _, account := range accounts {
			c.o.Static = append(c.o.Static, outStatic{ID: s.Dimensions[0].Value, Region: region, AccountID: account})
		}
	}
	c.note(path+".name", "differs: the series' name label is the instance's ARN, not the job's name %q", s.Name)
	if len(s.CustomTags) > 0 {
		c.note(path+".customTags", "not carried: no custom_tag_* labels here")
	}
	for k, m := range s.Metrics {
		c.metric(fmt.Sprintf("%s.metrics[%d]", path, k), m, nil)
	}
	if len(s.Metrics) > 0 {
		c.note(path+".metrics", "differs: metrics here are chosen for every resource, not per job: those of job %q are asked of every resource that has them", s.Name)
	}
}

// addRegions adds regions to the top-level list, in order.
func (c *converter) addRegions(regions []string) {
	for _, r := range regions {
		if !slices.Contains(c.o.Regions, r) {
			c.o.Regions = append(c.o.Regions, r)
		}
	}
}

// roles records the roles of a job as accounts, with the job's regions.
func (c *converter) roles(path string, roles []Role, regions []string) {
	if len(roles) == 0 {
		c.defaultCreds = true
	}
	for k, r := range roles {
		if r.RoleArn == "" {
			c.defaultCreds = true
			continue
		}
		c.roleJobs = true
		a, ok := c.accounts[r.RoleArn]
		if !ok {
			a = &outAccount{RoleARN: r.RoleArn, ExternalID: r.ExternalID}
			c.accounts[r.RoleArn] = a
			c.accountOrder = append(c.accountOrder, r.RoleArn)
		} else if a.ExternalID != r.ExternalID {
			c.note(fmt.Sprintf("%s.roles[%d].externalId", path, k), "not carried: role %s has another external ID in an earlier job; the first one is kept", r.RoleArn)
		}
		for _, region := range regions {
			if !slices.Contains(a.Regions, region) {
				a.Regions = append(a.Regions, region)
			}
		}
	}
}

// roleAccounts returns the account IDs of the roles that name one.
func roleAccounts(roles []Role) []string {
	var out []string
	for _, r := range roles {
		if id := roleAccountID(r.RoleArn); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// roleAccountID returns the account of arn:<partition>:iam::<account>:role/...
func roleAccountID(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}

// literalRE matches a search-tag regular expression that is a plain value,
// maybe anchored.
var literalRE = regexp.MustCompile(`^\^?([^\\.+*?()|\[\]{}^$]*)\$?$`)

// searchTags carries a job's search tags as discovery.tags when their
// values are plain strings; discovery.tags is one for all jobs, so only
// the first job with search tags is carried.
func (c *converter) searchTags(path string, tags []Tag) {
	if len(tags) == 0 {
		return
	}
	if c.tagsFrom != "" {
		c.note(path+".searchTags", "not carried: discovery.tags applies to every resource; those of %s are kept", c.tagsFrom)
		return
	}
	c.tagsFrom = path
	for k, t := range tags {
		tpath := fmt.Sprintf("%s.searchTags[%d]", path, k)
		m := literalRE.FindStringSubmatch(t.Value)
		if m == nil || t.Value == "" {
			c.note(tpath, "not carried: %s=~%q is a regular expression; discovery.tags matches exact values, so resources without this tag value are discovered too", t.Key, t.Value)
			continue
		}
		if c.o.Discovery.Tags == nil {
			c.o.Discovery.Tags = map[string]string{}
		}
		c.o.Discovery.Tags[t.Key] = m[1]
		if t.Value != "^"+m[1]+"$" {
			c.note(tpath, "differs: YACE matches the regular expression %q anywhere in the tag's value; here %s must be exactly %q", t.Value, t.Key, m[1])
		}
	}
}

// dimensionSets maps YACE's dimensionNameRequirements of AWS/RDS to the
// kinds and aggregates served here.
func dimensionSets() map[string]string {
	return map[string]string{
		model.DimInstance: string(model.KindDBInstance), model.DimCluster: string(model.KindCluster),
		model.DimProxy: string(model.KindProxy), model.DimCluster + "," + model.DimRole: string(model.KindClusterRole),
		model.DimClass: string(model.KindDatabaseClass), model.DimEngine: string(model.KindEngineName),
	}
}

// dimensionRequirements turns a job's dimension set into a kind or an
// aggregate; without one, YACE asks for every dimension set, so every
// kind and aggregate is served.
func (c *converter) dimensionRequirements(path string, dims []string) {
	if len(dims) == 0 {
		c.allDims = true
		return
	}
	sorted := slices.Sorted(slices.Values(dims))
	kind, ok := dimensionSets()[strings.Join(sorted, ",")]
	if !ok {
		c.note(path+".dimensionNameRequirements", "not carried: no resource here has the dimensions %s; the job's metrics are asked of every kind of resource", strings.Join(dims, ", "))
		c.allDims = true
		return
	}
	if model.Kind(kind).Aggregate() {
		c.aggs[kind] = true
	} else {
		c.kinds[kind] = true
	}
}

// metric adds one metric, with the settings it inherits from its job
// (nil for a static job).
func (c *converter) metric(path string, m Metric, job *JobMetricFields) {
	if job == nil {
		job = &JobMetricFields{}
	}
	if err := catalog.CheckMetricName(m.Name); err != nil {
		c.note(path+".name", "not carried: %v", err)
		return
	}
	stats := m.Statistics
	if len(stats) == 0 {
		stats = job.Statistics
	}
	var valid []string
	for k, s := range stats {
		if err := catalog.CheckStatistic(s); err != nil {
			c.note(fmt.Sprintf("%s.statistics[%d]", path, k), "not carried: %v", err)
			continue
		}
		valid = append(valid, s)
	}
	if len(valid) == 0 {
		c.note(path, "not carried: metric %s has no statistic", m.Name)
		return
	}
	nilToZero := pick(m.NilToZero, job.NilToZero)
	acc, ok := c.metrics[m.Name]
	switch {
	case !ok:
		acc = &metricAcc{nilToZero: nilToZero}
		c.metrics[m.Name] = acc
		c.metricOrder = append(c.metricOrder, m.Name)
	case acc.nilToZero != nilToZero:
		c.note(path, "differs: %s is asked for again with nilToZero %t; here one setting applies: true", m.Name, nilToZero)
		acc.nilToZero = true
	}
	for _, s := range valid {
		if !slices.Contains(acc.stats, s) {
			acc.stats = append(acc.stats, s)
		}
	}
	c.periods = append(c.periods, firstNonZero(m.Period, job.Period, defaultPeriod))
	c.periodPaths = append(c.periodPaths, path)
	if m.Delay != 0 {
		c.note(path+".delay", "not carried: YACE ignores a metric's delay too; the job's is poll.delay")
	}
	if pick(m.AddCloudwatchTimestamp, job.AddCloudwatchTimestamp) {
		c.note(path, "not carried: addCloudwatchTimestamp: live samples carry no timestamp; the backfill writes CloudWatch's history with its timestamps")
	}
	if pick(m.ExportAllDataPoints, job.ExportAllDataPoints) {
		c.note(path, "not carried: exportAllDataPoints: live polls serve the newest datapoint; the backfill writes every datapoint")
	}
}

// pick returns a metric's setting, else its job's, else false.
func pick(metric, job *bool) bool {
	switch {
	case metric != nil:
		return *metric
	case job != nil:
		return *job
	}
	return false
}

func firstNonZero(vs ...int64) int64 {
	for _, v := range vs {
		if v != 0 {
			return v
		}
	}
	return 0
}

// exportedTags carries exportedTagsOnMetrics of AWS/RDS.
func (c *converter) exportedTags() {
	for _, ns := range slices.Sorted(maps.Keys(c.p.Discovery.ExportedTagsOnMetrics)) {
		path := "discovery.exportedTagsOnMetrics." + ns
		if ns != catalog.Namespace && ns != "rds" {
			c.note(path, "not carried: this exporter serves AWS/RDS only")
			continue
		}
		for _, key := range c.p.Discovery.ExportedTagsOnMetrics[ns] {
			_, ok := (catalog.Labeling{}).TagLabel(key)
			switch {
			case !ok:
				c.note(path, "not carried: tag %q gives no valid label name (YACE drops it too)", key)
			case !slices.Contains(c.o.Discovery.ExportedTags, key):
				c.o.Discovery.ExportedTags = append(c.o.Discovery.ExportedTags, key)
			}
		}
	}
}

// finish fills what depends on every job: accounts, kinds, metrics and
// the poll.
func (c *converter) finish(discovery bool) {
	c.o.Discovery.Enabled = discovery
	if discovery {
		c.note("discovery", "differs: YACE discovers only tagged resources (Resource Groups Tagging API); here every DB instance, Aurora cluster and RDS Proxy that DescribeDB* lists and discovery.tags selects")
		c.kindsAndAggregates()
	}
	for _, arn := range c.accountOrder {
		c.o.Accounts = append(c.o.Accounts, *c.accounts[arn])
	}
	if c.defaultCreds && c.roleJobs {
		c.note("discovery", "not carried: some jobs use the default credentials and others roles; here accounts are either the default credentials or roles, so only the roles are kept")
	}
	c.finishMetrics()
	c.finishPoll()
}

// kindsAndAggregates sets discovery.kinds and aggregates.
func (c *converter) kindsAndAggregates() {
	if c.allDims {
		c.note("discovery", "differs: YACE asks for every dimension set ListMetrics lists; the series by DbClusterIdentifier and EngineName, by ProxyName with EndpointName or with TargetGroup and TargetRole, and those without dimensions are not served here")
		for _, k := range model.Kinds() {
			if k.Aggregate() {
				c.aggs[string(k)] = true
			} else {
				c.kinds[string(k)] = true
			}
		}
	}
	if len(c.kinds) == 0 {
		c.note("discovery", "differs: the jobs ask for aggregates only; DB instances, clusters and proxies are discovered (and served) too")
	}
	for _, k := range model.Kinds() {
		switch {
		case c.kinds[string(k)]:
			c.o.Discovery.Kinds = append(c.o.Discovery.Kinds, string(k))
		case c.aggs[string(k)]:
			c.o.Discovery.Aggregates = append(c.o.Discovery.Aggregates, string(k))
		}
	}
	if len(c.o.Discovery.Kinds) == len(model.ResourceKinds()) {
		c.o.Discovery.Kinds = nil // the default
	}
}

// finishMetrics writes metrics: exactly the jobs' metrics.
func (c *converter) finishMetrics() {
	all := len(c.metricOrder) > 0
	for _, name := range c.metricOrder {
		all = all && c.metrics[name].nilToZero
	}
	c.o.Metrics.NilToZero = all
	for _, name := range c.metricOrder {
		acc := c.metrics[name]
		m := outMetric{Name: name, Statistics: acc.stats}
		if acc.nilToZero && !all {
			m.NilToZero = &acc.nilToZero
		}
		c.o.Metrics.Add = append(c.o.Metrics.Add, m)
	}
}

// finishPoll sets poll.period from the metrics' periods (one for all
// here) and poll.delay from the jobs' delay.
func (c *converter) finishPoll() {
	if len(c.periods) == 0 {
		return
	}
	period := slices.Min(c.periods)
	at := c.periodPaths[slices.Index(c.periods, period)]
	if longest := slices.Max(c.periods); longest != period {
		c.note(c.periodPaths[slices.Index(c.periods, longest)], "not carried: metrics have periods from %ds to %ds; here one poll.period applies to all: %ds", period, longest, period)
	}
	if period%minPeriod != 0 || period < minPeriod {
		rounded := max(minPeriod, (period+minPeriod-1)/minPeriod*minPeriod)
		c.note(at, "differs: a period of %ds is not a multiple of 60s, CloudWatch's period of RDS metrics: poll.period is %ds", period, rounded)
		period = rounded
	}
	if period != int64(config.DefaultPollPeriod.Seconds()) {
		c.o.Poll.Period = seconds(period)
	}
	if c.delay > 0 {
		c.o.Poll.Delay = seconds(c.delay)
	}
	if period > int64(config.DefaultPollInterval.Seconds()) {
		c.o.Poll.Interval = seconds(period)
		c.note(at, "differs: polls run every poll.period, %s (YACE's -scraping-interval is a flag; the default here is 5m, at least poll.period)", seconds(period))
	}
}
