package testtools

import (
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// WatchMemory samples this process's memory from now until the returned
// function is called, which reports the peaks as metrics of b: the heap's
// objects (live and not yet swept), the live heap as of the last GC, and
// the resident set (VmHWM, reset where Linux allows it, so it counts
// memory outside the Go heap too), each also above what it was at the
// start (the "-added" metrics: what the measured code added to what the
// benchmark had set up). A benchmark measures one thing at a time with it.
func WatchMemory(b *testing.B) func() {
	runtime.GC()
	debug.FreeOSMemory()
	rssReset := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	samples := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(samples)
	base := [2]uint64{samples[0].Value.Uint64(), samples[1].Value.Uint64()}
	baseRSS := residentBytes("VmRSS:")
	var (
		wg    sync.WaitGroup
		peaks [2]uint64
		stop  = make(chan struct{})
	)
	wg.Go(func() {
		for tick := time.NewTicker(time.Millisecond); ; {
			metrics.Read(samples)
			for i, s := range samples {
				peaks[i] = max(peaks[i], s.Value.Uint64())
			}
			select {
			case <-stop:
				tick.Stop()
				return
			case <-tick.C:
			}
		}
	})
	return func() {
		close(stop)
		wg.Wait()
		b.ReportMetric(float64(peaks[0])/1e6, "peak-heap-MB")
		b.ReportMetric(float64(peaks[1])/1e6, "peak-live-MB")
		b.ReportMetric(float64(peaks[0]-min(peaks[0], base[0]))/1e6, "peak-heap-added-MB")
		if rss := residentBytes("VmHWM:"); rssReset && rss > 0 {
			b.ReportMetric(float64(rss)/1e6, "peak-RSS-MB")
			b.ReportMetric(float64(rss-min(rss, baseRSS))/1e6, "peak-RSS-added-MB")
		}
	}
}

// residentBytes returns a field of /proc/self/status (VmHWM:, VmRSS:) in
// bytes, or 0 if unknown.
func residentBytes(field string) uint64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(line, field); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
