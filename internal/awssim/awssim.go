// Package awssim simulates the parts of AWS the exporter uses, on loopback,
// with the real wire protocols, so the real aws-sdk-go-v2 clients talk to it
// unchanged through AWS_ENDPOINT_URL or config.WithBaseEndpoint:
//
//   - CloudWatch (Smithy RPCv2 CBOR): GetMetricData and ListMetrics;
//   - RDS (awsQuery, XML): DescribeDBInstances, DescribeDBClusters,
//     DescribeDBProxies and ListTagsForResource;
//   - STS (awsQuery, XML): AssumeRole and GetCallerIdentity;
//   - IAM (awsQuery, XML): ListAccountAliases;
//   - CloudWatch Logs (JSON 1.1): Enhanced Monitoring's log group
//     RDSOSMetrics, with GetLogEvents, FilterLogEvents and DescribeLogStreams;
//   - Performance Insights (JSON 1.1): GetResourceMetrics and
//     DescribeDimensionKeys.
//
// One server holds several accounts and regions (Options.Accounts and
// Options.Regions), each with its own fleet of DB instances, Aurora
// clusters (writers and readers, provisioned and Serverless v2, some in a
// global database) and RDS Proxies. A request acts in the region its SigV4
// signature was made for and in the account of its credentials: the role's
// account for credentials AssumeRole issued, the default account for any
// other. Fleets have the same identifiers in every account and region, but
// their own ARNs and data. Options shape the fleets: engines, instance
// classes, cluster size, read replicas, proxies, and each instance's
// Enhanced Monitoring and Performance Insights settings. CloudWatch Logs
// and Performance Insights are scoped the same way: a caller sees the
// RDSOSMetrics streams and the PI data of its own account and region's
// instances only, and their data derive from the instance (its ARN), so
// every fleet's differ.
//
// awssim is an independent oracle: it keeps its own list of the AWS/RDS
// metrics, their units and which resources publish them (metrics.go),
// written from AWS's documentation, and imports nothing of the exporter.
// CloudWatch has exactly the series PublishedSeries returns: per instance
// (by engine family, replication role, class, storage, Performance
// Insights), per Aurora cluster (alone and by Role), per DatabaseClass and
// EngineName, and per proxy; ListMetrics lists them and GetMetricData
// returns no datapoint for any other, as CloudWatch does. The data is
// deterministic: Server.SeriesValue (and Server.Value, by ARN) is the
// function GetMetricData serves, for the five standard statistics and the
// extended ones (percentiles, trimmed and winsorized means, trimmed counts
// and sums, percentile ranks, IQM). Faults (throttling, per account and
// region as CloudWatch's quota; 5xx errors; latency) can be injected, and
// request counters, in total, per account and region, and GetMetricData
// queries per metric and per resource, are kept and served at GET
// /awssim/counters.
//
// Not simulated: metric math and Metrics Insights expressions, periods
// shorter than a minute, request signature checks, the metrics listed as
// such in metrics.go, and any operation not listed above (they get the
// protocol's unknown-operation error).
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
	// default 3. Instance i (0-based) is "sim-<engine>-<i+1>" with
	// engine Engines[i mod len(Engines)].
	Instances int
	// Engines are the engines instances rotate through, default postgres,
	// mysql, mariadb, aurora-postgresql; aurora-mysql is known too. A
	// PostgreSQL-only fleet is Engines: []string{"postgres"}.
	Engines []string
	// Classes, when set, are the instance classes instances rotate
	// through the same way (names db.<family>.<size>, e.g. db.t4g.medium,
	// db.r6g.xlarge); by default each instance's class comes from a mix in
	// which one RDS instance in three and one Aurora instance in three is
	// burstable (db.t*). Members of Aurora Serverless v2 clusters are
	// db.serverless whatever this says.
	Classes []string
	// ClusterSize is the number of instances of an Aurora cluster, default
	// 2: the Aurora instances of each engine form clusters in order, the
	// first of each its writer, the others readers (the last cluster of an
	// engine may be smaller). Of the clusters, numbered in order of their
	// writers, every third from the second is Aurora Serverless v2 and
	// every fourth from the third belongs to an Aurora global database.
	ClusterSize int
	// ReplicaEvery makes instances n-1, 2n-1, ... (0-based, from the
	// len(Engines)-th on) read replicas of the instance len(Engines)
	// places before them, of the same engine, unless they are Aurora
	// instances. Default 6; negative: no read replicas.
	ReplicaEvery int
	// Proxies is the number of RDS Proxies of each fleet, default 0. Proxy
	// j is "sim-proxy-<j+1>" and targets, round robin, the fleet's Aurora
	// clusters, then its primary instances outside clusters.
	Proxies int
	Seed    int64 // data seed, default 1
	// Now is the simulator's clock, default time.Now. CloudWatch has data
	// up to Now and back as far as retention allows.
	Now    func() time.Time
	Faults Faults
	// Monitoring chooses each instance's Enhanced Monitoring and
	// Performance Insights settings, in every fleet; nil means
	// defaultMonitoring's mix by the instance's place in its fleet. An
	// instance publishes the DBLoad metrics exactly when Performance
	// Insights is on.
	Monitoring func(Instance) Monitoring
	// LogRetentionDays is the retention of the RDSOSMetrics log group,
	// default 30 days (what RDS sets when it creates the group).
	LogRetentionDays int
	// Dense makes a fleet of a fixed shape for benchmarks: every DB
	// instance publishes every DB instance metric AWS documents, whatever
	// its engine, class, role, storage or Performance Insights, and none
	// has stopped windows, so that a query for an instance metric has a
	// datapoint every period.
	Dense bool
	// IAM shapes IAM's answers (account aliases).
	IAM IAMOptions
}

// Faults are failures the simulator injects. The zero value injects none.
type Faults struct {
	// ThrottleAboveRPS > 0 answers GetMetricData requests above this rate
	// (a token bucket per account and region holding one second of
	// requests) with 400 Throttling "Rate exceeded", as CloudWatch does;
	// each CloudWatch Logs and Performance Insights operation gets a bucket
	// of its own per account and region, with the same rate, and answers
	// ThrottlingException.
	ThrottleAboveRPS float64
	// ErrorRate (0..1) is the share of API requests answered with 500
	// InternalFailure or 503 ServiceUnavailable, alternately, in a
	// deterministic sequence.
	ErrorRate float64
	// Latency is added to every API request.
	Latency time.Duration
	// Outage answers every request of one action with 503
	// ServiceUnavailable while it lasts: a service that is down, or that
	// the network cannot reach.
	Outage Outage
}

// Outage is one action failing for a while. The zero value is none.
type Outage struct {
	// Action is the API action: GetCallerIdentity, DescribeDBInstances,
	// GetMetricData...
	Action string
	// For is how long the outage lasts from when the faults are set (New
	// or SetFaults); 0 lasts until the faults change.
	For time.Duration
}

// Server is a simulated AWS endpoint. Create it with New.
type Server struct {
	opts     Options
	seedHash uint64
	order    []*fleet // fleets in the order of Accounts, then Regions
	fleets   map[scope]*fleet
	docs     *docIndex
	shapes   shapeSet
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
// Start is called or its Handler is mounted. It panics on options Check
// rejects, which are mistakes of the code that chose them.
func New(opts Options) *Server {
	opts = withDefaults(opts)
	sh, err := newFleetShape(opts)
	if err != nil {
		panic(err)
	}
	s := &Server{
		opts:     opts,
		seedHash: mix64(uint64(opts.Seed)),
		docs:     newDocIndex(opts.Dense),
		shapes:   newShapes(),
	}
	s.indexFleets(newFleets(opts, sh))
	s.faults.set(opts.Faults)
	s.handler = s.routes()
	return s
}

// Check reports what is wrong with the options: an unknown engine or
// instance class, a negative number of instances, proxies or cluster size.
func (o Options) Check() error {
	_, err := newFleetShape(withDefaults(o))
	return err
}

// withDefaults fills in the zero fields of opts.
func withDefaults(o Options) Options {
	o.Region, o.Regions = defaultList(o.Region, o.Regions, DefaultRegion)
	o.AccountID, o.Accounts = defaultList(o.AccountID, o.Accounts, DefaultAccountID)
	if o.Instances == 0 {
		o.Instances = 3
	}
	if len(o.Engines) == 0 {
		o.Engines = defaultEngines()
	}
	if o.ClusterSize == 0 {
		o.ClusterSize = 2
	}
	if o.ReplicaEvery == 0 {
		o.ReplicaEvery = defaultReplicaEvery
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
