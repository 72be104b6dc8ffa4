package main

import (
	"fmt"
	"log/slog"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// The auto memory limit of the backfill command. A sweep's Go heap holds
// the fleet's resources and their plans, Prometheus's writers of one
// block (about 32 MiB of buffers, whatever its size), the responses being
// decoded and the series of a batch; the batch's values are outside the
// Go heap and the limit. The collector's default (GOGC=100) lets garbage
// grow to as much again as what it found in use, so that a sweep that
// runs longer (a larger fleet) sooner or later finds a collection in the
// middle of a block and doubles that. The limit is memoryPerBatch plus
// memoryPerSample per sample of a batch, or, for a fleet whose resources
// alone take more than that leaves room for, the memory held when the
// sweep starts plus memoryRoom.
const (
	memoryPerBatch  = 48 << 20
	memoryPerSample = 16
	memoryRoom      = 32 << 20
)

// memoryLimit is the value of --memory-limit: auto, off or a size.
type memoryLimit string

// Validate checks the value.
func (m memoryLimit) Validate() error {
	_, _, err := m.parse()
	return err
}

// parse returns whether the limit is auto, and the limit in bytes
// (math.MaxInt64 for off).
func (m memoryLimit) parse() (auto bool, limit int64, err error) {
	switch s := strings.TrimSpace(string(m)); s {
	case "auto":
		return true, 0, nil
	case "off":
		return false, math.MaxInt64, nil
	default:
		units := []struct {
			suffix string
			shift  uint
		}{{"GiB", 30}, {"MiB", 20}, {"KiB", 10}, {"B", 0}, {"", 0}}
		for _, u := range units {
			if num, ok := strings.CutSuffix(s, u.suffix); ok {
				n, err := strconv.ParseInt(num, 10, 64)
				if err != nil || n <= 0 || n > math.MaxInt64>>u.shift {
					break
				}
				return false, n << u.shift, nil
			}
		}
		return false, 0, fmt.Errorf("--memory-limit=%s: want auto, off or a size such as 256MiB", s)
	}
}

// apply sets the Go runtime's soft memory limit for a sweep of batches
// of batchSamples of the sources, unless GOMEMLIMIT is set (it wins), and
// returns the function that restores the previous limit. With auto, the
// limit is derived from the batch and the memory in use now, after a
// collection (see memoryPerBatch): the collector then runs more often
// instead of letting garbage grow to as much again as the heap in use
// (GOGC). A sweep that needs more than the limit still runs; the
// collector then takes at most about half the CPU. auto sets no limit
// for a sweep of Enhanced Monitoring or Performance Insights: their
// events are decoded on the Go heap, by pages, and under the CloudWatch
// batch's limit 100 instances' 3 days of Enhanced Monitoring took half
// as long again.
func (m memoryLimit) apply(batchSamples int, sources []model.Source, logger *slog.Logger) (restore func(), err error) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return func() {}, nil
	}
	auto, limit, err := m.parse()
	if err != nil {
		return nil, err
	}
	if auto && slices.ContainsFunc(sources, func(s model.Source) bool { return s != model.SourceCloudWatch }) {
		return func() {}, nil
	}
	if auto {
		limit = max(memoryPerBatch+memoryPerSample*int64(batchSamples), memoryInUse()+memoryRoom)
	}
	prev := debug.SetMemoryLimit(limit)
	if limit != math.MaxInt64 {
		logger.Info("memory limit set", "limit_bytes", limit, "auto", auto)
	}
	return func() { debug.SetMemoryLimit(prev) }, nil
}

// memoryInUse collects garbage and returns the memory the Go runtime
// holds that a memory limit counts, but the free heap.
func memoryInUse() int64 {
	runtime.GC()
	s := []metrics.Sample{
		{Name: "/memory/classes/total:bytes"},
		{Name: "/memory/classes/heap/released:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
	}
	metrics.Read(s)
	return int64(s[0].Value.Uint64() - s[1].Value.Uint64() - s[2].Value.Uint64())
}
