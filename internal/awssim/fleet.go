package awssim

import (
	"errors"
	"maps"
	"slices"
	"sync"
)

// fleetShape is the parsed shape options every fleet is generated from.
type fleetShape struct {
	seed         int64
	instances    int
	engines      []engineSpec
	classes      []classSpec // nil: the default mixes
	clusterSize  int
	replicaEvery int // 0: no replicas
	proxies      int
	dense        bool // Options.Dense: no stopped windows
	// monitoring chooses each instance's Enhanced Monitoring and
	// Performance Insights settings (Options.Monitoring); nil: the
	// defaults.
	monitoring func(Instance) Monitoring
}

// newFleetShape parses the shape options (defaults already applied).
func newFleetShape(o Options) (*fleetShape, error) {
	engs, err := lookupEngines(o.Engines)
	if err != nil {
		return nil, err
	}
	sh := &fleetShape{seed: o.Seed, instances: o.Instances, engines: engs, clusterSize: o.ClusterSize, replicaEvery: max(o.ReplicaEvery, 0), proxies: o.Proxies, monitoring: o.Monitoring, dense: o.Dense}
	for _, name := range o.Classes {
		c, err := parseClass(name)
		if err != nil {
			return nil, err
		}
		sh.classes = append(sh.classes, c)
	}
	if sh.instances < 0 || sh.proxies < 0 || sh.clusterSize < 1 {
		return nil, errors.New("awssim: Instances, Proxies and ClusterSize must not be negative")
	}
	return sh, nil
}

// classOf returns the class of instance i: the i-th of Options.Classes or
// of the default mix, round robin, so that any fleet of a few instances
// has burstable ones. Aurora Serverless v2 members get db.serverless later.
func (sh *fleetShape) classOf(i int, eng engineSpec) classSpec {
	cs := sh.classes
	switch {
	case len(cs) > 0:
	case eng.aurora():
		cs = auroraClasses()
	default:
		cs = rdsClasses()
	}
	return cs[i%len(cs)]
}

// fleet is the simulated resources of one account and region. It does not
// change once built.
type fleet struct {
	scope     scope
	instances []instance
	clusters  []cluster
	proxies   []proxy
	byID      map[string]*instance
	clusterBy map[string]*cluster
	proxyBy   map[string]*proxy // by name

	listOnce sync.Once
	listed   []listedMetric // every series the fleet has, see published
}

// newFleet generates the fleet of a scope.
func newFleet(sh *fleetShape, sc scope) *fleet {
	f := &fleet{scope: sc, instances: newInstances(sh, sc)}
	f.clusters = newClusters(sh, sc, f.instances)
	for i := range f.instances {
		finishInstance(&f.instances[i])
	}
	f.setMonitoring(sh.monitoring)
	f.proxies = newProxies(sh, sc, f.instances, f.clusters)
	f.byID = make(map[string]*instance, len(f.instances))
	for i := range f.instances {
		f.byID[f.instances[i].ID] = &f.instances[i]
	}
	f.clusterBy = make(map[string]*cluster, len(f.clusters))
	for i := range f.clusters {
		f.clusterBy[f.clusters[i].ID] = &f.clusters[i]
	}
	f.proxyBy = make(map[string]*proxy, len(f.proxies))
	for i := range f.proxies {
		f.proxyBy[f.proxies[i].Name] = &f.proxies[i]
	}
	return f
}

// newFleets generates a fleet for every configured account and region, in
// the order of Accounts, then Regions.
func newFleets(o Options, sh *fleetShape) []*fleet {
	out := make([]*fleet, 0, len(o.Accounts)*len(o.Regions))
	for _, acct := range o.Accounts {
		for _, region := range o.Regions {
			out = append(out, newFleet(sh, scope{account: acct, region: region}))
		}
	}
	return out
}

// fleet returns the fleet of a scope; an account or region the simulator
// was not configured with has an empty one, as a real account without
// databases in a region does.
func (s *Server) fleet(sc scope) *fleet {
	if f, ok := s.fleets[sc]; ok {
		return f
	}
	return newFleet(&fleetShape{clusterSize: 1}, sc)
}

// indexFleets fills the server's index of fleets by scope.
func (s *Server) indexFleets(fleets []*fleet) {
	s.order = fleets
	s.fleets = make(map[scope]*fleet, len(fleets))
	for _, f := range fleets {
		s.fleets[f.scope] = f
	}
}

// Instances returns the simulated instances of every account and region:
// account by account and region by region in the order of the options,
// each fleet in creation order. The slice and tag maps are copies.
func (s *Server) Instances() []Instance {
	return fromFleets(s, func(f *fleet) []instance { return f.instances }, func(in *instance) Instance {
		c := in.Instance
		c.Tags = maps.Clone(in.Tags)
		return c
	})
}

// Clusters returns the simulated Aurora clusters of every account and
// region, in the order of Instances. The slices and maps are copies.
func (s *Server) Clusters() []Cluster {
	return fromFleets(s, func(f *fleet) []cluster { return f.clusters }, func(c *cluster) Cluster {
		x := c.Cluster
		x.Members = slices.Clone(c.Members)
		x.Tags = maps.Clone(c.Tags)
		return x
	})
}

// Proxies returns the simulated RDS Proxies of every account and region,
// in the order of Instances. The tag maps are copies.
func (s *Server) Proxies() []Proxy {
	return fromFleets(s, func(f *fleet) []proxy { return f.proxies }, func(p *proxy) Proxy {
		x := p.Proxy
		x.Tags = maps.Clone(p.Tags)
		return x
	})
}

// fromFleets returns the public copies of the resources of every fleet, in
// the order of the fleets.
func fromFleets[R, T any](s *Server, items func(*fleet) []R, public func(*R) T) []T {
	var out []T
	for _, f := range s.order {
		rs := items(f)
		for i := range rs {
			out = append(out, public(&rs[i]))
		}
	}
	return out
}

// InstanceARN returns the ARN instance id has in the default account and
// region (Options.AccountID and Options.Region), whether or not it exists.
func (s *Server) InstanceARN(id string) string {
	return rdsARN(scope{account: s.opts.AccountID, region: s.opts.Region}, "db", id)
}
