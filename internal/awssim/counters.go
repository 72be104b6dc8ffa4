package awssim

import (
	"encoding/json"
	"maps"
	"net/http"
	"sync"
)

// Counters is a snapshot of what the simulator served since it started or
// was last reset.
type Counters struct {
	// Requests counts API requests by action (operation), including
	// throttled and failed ones.
	Requests map[string]int64 `json:"requests"`
	// MetricsRequested is the sum of MetricDataQueries over answered
	// GetMetricData calls, every page included: the unit CloudWatch bills.
	MetricsRequested int64 `json:"metrics_requested"`
	// DatapointsReturned is the number of datapoints GetMetricData returned.
	DatapointsReturned int64 `json:"datapoints_returned"`
	// Throttled counts requests answered with Throttling.
	Throttled int64 `json:"throttled"`
	// InjectedErrors counts requests answered with an injected 5xx.
	InjectedErrors int64 `json:"injected_errors"`
	// ClientErrors counts requests rejected as invalid (4xx other than
	// throttling).
	ClientErrors int64 `json:"client_errors"`
}

// counterSet is the live, concurrency-safe counters.
type counterSet struct {
	mu sync.Mutex
	c  Counters
}

// update applies fn to the counters under the lock.
func (cs *counterSet) update(fn func(*Counters)) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.c.Requests == nil {
		cs.c.Requests = map[string]int64{}
	}
	fn(&cs.c)
}

// snapshot returns a copy of the counters.
func (cs *counterSet) snapshot() Counters {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	c := cs.c
	c.Requests = maps.Clone(cs.c.Requests)
	if c.Requests == nil {
		c.Requests = map[string]int64{}
	}
	return c
}

// reset zeroes the counters.
func (cs *counterSet) reset() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.c = Counters{}
}

// Counters returns a snapshot of the request counters.
func (s *Server) Counters() Counters { return s.counters.snapshot() }

// ResetCounters zeroes the request counters.
func (s *Server) ResetCounters() { s.counters.reset() }

// handleCounters serves GET /awssim/counters: the counters as JSON.
func (s *Server) handleCounters(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(s.Counters())
}

// handleReset serves POST /awssim/reset: zeroes the counters and answers
// 204 No Content.
func (s *Server) handleReset(w http.ResponseWriter, _ *http.Request) {
	s.ResetCounters()
	w.WriteHeader(http.StatusNoContent)
}
