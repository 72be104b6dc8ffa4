// Package awssim simulates the parts of AWS the exporter uses, on loopback,
// with the real wire protocols, so the real aws-sdk-go-v2 clients talk to it
// unchanged through AWS_ENDPOINT_URL or config.WithBaseEndpoint:
//
//   - CloudWatch (Smithy RPCv2 CBOR): GetMetricData and ListMetrics;
//   - RDS (awsQuery, XML): DescribeDBInstances;
//   - STS (awsQuery, XML): AssumeRole and GetCallerIdentity;
//   - CloudWatch Logs (JSON 1.1): Enhanced Monitoring's log group
//     RDSOSMetrics, with GetLogEvents, FilterLogEvents and DescribeLogStreams;
//   - Performance Insights (JSON 1.1): GetResourceMetrics and
//     DescribeDimensionKeys.
//
// The data is deterministic: Server.Value is the function GetMetricData
// serves. Faults (throttling, 5xx errors, latency) can be injected, and
// request counters are kept and served at GET /awssim/counters.
//
// Not simulated: metric math and Metrics Insights expressions, periods
// shorter than a minute, extended statistics other than percentiles (pNN),
// request signature checks, and any operation not listed above (they get
// the protocol's unknown-operation error).
package awssim

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a simulator. The zero value is usable.
type Options struct {
	Region    string // default "us-east-1"
	AccountID string // default "123456789012"
	// Instances is the number of simulated instances, default 3. Instance
	// i (0-based) is "sim-<engine>-<i+1>" with engines rotating through
	// postgres, mysql, mariadb, aurora-postgresql.
	Instances int
	Seed      int64 // data seed, default 1
	// Now is the simulator's clock, default time.Now. CloudWatch has data
	// up to Now and back as far as retention allows.
	Now    func() time.Time
	Faults Faults
	// Monitoring chooses each instance's Enhanced Monitoring and
	// Performance Insights settings; nil means defaultMonitoring's mix.
	Monitoring func(Instance) Monitoring
	// LogRetentionDays is the retention of the RDSOSMetrics log group,
	// default 30 days (what RDS sets when it creates the group).
	LogRetentionDays int
}

// Faults are failures the simulator injects. The zero value injects none.
type Faults struct {
	// ThrottleAboveRPS > 0 answers GetMetricData requests above this rate
	// (a token bucket per server holding one second of requests) with 400
	// Throttling "Rate exceeded", as CloudWatch does; CloudWatch Logs and
	// Performance Insights operations get a bucket each, with the same rate,
	// and answer ThrottlingException.
	ThrottleAboveRPS float64
	// ErrorRate (0..1) is the share of API requests answered with 500
	// InternalFailure or 503 ServiceUnavailable, alternately, in a
	// deterministic sequence.
	ErrorRate float64
	// Latency is added to every API request.
	Latency time.Duration
}

// Server is a simulated AWS endpoint. Create it with New.
type Server struct {
	opts      Options
	seedHash  uint64
	instances []instance
	byID      map[string]*instance
	profiles  map[string]*profile
	handler   http.Handler

	faults   faultState
	counters counterSet
	sessions sessionStore
	reqSeq   atomic.Uint64

	mu       sync.Mutex
	listener net.Listener
	httpSrv  *http.Server
}

// New returns a simulator with the given options; it serves nothing until
// Start is called or its Handler is mounted.
func New(opts Options) *Server {
	opts = withDefaults(opts)
	s := &Server{
		opts:      opts,
		seedHash:  mix64(uint64(opts.Seed)),
		instances: newInstances(opts),
		profiles:  newProfiles(),
	}
	s.byID = make(map[string]*instance, len(s.instances))
	for i := range s.instances {
		s.byID[s.instances[i].ID] = &s.instances[i]
	}
	s.setMonitoring()
	s.faults.set(opts.Faults)
	s.handler = s.routes()
	return s
}

// withDefaults fills in the zero fields of opts.
func withDefaults(o Options) Options {
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.AccountID == "" {
		o.AccountID = "123456789012"
	}
	if o.Instances <= 0 {
		o.Instances = 3
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// routes builds the server's request router.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+cwPathPrefix+"{op}", s.handleCloudWatch)
	mux.HandleFunc("POST /{$}", s.handleRoot)
	mux.HandleFunc("GET /awssim/counters", s.handleCounters)
	mux.HandleFunc("POST /awssim/reset", s.handleReset)
	return mux
}

// Handler returns the HTTP handler that serves all simulated services.
func (s *Server) Handler() http.Handler { return s.handler }

// Start listens on addr (e.g. "127.0.0.1:0") and serves in the background
// until Close.
func (s *Server) Start(addr string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener != nil {
		return errors.New("awssim: already started")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", addr)
	if err != nil {
		return fmt.Errorf("awssim: listen: %w", err)
	}
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	s.listener, s.httpSrv = ln, srv
	go func() { _ = srv.Serve(ln) }()
	return nil
}

// URL returns the base URL of the started server, e.g.
// "http://127.0.0.1:41234"; it is empty before Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil {
		return ""
	}
	return "http://" + s.listener.Addr().String()
}

// Close stops the server started by Start, waiting up to five seconds for
// requests in flight.
func (s *Server) Close() error {
	s.mu.Lock()
	srv := s.httpSrv
	s.httpSrv, s.listener = nil, nil
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		return errors.Join(err, srv.Close())
	}
	return nil
}

// SetFaults replaces the injected faults; safe for concurrent use.
func (s *Server) SetFaults(f Faults) { s.faults.set(f) }

// Region returns the simulator's region.
func (s *Server) Region() string { return s.opts.Region }

// AccountID returns the simulator's account ID.
func (s *Server) AccountID() string { return s.opts.AccountID }

// Instances returns the simulated instances in creation order; the slice
// and tag maps are copies.
func (s *Server) Instances() []Instance {
	out := make([]Instance, len(s.instances))
	for i, in := range s.instances {
		out[i] = in.Instance
		out[i].Tags = maps.Clone(in.Tags)
	}
	return out
}

// requestID returns a new request ID, unique within the server.
func (s *Server) requestID() string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", uint32(s.seedHash), s.reqSeq.Add(1))
}
