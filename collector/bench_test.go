package collector_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/collector"
	exporterconfig "github.com/rds-backfill-exporter/rds-backfill-exporter/config"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/exposition"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/telemetry"
)

type fleet []model.Described

func (f fleet) All() []model.Described { return f }

// benchCollector polls a simulated fleet of n instances with the 20 default
// metrics x 2 statistics through the real SDK. The rate limit is lifted to
// 1000/s so that the benchmark measures the exporter and the simulator,
// not the limiter (at the default 10/s, the 80 calls of 1000 instances take
// 8 s by design).
func benchCollector(b testing.TB, n int) (*collector.Collector, *awssim.Server) {
	b.Helper()
	tm := telemetry.New()
	sim, c := simClient(b, awssim.Options{Instances: n}, tm)
	instances, err := c.DescribeInstances(context.Background(), cloudwatch.DiscoveryFilter{})
	if err != nil {
		b.Fatal(err)
	}
	return collector.New(collector.Options{
		Fetchers:  []collector.Fetcher{c},
		Resources: fleet(testtools.WithMetrics(instances, testtools.TwentyMetrics())),
		Interval:  5 * time.Minute, Period: time.Minute, Delay: 2 * time.Minute,
		Env: telemetry.Env{Telemetry: tm},
	}), sim
}

// simClient starts awssim with opts and returns a client for it, with the
// rate limit lifted to 1000/s and the exporter's default retry budget (the
// throttling test needs it); obs may be nil.
func simClient(b testing.TB, opts awssim.Options, obs cloudwatch.Observer) (*awssim.Server, *cloudwatch.Client) {
	b.Helper()
	sim := awssim.New(opts)
	if err := sim.Start("127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sim.Close() })
	clients, err := cloudwatch.NewClients(context.Background(), cloudwatch.Options{
		RequestsPerSecond: 1000, Burst: 10, Parallel: 4, Observer: obs,
		MaxAttempts: exporterconfig.DefaultMaxAttempts,
		LoadOptions: testtools.AWSOptions(sim),
	})
	if err != nil {
		b.Fatal(err)
	}
	return sim, clients[0]
}

// BenchmarkPoll is one live poll of 1000 instances x 20 metrics x 2
// statistics: 40,000 queries in 80 GetMetricData calls.
func BenchmarkPoll(b *testing.B) {
	c, sim := benchCollector(b, 1000)
	b.ResetTimer()
	for b.Loop() {
		if err := c.Poll(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cnt := sim.Counters()
	b.ReportMetric(float64(cnt.Requests["GetMetricData"])/float64(b.N), "calls/op")
	b.ReportMetric(float64(cnt.MetricsRequested)/float64(b.N), "metrics/op")
}

// BenchmarkScrape serves /metrics for the snapshot of a 1000-instance poll
// (about 41,000 series), as Prometheus asks for it (OpenMetrics, gzip) and
// as curl does (text, plain): from the rendering of the poll, as the
// exporter does, and encoded at each scrape by promhttp, as it did before.
func BenchmarkScrape(b *testing.B) {
	c, _ := benchCollector(b, 1000)
	if err := c.Poll(context.Background()); err != nil {
		b.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	rendered := exposition.Handler(c.Exposition, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	perScrape := promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
	for _, bc := range []struct {
		name     string
		h        http.Handler
		accept   string
		encoding string
	}{
		{"rendered/prometheus-gzip", rendered, prometheusAccept, "gzip"},
		{"rendered/text-plain", rendered, "", ""},
		{"promhttp-per-scrape/prometheus-gzip", perScrape, prometheusAccept, "gzip"},
		{"promhttp-per-scrape/text-plain", perScrape, "", ""},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
			req.Header.Set("Accept", bc.accept)
			req.Header.Set("Accept-Encoding", bc.encoding)
			var size int
			for b.Loop() {
				rec := httptest.NewRecorder()
				bc.h.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatal(rec.Code)
				}
				size = rec.Body.Len()
			}
			b.ReportMetric(float64(size), "bytes/scrape")
		})
	}
}

// prometheusAccept is the Accept header of a Prometheus v3 scrape.
const prometheusAccept = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1"

// BenchmarkRender renders the snapshot of a 1000-instance poll, as each
// poll does once.
func BenchmarkRender(b *testing.B) {
	c, _ := benchCollector(b, 1000)
	if err := c.Poll(context.Background()); err != nil {
		b.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	for b.Loop() {
		if _, err := exposition.Render(reg); err != nil {
			b.Fatal(err)
		}
	}
}
