package awssim

import (
	"maps"
	"slices"
)

// listedMetric is one series a fleet has: a metric and its dimensions,
// sorted by name.
type listedMetric struct {
	metric string
	dims   []dimension
}

// published returns every series of a fleet, computed once: per instance,
// per cluster (alone, by role, by engine), per database class, per engine
// and per proxy (alone, by endpoint, by target role), each in the order of
// the metric tables. It is exactly the set of series resolve finds.
func (s *Server) published(fl *fleet) []listedMetric {
	fl.listOnce.Do(func() {
		var out []listedMetric
		add := func(names []string, dims ...dimension) {
			ds, _ := normalDims(dims)
			for _, m := range names {
				if _, ok := s.resolve(fl, m, ds); ok {
					out = append(out, listedMetric{m, ds})
				}
			}
		}
		inst, clus, prox := s.docs.instanceOrder, s.docs.clusterOrder, s.docs.proxyOrder
		for i := range fl.instances {
			add(inst, dimension{dimInstance, fl.instances[i].ID})
		}
		for i := range fl.clusters {
			c := &fl.clusters[i]
			add(append(slices.Clone(clus), inst...), dimension{dimCluster, c.ID})
			add(inst, dimension{dimCluster, c.ID}, dimension{dimRole, roleWriter})
			add(inst, dimension{dimCluster, c.ID}, dimension{dimRole, roleReader})
			add(clusterEngineMetrics(), dimension{dimClusterLower, c.ID}, dimension{dimEngine, c.Engine})
		}
		for _, class := range fl.distinct(func(in *instance) string { return in.Class }) {
			add(inst, dimension{dimClass, class})
		}
		for _, eng := range fl.distinct(func(in *instance) string { return in.Engine }) {
			add(inst, dimension{dimEngine, eng})
		}
		for i := range fl.proxies {
			name := fl.proxies[i].Name
			add(prox, dimension{dimProxy, name})
			add(prox, dimension{dimProxy, name}, dimension{dimEndpoint, defaultProxyName})
			for _, role := range []string{targetReadWrite, targetReadOnly} {
				add(prox, dimension{dimProxy, name}, dimension{dimTargetGroup, defaultProxyName}, dimension{dimTargetRole, role})
			}
		}
		fl.listed = out
	})
	return fl.listed
}

// distinct returns the sorted distinct values of key over the fleet's
// instances.
func (fl *fleet) distinct(key func(*instance) string) []string {
	set := map[string]bool{}
	for i := range fl.instances {
		set[key(&fl.instances[i])] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// PublishedSeries returns every series CloudWatch has for the account and
// region, as ListMetrics lists them: each instance's metrics by
// DBInstanceIdentifier; each Aurora cluster's cluster-level metrics and
// its members' metrics by DBClusterIdentifier, its members' by
// DBClusterIdentifier and Role, its storage metrics by DbClusterIdentifier
// and EngineName; every instance metric by DatabaseClass and by
// EngineName; each proxy's metrics by ProxyName, by ProxyName and
// EndpointName, and by ProxyName, TargetGroup and TargetRole. The maps are
// new.
func (s *Server) PublishedSeries(account, region string) []Series {
	sc := scope{account: account, region: region}
	fl, ok := s.fleets[sc]
	if !ok {
		return nil
	}
	listed := s.published(fl)
	out := make([]Series, len(listed))
	for i, l := range listed {
		out[i] = Series{AccountID: account, Region: region, Metric: l.metric, Dimensions: dimsMap(l.dims)}
	}
	return out
}

// dimsMap returns dimensions as a map.
func dimsMap(ds []dimension) map[string]string {
	m := make(map[string]string, len(ds))
	for _, d := range ds {
		m[d.name] = d.value
	}
	return m
}
