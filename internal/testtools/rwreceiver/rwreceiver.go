// Package rwreceiver is a Prometheus Remote-Write receiver for tests. It is
// apart from testtools because it uses tsdbwriter's types, and tsdbwriter's
// own tests use testtools.
package rwreceiver

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/snappy"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/prompb"
	writev2 "github.com/prometheus/prometheus/prompb/io/prometheus/write/v2"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/tsdbwriter"
)

// Fault is an answer a Receiver gives instead of accepting a
// request.
type Fault struct {
	Status     int
	RetryAfter string // the Retry-After header, if not empty
	Body       string
}

// Request is a request a Receiver accepted.
type Request struct {
	// Version is "1.0" or "2.0".
	Version string
	// Series are the request's series, in request order; a series may
	// appear more than once.
	Series []tsdbwriter.Series
}

// Samples returns the number of samples of the request.
func (r Request) Samples() int {
	n := 0
	for _, s := range r.Series {
		n += len(s.Samples)
	}
	return n
}

// Receiver is a Prometheus Remote-Write receiver on 127.0.0.1
// for tests. It decodes requests of both protocol versions, answers some
// with faults, passes the others on to a real receiver if told to
// (answering what that one answers), and keeps the requests it accepted,
// in arrival order. Its methods are safe for concurrent use.
type Receiver struct {
	srv     *httptest.Server
	forward string

	mu       sync.Mutex
	fault    func(n int) *Fault
	v1Only   *int
	requests int
	accepted []Request
}

// Start starts a receiver that accepts every request;
// with forward set, it passes each accepted request on to that URL (a
// real receiver's write endpoint) and accepts it only if that receiver
// does. It stops when the test ends.
func Start(tb testing.TB, forward string) *Receiver {
	tb.Helper()
	r := &Receiver{forward: forward}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(r.srv.Close)
	return r
}

// URL returns the receiver's write endpoint.
func (r *Receiver) URL() string { return r.srv.URL + "/api/v1/write" }

// SetFault makes the receiver answer the n-th request (from 1, counting
// every request) with what f returns, or handle it when f returns nil.
func (r *Receiver) SetFault(f func(n int) *Fault) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fault = f
}

// FaultsFirst makes the receiver answer its first requests with faults, in
// order.
func (r *Receiver) FaultsFirst(faults ...Fault) {
	r.SetFault(func(n int) *Fault {
		if n <= len(faults) {
			return &faults[n-1]
		}
		return nil
	})
}

// SetV1Only makes the receiver one of Remote-Write 1.0 only: it answers a
// 2.0 request with status, or, with 0, reads its body as 1.0, as old
// receivers do.
func (r *Receiver) SetV1Only(status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.v1Only = &status
}

// Requests returns the number of requests received, faulted ones included.
func (r *Receiver) Requests() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.requests
}

// Accepted returns the requests accepted so far, in arrival order.
func (r *Receiver) Accepted() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.accepted...)
}

// Series returns the series of the accepted requests, each with its
// samples in arrival order.
func (r *Receiver) Series() []tsdbwriter.Series {
	var out []tsdbwriter.Series
	index := map[string]int{}
	for _, req := range r.Accepted() {
		for _, s := range req.Series {
			k := s.Labels.String()
			i, ok := index[k]
			if !ok {
				i = len(out)
				index[k] = i
				out = append(out, tsdbwriter.Series{Labels: s.Labels})
			}
			out[i].Samples = append(out[i].Samples, s.Samples...)
		}
	}
	return out
}

// Samples returns the samples of the accepted requests by series (its
// labels' String), in arrival order.
func (r *Receiver) Samples() map[string][]tsdbwriter.Sample {
	out := map[string][]tsdbwriter.Sample{}
	for _, s := range r.Series() {
		out[s.Labels.String()] = s.Samples
	}
	return out
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	r.mu.Lock()
	defer r.mu.Unlock() // one request at a time: arrival order is accept order
	r.requests++
	if r.fault != nil {
		if f := r.fault(r.requests); f != nil {
			if f.RetryAfter != "" {
				w.Header().Set("Retry-After", f.RetryAfter)
			}
			http.Error(w, f.Body, f.Status)
			return
		}
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	version := "1.0"
	if strings.Contains(req.Header.Get("Content-Type"), "io.prometheus.write.v2.Request") {
		version = "2.0"
	}
	if r.v1Only != nil && version == "2.0" {
		if *r.v1Only != 0 {
			http.Error(w, "unsupported", *r.v1Only)
			return
		}
		version = "1.0"
	}
	decoded, err := decodeWrite(version, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if r.forward == "" {
		r.accepted = append(r.accepted, decoded)
		if version == "2.0" {
			w.Header().Set("X-Prometheus-Remote-Write-Samples-Written", strconv.Itoa(decoded.Samples()))
		}
		w.WriteHeader(http.StatusNoContent)
		return
	}
	ans, err := forwardWrite(req, r.forward, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	if ans.status/100 == 2 {
		r.accepted = append(r.accepted, decoded)
	}
	for k, v := range ans.header {
		w.Header()[k] = v
	}
	w.WriteHeader(ans.status)
	_, _ = w.Write(ans.body)
}

// answer is what a receiver answered.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// forwardWrite sends body with req's headers to url and returns the
// answer.
func forwardWrite(req *http.Request, url string, body []byte) (answer, error) {
	out, err := http.NewRequestWithContext(context.WithoutCancel(req.Context()), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	out.Header = req.Header.Clone()
	resp, err := http.DefaultClient.Do(out)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: b}, err
}

// decodeWrite decodes a snappy-compressed request of a protocol version.
func decodeWrite(version string, body []byte) (Request, error) {
	raw, err := snappy.Decode(nil, body)
	if err != nil {
		return Request{}, err
	}
	out := Request{Version: version}
	if version == "2.0" {
		var req writev2.Request
		if err := req.Unmarshal(raw); err != nil {
			return out, err
		}
		for _, ts := range req.Timeseries {
			lbls, err := ts.ToLabels(&labels.ScratchBuilder{}, req.Symbols)
			if err != nil {
				return out, err
			}
			s := tsdbwriter.Series{Labels: lbls}
			for _, x := range ts.Samples {
				s.Samples = append(s.Samples, tsdbwriter.Sample{T: x.Timestamp, V: x.Value})
			}
			out.Series = append(out.Series, s)
		}
		return out, nil
	}
	var req prompb.WriteRequest
	if err := req.Unmarshal(raw); err != nil {
		return out, err
	}
	for _, ts := range req.Timeseries {
		b := labels.NewScratchBuilder(len(ts.Labels))
		for _, l := range ts.Labels {
			b.Add(l.Name, l.Value)
		}
		b.Sort()
		s := tsdbwriter.Series{Labels: b.Labels()}
		for _, x := range ts.Samples {
			s.Samples = append(s.Samples, tsdbwriter.Sample{T: x.Timestamp, V: x.Value})
		}
		out.Series = append(out.Series, s)
	}
	return out, nil
}
