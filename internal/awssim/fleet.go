package awssim

import "maps"

// fleet is the simulated resources of one account and region.
type fleet struct {
	scope     scope
	instances []instance
	byID      map[string]*instance
}

// newFleet generates the fleet of a scope.
func newFleet(o Options, sc scope) *fleet {
	f := &fleet{scope: sc, instances: newInstances(o, sc)}
	f.byID = make(map[string]*instance, len(f.instances))
	for i := range f.instances {
		f.byID[f.instances[i].ID] = &f.instances[i]
	}
	return f
}

// newFleets generates a fleet for every configured account and region, in
// the order of Accounts, then Regions.
func newFleets(o Options) []*fleet {
	out := make([]*fleet, 0, len(o.Accounts)*len(o.Regions))
	for _, acct := range o.Accounts {
		for _, region := range o.Regions {
			out = append(out, newFleet(o, scope{account: acct, region: region}))
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
	return &fleet{scope: sc}
}

// indexFleets fills the server's indexes of fleets by scope and of
// resources by ARN.
func (s *Server) indexFleets(fleets []*fleet) {
	s.order = fleets
	s.fleets = make(map[scope]*fleet, len(fleets))
	s.byARN = map[string]*instance{}
	for _, f := range fleets {
		s.fleets[f.scope] = f
		for i := range f.instances {
			s.byARN[f.instances[i].ARN] = &f.instances[i]
		}
	}
}

// Instances returns the simulated instances of every account and region:
// account by account and region by region in the order of the options,
// each fleet in creation order. The slice and tag maps are copies.
func (s *Server) Instances() []Instance {
	var out []Instance
	for _, f := range s.order {
		for _, in := range f.instances {
			c := in.Instance
			c.Tags = maps.Clone(in.Tags)
			out = append(out, c)
		}
	}
	return out
}

// InstanceARN returns the ARN instance id has in the default account and
// region (Options.AccountID and Options.Region), whether or not it exists.
func (s *Server) InstanceARN(id string) string {
	return rdsARN(scope{account: s.opts.AccountID, region: s.opts.Region}, "db", id)
}
