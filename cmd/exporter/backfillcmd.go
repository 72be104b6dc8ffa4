package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/exporter"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// BackfillCmd runs one backfill sweep without a server.
type BackfillCmd struct {
	Instances  []string      `name:"instance" help:"DB instance identifier to backfill (repeatable)."`
	All        bool          `name:"all" help:"Backfill every AWS instance the exporter knows (discovered or static)."`
	Days       int           `name:"days" default:"${default_days}" help:"Days of history to backfill, capped at --backfill.max-days."`
	ConfigFile string        `name:"config.file" default:"" help:"Path to the YAML config file (regions, accounts, discovery, metrics)."`
	AWS        awsFlags      `embed:""`
	Backfill   backfillFlags `embed:""`
}

// Validate checks that exactly one of --instance and --all is given.
func (c *BackfillCmd) Validate() error {
	switch {
	case c.All == (len(c.Instances) > 0):
		return errors.New("name instances with --instance ID (repeatable) or use --all, not both")
	case backfill.CheckDays(c.Days) != nil:
		return fmt.Errorf("--days=%d: %w", c.Days, backfill.CheckDays(c.Days))
	}
	return nil
}

// Run sweeps, shows progress and prints a summary line.
func (c *BackfillCmd) Run(ctx context.Context, g *globals) error {
	opts := exporter.Options{Backfill: c.Backfill.options()}
	opts.Backfill.Disabled = false
	sess, err := openSession(ctx, g, c.ConfigFile, c.AWS, opts)
	if err != nil {
		return err
	}
	defer sess.close()
	if err := sess.exp.BackfillErr(); err != nil {
		return err
	}
	if err := sess.exp.Refresh(ctx); err != nil {
		sess.logger.Warn("instance discovery failed in some accounts or regions", "err", err)
	}
	instances, err := c.selectInstances(sess.exp.Instances())
	if err != nil {
		return err
	}
	bar := newProgressBar(g.stdout)
	res, err := sess.exp.Backfiller().Backfill(ctx, backfill.Request{Instances: instances, Days: c.Days, Progress: bar.update})
	bar.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "backfilled %d hours of %d instances (%d days%s) into %s: %d samples in %d blocks; %d hours already covered, %d without data; %d GetMetricData calls, %d metrics requested, %.1fs\n",
		res.HoursBackfilled, len(instances), res.Days, capped(res), c.Backfill.OutputDir, res.Samples, res.Blocks,
		res.HoursSkipped, res.HoursEmpty+res.HoursKnownEmpty, res.Requests, res.MetricsRequested, res.DurationSeconds)
	return nil
}

func capped(res backfill.Result) string {
	if res.Capped {
		return fmt.Sprintf(", capped from %d by --backfill.max-days", res.DaysRequested)
	}
	return ""
}

// selectInstances returns the instances named, or every AWS instance with --all.
func (c *BackfillCmd) selectInstances(all []model.Instance) ([]model.Instance, error) {
	if c.All {
		out := model.CloudWatchInstances(all)
		if len(out) == 0 {
			return nil, errors.New("no AWS instances found: check regions, credentials and discovery filters")
		}
		return out, nil
	}
	var out []model.Instance
	for _, id := range c.Instances {
		i, ok := model.Find(all, id, "", "")
		if !ok {
			return nil, fmt.Errorf("unknown DB instance %q: not discovered and not in the config's static list", id)
		}
		out = append(out, i)
	}
	return out, nil
}

// progressBar draws a bar when w is a terminal, and nothing otherwise (the
// logs say how far the sweep is).
type progressBar struct {
	bar *progressbar.ProgressBar
	w   io.Writer
}

func newProgressBar(w io.Writer) *progressBar {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return &progressBar{}
	}
	return &progressBar{w: f, bar: progressbar.NewOptions(-1,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(backfill.PhaseFetching),
		progressbar.OptionSetItsString("instance-hours"),
		progressbar.OptionShowIts(),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
	)}
}

func (p *progressBar) update(pr backfill.Progress) {
	if p.bar == nil {
		return
	}
	if p.bar.GetMax() != pr.HoursTotal {
		p.bar.ChangeMax(pr.HoursTotal)
	}
	p.bar.Describe(pr.Phase)
	_ = p.bar.Set(pr.HoursDone)
}

func (p *progressBar) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		fmt.Fprintln(p.w)
	}
}
