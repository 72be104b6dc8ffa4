package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// fuzzFile is the file name the fuzz target parses under.
const fuzzFile = "fuzz.yml"

// FuzzParse feeds arbitrary bytes to the config parser: it never panics,
// and it returns either a config that passes validation again or an error
// whose every problem names the file and the line or field at fault (a
// YAML syntax error without a line names the file only). The seeds are the
// test configs, the example and the inputs in testdata/fuzz/FuzzParse.
// Longer runs: go test -run '^$' -fuzz FuzzParse -fuzztime 10m ./config/
func FuzzParse(f *testing.F) {
	seeds, err := filepath.Glob("testdata/*.yml")
	if err != nil {
		f.Fatal(err)
	}
	for _, path := range append(seeds, "../examples/config.yml") {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a: &a [*a]\nregions: *a\n"))
	f.Add([]byte("poll: {interval: 9223372036854775807s, period: 1e400}\nrate_limit: {burst: 1e3}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, fuzzFile)
		if err == nil {
			requireValid(t, c)
			return
		}
		if c != nil {
			t.Fatalf("Parse returned a config and an error: %v", err)
		}
		for _, e := range problemsOf(t, err) {
			if e.File != fuzzFile {
				t.Errorf("problem %q names file %q, want %q", e, e.File, fuzzFile)
			}
			if e.Line <= 0 && e.Field == "" && !strings.HasPrefix(e.Msg, "invalid YAML") {
				t.Errorf("problem %q names neither a line nor a field", e)
			}
		}
	})
}

// requireValid checks that c passes validation again and that what the
// exporter derives from it can be derived.
func requireValid(t *testing.T, c *Config) {
	t.Helper()
	p := &problems{file: fuzzFile, lines: map[string]int{}}
	c.validate(p)
	if err := p.err(); err != nil {
		t.Fatalf("Parse accepted a config that does not validate: %v", err)
	}
	// The metrics each kind of resource gets without a listing: each with
	// a statistic, and some for one kind at least.
	rules, n := c.MetricRules(), 0
	for _, k := range model.ResourceKinds() {
		sel, _ := rules.For(model.Described{Resource: model.Resource{Kind: k}, Provider: model.ProviderAWS, Engine: "postgres"}, nil)
		for _, m := range sel {
			if len(m.Statistics) == 0 {
				t.Fatalf("Parse accepted a config that gives %s of %s no statistic: %+v", m.Metric, k, c.Metrics)
			}
		}
		n += len(sel)
	}
	if n == 0 {
		t.Fatalf("Parse accepted a config with no metric: %+v", c.Metrics)
	}
	_, _ = c.Discovery.ResourceKinds(), c.Discovery.AggregateKinds()
	for _, s := range c.Static {
		_ = s.Described()
	}
}

// problemsOf returns the *Error problems joined in err, failing the test
// for anything else.
func problemsOf(t *testing.T, err error) []*Error {
	t.Helper()
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok { //nolint:errorlint // Parse joins them at the top.
		errs = j.Unwrap()
	}
	out := make([]*Error, 0, len(errs))
	for _, e := range errs {
		var ce *Error
		if !errors.As(e, &ce) {
			t.Fatalf("problem %q (%T) is not a *config.Error", e, e)
		}
		out = append(out, ce)
	}
	return out
}
