package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/bucket"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/promcoverage"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/remotewrite"
)

func TestInvalidConfigs(t *testing.T) {
	for _, tc := range []struct{ file, want string }{
		// YAML and document shape.
		{"invalid-yaml-syntax.yml", `3: invalid YAML: mapping values are not allowed in this context`},
		{"invalid-two-documents.yml", `2: a second YAML document: the config is one document`},
		{"invalid-top-level-list.yml", `1: expected a mapping, got a list`},
		{"invalid-unknown-field.yml", `2: unknown field "regoins" (did you mean "regions"?)`},
		{"invalid-unknown-nested-field.yml", `3: discovery: unknown field "intervall" (did you mean "interval"?)`},
		{"invalid-unknown-field-in-list.yml", `3: static[0]: unknown field "regoin" (did you mean "region"?)`},
		{"invalid-duplicate-key.yml", `4: duplicate field "regions" (first at line 1)`},
		{"invalid-merge-key.yml", `4: static[1]: merge keys (<<) are not supported`},
		{"invalid-tag-empty-key.yml", `3: discovery.tags: empty key`},
		// Types.
		{"invalid-wrong-kind.yml", `1: regions: expected a list, got "us-east-1"`},
		{"invalid-duration.yml", `2: poll.interval: cannot parse "fast" as a duration (e.g. 90s, 5m, 1h)`},
		{"invalid-duration-no-unit.yml", `2: poll.delay: cannot parse "120" as a duration: it has no unit (e.g. 120s)`},
		{"invalid-duration-negative.yml", `2: poll.delay: must not be negative, got -2m`},
		{"invalid-bool.yml", `2: discovery.enabled: cannot parse "yes" as a boolean (true or false)`},
		{"invalid-int.yml", `2: rate_limit.burst: cannot parse "5" as an integer`},
		// Regions and accounts.
		{"invalid-region.yml", `3: regions[1]: "us-east" is not an AWS region name (e.g. us-east-1)`},
		{"invalid-region-duplicate.yml", `1: regions[2]: duplicate region "us-east-1"`},
		{"invalid-account-region.yml", `3: accounts[0].regions[0]: "US-EAST-1" is not an AWS region name (e.g. us-east-1)`},
		{"invalid-role-arn.yml", `4: accounts[1].role_arn: "foo" is not an IAM role ARN (e.g. arn:aws:iam::123456789012:role/rds-exporter)`},
		{"invalid-role-arn-user.yml", `2: accounts[0].role_arn: "arn:aws:iam::123456789012:user/alice" is not an IAM role ARN (e.g. arn:aws:iam::123456789012:role/rds-exporter)`},
		{"invalid-role-arn-missing.yml", `2: accounts[0].role_arn: missing: the IAM role to assume is required`},
		{"invalid-role-arn-duplicate.yml", `3: accounts[1].role_arn: duplicate role "arn:aws:iam::123456789012:role/rds-exporter" (also accounts[0])`},
		{"invalid-external-id.yml", `3: accounts[0].external_id: "has spaces" is not an STS external ID (2 to 1224 letters, digits and +=,.@:/-)`},
		{"invalid-session-name.yml", `3: accounts[0].session_name: "x" is not an STS role session name (2 to 64 letters, digits and +=,.@-)`},
		// Discovery and static instances.
		{"invalid-discovery-interval.yml", `2: discovery.interval: 30s is shorter than the minimum, 1m`},
		{"invalid-engine.yml", `2: discovery.engines[0]: unknown RDS engine "postgresql" (did you mean "postgres"?)`},
		{"invalid-kind.yml", `2: discovery.kinds[1]: unknown kind "clusters" (did you mean "cluster"?) (one of db, cluster, db-proxy)`},
		{"invalid-aggregate.yml", `2: discovery.aggregates[1]: unknown kind "db" (one of cluster-role, database-class, engine-name)` + "\n" +
			`testdata/invalid-aggregate.yml:2: discovery.aggregates[2]: duplicate kind "database-class"`},
		{"invalid-nothing-to-export.yml", `2: discovery.enabled: discovery is off and there are no static instances: nothing to export`},
		{"invalid-static-id.yml", `2: static[0].id: "Legacy_DB" is not a DB instance identifier (1 to 63 lower-case letters, digits and hyphens; a letter first; no hyphen last or twice in a row)`},
		{"invalid-static-id-case.yml", `2: static[0].id: "Legacy-DB" is not in lower case, as RDS stores identifiers and CloudWatch matches them (did you mean "legacy-db"?)`},
		{"invalid-static-id-missing.yml", `2: static[0].id: missing: the DB instance identifier is required`},
		{"invalid-static-duplicate.yml", `6: static[2].id: duplicate instance "x" (also static[0])`},
		{"invalid-exported-tags.yml", `2: discovery.exported_tags_on_metrics[1]: tag key "été" gives the label name "tag_été", which is not valid (letters, digits and _ only)` + "\n" +
			`testdata/invalid-exported-tags.yml:2: discovery.exported_tags_on_metrics[2]: tag key "Team" gives the label "tag_team", as discovery.exported_tags_on_metrics[0] does` + "\n" +
			`testdata/invalid-exported-tags.yml:2: discovery.exported_tags_on_metrics[3]: empty tag key`},
		{"invalid-static-account-id.yml", `3: static[0].account_id: "1234" is not an AWS account ID (12 digits)`},
		{"invalid-static-provider.yml", `3: static[0].provider: "On Prem" is not a provider name (lower-case letters, digits, _ and -, e.g. aws or onprem)`},
		// Metrics.
		{"invalid-metric-name.yml", `3: metrics.add[0].name: unknown CloudWatch metric "cpuutilization" of AWS/RDS: metric names are case-sensitive (did you mean "CPUUtilization"?)`},
		{"invalid-metric-prom-name.yml", `3: metrics.add[0].name: metric name "Bad#Name" gives the Prometheus name "aws_rds_bad#name_average", which is not valid (letters, digits, _ and : only)`},
		{"invalid-metric-name-missing.yml", `3: metrics.add[0].name: missing: the CloudWatch metric name is required`},
		{"invalid-metric-duplicate.yml", `5: metrics.add[2].name: duplicate metric "BinLogDiskUsage" (also metrics.add[0])`},
		{"invalid-statistic.yml", `2: metrics.statistics[1]: statistic "p101": percentage 101 is above 100`},
		{"invalid-statistic-range.yml", `4: metrics.add[0].statistics[1]: statistic "TM(90%:10%)": TM(90%:10%): the lower bound is not below the upper`},
		{"invalid-statistic-case.yml", `4: metrics.add[0].statistics[0]: unknown statistic "maximum" (did you mean "Maximum"? statistics are case-sensitive)`},
		{"invalid-statistic-duplicate.yml", `2: metrics.statistics[2]: duplicate statistic "Average"`},
		{"invalid-remove-unknown.yml", `2: metrics.remove[0]: unknown CloudWatch metric "SwapUsge" of AWS/RDS (did you mean "SwapUsage"?)`},
		{"invalid-remove-not-selected.yml", `2: metrics.remove[0]: "ConnectionAttempts" is not selected: it is not a default metric and not in metrics.add`},
		{"invalid-remove-defaults-off.yml", `5: metrics.remove[0]: "SwapUsage" is not selected: metrics.defaults is false and it is not in metrics.add`},
		{"invalid-remove-also-added.yml", `5: metrics.remove[0]: "ReplicaLag" is also in metrics.add[0]`},
		{"invalid-no-metrics.yml", `1: metrics: no metric selected`},
		// Poll.
		{"invalid-period-multiple.yml", `3: poll.period: 90s is not a multiple of 60s`},
		{"invalid-period-short.yml", `2: poll.period: 30s is shorter than 60s, CloudWatch's period of RDS metrics`},
		{"invalid-interval-shorter-than-period.yml", `2: poll.interval: the default 5m is shorter than poll.period (10m)`},
		// Rate limit.
		{"invalid-rps.yml", `2: rate_limit.requests_per_second: must be more than 0 and at most 50 (the default GetMetricData quota per account and region), got 100`},
		{"invalid-rps-zero.yml", `2: rate_limit.requests_per_second: must be more than 0 and at most 50 (the default GetMetricData quota per account and region), got 0`},
		{"invalid-burst.yml", `2: rate_limit.burst: must be between 1 and 50, got 0`},
		{"invalid-max-attempts.yml", `2: rate_limit.max_attempts: must be at least 1 (the first attempt counts), got 0`},
		// Backfill stores: strict keys, inlined ones too, and each store's
		// own checks at the line of the key they name.
		{"invalid-backfill-unknown-field.yml", `4: backfill.remote_write: unknown field "batchsize" (did you mean "batch_size"?)`},
		{"invalid-backfill-unknown-inline-field.yml", `5: backfill.coverage_query.basic_auth: unknown field "usernme" (did you mean "username"?)`},
		{"invalid-backfill-not-a-mapping.yml", `2: backfill.remote_write: expected a mapping, got "http://prometheus:9090/api/v1/write"`},
		{"invalid-backfill-url.yml", `3: backfill.remote_write.url: "prometheus:9090/api/v1/write" is not an absolute http or https URL`},
		{"invalid-backfill-protocol.yml", `4: backfill.remote_write: protocol_version "3.0": want "auto", "1.0" or "2.0"`},
		{"invalid-backfill-auth.yml", `3: backfill.remote_write: basic_auth and bearer_token are exclusive`},
		{"invalid-backfill-timeout.yml", `3: backfill.remote_write.timeout: cannot parse "30" as a duration: it has no unit (e.g. 30s)`},
		{"invalid-backfill-external-label.yml", `4: backfill.objstore: external_labels: "__replica__" is not a valid label name`},
		{"invalid-backfill-tenant.yml", `3: backfill.objstore: tenant "team/a": want a name without /`},
		{"invalid-backfill-coverage-hours.yml", `3: backfill.coverage_query: max_hours_per_query 20000: want 1 to 11000`},
		{"invalid-backfill-exclusive.yml", `5: backfill.objstore.config_file: backfill.remote_write.url (--backfill.remote-write.url) and backfill.objstore.config_file (--backfill.objstore.config-file) are exclusive: the backfill writes to one store`},
		// Every problem, in file order.
		{"invalid-many.yml", `2: regions[0]: "us-east" is not an AWS region name (e.g. us-east-1)` + "\n" +
			`testdata/invalid-many.yml:4: poll.period: 90s is not a multiple of 60s` + "\n" +
			`testdata/invalid-many.yml:6: rate_limit.requests_per_second: must be more than 0 and at most 50 (the default GetMetricData quota per account and region), got 51` + "\n" +
			`testdata/invalid-many.yml:8: metrics.statistics[0]: unknown statistic "Median" (Average, Maximum, Minimum, Sum, SampleCount, or an extended statistic such as p99, p99.9, tm99, wm90, tc90, ts90, TM(10%:90%), WM(:95%), PR(:300) or IQM)`},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := filepath.Join("testdata", tc.file)
			c, err := Load(path)
			if err == nil {
				t.Fatalf("Load(%s) = %+v, want error", path, c)
			}
			if want := path + ":" + tc.want; err.Error() != want {
				t.Errorf("Load(%s) error:\n got: %s\nwant: %s", path, err, want)
			}
		})
	}
}

// TestInvalidConfigsAllListed makes sure every testdata/invalid-*.yml has an
// expected message in TestInvalidConfigs.
func TestInvalidConfigsAllListed(t *testing.T) {
	src, err := os.ReadFile("config_test.go")
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("testdata/invalid-*.yml")
	if err != nil || len(files) < 15 {
		t.Fatalf("want at least 15 invalid configs, got %d (%v)", len(files), err)
	}
	for _, f := range files {
		if !strings.Contains(string(src), `{"`+filepath.Base(f)+`", `) {
			t.Errorf("%s has no case in TestInvalidConfigs", f)
		}
	}
}

func TestValidConfigs(t *testing.T) {
	full := &Config{
		Regions: []string{"us-east-1", "eu-west-1"},
		Accounts: []Account{
			{RoleARN: "arn:aws:iam::123456789012:role/rds-exporter", ExternalID: "4711", SessionName: "rds-backfill-exporter", Regions: []string{"us-east-1", "eu-west-1"}},
			{RoleARN: "arn:aws:iam::210987654321:role/monitoring/rds-exporter", SessionName: "prod-exporter", Regions: []string{"eu-central-1"}},
		},
		Discovery: Discovery{
			Enabled:    true,
			Interval:   15 * time.Minute,
			Engines:    []string{"postgres", "aurora-postgresql"},
			Tags:       map[string]string{"env": "prod", "team": "data"},
			Kinds:      []string{"db", "cluster"},
			Aggregates: []string{"cluster-role"},
		},
		Static: []StaticInstance{
			{ID: "legacy-db", Region: "us-east-1", Provider: "aws"},
			{ID: "reporting-2", Region: "eu-west-1", AccountID: "012345678901", Provider: "aws", Engine: "mysql"},
			{ID: "billing", Region: "us-east-1", Provider: "onprem", Engine: "postgres"},
		},
		Metrics: Metrics{
			Defaults:   true,
			Statistics: []string{"Average"},
			Add: []MetricSpec{
				{Name: "ReplicaLag", Statistics: []string{"Maximum", "Average"}},
				{Name: "OldestReplicationSlotLag"},
				{Name: "AuroraReplicaLag", Statistics: []string{"p99", "p99.9", "TM(10%:90%)", "IQM"}},
				{Name: "SomeFutureMetric"},
			},
			Remove: []string{"SwapUsage", "BurstBalance"},
		},
		Poll:      Poll{Interval: 90 * time.Minute, Period: 5 * time.Minute, Delay: 0},
		RateLimit: RateLimit{RequestsPerSecond: 2.5, Burst: 1, MaxAttempts: 3},

		EnhancedMonitoring: defaultEnhancedMonitoring(), PerformanceInsights: defaultPerformanceInsights(),
	}
	staticOnly := Default()
	staticOnly.Discovery.Enabled = false
	staticOnly.Static = []StaticInstance{{ID: "db-1", Provider: "aws"}}
	staticOnly.Metrics.Defaults = false
	staticOnly.Metrics.Add = []MetricSpec{{Name: "FreeStorageSpace", Statistics: []string{"Minimum"}}}
	regions := []string{"us-gov-west-1", "cn-north-1", "us-isob-east-1", "eusc-de-east-1"}
	anchors := Default()
	anchors.Regions = regions
	anchors.Accounts = []Account{{RoleARN: "arn:aws-us-gov:iam::123456789012:role/rds-exporter", SessionName: DefaultSessionName, Regions: regions}}

	remoteWrite := Default()
	remoteWrite.Backfill = Backfill{
		RemoteWrite: &remotewrite.Config{
			URL:             "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write",
			ProtocolVersion: "1.0", BatchSize: 500, Shards: 2, MinBackoff: 100 * time.Millisecond, MaxBackoff: 5 * time.Second, MaxRetries: 3,
			HTTPConfig: sink.HTTPConfig{
				Timeout: 10 * time.Second, Headers: map[string]string{"X-Scope-OrgID": "team-a"},
				SigV4: sink.SigV4Config{Region: "eu-west-1", RoleARN: "arn:aws:iam::123456789012:role/amp-writer"},
			},
		},
		CoverageQuery: &promcoverage.Config{
			URL: "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1", MaxHoursPerQuery: 168,
			HTTPConfig: sink.HTTPConfig{SigV4: sink.SigV4Config{Region: "eu-west-1"}, TLS: sink.TLSConfig{CAFile: "/etc/ssl/ca.pem"}},
		},
	}
	objstore := Default()
	objstore.Backfill = Backfill{
		Objstore: &Objstore{ConfigFile: "objstore.yml", Config: bucket.Config{
			ExternalLabels: map[string]string{"cluster": "eu-1", "replica": "backfill"}, Tenant: "team-a", MaxAttempts: 3,
		}},
		RemoteWrite: &remotewrite.Config{HTTPConfig: sink.HTTPConfig{BasicAuth: sink.BasicAuth{Username: "rds", PasswordFile: "/run/secrets/pw"}}},
	}

	for _, tc := range []struct {
		file string
		want *Config
	}{
		{"valid-empty.yml", Default()},
		{"valid-backfill-remote-write.yml", remoteWrite},
		{"valid-backfill-objstore.yml", objstore},
		{"valid-comments-only.yml", Default()},
		{"valid-nulls.yml", Default()},
		{"valid-full.yml", full},
		{"valid-static-only.yml", staticOnly},
		{"valid-anchors.yml", anchors},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got, err := Load(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestValidConfigsAllListed(t *testing.T) {
	src, err := os.ReadFile("config_test.go")
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("testdata/valid-*.yml")
	for _, f := range files {
		if !strings.Contains(string(src), `{"`+filepath.Base(f)+`", `) {
			t.Errorf("%s has no case in TestValidConfigs", f)
		}
	}
}

func TestExampleConfig(t *testing.T) {
	const path = "../examples/config.yml"
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Discovery.Enabled || len(c.Regions) > 1 {
		t.Errorf("the example should keep discovery on and name at most one region: %+v", c)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, key := range yamlKeys(reflect.TypeFor[Config]()) {
		if !strings.Contains(text, key+":") {
			t.Errorf("%s lacks the key %q", path, key)
		}
	}
	for _, m := range catalog.Metrics() {
		if !strings.Contains(text, " "+m.Name+"\n") && !strings.Contains(text, " "+m.Name+" ") {
			t.Errorf("%s does not list the metric %s", path, m.Name)
		}
	}
}

// yamlKeys returns every yaml key of a struct type, nested and inlined
// ones included.
func yamlKeys(t reflect.Type) []string {
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		if key := f.Tag.Get("yaml"); key != ",inline" {
			keys = append(keys, key)
		}
		ft := f.Type
		if ft.Kind() == reflect.Slice || ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Duration]() {
			keys = append(keys, yamlKeys(ft)...)
		}
	}
	return keys
}

func TestDefault(t *testing.T) {
	loaded, err := Load("")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(loaded, Default()) {
		t.Errorf("Load(\"\") = %+v, want Default() %+v", loaded, Default())
	}
	parsed, err := Parse(nil, "empty.yml")
	if err != nil {
		t.Fatalf("Default() does not pass validation: %v", err)
	}
	if !reflect.DeepEqual(parsed, Default()) {
		t.Errorf("Parse(empty) = %+v, want Default() %+v", parsed, Default())
	}
	d := Default()
	if r := d.MetricRules(); !d.Discovery.Enabled || len(d.Regions) != 0 || !r.Defaults || !slices.Equal(r.Statistics, []string{"Average", "Maximum"}) ||
		!slices.Equal(d.Discovery.Kinds, []string{"db", "cluster", "db-proxy"}) || len(d.Discovery.Aggregates) != 0 {
		t.Errorf("Default() = %+v: want discovery of every kind in the SDK's region, the default metrics x 2 statistics", d)
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load("testdata/no-such-file.yml")
	if want := "load config: open testdata/no-such-file.yml: no such file or directory"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v does not wrap fs.ErrNotExist", err)
	}
}

func TestErrorDetails(t *testing.T) {
	_, err := Parse([]byte("poll:\n  period: 90s\n"), "")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is not an *Error", err)
	}
	want := Error{Line: 2, Field: "poll.period", Msg: "90s is not a multiple of 60s"}
	if *e != want {
		t.Errorf("got %+v, want %+v", *e, want)
	}
	if got := err.Error(); got != "line 2: poll.period: 90s is not a multiple of 60s" {
		t.Errorf("without a file name, got %q", got)
	}
}

func TestDurations(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		want time.Duration
	}{
		{"0", 0},
		{"0s", 0},
		{"90s", 90 * time.Second},
		{"1h30m", 90 * time.Minute},
		{`"2m"`, 2 * time.Minute},
	} {
		c, err := Parse([]byte("poll:\n  delay: "+tc.yaml+"\n"), "config.yml")
		if err != nil {
			t.Errorf("delay %s: %v", tc.yaml, err)
			continue
		}
		if c.Poll.Delay != tc.want {
			t.Errorf("delay %s = %s, want %s", tc.yaml, c.Poll.Delay, tc.want)
		}
	}
}

// MetricRules resolves the metrics section: the defaults, the common
// statistics, the added metrics with theirs, the removed ones; the result
// does not share memory with the config.
func TestMetricRules(t *testing.T) {
	c, err := Parse([]byte("metrics:\n  statistics: [Sum]\n  add:\n    - {name: ReplicaLag, statistics: [p99.9, IQM]}\n    - {name: NotInCatalog}\n  remove: [SwapUsage]\n"), "config.yml")
	if err != nil {
		t.Fatal(err)
	}
	got := c.MetricRules()
	want := catalog.Rules{Defaults: true, Statistics: []string{"Sum"}, Remove: []string{"SwapUsage"},
		Add: []model.Selection{{Metric: "ReplicaLag", Statistics: []string{"p99.9", "IQM"}}, {Metric: "NotInCatalog"}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("MetricRules() =\n %+v\nwant\n %+v", got, want)
	}
	got.Add[0].Statistics[0] = "changed"
	got.Statistics[0] = "changed"
	if c.Metrics.Add[0].Statistics[0] != "p99.9" || c.Metrics.Statistics[0] != "Sum" {
		t.Error("MetricRules shares its slices with the config")
	}
}

// Accounts without regions of their own take the top-level ones.
func TestAccountRegions(t *testing.T) {
	role := "arn:aws:iam::123456789012:role/rds-exporter"
	for _, tc := range []struct {
		name string
		yaml string
		want []Account
	}{
		{"none", "regions: [us-east-1]", nil},
		{
			"accounts", "regions: [us-east-1]\naccounts:\n  - role_arn: " + role + "\n  - {role_arn: " + role + "x, regions: [eu-west-1]}\n",
			[]Account{
				{RoleARN: role, SessionName: DefaultSessionName, Regions: []string{"us-east-1"}},
				{RoleARN: role + "x", SessionName: DefaultSessionName, Regions: []string{"eu-west-1"}},
			},
		},
		{"account in the SDK default region", "accounts: [{role_arn: " + role + "}]", []Account{{RoleARN: role, SessionName: DefaultSessionName}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.yaml), "config.yml")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.Accounts, tc.want) {
				t.Errorf("Accounts = %+v, want %+v", c.Accounts, tc.want)
			}
		})
	}
}

func TestStaticInstance(t *testing.T) {
	s := StaticInstance{ID: "db-1", Region: "us-east-1", AccountID: "123456789012", Provider: "onprem", Engine: "mysql"}
	i := s.Described()
	if i.ID != "db-1" || i.Kind != model.KindDBInstance || i.Region != "us-east-1" || i.AccountID != "123456789012" || i.Engine != "mysql" || i.ServedByCloudWatch() || !i.Static {
		t.Errorf("Described() = %+v", i)
	}
}

func TestDidYouMean(t *testing.T) {
	names := []string{"regions", "accounts", "discovery"}
	for word, want := range map[string]string{
		"regoins":   ` (did you mean "regions"?)`,
		"Accounts":  ` (did you mean "accounts"?)`,
		"discovery": "",
		"xyz":       "",
	} {
		if got := didYouMean(word, names); got != want {
			t.Errorf("didYouMean(%q) = %q, want %q", word, got, want)
		}
	}
}
