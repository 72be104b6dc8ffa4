package main

import (
	"io"
	"log/slog"

	"github.com/prometheus/common/promslog"
)

func newLogger(cli *CLI, w io.Writer) (*slog.Logger, error) {
	level := promslog.NewLevel()
	if err := level.Set(cli.LogLevel); err != nil {
		return nil, err
	}
	format := promslog.NewFormat()
	if err := format.Set(cli.LogFormat); err != nil {
		return nil, err
	}
	return promslog.New(&promslog.Config{Level: level, Format: format, Writer: w}), nil
}
