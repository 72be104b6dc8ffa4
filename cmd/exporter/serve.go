package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/common/version"
	"github.com/prometheus/exporter-toolkit/web"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/exporter"
)

// ServeCmd runs the exporter.
type ServeCmd struct {
	ListenAddresses []string      `name:"web.listen-address" default:":19106" help:"Addresses on which to expose metrics and the API (repeatable)."`
	WebConfigFile   string        `name:"web.config.file" default:"" help:"Path to a web configuration file for TLS and basic authentication (exporter-toolkit format)."`
	SystemdSocket   bool          `name:"web.systemd-socket" help:"Listen on the sockets systemd passes (socket activation) instead of --web.listen-address."`
	TelemetryPath   string        `name:"web.telemetry-path" default:"${default_telemetry_path}" help:"Path under which to expose metrics."`
	ConfigFile      string        `name:"config.file" default:"" help:"Path to the YAML config file; none: discovery in the default region with the default metrics."`
	AWS             awsFlags      `embed:""`
	Backfill        backfillFlags `embed:""`
}

// Run serves until ctx ends (SIGINT or SIGTERM), then shuts down gracefully.
func (s *ServeCmd) Run(ctx context.Context, g *globals) error {
	sess, err := openSession(ctx, g, s.ConfigFile, s.AWS, exporter.Options{TelemetryPath: s.TelemetryPath, Backfill: s.Backfill.options()})
	if err != nil {
		return err
	}
	defer sess.close()
	if err := sess.exp.BackfillErr(); err != nil {
		sess.logger.Error("the backfill is unavailable; live metrics are served", "err", err)
	}
	sess.exp.Start(ctx)
	// The resources are discovered in the background: the inventory logs
	// how many once its list is complete.
	sess.logger.Info("starting rds-backfill-exporter", "version", version.Info(), "build_context", version.BuildContext())
	return s.listen(ctx, sess.exp.Handler(), sess.logger)
}

// HTTP server timeouts: a slow client cannot hold a connection open
// without sending its headers, and idle keep-alive connections are closed.
const (
	readHeaderTimeout = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	shutdownTimeout   = 10 * time.Second
)

func newServer(h http.Handler) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: readHeaderTimeout, IdleTimeout: idleTimeout}
}

func (s *ServeCmd) listen(ctx context.Context, h http.Handler, logger *slog.Logger) error {
	srv := newServer(h)
	flags := &web.FlagConfig{WebListenAddresses: &s.ListenAddresses, WebSystemdSocket: &s.SystemdSocket, WebConfigFile: &s.WebConfigFile}
	errc := make(chan error, 1)
	go func() { errc <- web.ListenAndServe(srv, flags, logger) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve HTTP: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down HTTP server: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve HTTP: %w", err)
	}
	return nil
}
