package main

import (
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"testing"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

func TestMemoryLimitParse(t *testing.T) {
	for _, tc := range []struct {
		in    string
		auto  bool
		limit int64
		bad   bool
	}{
		{in: "auto", auto: true},
		{in: "off", limit: math.MaxInt64},
		{in: "256MiB", limit: 256 << 20},
		{in: "2GiB", limit: 2 << 30},
		{in: "512KiB", limit: 512 << 10},
		{in: "1000000B", limit: 1000000},
		{in: "1000000", limit: 1000000},
		{in: "0", bad: true},
		{in: "-1MiB", bad: true},
		{in: "256MB", bad: true},
		{in: "lots", bad: true},
		{in: "9999999999GiB", bad: true},
		{in: "", bad: true},
	} {
		auto, limit, err := memoryLimit(tc.in).parse()
		if (err != nil) != tc.bad || auto != tc.auto || (!tc.bad && limit != tc.limit) {
			t.Errorf("%q: auto %v, limit %d, err %v; want auto %v, limit %d, error %v", tc.in, auto, limit, err, tc.auto, tc.limit, tc.bad)
		}
	}
}

// apply sets the limit for the sweep and restores the previous one;
// GOMEMLIMIT wins over the flag.
func TestMemoryLimitApply(t *testing.T) {
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	before := debug.SetMemoryLimit(-1)
	cw, all := []model.Source{model.SourceCloudWatch}, model.Sources()
	for _, tc := range []struct {
		flag, env string
		sources   []model.Source
		min, max  int64
	}{
		{flag: "auto", sources: cw, min: memoryPerBatch + memoryPerSample*500_000, max: 1 << 40},
		{flag: "auto", sources: all, min: before, max: before},
		{flag: "96MiB", sources: all, min: 96 << 20, max: 96 << 20},
		{flag: "off", sources: cw, min: math.MaxInt64, max: math.MaxInt64},
		{flag: "96MiB", env: "1GiB", sources: cw, min: before, max: before},
	} {
		t.Setenv("GOMEMLIMIT", tc.env)
		restore, err := memoryLimit(tc.flag).apply(500_000, tc.sources, logger)
		if err != nil {
			t.Fatal(err)
		}
		if got := debug.SetMemoryLimit(-1); got < tc.min || got > tc.max {
			t.Errorf("--memory-limit=%s, GOMEMLIMIT=%q, sources %v: limit %d, want %d to %d", tc.flag, tc.env, tc.sources, got, tc.min, tc.max)
		}
		restore()
		if got := debug.SetMemoryLimit(-1); got != before {
			t.Errorf("--memory-limit=%s: limit %d after restore, want %d", tc.flag, got, before)
		}
	}
}
