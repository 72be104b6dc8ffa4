package exposition

import (
	"bytes"
	"compress/gzip"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// prometheusAccept is the Accept header of a Prometheus v3 scrape with the
// default scrape protocols.
const prometheusAccept = "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1"

// registries returns a registry of live-like series and one of self-metrics.
func registries(t *testing.T, name string) (live, self *prometheus.Registry, v *prometheus.GaugeVec) {
	t.Helper()
	live, self = prometheus.NewRegistry(), prometheus.NewRegistry()
	v = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: "A live value."}, []string{"name", "region"})
	for i, id := range []string{"db-1", "db-2", "db-3"} {
		v.WithLabelValues("arn:aws:rds:us-east-1:1:db:"+id, "us-east-1").Set(float64(i) + 0.5)
	}
	live.MustRegister(v)
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "self_requests_total", Help: "Requests."})
	c.Add(7)
	self.MustRegister(c)
	return live, self, v
}

// want encodes live's families and then self's in format f, as one
// exposition.
func want(t *testing.T, f expfmt.Format, gs ...prometheus.Gatherer) string {
	t.Helper()
	var buf bytes.Buffer
	enc := expfmt.NewEncoder(&buf, f)
	for _, g := range gs {
		mfs, err := g.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if err := enc.Encode(mf); err != nil {
				t.Fatal(err)
			}
		}
	}
	if c, ok := enc.(expfmt.Closer); ok {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.String()
}

// get scrapes h and returns the response and its body, decompressed as
// one gzip member when it says gzip (a second member fails the test).
func get(t *testing.T, h http.Handler, accept, encoding string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	body := rec.Body.Bytes()
	if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
		t.Errorf("Content-Length %s for %d bytes", cl, len(body))
	}
	if res.Header.Get("Content-Encoding") != "gzip" {
		return res, string(body)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	zr.Multistream(false) // All of it in the first member.
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return res, string(plain)
}

// The cached exposition plus the fresh self-metrics are exactly what
// encoding both at once gives, in each format Prometheus asks for, plain
// and gzip-compressed as one gzip member; Content-Type says the negotiated
// format and Content-Length the bytes sent.
func TestHandlerServesCachedAndFresh(t *testing.T) {
	live, self, _ := registries(t, "aws_rds_cpuutilization_average")
	r, err := Render(live)
	if err != nil {
		t.Fatal(err)
	}
	h := Handler(func() *Rendered { return r }, self, slog.New(slog.DiscardHandler))
	for _, tc := range []struct {
		name, accept string
		format       expfmt.Format
	}{
		{"Prometheus v3", prometheusAccept, expfmt.FmtOpenMetrics_1_0_0},
		{"OpenMetrics 0.0.1", "application/openmetrics-text;version=0.0.1", expfmt.FmtOpenMetrics_0_0_1},
		{"text 0.0.4", "text/plain;version=0.0.4", expfmt.FmtText},
		{"no Accept", "", expfmt.FmtText},
		{"protobuf only", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited", expfmt.FmtText},
	} {
		for _, enc := range []string{"", "gzip", "br;q=1.0, gzip;q=0.8", "gzip;q=0"} {
			t.Run(tc.name+"/"+enc, func(t *testing.T) {
				res, body := get(t, h, tc.accept, enc)
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, string(tc.format)) {
					t.Errorf("Content-Type %q, want %q", ct, tc.format)
				}
				gz := enc != "" && enc != "gzip;q=0"
				if got := res.Header.Get("Content-Encoding") == "gzip"; got != gz {
					t.Errorf("gzip %v, want %v", got, gz)
				}
				if w := want(t, tc.format, live, self); body != w {
					t.Errorf("body:\n%s\nwant:\n%s", body, w)
				}
			})
		}
	}
}

// Names that an escaping scheme changes are encoded per request with the
// scheme asked for; before the first rendering only the fresh metrics are
// served.
func TestHandlerEscapingAndNothingCached(t *testing.T) {
	live, self, _ := registries(t, "aws.rds.cpu")
	r, err := Render(live)
	if err != nil {
		t.Fatal(err)
	}
	if r.anyEscaping {
		t.Fatal("a UTF-8 name taken as legacy")
	}
	h := Handler(func() *Rendered { return r }, self, slog.New(slog.DiscardHandler))
	for _, accept := range []string{prometheusAccept, "text/plain;version=0.0.4;escaping=underscores", "application/openmetrics-text;version=1.0.0;escaping=dots"} {
		res, body := get(t, h, accept, "gzip")
		f := expfmt.Format(res.Header.Get("Content-Type"))
		if w := want(t, f, live, self); body != w {
			t.Errorf("%s: body:\n%s\nwant:\n%s", accept, body, w)
		}
	}
	none := Handler(func() *Rendered { return nil }, self, slog.New(slog.DiscardHandler))
	for _, enc := range []string{"", "gzip"} {
		if _, body := get(t, none, prometheusAccept, enc); body != want(t, expfmt.FmtOpenMetrics_1_0_0, self) {
			t.Errorf("nothing cached, %q: %s", enc, body)
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"": false, "gzip": true, "GZIP": true, "identity": false, "deflate, gzip;q=0.5": true, "gzip;q=0": false,
		"*": true, "br, *;q=0.1": true, "gzip;q=0.0, identity": false,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}
