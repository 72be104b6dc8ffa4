// Command rds-backfill-exporter serves live CloudWatch metrics of AWS RDS
// instances to Prometheus and backfills their history as TSDB blocks.
// This package only wires the others together.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"

	"github.com/alecthomas/kong"
	"github.com/prometheus/common/version"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/api"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
)

func main() {
	if version.Version == "" {
		// Release builds set it with -ldflags (see the Dockerfile).
		version.Version = buildVersion()
	}
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// buildVersion returns the main module's version from the build info
// (set when built with go install module@version), or "dev". The
// revision is read from the build info by prometheus/common/version.
func buildVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// envPrefix prefixes the environment variable of every flag.
const envPrefix = "RDS_BACKFILL_EXPORTER_"

// CLI is the command line. Every flag also reads RDS_BACKFILL_EXPORTER_<FLAG>
// (dots and dashes as underscores, upper case).
type CLI struct {
	LogLevel  string `name:"log.level" default:"info" enum:"debug,info,warn,error" help:"Only log messages with the given severity or above: ${enum}."`
	LogFormat string `name:"log.format" default:"logfmt" enum:"logfmt,json" help:"Output format of log messages: ${enum}."`
	// LabelsSnakeCase is YACE's -labels-snake-case, under both names.
	LabelsSnakeCase bool             `name:"labels.snake-case" aliases:"labels-snake-case" help:"Name dimension and tag labels in snake case (dimension_dbinstance_identifier), as YACE's -labels-snake-case does, live and backfilled."`
	Version         kong.VersionFlag `name:"version" help:"Print version information and exit (as the version command)."`

	Serve       ServeCmd         `cmd:"" default:"withargs" help:"Serve live CloudWatch metrics of RDS instances on /metrics (the default command)."`
	Backfill    BackfillCmd      `cmd:"" help:"Backfill CloudWatch history of instances as TSDB blocks, once, without a server."`
	CheckConfig CheckConfigCmd   `cmd:"" name:"check-config" help:"Validate a config file and exit 0 if it is valid, 1 if not."`
	Convert     ConvertConfigCmd `cmd:"" name:"convert-config" help:"Convert the AWS/RDS jobs of a YACE config file: this exporter's config on stdout, what could not be carried over on stderr."`
	Simulate    SimulateCmd      `cmd:"" help:"Run the simulated AWS (CloudWatch, RDS, STS) alone, for trying the exporter or other tools offline."`
	VersionCmd  VersionCmd       `cmd:"" name:"version" help:"Print version information."`
}

// globals are handed to every command's Run.
type globals struct {
	stdout, stderr io.Writer
	cli            *CLI
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var cli CLI
	exit := -1
	parser, err := kong.New(&cli,
		kong.Name("rds-backfill-exporter"),
		kong.Description("Prometheus exporter for AWS RDS CloudWatch metrics, with backfill of history into Prometheus TSDB blocks."),
		kong.DefaultEnvars(envPrefix[:len(envPrefix)-1]),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exit = code }),
		kong.UsageOnError(),
		kong.Vars{"version": version.Print("rds-backfill-exporter")},
		backfillVars(),
		kong.Vars{
			"default_parallel":       strconv.Itoa(cloudwatch.DefaultParallel),
			"default_sim_instances":  strconv.Itoa(defaultSimInstances),
			"default_telemetry_path": api.DefaultTelemetryPath,
		},
	)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 2
	}
	kctx, err := parser.Parse(args)
	if exit >= 0 {
		return exit
	}
	if err != nil {
		fmt.Fprintf(stderr, "rds-backfill-exporter: error: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	kctx.BindTo(ctx, (*context.Context)(nil))
	if err := kctx.Run(&globals{stdout: stdout, stderr: stderr, cli: &cli}); err != nil {
		fmt.Fprintf(stderr, "rds-backfill-exporter: error: %v\n", err)
		return 1
	}
	return 0
}

// VersionCmd prints the version.
type VersionCmd struct{}

// Run prints the version.
func (VersionCmd) Run(g *globals) error {
	_, err := fmt.Fprintln(g.stdout, version.Print("rds-backfill-exporter"))
	return err
}
