package main

import (
	"fmt"
	"strings"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/config"
)

// CheckConfigCmd validates config files.
type CheckConfigCmd struct {
	Files []string `arg:"" name:"file" type:"path" help:"Config files to check."`
}

// Run loads every file and reports each one's verdict.
func (c CheckConfigCmd) Run(g *globals) error {
	failed := 0
	for _, f := range c.Files {
		cfg, err := config.Load(f)
		if err != nil {
			fmt.Fprintln(g.stderr, err)
			failed++
			continue
		}
		fmt.Fprintf(g.stdout, "%s: OK: %s; %d static instances, discovery %s\n",
			f, describeMetrics(cfg), len(cfg.Static), onOff(cfg.Discovery.Enabled))
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d config files are invalid", failed, len(c.Files))
	}
	return nil
}

// describeMetrics says what a config fetches: the defaults or not, what it
// adds (naming the metrics the catalog does not know) and removes.
func describeMetrics(cfg *config.Config) string {
	m := cfg.Metrics
	var parts []string
	if m.Defaults {
		parts = append(parts, "the default metrics of each resource's kind, engine and role")
	}
	var unknown []string
	for _, a := range m.Add {
		if _, ok := catalog.Lookup(a.Name); !ok {
			unknown = append(unknown, a.Name)
		}
	}
	if len(m.Add) > 0 {
		add := fmt.Sprintf("%d added", len(m.Add))
		if len(unknown) > 0 {
			add += fmt.Sprintf(" (not in the catalog, generic HELP: %s)", strings.Join(unknown, ", "))
		}
		parts = append(parts, add)
	}
	if len(m.Remove) > 0 {
		parts = append(parts, fmt.Sprintf("%d removed", len(m.Remove)))
	}
	return "metrics: " + strings.Join(parts, ", ") + "; statistics " + strings.Join(m.Statistics, ", ")
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
