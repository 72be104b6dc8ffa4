package remotewrite_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
	writev2 "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/sink/remotewrite"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// receiver is a remote-write receiver on 127.0.0.1 that decodes both
// protocol versions, keeps the samples of the requests it accepts in
// arrival order, and answers the first requests with faults.
type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	// faults are the answers to the first requests, in order; a request
	// past them is accepted.
	faults   []fault
	requests int
	// got are the accepted samples by series, in arrival order; sizes the
	// sample count of each accepted request, series the series count.
	got    map[string][]tsdbwriter.Sample
	sizes  []int
	series []int
	// v1 makes the receiver one of 1.0 only: answering 2.0 requests with
	// the status v1 says, or, with 0, reading every body as 1.0 as old
	// receivers do.
	v1 *int
	// versions are the versions of the requests accepted, in order.
	versions []string
}

type fault struct {
	status     int
	retryAfter string
	body       string
}

func startReceiver(t *testing.T, faults ...fault) *receiver {
	t.Helper()
	r := &receiver{faults: faults, got: map[string][]tsdbwriter.Sample{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if r.requests <= len(r.faults) {
		f := r.faults[r.requests-1]
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		http.Error(w, f.body, f.status)
		return
	}
	contentType := req.Header.Get("Content-Type")
	if r.v1 != nil {
		if *r.v1 != 0 && strings.Contains(contentType, "v2") {
			http.Error(w, "unsupported", *r.v1)
			return
		}
		contentType = ""
	}
	body, err := io.ReadAll(req.Body)
	if err == nil {
		body, err = snappy.Decode(nil, body)
	}
	if err == nil {
		err = r.decode(contentType, body, w)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// decode keeps the samples of a request of either version.
func (r *receiver) decode(contentType string, body []byte, w http.ResponseWriter) error {
	if strings.Contains(contentType, "io.prometheus.write.v2.Request") {
		var req writev2.Request
		if err := req.Unmarshal(body); err != nil {
			return err
		}
		n := 0
		for _, ts := range req.Timeseries {
			lbls, err := ts.ToLabels(&labels.ScratchBuilder{}, req.Symbols)
			if err != nil {
				return err
			}
			key := lbls.String()
			for _, s := range ts.Samples {
				r.got[key] = append(r.got[key], tsdbwriter.Sample{T: s.Timestamp, V: s.Value})
			}
			n += len(ts.Samples)
		}
		w.Header().Set("X-Prometheus-Remote-Write-Samples-Written", strconv.Itoa(n))
		r.sizes, r.series = append(r.sizes, n), append(r.series, len(req.Timeseries))
		r.versions = append(r.versions, "2.0")
		return nil
	}
	var req prompb.WriteRequest
	if err := req.Unmarshal(body); err != nil {
		return err
	}
	n := 0
	for _, ts := range req.Timeseries {
		b := labels.NewScratchBuilder(len(ts.Labels))
		for _, l := range ts.Labels {
			b.Add(l.Name, l.Value)
		}
		key := b.Labels().String()
		for _, s := range ts.Samples {
			r.got[key] = append(r.got[key], tsdbwriter.Sample{T: s.Timestamp, V: s.Value})
		}
		n += len(ts.Samples)
	}
	r.sizes, r.series = append(r.sizes, n), append(r.series, len(req.Timeseries))
	r.versions = append(r.versions, "1.0")
	return nil
}

// testSeries returns n series of m hourly samples each.
func testSeries(n, m int) []tsdbwriter.Series {
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	out := make([]tsdbwriter.Series, n)
	for i := range out {
		out[i].Labels = labels.FromStrings("__name__", "aws_rds_cpuutilization_average", "name", arnOf(i), "job", "rds")
		for h := range m {
			out[i].Samples = append(out[i].Samples, tsdbwriter.Sample{T: start.Add(time.Duration(h) * time.Hour).UnixMilli(), V: float64(i*1000 + h)})
		}
	}
	return out
}

func newWriter(t testing.TB, cfg remotewrite.Config) *remotewrite.Writer {
	t.Helper()
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff, cfg.MaxBackoff = time.Millisecond, 10*time.Millisecond
	}
	w, err := remotewrite.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// checkExactlyOnce checks that the receiver holds every sample of series
// once, in time order.
func (r *receiver) checkExactlyOnce(t *testing.T, series []tsdbwriter.Series) {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.got) != len(series) {
		t.Fatalf("receiver has %d series, want %d", len(r.got), len(series))
	}
	for _, s := range series {
		got := r.got[s.Labels.String()]
		if len(got) != len(s.Samples) {
			t.Fatalf("%s: received %d samples, want %d", s.Labels, len(got), len(s.Samples))
		}
		for i := range got {
			if got[i] != s.Samples[i] {
				t.Fatalf("%s: sample %d is %v, want %v (order or value)", s.Labels, i, got[i], s.Samples[i])
			}
		}
	}
}

func TestBatchesKeepSeriesInOrder(t *testing.T) {
	for _, version := range []string{remotewrite.Version1, remotewrite.Version2} {
		t.Run(version, func(t *testing.T) {
			r := startReceiver(t)
			series := testSeries(10, 37)
			w := newWriter(t, remotewrite.Config{URL: r.srv.URL, ProtocolVersion: version, BatchSize: 50, Shards: 3})
			st, err := w.Write(context.Background(), series)
			if err != nil {
				t.Fatal(err)
			}
			r.checkExactlyOnce(t, series)
			multi := false
			for i, n := range r.sizes {
				if n > 50 {
					t.Fatalf("request %d has %d samples, batch size is 50", i, n)
				}
				multi = multi || r.series[i] > 1
			}
			if !multi {
				t.Fatal("no request held pieces of several series")
			}
			if st.Samples != 370 || st.Requests != len(r.sizes) || st.Retries != 0 {
				t.Fatalf("stats %+v, want 370 samples in %d requests", st, len(r.sizes))
			}
		})
	}
}

// TestRetriesOn503And429: the receiver answers 503 twice, then 429 with
// Retry-After twice; the writer waits and delivers every sample once.
func TestRetriesOn503And429(t *testing.T) {
	r := startReceiver(t,
		fault{status: 503, body: "starting"}, fault{status: 503, body: "starting"},
		fault{status: 429, retryAfter: "1", body: "slow down"}, fault{status: 429, retryAfter: "1", body: "slow down"})
	series := testSeries(5, 24)
	w := newWriter(t, remotewrite.Config{URL: r.srv.URL, BatchSize: 40, Shards: 1})
	st, err := w.Write(context.Background(), series)
	if err != nil {
		t.Fatal(err)
	}
	r.checkExactlyOnce(t, series)
	if st.Retries != 4 {
		t.Fatalf("%d retries, want 4", st.Retries)
	}
}

// TestNoRetryOn400: a 400 fails the write at once with the receiver's
// message.
func TestNoRetryOn400(t *testing.T) {
	r := startReceiver(t, fault{status: 400, body: "out of bounds: sample too old"})
	w := newWriter(t, remotewrite.Config{URL: r.srv.URL, Shards: 1})
	_, err := w.Write(context.Background(), testSeries(2, 10))
	if err == nil || !strings.Contains(err.Error(), "out of bounds: sample too old") || !strings.Contains(err.Error(), "400") {
		t.Fatalf("err %v, want the receiver's 400 message", err)
	}
	if r.requests != 1 {
		t.Fatalf("%d requests, want 1 (no retry)", r.requests)
	}
}

// TestCancelStopsBackoff: canceling the context ends a write that waits
// for a receiver that keeps answering 503.
func TestCancelStopsBackoff(t *testing.T) {
	faults := make([]fault, 1000)
	for i := range faults {
		faults[i] = fault{status: 503, body: "down"}
	}
	r := startReceiver(t, faults...)
	w := newWriter(t, remotewrite.Config{URL: r.srv.URL, MinBackoff: time.Hour, MaxBackoff: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := w.Write(ctx, testSeries(2, 10))
		done <- err
	}()
	waitRequests(t, r, 1)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

func waitRequests(t *testing.T, r *receiver, n int) {
	t.Helper()
	testtools.Eventually(t, 10*time.Second, 10*time.Millisecond, func() error {
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.requests < n {
			return fmt.Errorf("%d requests, want %d", r.requests, n)
		}
		return nil
	})
}

func TestUnorderedSeriesRefused(t *testing.T) {
	r := startReceiver(t)
	series := testSeries(2, 3)
	series[1].Samples[2].T = series[1].Samples[0].T
	w := newWriter(t, remotewrite.Config{URL: r.srv.URL})
	if _, err := w.Write(context.Background(), series); !errors.Is(err, tsdbwriter.ErrUnordered) {
		t.Fatalf("err %v, want ErrUnordered", err)
	}
	if r.requests != 0 {
		t.Fatalf("%d requests sent for a refused write", r.requests)
	}
}

// TestAuto: VersionAuto sends 2.0 to a receiver that takes it, and falls
// back to 1.0 for one that answers 415 or reads 2.0 as an empty 1.0
// request; every sample arrives once either way.
func TestAuto(t *testing.T) {
	tests := []struct {
		name string
		v1   *int
		want string
	}{
		{"2.0 receiver", nil, "2.0"},
		{"415 to 2.0", ptr(http.StatusUnsupportedMediaType), "1.0"},
		{"reads 2.0 as 1.0", ptr(0), "1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startReceiver(t)
			r.v1 = tt.v1
			series := testSeries(6, 30)
			w := newWriter(t, remotewrite.Config{URL: r.srv.URL, BatchSize: 40, Shards: 2})
			if _, err := w.Write(context.Background(), series); err != nil {
				t.Fatal(err)
			}
			r.checkExactlyOnce(t, series)
			for i, v := range r.versions {
				if v != tt.want {
					t.Fatalf("request %d accepted in %s, want all in %s", i, v, tt.want)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
