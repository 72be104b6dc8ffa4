package dashboards_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
)

// history describes the TSDB the dashboards are evaluated on: hourly
// backfilled history, then live scrapes every minute up to now.
type history struct {
	now       time.Time     // end of the data, a whole hour
	days      int           // days of history before now
	liveFor   time.Duration // the last part of history, scraped live instead of backfilled
	job       string        // job label of every series, live and backfilled
	target    string        // instance label of live series: the exporter's scrape target
	instances []dbInstance
}

// dbInstance is one RDS DB instance of the test fleet.
type dbInstance struct {
	id, region, account, engine, class string
}

func (i dbInstance) arn() string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:db:%s", i.region, i.account, i.id)
}

func testHistory() history {
	return history{
		now:     time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC),
		days:    7,
		liveFor: 3 * time.Hour,
		job:     "rds",
		target:  "exporter:19106",
		instances: []dbInstance{
			{"orders-db", "eu-west-1", "111111111111", "postgres", "db.r6g.large"},
			{"orders-db-replica", "eu-west-1", "111111111111", "postgres", "db.r6g.large"},
			{"shop-db", "us-east-1", "222222222222", "mysql", "db.t3.medium"},
		},
	}
}

// start is the first backfilled hour; liveStart the first live scrape, right
// after the last backfilled hour (the backfill never writes the last hours,
// which belong to Prometheus's head block).
func (h history) start() time.Time     { return h.now.Add(-time.Duration(h.days) * 24 * time.Hour) }
func (h history) liveStart() time.Time { return h.now.Add(-h.liveFor) }

// writeHistory writes h into dir as TSDB blocks, as Prometheus would hold
// them: one block of backfilled history (hourly samples at the start of each
// CloudWatch period, job label, no instance label) and one of live scrapes
// (a sample every minute, holding the value of the last 5-minute poll, with
// the scrape target's instance label), which also holds aws_rds_info and the
// exporter's own metrics. It stands in for a real backfill run against awssim
// plus scrapes of the exporter; whatever replaces it must leave a folder of
// blocks covering [h.start(), h.now].
func writeHistory(t testing.TB, dir string, h history) {
	t.Helper()
	metrics := catalog.Metrics()
	writeBlock(t, dir, h.now.Sub(h.start()), func(add appendFunc) {
		for i, inst := range h.instances {
			for _, m := range metrics {
				for _, stat := range catalog.DefaultStatistics() {
					ls := rdsLabels(h, inst, catalog.PromName(m.Name, stat))
					for ts := h.start(); ts.Before(h.liveStart()); ts = ts.Add(time.Hour) {
						add(ls, ts, rdsValue(h, i, m, stat, ts))
					}
				}
			}
		}
	})
	writeBlock(t, dir, h.liveFor, func(add appendFunc) {
		for i, inst := range h.instances {
			for _, m := range metrics {
				for _, stat := range catalog.DefaultStatistics() {
					ls := rdsLabels(h, inst, catalog.PromName(m.Name, stat), "instance", h.target)
					eachScrape(h, func(ts time.Time) { add(ls, ts, rdsValue(h, i, m, stat, ts.Truncate(5*time.Minute))) })
				}
			}
			info := rdsLabels(h, inst, catalog.InfoMetric, "instance", h.target,
				"engine", inst.engine, "engine_version", "16.4", "instance_class", inst.class)
			eachScrape(h, func(ts time.Time) { add(info, ts, 1) })
		}
		writeSelfMetrics(h, add)
	})
}

// appendFunc adds one sample; samples of a series come in time order.
type appendFunc func(ls labels.Labels, ts time.Time, v float64)

// eachScrape calls f at every live scrape, once a minute.
func eachScrape(h history, f func(time.Time)) {
	for ts := h.liveStart(); !ts.After(h.now); ts = ts.Add(time.Minute) {
		f(ts)
	}
}

func rdsLabels(h history, inst dbInstance, name string, extra ...string) labels.Labels {
	return labels.FromStrings(append([]string{
		labels.MetricName, name,
		catalog.LabelName, inst.arn(),
		catalog.LabelInstanceID, inst.id,
		catalog.LabelRegion, inst.region,
		catalog.LabelAccountID, inst.account,
		"job", h.job,
	}, extra...)...)
}

// rdsValue is a deterministic, plausible value of a metric statistic of the
// i-th instance at ts: a daily wave, and free storage that shrinks on the
// first instance so it has a time until full.
func rdsValue(h history, i int, m catalog.Metric, stat string, ts time.Time) float64 {
	const gib = 1 << 30
	hours := ts.Sub(h.start()).Hours()
	wave := 1 + 0.3*math.Sin(2*math.Pi*hours/24+float64(i))
	var v float64
	switch {
	case m.Name == "FreeStorageSpace":
		v = float64(200+100*i) * gib
		if i == 0 {
			v -= hours * gib / 2
		}
		return v
	case m.Unit == "Percent":
		v = (20 + 10*float64(i)) * wave
	case m.Name == "MaximumUsedTransactionIDs":
		v = float64(i+1)*1e8 + hours*1e5
	default:
		v = float64(10*(i+1)) * wave
	}
	if stat == catalog.Maximum {
		v *= 1.25
	}
	return v
}

// writeSelfMetrics adds the exporter's own metrics at every live scrape.
func writeSelfMetrics(h history, add appendFunc) {
	for _, m := range selfMetrics() {
		series := m.series
		if m.name == "backfill_coverage_seconds" {
			series = nil
			for _, inst := range h.instances {
				series = append(series, []string{catalog.LabelInstanceID, inst.id})
			}
		}
		if len(series) == 0 {
			series = [][]string{nil}
		}
		for j, pairs := range series {
			if m.kind == histogram {
				writeHistogram(h, selfPrefix+m.name, pairs, add)
				continue
			}
			ls := labels.FromStrings(append([]string{labels.MetricName, selfPrefix + m.name,
				"job", h.job, "instance", h.target}, pairs...)...)
			eachScrape(h, func(ts time.Time) { add(ls, ts, selfValue(h, m, j, ts)) })
		}
	}
}

// selfValue is a plausible value of a self-metric: counters grow at a rate
// that differs per series, gauges follow the exporter's cadence.
func selfValue(h history, m selfMetric, series int, ts time.Time) float64 {
	elapsed := ts.Sub(h.liveStart()).Seconds()
	if m.kind == counter {
		return elapsed * 0.1 * float64(series+1)
	}
	switch m.name {
	case "last_poll_success_timestamp_seconds":
		return float64(ts.Truncate(5 * time.Minute).Unix())
	case "discovery_last_success_timestamp_seconds":
		return float64(ts.Truncate(15 * time.Minute).Unix())
	case "instances":
		return float64(len(h.instances))
	case "backfill_coverage_seconds":
		return (time.Duration(h.days)*24*time.Hour - h.liveFor).Seconds()
	case "backfill_jobs_running":
		if elapsed < 3600 {
			return 1
		}
		return 0
	default: // last_poll_success, build_info
		return 1
	}
}

// writeHistogram adds a classic histogram of poll durations, one poll every
// 5 minutes, most of them between 1 and 2.5 seconds.
func writeHistogram(h history, name string, pairs []string, add appendFunc) {
	base := append([]string{"job", h.job, "instance", h.target}, pairs...)
	share := map[string]float64{"0.5": 0, "1": 0.2, "2.5": 0.9, "5": 1, "10": 1, "+Inf": 1}
	for _, le := range []string{"0.5", "1", "2.5", "5", "10", "+Inf"} {
		ls := labels.FromStrings(append([]string{labels.MetricName, name + "_bucket", "le", le}, base...)...)
		eachScrape(h, func(ts time.Time) { add(ls, ts, math.Floor(polls(h, ts)*share[le])) })
	}
	count := labels.FromStrings(append([]string{labels.MetricName, name + "_count"}, base...)...)
	sum := labels.FromStrings(append([]string{labels.MetricName, name + "_sum"}, base...)...)
	eachScrape(h, func(ts time.Time) { add(count, ts, polls(h, ts)) })
	eachScrape(h, func(ts time.Time) { add(sum, ts, 1.7*polls(h, ts)) })
}

// polls is how many live polls ran up to ts, one every 5 minutes.
func polls(h history, ts time.Time) float64 {
	return 1 + math.Floor(ts.Sub(h.liveStart()).Minutes()/5)
}

// writeBlock writes one TSDB block of samples spanning at most span into dir.
func writeBlock(t testing.TB, dir string, span time.Duration, fill func(appendFunc)) {
	t.Helper()
	ctx := context.Background()
	// Twice the span: after a commit the head rejects samples older than
	// half its chunk range before its newest sample.
	w, err := tsdb.NewBlockWriter(promslog.NewNopLogger(), dir, 2*(span+time.Hour).Milliseconds())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	app := w.AppenderV2(ctx)
	n := 0
	fill(func(ls labels.Labels, ts time.Time, v float64) {
		if _, err := app.Append(0, ls, 0, ts.UnixMilli(), v, nil, nil, storage.AppendV2Options{}); err != nil {
			t.Fatalf("append %s at %s: %v", ls, ts, err)
		}
		if n++; n%5000 == 0 {
			if err := app.Commit(); err != nil {
				t.Fatal(err)
			}
			app = w.AppenderV2(ctx)
		}
	})
	if err := app.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

// openBlocks returns a read-only queryable over every block in dir.
func openBlocks(t testing.TB, dir string) storage.Queryable {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []*tsdb.Block
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		b, err := tsdb.OpenBlock(promslog.NewNopLogger(), filepath.Join(dir, e.Name()), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		blocks = append(blocks, b)
	}
	if len(blocks) == 0 {
		t.Fatalf("no blocks in %s", dir)
	}
	return storage.QueryableFunc(func(mint, maxt int64) (storage.Querier, error) {
		qs := make([]storage.Querier, 0, len(blocks))
		for _, b := range blocks {
			q, err := tsdb.NewBlockQuerier(b, mint, maxt)
			if err != nil {
				return nil, err
			}
			qs = append(qs, q)
		}
		return storage.NewMergeQuerier(qs, nil, storage.ChainedSeriesMerge), nil
	})
}

// formatMillis prints a sample timestamp for test messages.
func formatMillis(ms int64) string {
	return time.UnixMilli(ms).UTC().Format(time.DateTime) + " (" + strconv.FormatInt(ms, 10) + ")"
}
