// Package sourcecheck compares what the exporter serves and writes of
// Enhanced Monitoring and Performance Insights with what awssim served:
// the oracle's samples keyed by series, and the fewest calls of a read.
package sourcecheck

import (
	"fmt"
	"strings"
	"time"

	pmodel "github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sources"
)

// Expected is the samples a source's oracle holds for one instance: by
// series key (SourceKey), by time in milliseconds.
type Expected map[string]map[int64]float64

// Samples counts the samples.
func (e Expected) Samples() int {
	n := 0
	for _, s := range e {
		n += len(s)
	}
	return n
}

// Hours counts the hours that hold samples.
func (e Expected) Hours() int {
	hours := map[int64]bool{}
	for _, s := range e {
		for t := range s {
			hours[t-t%3_600_000] = true
		}
	}
	return len(hours)
}

func (e Expected) add(key string, t time.Time, v float64) {
	if e[key] == nil {
		e[key] = map[int64]float64{}
	}
	e[key][t.UnixMilli()] = v
}

// sampleKey names a sample's series by family and family labels.
func sampleKey(s sources.Sample) string {
	parts := make([]string, len(s.Labels))
	for i, l := range s.Labels {
		parts[i] = l.Name + "=" + l.Value
	}
	return s.Name + "{" + strings.Join(parts, ",") + "}"
}

// SourceKey names a series read back (from blocks or Prometheus) as
// Expected does: its family and the family's labels, without the identity
// and target labels.
func SourceKey(ls labels.Labels) string {
	name := ls.Get(pmodel.MetricNameLabel)
	var names []string
	for _, m := range catalog.OSMetrics() {
		if m.Name == name {
			names = m.Labels
		}
	}
	for _, m := range catalog.PIMetrics() {
		if m.Name == name {
			names = m.Labels
		}
	}
	s := sources.Sample{Name: name}
	for _, n := range names {
		s.Labels = append(s.Labels, catalog.Label{Name: n, Value: ls.Get(n)})
	}
	return sampleKey(s)
}

// OSExpected returns the Enhanced Monitoring samples of the instance with
// the given ARN in [from, to): every event awssim's stream holds there
// (OSEventTimes, OSMetrics), as the exporter names its series.
func OSExpected(sim *awssim.Server, arn string, from, to time.Time) (Expected, error) {
	out := Expected{}
	for _, t := range sim.OSEventTimes(arn, from, to) {
		ev, ok := sim.OSMetrics(arn, t)
		if !ok {
			return nil, fmt.Errorf("%s at %s: listed but no event", arn, t)
		}
		m, err := cloudwatch.ParseOSMetrics(ev.Message())
		if err != nil {
			return nil, err
		}
		for _, s := range sources.OSSamples(m) {
			out.add(sampleKey(s), t, s.Value)
		}
	}
	return out, nil
}

// PIExpected returns the Performance Insights samples of the instance with
// the given ARN over [start, end) at period, as one GetResourceMetrics
// call over that range returns them: its top waitEvents wait events and
// top statements SQL digests over the range (PITopKeys), their load per
// period stamped with the period's start (PILoadSeries), and the digests'
// info series, values cut to the 500 bytes Performance Insights returns.
func PIExpected(sim *awssim.Server, arn string, start, end time.Time, period time.Duration, waitEvents, statements int) Expected {
	out := Expected{}
	for _, g := range []struct {
		group string
		n     int
	}{{catalog.PIGroupWaitEvent, waitEvents}, {catalog.PIGroupSQL, statements}} {
		for _, k := range sim.PITopKeys(arn, g.group, start, end, g.n) {
			dims := map[string]string{}
			for d, v := range k.Dimensions {
				dims[d] = truncate(v, 500)
			}
			for _, f := range sources.PIFamilies(cloudwatch.PISeries{Dimensions: dims}) {
				for _, p := range sim.PILoadSeries(arn, &k, start, end, period) {
					s := f.Sample(p.Value)
					out.add(sampleKey(s), p.Start, s.Value)
				}
			}
		}
	}
	return out
}

// GetLogEventsCalls returns the fewest GetLogEvents calls that read the
// events of the instance's stream in [from, to) forward: its pages, each
// at most 10,000 events and 1 MB (a message's bytes plus 26 per event),
// and one more call that sees the token repeat (two calls for a range
// without events: the API may answer an empty page before the end).
func GetLogEventsCalls(sim *awssim.Server, arn string, from, to time.Time) int {
	const maxEvents, maxBytes, overhead = 10000, 1 << 20, 26
	pages, events, size := 0, 0, 0
	for _, t := range sim.OSEventTimes(arn, from, to) {
		ev, _ := sim.OSMetrics(arn, t)
		n := len(ev.Message()) + overhead
		if events == 0 || events == maxEvents || size+n > maxBytes {
			pages++
			events, size = 0, 0
		}
		events++
		size += n
	}
	return max(pages, 1) + 1
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// Compare reports how got, samples by series key and time, differs from
// want: every missing, extra or different sample, at most limit of them.
func Compare(got, want Expected, limit int) []string {
	var diffs []string
	note := func(format string, args ...any) {
		if len(diffs) < limit {
			diffs = append(diffs, fmt.Sprintf(format, args...))
		}
	}
	for k, ws := range want {
		for t, w := range ws {
			g, ok := got[k][t]
			switch {
			case !ok:
				note("%s at %s: missing, want %v", k, time.UnixMilli(t).UTC(), w)
			case g != w:
				note("%s at %s: %v, want %v", k, time.UnixMilli(t).UTC(), g, w)
			}
		}
	}
	for k, gs := range got {
		for t, g := range gs {
			if _, ok := want[k][t]; !ok {
				note("%s at %s: %v, not served by the oracle", k, time.UnixMilli(t).UTC(), g)
			}
		}
	}
	return diffs
}
