package dashboards_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/promslog"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/textparse"
	"github.com/prometheus/prometheus/model/value"
	"github.com/prometheus/prometheus/storage"
	"github.com/prometheus/prometheus/tsdb"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/backfill"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/config"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	rdsexporter "github.com/rds-backfill-exporter/rds-backfill-exporter/internal/exporter"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// The test fleet and how Prometheus scrapes the exporter.
const (
	// historyInstances: engines rotate through historyEngines, so fifteen
	// instances and a proxy publish every metric the panels read: the sixth
	// is a read replica (replica lag), some are burstable (CPU credits) or
	// stopped for a while (hours without data), and the Aurora instances
	// form four clusters, the second Serverless v2 and the third in a
	// global database.
	historyInstances = 15
	historyJob       = "rds"            // job label of every series, live and backfilled
	historyTarget    = "exporter:19106" // instance label of live series: the scrape target
	scrapeEvery      = time.Minute
	pollEvery        = 5 * time.Minute
	discoverEvery    = 15 * time.Minute
	// liveFor is how long Prometheus has scraped the exporter when the
	// backfill runs: the backfill's head margin, so that backfilled hours
	// end where the scrapes begin.
	liveFor = backfill.DefaultHeadMargin
)

// historyMonitoring gives every instance Enhanced Monitoring every minute
// and Performance Insights kept two years, so that the OS and database-load
// rows have a week of history and live values for every instance.
func historyMonitoring(awssim.Instance) awssim.Monitoring {
	return awssim.Monitoring{MonitoringInterval: 60, PerformanceInsightsEnabled: true, PerformanceInsightsRetentionPeriod: 731}
}

// historyEngines are the engines of the test fleet's instances, in turn.
func historyEngines() []string {
	return []string{"postgres", "mysql", "mariadb", "aurora-postgresql", "aurora-mysql"}
}

// historyNow is the fixed clock of the test at the last scrape: awssim,
// the collector, discovery and the backfill all read it.
func historyNow() time.Time { return time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC) }

// liveFaults are the CloudWatch faults awssim injects during the scrapes,
// by time since the first scrape, so that the self-metric panels of errors
// and throttles have series for real: one poll whose GetMetricData calls
// fail with 5xx, and ten minutes in which the account's quota is exhausted
// (a poll takes several GetMetricData calls for this fleet: the first gets
// the bucket's one token, the others are throttled on every attempt, so
// both polls of the ten minutes fail).
func liveFaults(since time.Duration) awssim.Faults {
	switch {
	case since == 65*time.Minute:
		return awssim.Faults{ErrorRate: 1}
	case since >= 90*time.Minute && since < 100*time.Minute:
		return awssim.Faults{ThrottleAboveRPS: 0.001}
	}
	return awssim.Faults{}
}

// failingPolls are the polls liveFaults makes fail, by time since the first
// scrape.
func failingPolls() []time.Duration {
	return []time.Duration{65 * time.Minute, 90 * time.Minute, 95 * time.Minute}
}

// history is a TSDB as a user of the exporter gets it, made by the real
// parts on awssim: Prometheus scraped the exporter every minute for the
// last liveFor (live aws_rds_* series, aws_rds_info and the exporter's own
// metrics, with the scrape target's job and instance labels), then a
// backfill job wrote 7 days of hourly history before that as blocks (job
// label, no instance label).
type history struct {
	dir string // the blocks
	// start and liveStart bound the backfilled hours [start, liveStart);
	// the scrapes run from liveStart to now, both included.
	start, liveStart, now time.Time
	sim                   *awssim.Server // stopped; its data functions still answer
	instances             []model.Described
	backfill              backfill.Result
}

// gapHours returns, per DB instance ID, the backfilled hours in which
// CloudWatch has no data for it because it was stopped.
func (h *history) gapHours() map[string][]time.Time {
	gaps := map[string][]time.Time{}
	for _, i := range h.instances {
		if g := h.sim.Gaps(i.ARN, h.start, h.liveStart); len(g) > 0 {
			gaps[i.ID] = g
		}
	}
	return gaps
}

// inGaps returns whether a time (Unix ms) of a series falls in one of the
// gap hours of its DB instance: the one excuse for a series to have no value.
func inGaps(gaps map[string][]time.Time) func(labels.Labels, int64) bool {
	return func(ls labels.Labels, ts int64) bool {
		for _, g := range gaps[ls.Get(catalog.LabelInstanceID)] {
			if ts >= g.UnixMilli() && ts < g.Add(time.Hour).UnixMilli() {
				return true
			}
		}
		return false
	}
}

// clock is the fake clock every part reads; safe for concurrent use.
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *clock) set(t time.Time) { c.ns.Store(t.UnixNano()) }

// exporter is the exporter as cmd/exporter builds it, on awssim and the
// fake clock.
type exporter struct {
	sim   *awssim.Server
	clock *clock
	exp   *rdsexporter.Exporter
}

// historySpec is what a history is made of: the fleet, the exporter's
// config, the days backfilled, and whether awssim injects liveFaults.
type historySpec struct {
	sim       awssim.Options // the harness sets Now
	config    string
	days      int
	faults    bool
	snakeCase bool           // --labels.snake-case
	sources   []model.Source // backfilled; nil: CloudWatch
}

// fullHistory is the history of the continuity tests: a fleet that
// publishes every metric the panels read, 7 days backfilled, and faults
// during the scrapes.
func fullHistory(t *testing.T) historySpec {
	return historySpec{sim: awssim.Options{Instances: historyInstances, Engines: historyEngines(), Proxies: 1, Monitoring: historyMonitoring},
		config: historyConfig(t), days: 7, faults: true, sources: model.Sources()}
}

// buildHistory runs the exporter on awssim and writes the full history
// into a temporary folder.
func buildHistory(t *testing.T) *history {
	t.Helper()
	h := buildHistoryOf(t, fullHistory(t))
	checkHistory(t, h)
	return h
}

// buildHistoryOf runs the exporter on the fleet of spec and writes its
// history into a temporary folder.
func buildHistoryOf(t *testing.T, spec historySpec) *history {
	t.Helper()
	ctx := t.Context()
	now := historyNow()
	h := &history{dir: t.TempDir(), liveStart: now.Add(-liveFor), now: now}
	x := startExporter(t, h.dir, h.liveStart, spec)
	var samples []sample
	sc := &scraper{gatherer: x.exp.Gatherer(), add: func(s sample) { samples = append(samples, s) }}
	var failed []time.Duration
	faults := awssim.Faults{}
	for ts := h.liveStart; !ts.After(now); ts = ts.Add(scrapeEvery) {
		since := ts.Sub(h.liveStart)
		x.clock.set(ts)
		f := awssim.Faults{}
		if spec.faults {
			f = liveFaults(since)
		}
		if f != faults {
			x.sim.SetFaults(f) // refills the throttling bucket: set on changes only
			faults = f
		}
		if since%discoverEvery == 0 {
			if err := x.exp.Refresh(ctx); err != nil {
				t.Fatalf("discovery at %s: %v", ts, err)
			}
		}
		if since%pollEvery == 0 && x.exp.Poll(ctx) != nil {
			failed = append(failed, since)
		}
		// The live sources are read every minute but under the faults,
		// whose retries would wait in real time: their panels hold the
		// values of before.
		if f == (awssim.Faults{}) {
			if err := x.exp.PollSources(ctx); err != nil {
				t.Fatalf("live Enhanced Monitoring and Performance Insights at %s: %v", ts, err)
			}
		}
		if ts.Equal(now) {
			h.backfill = runBackfill(t, x, spec)
		}
		if err := sc.scrape(ts); err != nil {
			t.Fatalf("scrape at %s: %v", ts, err)
		}
	}
	if want := failingPolls(); !spec.faults {
		if len(failed) > 0 {
			t.Fatalf("polls failed at %v after the first scrape without faults", failed)
		}
	} else if !slices.Equal(failed, want) {
		t.Fatalf("polls failed at %v after the first scrape, want %v", failed, want)
	}
	if c := x.sim.Counters(); spec.faults && (c.Throttled == 0 || c.InjectedErrors == 0) {
		t.Fatalf("awssim throttled %d and failed %d requests; the self-metric panels of errors and throttles see no event",
			c.Throttled, c.InjectedErrors)
	}
	writeBlock(t, h.dir, now.Sub(h.liveStart), func(add appendFunc) {
		for _, s := range samples {
			add(s.labels, s.ts, s.v)
		}
	})
	h.sim, h.instances, h.start = x.sim, model.OfKind(x.exp.Resources(), model.KindDBInstance), h.backfill.From
	return h
}

// startExporter starts awssim and the exporter on it, with the clock at
// start; the test drives discovery, polls and the backfill. Everything
// stops when the test ends.
func startExporter(t *testing.T, dir string, start time.Time, spec historySpec) *exporter {
	t.Helper()
	x := &exporter{clock: &clock{}}
	x.clock.set(start)
	opts := spec.sim
	opts.Now = x.clock.Now
	x.sim = awssim.New(opts)
	if err := x.sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.sim.Close() })
	cfg, err := config.Parse([]byte(spec.config), "history.yml")
	if err != nil {
		t.Fatal(err)
	}
	x.exp, err = rdsexporter.New(t.Context(), cfg, rdsexporter.Options{
		LabelsSnakeCase: spec.snakeCase,
		Backfill:        rdsexporter.BackfillOptions{OutputDir: dir, Labels: map[string]string{"job": historyJob}},
	}, rdsexporter.Env{
		Now:            x.clock.Now,
		Logger:         slog.New(slog.DiscardHandler),
		AWSLoadOptions: testtools.AWSOptions(x.sim),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = x.exp.Close() })
	return x
}

// historyConfig is the exporter's config: the polls of pollEvery, the
// metrics of dashboardSelection, and one retry (the SDK's backoff is real
// time, up to 2 s here).
func historyConfig(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "regions: [us-east-1]\npoll: {interval: %s, period: 1m, delay: 2m}\n", pollEvery)
	fmt.Fprintf(&b, "enhanced_monitoring: {enabled: true, interval: %s}\nperformance_insights: {enabled: true, interval: %s}\n", scrapeEvery, scrapeEvery)
	b.WriteString("rate_limit: {requests_per_second: 50, burst: 10, max_attempts: 2}\nmetrics:\n  add:\n")
	defaults := catalog.DefaultMetrics(model.KindDBInstance)
	for _, sel := range dashboardSelection(t) {
		if !slices.Contains(defaults, sel.Metric) {
			fmt.Fprintf(&b, "    - {name: %q}\n", sel.Metric)
		}
	}
	return b.String()
}

// runBackfill runs a backfill job of spec's days and sources of every
// instance, cluster and proxy, as the backfill API does.
func runBackfill(t *testing.T, x *exporter, spec historySpec) backfill.Result {
	t.Helper()
	status, err := x.exp.Jobs().Run(t.Context(), backfill.Request{Resources: model.Backfillable(x.exp.Resources()), Days: spec.days, Sources: spec.sources})
	if err != nil {
		t.Fatalf("backfill job %s: %v", status.ID, err)
	}
	return status.Result
}

// dashboardSelection is what the exporter is configured to fetch, live
// and backfill: the default metrics of DB instances plus every optional
// metric a panel reads, with the default statistics.
func dashboardSelection(t *testing.T) []model.Selection {
	t.Helper()
	var sel []model.Selection
	seen := map[string]bool{}
	for _, m := range catalog.DefaultMetrics(model.KindDBInstance) {
		seen[m] = true
		sel = append(sel, model.Selection{Metric: m, Statistics: catalog.DefaultStatistics()})
	}
	eachCatalogMetric(t, func(_ grafanaDashboard, _ grafanaPanel, m catalog.Metric) {
		if !seen[m.Name] {
			seen[m.Name] = true
			sel = append(sel, model.Selection{Metric: m.Name, Statistics: catalog.DefaultStatistics()})
		}
	})
	return sel
}

// checkHistory checks that the history is what the tests need: backfilled
// hours end where the scrapes begin, and the only hours the backfill found
// empty are awssim's stopped windows, which lie in the backfilled range.
func checkHistory(t *testing.T, h *history) {
	t.Helper()
	if want := h.liveStart.Add(-7 * 24 * time.Hour); !h.backfill.From.Equal(want) || !h.backfill.To.Equal(h.liveStart) {
		t.Fatalf("backfill swept [%s, %s), want [%s, %s)", h.backfill.From, h.backfill.To, want, h.liveStart)
	}
	cw := h.backfill.Sources[model.SourceCloudWatch]
	if len(h.instances) != historyInstances || cw.HoursBackfilled+cw.HoursEmpty != cw.HoursTotal {
		t.Fatalf("backfill of %d instances: %+v", len(h.instances), h.backfill)
	}
	for _, src := range model.Sources()[1:] {
		if sr := h.backfill.Sources[src]; sr.Resources != historyInstances || sr.HoursEmpty != cw.HoursEmpty || len(sr.Unavailable) != 0 {
			t.Fatalf("%s: %+v; want every instance, the same empty hours as CloudWatch", src, sr)
		}
	}
	gapHours := 0
	for id, g := range h.gapHours() {
		gapHours += len(g)
		if late := h.sim.Gaps(h.sim.InstanceARN(id), h.liveStart.Add(-time.Hour), h.now.Add(time.Hour)); len(late) > 0 {
			t.Fatalf("%s is stopped at %v, at or after the last backfilled hour: pick another clock", id, late)
		}
	}
	if gapHours == 0 || cw.HoursEmpty != gapHours {
		t.Fatalf("the backfill found %d hours without data, awssim has %d stopped hours; want the same, more than 0",
			cw.HoursEmpty, gapHours)
	}
}

// sample is one scraped sample.
type sample struct {
	labels labels.Labels
	ts     time.Time
	v      float64
}

// scraper does what a Prometheus scrape of the exporter does: it renders
// the registry in the text exposition format, parses it with Prometheus's
// parser, adds the target labels and stamps the samples with the scrape
// time; a series that is gone from a scrape gets a staleness marker.
type scraper struct {
	gatherer prometheus.Gatherer
	add      func(sample)
	last     map[uint64]labels.Labels
	// stamped is the time of the last stamped sample of each series.
	stamped map[uint64]time.Time
}

func (s *scraper) scrape(ts time.Time) error {
	body, err := s.render()
	if err != nil {
		return err
	}
	p := textparse.NewPromParser(body, labels.NewSymbolTable(), false)
	seen := map[uint64]labels.Labels{}
	for {
		entry, err := p.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if entry != textparse.EntrySeries {
			continue
		}
		_, at, v := p.Series()
		var ls labels.Labels
		p.Labels(&ls)
		if ls.Has("job") || ls.Has("instance") {
			return errors.New(ls.String() + " has a target label")
		}
		ls = labels.NewBuilder(ls).Set("job", historyJob).Set("instance", historyTarget).Labels()
		if at != nil {
			s.addStamped(ls, time.UnixMilli(*at).UTC(), v)
			continue
		}
		seen[ls.Hash()] = ls
		s.add(sample{ls, ts, v})
	}
	for hash, ls := range s.last {
		if _, ok := seen[hash]; !ok {
			s.add(sample{ls, ts, math.Float64frombits(value.StaleNaN)})
		}
	}
	s.last = seen
	return nil
}

// addStamped adds a sample the exposition stamped with its own time (the
// live Enhanced Monitoring and Performance Insights series), as
// Prometheus does: a sample at or before the series' last one is not
// appended again, and such series get no staleness markers.
func (s *scraper) addStamped(ls labels.Labels, at time.Time, v float64) {
	if s.stamped == nil {
		s.stamped = map[uint64]time.Time{}
	}
	if last, ok := s.stamped[ls.Hash()]; ok && !at.After(last) {
		return
	}
	s.stamped[ls.Hash()] = at
	s.add(sample{ls, at, v})
}

// render returns what /metrics would serve.
func (s *scraper) render() ([]byte, error) {
	families, err := s.gatherer.Gather()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, f := range families {
		if err := enc.Encode(f); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// appendFunc adds one sample; samples of a series come in time order.
type appendFunc func(ls labels.Labels, ts time.Time, v float64)

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
		if _, err := os.Stat(filepath.Join(dir, e.Name(), "meta.json")); err != nil {
			continue // not a block
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
