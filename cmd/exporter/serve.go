package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/api"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/collector"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/config"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/telemetry"
)

// ServeCmd runs the exporter.
type ServeCmd struct {
	ListenAddresses []string      `name:"web.listen-address" default:":19106" help:"Addresses on which to expose metrics and the API (repeatable)."`
	WebConfigFile   string        `name:"web.config.file" default:"" help:"Path to a web configuration file for TLS and basic authentication (exporter-toolkit format)."`
	TelemetryPath   string        `name:"web.telemetry-path" default:"/metrics" help:"Path under which to expose metrics."`
	ConfigFile      string        `name:"config.file" default:"" help:"Path to the YAML config file; none: discovery in the default region with the default metrics."`
	AWS             awsFlags      `embed:""`
	Backfill        backfillFlags `embed:""`
}

// Run serves until ctx ends (SIGINT or SIGTERM), then shuts down gracefully.
func (s *ServeCmd) Run(ctx context.Context, g *globals) error {
	logger, err := newLogger(g.cli, g.stderr)
	if err != nil {
		return err
	}
	cfg, err := config.Load(s.ConfigFile)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ex, err := start(ctx, startOptions{cfg: cfg, aws: s.AWS, backfill: s.Backfill, logger: logger})
	if err != nil {
		return err
	}
	defer func() {
		cancel() // stop the loops and background backfills first
		ex.close()
	}()
	logger.Info("starting rds-backfill-exporter", "version", version.Info(), "build_context", version.BuildContext(),
		"instances", len(ex.inventory.All()), "metric_queries_per_instance", cfg.QueriesPerInstance())
	return s.listen(ctx, ex, logger)
}

func (s *ServeCmd) listen(ctx context.Context, ex *exporter, logger *slog.Logger) error {
	srv := &http.Server{Handler: ex.handler(s.TelemetryPath), ReadHeaderTimeout: 10 * time.Second}
	systemd := false
	flags := &web.FlagConfig{WebListenAddresses: &s.ListenAddresses, WebSystemdSocket: &systemd, WebConfigFile: &s.WebConfigFile}
	errc := make(chan error, 1)
	go func() { errc <- web.ListenAndServe(srv, flags, logger) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve HTTP: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down HTTP server: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve HTTP: %w", err)
	}
	return nil
}

// exporter is the running process: registry, inventory, collector.
type exporter struct {
	registry   *prometheus.Registry
	telemetry  *telemetry.Metrics
	inventory  api.Instances
	collector  *collector.Collector
	backfiller *backfill.Backfiller
	jobs       *backfill.Jobs
	logger     *slog.Logger
	closers    []func()
}

func (ex *exporter) handler(telemetryPath string) http.Handler {
	opts := api.Options{
		TelemetryPath: telemetryPath,
		Gatherer:      ex.registry,
		Instances:     ex.inventory,
		Ready:         ex.collector.Ready(),
		Version:       version.Version,
		Logger:        ex.logger,
	}
	if ex.jobs != nil {
		opts.Backfill, opts.History = ex.jobs, ex.backfiller
	}
	return api.New(opts).Handler()
}

func (ex *exporter) close() {
	for i := len(ex.closers) - 1; i >= 0; i-- {
		ex.closers[i]()
	}
}

func newRegistry(tm *telemetry.Metrics) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	if err := tm.Register(reg); err != nil {
		return nil, err
	}
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return reg, nil
}
