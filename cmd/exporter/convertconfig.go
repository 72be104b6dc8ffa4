package main

import (
	"fmt"
	"os"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/config/yace"
)

// ConvertConfigCmd converts a YACE config file.
type ConvertConfigCmd struct {
	File string `arg:"" name:"file" type:"path" help:"YACE config file (its AWS/RDS discovery and static jobs are converted)."`
}

// Run prints the converted config on stdout and, on stderr, one line per
// setting it could not carry over or that works differently.
func (c ConvertConfigCmd) Run(g *globals) error {
	data, err := os.ReadFile(c.File)
	if err != nil {
		return fmt.Errorf("convert config: %w", err)
	}
	p, err := yace.Parse(data, c.File)
	if err != nil {
		return err
	}
	res, err := yace.Convert(p)
	for _, n := range res.Notes {
		fmt.Fprintln(g.stderr, n)
	}
	if err != nil {
		return err
	}
	_, err = g.stdout.Write(res.Config)
	return err
}
