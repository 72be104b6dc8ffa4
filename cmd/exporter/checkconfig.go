package main

import (
	"fmt"

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
		fmt.Fprintf(g.stdout, "%s: OK: %d metric queries per instance, %d static instances, discovery %s\n",
			f, cfg.QueriesPerInstance(), len(cfg.Static), onOff(cfg.Discovery.Enabled))
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d config files are invalid", failed, len(c.Files))
	}
	return nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
