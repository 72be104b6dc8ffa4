// Package awssim simulates the parts of AWS the exporter uses, on loopback,
// with the real wire protocols, so the real aws-sdk-go-v2 clients talk to it
// unchanged through AWS_ENDPOINT_URL or config.WithBaseEndpoint:
//
//   - CloudWatch (Smithy RPCv2 CBOR): GetMetricData and ListMetrics;
//   - RDS (awsQuery, XML): DescribeDBInstances;
//   - STS (awsQuery, XML): AssumeRole and GetCallerIdentity.
//
// One server holds several accounts and regions (Options.Accounts and
// Options.Regions), each with its own fleet. A request acts in the region
// its SigV4 signature was made for and in the account of its credentials:
// the role's account for credentials AssumeRole issued, the default account
// for any other. Fleets have the same identifiers in every account and
// region, but their own ARNs and data.
//
// awssim is an independent oracle: it keeps its own list of RDS metrics,
// units and which resources publish them, from AWS's documentation, and
// imports nothing of the exporter. The data is deterministic:
// Server.Value is the function GetMetricData serves. Faults (throttling,
// per account and region as CloudWatch's quota; 5xx errors; latency) can
// be injected, and request counters, in total and per account and region,
// are kept and served at GET /awssim/counters.
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
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Options.Region and Options.AccountID.
const (
	DefaultRegion    = "us-east-1"
	DefaultAccountID = "123456789012"
)

// Options configures a simulator. The zero value is usable.
type Options struct {
	// Region is the region of requests whose signature names none;
	// default the first of Regions, else DefaultRegion.
	Region string
	// AccountID is the account of every caller except those using
	// credentials AssumeRole issued, which act in the role's account;
	// default the first of Accounts, else DefaultAccountID.
	AccountID string
	// Regions and Accounts are where fleets exist: every account of
	// Accounts has a fleet in every region of Regions, each with the same
	// identifiers (sim-postgres-01 in each) but its own ARNs, resource IDs
	// and data; repeated names count once. Default: Region and AccountID
	// alone. A request signed for another region, or made with credentials
	// of another account, sees no resources.
	Regions  []string
	Accounts []string
	// Instances is the number of simulated instances of each fleet,
	// default 3. Instance i (0-based) is "sim-<engine>-<i+1>" with engines
	// rotating through postgres, mysql, mariadb, aurora-postgresql.
	Instances int
	Seed      int64 // data seed, default 1
	// Now is the simulator's clock, default time.Now. CloudWatch has data
	// up to Now and back as far as retention allows.
	Now    func() time.Time
	Faults Faults
}

// Faults are failures the simulator injects. The zero value injects none.
type Faults struct {
	// ThrottleAboveRPS > 0 answers GetMetricData requests above this rate
	// (a token bucket per server holding one second of requests) with 400
	// Throttling "Rate exceeded", as CloudWatch does.
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
	opts     Options
	seedHash uint64
	order    []*fleet // fleets in the order of Accounts, then Regions
	fleets   map[scope]*fleet
	byARN    map[string]*instance
	profiles profileSet
	handler  http.Handler

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
		opts:     opts,
		seedHash: mix64(uint64(opts.Seed)),
		profiles: newProfiles(),
	}
	s.indexFleets(newFleets(opts))
	s.faults.set(opts.Faults)
	s.handler = s.routes()
	return s
}

// withDefaults fills in the zero fields of opts.
func withDefaults(o Options) Options {
	o.Region, o.Regions = defaultList(o.Region, o.Regions, DefaultRegion)
	o.AccountID, o.Accounts = defaultList(o.AccountID, o.Accounts, DefaultAccountID)
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

// defaultList returns the default of a one-or-many option and the list: the
// default is one, else the list's first, else fallback; the list is the
// given one without repeats, else the default alone.
func defaultList(one string, list []string, fallback string) (string, []string) {
	switch {
	case one == "" && len(list) > 0:
		one = list[0]
	case one == "":
		one = fallback
	}
	if len(list) == 0 {
		return one, []string{one}
	}
	var out []string
	for _, x := range list {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return one, out
}

// routes builds the server's request router.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+cwPathPrefix+"{op}", s.handleCloudWatch)
	mux.HandleFunc("POST /{$}", s.handleQuery)
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

// Region returns the default region (Options.Region).
func (s *Server) Region() string { return s.opts.Region }

// AccountID returns the default account ID (Options.AccountID).
func (s *Server) AccountID() string { return s.opts.AccountID }

// Regions returns the regions that have fleets.
func (s *Server) Regions() []string { return slices.Clone(s.opts.Regions) }

// Accounts returns the accounts that have fleets.
func (s *Server) Accounts() []string { return slices.Clone(s.opts.Accounts) }

// requestID returns a new request ID, unique within the server.
func (s *Server) requestID() string {
	return fmt.Sprintf("%08x-0000-4000-8000-%012x", uint32(s.seedHash), s.reqSeq.Add(1))
}
