package awssim

import (
	"encoding/json"
	"maps"
	"net/http"
	"sync"
)

// Tally counts what the simulator served, in all or in one account and
// region.
type Tally struct {
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

// clone returns a deep copy with a non-nil Requests map.
func (t Tally) clone() Tally {
	t.Requests = maps.Clone(t.Requests)
	if t.Requests == nil {
		t.Requests = map[string]int64{}
	}
	return t
}

// Counters is a snapshot of what the simulator served since it started or
// was last reset: the totals, and the same per account and region.
type Counters struct {
	Tally
	// Scopes holds the tally of every account and region that was asked
	// something, keyed "<account>/<region>" (the account of the caller's
	// credentials and the region of the request's signature).
	Scopes map[string]Tally `json:"scopes"`
	// MetricQueries counts GetMetricData queries (MetricDataQueries of
	// answered calls, every page included) by metric name.
	MetricQueries map[string]int64 `json:"metric_queries"`
	// ResourceQueries counts the same by series key (see Server.SeriesKey:
	// the ARN of the instance, cluster or proxy a query names), then by
	// metric name.
	ResourceQueries map[string]map[string]int64 `json:"resource_queries"`
}

// Scope returns the tally of one account and region (zero if it saw no
// request).
func (c Counters) Scope(account, region string) Tally {
	return c.Scopes[scope{account: account, region: region}.key()].clone()
}

// counterSet is the live, concurrency-safe counters.
type counterSet struct {
	mu        sync.Mutex
	total     Tally
	scopes    map[string]*Tally
	metrics   map[string]int64
	resources map[string]map[string]int64
}

// update applies fn to the totals and to the tally of scope sc, under the
// lock.
func (cs *counterSet) update(sc scope, fn func(*Tally)) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.scopes == nil {
		cs.scopes = map[string]*Tally{}
	}
	t := cs.scopes[sc.key()]
	if t == nil {
		t = &Tally{}
		cs.scopes[sc.key()] = t
	}
	for _, x := range []*Tally{&cs.total, t} {
		if x.Requests == nil {
			x.Requests = map[string]int64{}
		}
		fn(x)
	}
}

// countQueries counts the queries of an answered GetMetricData call in a
// fleet by metric and by series key.
func (cs *counterSet) countQueries(fl *fleet, qs []gmdQuery) {
	keys := make([]string, len(qs))
	for i, q := range qs {
		dims, ok := normalDims(q.dims)
		if !ok {
			dims = q.dims
		}
		keys[i] = fl.seriesKey(dims)
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.metrics == nil {
		cs.metrics, cs.resources = map[string]int64{}, map[string]map[string]int64{}
	}
	for i, q := range qs {
		cs.metrics[q.metric]++
		if cs.resources[keys[i]] == nil {
			cs.resources[keys[i]] = map[string]int64{}
		}
		cs.resources[keys[i]][q.metric]++
	}
}

// snapshot returns a copy of the counters.
func (cs *counterSet) snapshot() Counters {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	c := Counters{
		Tally:           cs.total.clone(),
		Scopes:          make(map[string]Tally, len(cs.scopes)),
		MetricQueries:   maps.Clone(cs.metrics),
		ResourceQueries: make(map[string]map[string]int64, len(cs.resources)),
	}
	if c.MetricQueries == nil {
		c.MetricQueries = map[string]int64{}
	}
	for k, t := range cs.scopes {
		c.Scopes[k] = t.clone()
	}
	for k, m := range cs.resources {
		c.ResourceQueries[k] = maps.Clone(m)
	}
	return c
}

// reset zeroes the counters.
func (cs *counterSet) reset() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.total, cs.scopes, cs.metrics, cs.resources = Tally{}, nil, nil, nil
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
