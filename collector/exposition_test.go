package collector

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/exposition"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/telemetry"
)

// scrape returns what /metrics of c's rendering answers, in the text
// format, without self-metrics.
func scrape(t *testing.T, r *exposition.Rendered) string {
	t.Helper()
	h := exposition.Handler(func() *exposition.Rendered { return r }, prometheus.NewRegistry(), slog.New(slog.DiscardHandler))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}

// encodeNow encodes c's metrics as a registry gathers them now.
func encodeNow(t *testing.T, c *Collector) string {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			t.Fatal(err)
		}
	}
	return buf.String()
}

// Each poll renders its snapshot once: the rendering serves exactly what
// encoding the collector's metrics gives, and the next poll replaces it
// with the new values in one step.
func TestPollRendersExposition(t *testing.T) {
	f := testFetcher()
	c := newTestCollector(f, telemetry.New())
	if c.Exposition() != nil || scrape(t, c.Exposition()) != "" {
		t.Fatal("a rendering before the first poll")
	}
	if err := c.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	first := c.Exposition()
	body := scrape(t, first)
	if want := encodeNow(t, c); body != want || !strings.Contains(body, "aws_rds_cpuutilization_average{") {
		t.Fatalf("rendered:\n%s\nwant:\n%s", body, want)
	}
	f.offset = 1000
	if err := c.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	second := c.Exposition()
	if second == first || scrape(t, second) == body || scrape(t, second) != encodeNow(t, c) {
		t.Errorf("the second poll did not replace the rendering with its values")
	}
	if scrape(t, first) != body {
		t.Error("the first rendering changed after it was replaced")
	}
}

// Scrapes during polls get a whole rendering, of one poll or the next:
// never a mix (run with -race).
func TestScrapeDuringPolls(t *testing.T) {
	f := testFetcher()
	c := newTestCollector(f, telemetry.New())
	if err := c.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	bodies := map[string]bool{scrape(t, c.Exposition()): true}
	var mu sync.Mutex
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var scraped []string
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			b := scrape(t, c.Exposition())
			mu.Lock()
			scraped = append(scraped, b)
			mu.Unlock()
		}
	})
	for i := range 5 {
		f.mu.Lock()
		f.offset = float64(i + 1)
		f.mu.Unlock()
		if err := c.Poll(context.Background()); err != nil {
			t.Fatal(err)
		}
		bodies[scrape(t, c.Exposition())] = true
	}
	close(stop)
	wg.Wait()
	for _, b := range scraped {
		if !bodies[b] {
			t.Fatalf("a scrape got a body no poll rendered:\n%s", b)
		}
	}
	if len(bodies) != 6 {
		t.Errorf("%d distinct renderings of 6 polls", len(bodies))
	}
}
