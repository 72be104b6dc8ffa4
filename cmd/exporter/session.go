package main

import (
	"context"
	"log/slog"

	"github.com/prometheus/common/version"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/config"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/exporter"
)

// session is what serve and backfill share: the logger, the config, and
// the exporter built from them.
type session struct {
	logger  *slog.Logger
	cfg     *config.Config
	exp     *exporter.Exporter
	release func()
}

// openSession reads the config and builds the exporter (starting the
// simulator first with --aws.simulate). The caller must close it.
func openSession(ctx context.Context, g *globals, configFile string, aws awsFlags, opts exporter.Options) (*session, error) {
	logger, err := newLogger(g.cli, g.stderr)
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(configFile)
	if err != nil {
		return nil, err
	}
	load, release, err := aws.loadOptions(cfg, logger)
	if err != nil {
		return nil, err
	}
	opts.Parallel, opts.Version, opts.LabelsSnakeCase = aws.Parallel, version.Version, g.cli.LabelsSnakeCase
	exp, err := exporter.New(ctx, cfg, opts, exporter.Env{Logger: logger, AWSLoadOptions: load})
	if err != nil {
		release()
		return nil, err
	}
	return &session{logger: logger, cfg: cfg, exp: exp, release: release}, nil
}

func (s *session) close() {
	if err := s.exp.Close(); err != nil {
		s.logger.Error("close the backfill output folder", "err", err)
	}
	s.release()
}
