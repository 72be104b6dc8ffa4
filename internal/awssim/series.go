package awssim

import (
	"maps"
	"slices"
	"strings"
)

// Series names one CloudWatch series of the AWS/RDS namespace in one
// account and region: a metric and its dimensions.
type Series struct {
	AccountID  string
	Region     string
	Metric     string
	Dimensions map[string]string
}

// dimension is a CloudWatch dimension.
type dimension struct{ name, value string }

// sortedDims returns the dimensions of a map sorted by name.
func sortedDims(m map[string]string) []dimension {
	out := make([]dimension, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, dimension{k, m[k]})
	}
	return out
}

// normalDims returns dimensions sorted by name; ok is false when a name
// repeats.
func normalDims(ds []dimension) ([]dimension, bool) {
	out := slices.Clone(ds)
	slices.SortFunc(out, func(a, b dimension) int { return strings.Compare(a.name, b.name) })
	for i := 1; i < len(out); i++ {
		if out[i].name == out[i-1].name {
			return nil, false
		}
	}
	return out, true
}

// dimsString returns sorted dimensions as "Name=Value,Name=Value".
func dimsString(ds []dimension) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.name + "=" + d.value
	}
	return strings.Join(parts, ",")
}

// dimsNames returns the names of sorted dimensions joined by commas: the
// dimension set.
func dimsNames(ds []dimension) string {
	if len(ds) == 1 {
		return ds[0].name
	}
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.name
	}
	return strings.Join(parts, ",")
}

// resolved is a series resolved against a fleet: what its data derives
// from. Exactly one of own and members is set.
type resolved struct {
	shape   *shape
	unit    string
	own     *owner      // a cluster's or proxy's own series
	members []*instance // an instance series, or an aggregate of instances
}

// resolve finds the data of a metric with sorted dimensions in a fleet;
// ok is false when CloudWatch has no such series.
func (s *Server) resolve(fl *fleet, metric string, dims []dimension) (r resolved, ok bool) {
	r = resolved{shape: s.shapes[metric], unit: s.docs.units[metric]}
	if r.shape == nil {
		return r, false
	}
	value := func(i int) string { return dims[i].value }
	switch dimsNames(dims) {
	case dimInstance:
		if in := fl.byID[value(0)]; in != nil && s.docs.instancePublishes(metric, in) {
			r.members = []*instance{in}
		}
	case dimCluster:
		c := fl.clusterBy[value(0)]
		switch {
		case c != nil && s.docs.clusterPublishes(metric, c):
			r.own = &c.owner
		case c != nil && s.docs.cluster[metric].name == "":
			r.members = s.docs.publishers(metric, c.members)
		}
	case dimCluster + "," + dimRole:
		if c := fl.clusterBy[value(0)]; c != nil {
			r.members = s.docs.publishers(metric, c.withRole(value(1)))
		}
	case dimClusterLower + "," + dimEngine:
		if c := fl.clusterBy[value(0)]; c != nil && c.Engine == value(1) && s.docs.clusterEngine[metric] && s.docs.clusterPublishes(metric, c) {
			r.own = &c.owner
		}
	case dimClass:
		r.members = s.docs.publishers(metric, fl.where(func(in *instance) bool { return in.Class == value(0) }))
	case dimEngine:
		r.members = s.docs.publishers(metric, fl.where(func(in *instance) bool { return in.Engine == value(0) }))
	default:
		r.own = s.resolveProxy(fl, metric, dims)
	}
	return r, r.own != nil || len(r.members) > 0
}

// resolveProxy finds the data of an RDS Proxy series: dimension sets
// ProxyName; ProxyName, EndpointName (the default endpoint); ProxyName,
// TargetGroup (the default group), TargetRole.
func (s *Server) resolveProxy(fl *fleet, metric string, dims []dimension) *owner {
	d, ok := s.docs.proxy[metric]
	if !ok {
		return nil
	}
	switch dimsNames(dims) {
	case dimProxy:
		if p := fl.proxyBy[dims[0].value]; p != nil && d.sets&proxyByName != 0 {
			return &p.owner
		}
	case dimEndpoint + "," + dimProxy:
		if p := fl.proxyBy[dims[1].value]; p != nil && d.sets&proxyByEndpoint != 0 && dims[0].value == defaultProxyName {
			return &p.owner
		}
	case dimProxy + "," + dimTargetGroup + "," + dimTargetRole:
		p, role := fl.proxyBy[dims[0].value], dims[2].value
		if p != nil && d.sets&proxyByRole != 0 && dims[1].value == defaultProxyName && (role == targetReadWrite || (role == targetReadOnly && p.readOnly)) {
			o := p.roleOwner(role)
			return &o
		}
	}
	return nil
}

// withRole returns the cluster's members in a Role (WRITER or READER).
func (c *cluster) withRole(role string) []*instance {
	switch role {
	case roleWriter:
		return c.members[:1]
	case roleReader:
		return c.readers()
	}
	return nil
}

// where returns the fleet's instances that satisfy keep.
func (fl *fleet) where(keep func(*instance) bool) []*instance {
	var out []*instance
	for i := range fl.instances {
		if keep(&fl.instances[i]) {
			out = append(out, &fl.instances[i])
		}
	}
	return out
}

// seriesKey returns the key query counts are kept under: the ARN of the
// instance, cluster or proxy that a series' one dimension
// (DBInstanceIdentifier, DBClusterIdentifier, ProxyName) names, else
// "<account>/<region>/<Name>=<Value>,..." with the dimensions sorted by
// name.
func (fl *fleet) seriesKey(dims []dimension) string {
	if len(dims) == 1 {
		switch dims[0].name {
		case dimInstance:
			return rdsARN(fl.scope, "db", dims[0].value)
		case dimCluster:
			return rdsARN(fl.scope, "cluster", dims[0].value)
		case dimProxy:
			if p := fl.proxyBy[dims[0].value]; p != nil {
				return p.ARN
			}
		}
	}
	return fl.scope.key() + "/" + dimsString(dims)
}

// SeriesKey returns the key of a series in Counters.ResourceQueries: the
// ARN of the instance, cluster or proxy the series names by its one
// dimension DBInstanceIdentifier, DBClusterIdentifier or ProxyName (of an
// existing proxy), else "<account>/<region>/<Name>=<Value>,..." with the
// dimensions sorted by name, e.g.
// "123456789012/us-east-1/DBClusterIdentifier=c,Role=WRITER".
func (s *Server) SeriesKey(sr Series) string {
	return s.fleet(scope{account: sr.AccountID, region: sr.Region}).seriesKey(sortedDims(sr.Dimensions))
}
