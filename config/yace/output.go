package yace

import (
	"bytes"
	"fmt"
	"time"

	"go.yaml.in/yaml/v3"
)

// out is this exporter's config file as the conversion writes it: the
// keys of package config, only those the conversion sets.
type out struct {
	Regions   []string     `yaml:"regions,omitempty,flow"`
	Accounts  []outAccount `yaml:"accounts,omitempty"`
	Discovery outDiscovery `yaml:"discovery"`
	Static    []outStatic  `yaml:"static,omitempty"`
	Metrics   outMetrics   `yaml:"metrics"`
	Poll      outPoll      `yaml:"poll,omitempty"`
}

type outAccount struct {
	RoleARN    string   `yaml:"role_arn"`
	ExternalID string   `yaml:"external_id,omitempty"`
	Regions    []string `yaml:"regions,omitempty,flow"`
}

type outDiscovery struct {
	Enabled      bool              `yaml:"enabled"`
	Tags         map[string]string `yaml:"tags,omitempty"`
	Kinds        []string          `yaml:"kinds,omitempty,flow"`
	Aggregates   []string          `yaml:"aggregates,omitempty,flow"`
	ExportedTags []string          `yaml:"exported_tags_on_metrics,omitempty,flow"`
}

type outStatic struct {
	ID        string `yaml:"id"`
	Region    string `yaml:"region,omitempty"`
	AccountID string `yaml:"account_id,omitempty"`
}

type outMetrics struct {
	Defaults  bool        `yaml:"defaults"`
	NilToZero bool        `yaml:"nil_to_zero,omitempty"`
	Add       []outMetric `yaml:"add"`
}

type outMetric struct {
	Name       string   `yaml:"name"`
	Statistics []string `yaml:"statistics,flow"`
	NilToZero  *bool    `yaml:"nil_to_zero,omitempty"`
}

type outPoll struct {
	Interval string `yaml:"interval,omitempty"`
	Period   string `yaml:"period,omitempty"`
	Delay    string `yaml:"delay,omitempty"`
}

// seconds writes a number of seconds as a duration of the config: 300 ->
// "5m", 90 -> "90s".
func seconds(n int64) string {
	d := time.Duration(n) * time.Second
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", n/3600)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", n/60)
	}
	return fmt.Sprintf("%ds", n)
}

// render writes the config with a header naming the source.
func (o *out) render(source string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# rds-backfill-exporter config converted from the YACE config %s by\n", source)
	b.WriteString("# `rds-backfill-exporter convert-config`; what it could not carry over is on its\n")
	b.WriteString("# standard error. Every key: examples/config.yml.\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(o); err != nil {
		return nil, fmt.Errorf("render config: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("render config: %w", err)
	}
	return b.Bytes(), nil
}
