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
	Instances  []string `name:"instance" help:"DB instance identifier to backfill (repeatable)."`
	Clusters   []string `name:"cluster" help:"Aurora cluster identifier to backfill (repeatable)."`
	Proxies    []string `name:"proxy" help:"RDS Proxy name to backfill (repeatable)."`
	All        bool     `name:"all" help:"Backfill every AWS instance, cluster and proxy the exporter knows (discovered or static)."`
	Days       int      `name:"days" default:"${default_days}" help:"Days of history to backfill, capped at --backfill.max-days."`
	Source     string   `name:"source" default:"cloudwatch" help:"What to backfill: cloudwatch (CloudWatch metrics), enhanced-monitoring (OS metrics), performance-insights (database load) or all."`
	ConfigFile string   `name:"config.file" default:"" help:"Path to the YAML config file (regions, accounts, discovery, metrics)."`
	// MemoryLimit is the command's own: serve's memory is the live
	// path's as much as the backfill's.
	MemoryLimit memoryLimit   `name:"memory-limit" default:"auto" help:"Soft limit of the Go runtime's memory during the sweep: auto (48 MiB plus 16 bytes per --backfill.batch-samples, or the memory held when the sweep starts plus 32 MiB if more; none for --source other than cloudwatch), off, or a size such as 256MiB. GOMEMLIMIT, if set, wins."`
	AWS         awsFlags      `embed:""`
	Backfill    backfillFlags `embed:""`
}

// Validate checks that resources are named or --all is given, not both.
func (c *BackfillCmd) Validate() error {
	named := len(c.Instances)+len(c.Clusters)+len(c.Proxies) > 0
	switch {
	case c.All == named:
		return errors.New("name resources with --instance ID, --cluster ID or --proxy NAME (repeatable) or use --all, not both")
	case backfill.CheckDays(c.Days) != nil:
		return fmt.Errorf("--days=%d: %w", c.Days, backfill.CheckDays(c.Days))
	}
	if _, err := model.ParseSources(c.Source); err != nil {
		return fmt.Errorf("--source: %w", err)
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
		sess.logger.Warn("discovery failed in some accounts or regions", "err", err)
	}
	resources, err := c.selectResources(sess.exp.Resources())
	if err != nil {
		return err
	}
	sources, _ := model.ParseSources(c.Source) // Validate checked it
	if err := backfill.CheckSources(resources, sources); err != nil {
		return err
	}
	restore, err := c.MemoryLimit.apply(c.Backfill.BatchSamples, sources, sess.logger)
	if err != nil {
		return err
	}
	defer restore()
	bar := newProgressBar(g.stdout)
	res, err := sess.exp.Backfiller().Backfill(ctx, backfill.Request{Resources: resources, Days: c.Days, Sources: sources, Progress: bar.update})
	bar.finish()
	if err != nil {
		return err
	}
	printSources(g.stdout, res)
	fmt.Fprintf(g.stdout, "backfilled %d hours of %d resources (%d days%s) into %s: %d samples%s; %d hours already covered, %d without data; %d GetMetricData calls, %d metrics requested, %.1fs\n",
		res.HoursBackfilled, len(resources), res.Days, capped(res), sess.exp.Backfiller().Destination(), res.Samples, inBlocks(res),
		res.HoursSkipped, res.HoursEmpty+res.HoursKnownEmpty, res.Requests, res.MetricsRequested, res.DurationSeconds)
	return nil
}

// printSources prints a line per source other than CloudWatch: what it
// swept, its requests, and the resources it had nothing of.
func printSources(w io.Writer, res backfill.Result) {
	for _, src := range model.Sources()[1:] {
		sr := res.Sources[src]
		if sr == nil {
			continue
		}
		fmt.Fprintf(w, "%s: %d hours of %d instances backfilled, %d samples; %d hours already covered, %d without data, %d beyond retention; %d requests\n",
			src, sr.HoursBackfilled, sr.Resources, sr.Samples, sr.HoursSkipped, sr.HoursEmpty+sr.HoursKnownEmpty, sr.HoursBeyondRetention, sr.Requests)
		for _, u := range sr.Unavailable {
			fmt.Fprintf(w, "%s: skipped %s: %s\n", src, u.ID, u.Reason)
		}
	}
}

// inBlocks says how many blocks held the samples, if blocks did.
func inBlocks(res backfill.Result) string {
	if res.Blocks == 0 {
		return ""
	}
	return fmt.Sprintf(" in %d blocks", res.Blocks)
}

func capped(res backfill.Result) string {
	if res.Capped {
		return fmt.Sprintf(", capped from %d by --backfill.max-days", res.DaysRequested)
	}
	return ""
}

// selectResources returns the resources named, or every AWS instance,
// cluster and proxy with --all.
func (c *BackfillCmd) selectResources(all []model.Described) ([]model.Described, error) {
	if c.All {
		out := model.Backfillable(all)
		if len(out) == 0 {
			return nil, errors.New("no AWS resources found: check regions, credentials and discovery filters")
		}
		return out, nil
	}
	var out []model.Described
	for _, named := range []struct {
		ids  []string
		kind model.Kind
		noun string
	}{{c.Instances, model.KindDBInstance, "DB instance"}, {c.Clusters, model.KindCluster, "Aurora cluster"}, {c.Proxies, model.KindProxy, "RDS Proxy"}} {
		for _, id := range named.ids {
			d, ok := model.Find(all, named.kind, id, "", "")
			if !ok {
				return nil, fmt.Errorf("unknown %s %q: not discovered and not in the config's static list", named.noun, id)
			}
			out = append(out, d)
		}
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
		progressbar.OptionSetItsString("resource-hours"),
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
