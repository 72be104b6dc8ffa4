package awssim

// docIndex indexes the documented metrics (metrics.go) for lookups.
type docIndex struct {
	instanceOrder []string
	instance      map[string][]metricDoc // a metric applies if any of its rows does
	clusterOrder  []string
	cluster       map[string]metricDoc
	clusterEngine map[string]bool
	proxyOrder    []string
	proxy         map[string]proxyDoc
	units         map[string]string
	// dense: every instance publishes every instance metric (Options.Dense).
	dense bool
}

// newDocIndex indexes the tables of metrics.go; dense is Options.Dense.
func newDocIndex(dense bool) *docIndex {
	c := &docIndex{
		dense:    dense,
		instance: map[string][]metricDoc{}, cluster: map[string]metricDoc{},
		clusterEngine: map[string]bool{}, proxy: map[string]proxyDoc{}, units: map[string]string{},
	}
	for _, d := range instanceMetrics() {
		if _, seen := c.instance[d.name]; !seen {
			c.instanceOrder = append(c.instanceOrder, d.name)
		}
		c.instance[d.name] = append(c.instance[d.name], d)
		c.units[d.name] = d.unit
	}
	for _, d := range clusterMetrics() {
		c.clusterOrder = append(c.clusterOrder, d.name)
		c.cluster[d.name] = d
		c.units[d.name] = d.unit
	}
	for _, n := range clusterEngineMetrics() {
		c.clusterEngine[n] = true
	}
	for _, d := range proxyMetrics() {
		c.proxyOrder = append(c.proxyOrder, d.name)
		c.proxy[d.name] = d
		c.units[d.name] = d.unit
	}
	return c
}

// traits are the facts about an instance or cluster that decide which
// metrics it publishes.
type traits struct {
	engine     engineSet
	primary    bool
	burstable  bool
	pi         bool
	gp2        bool
	serverless bool
	readers    bool // an Aurora writer or cluster with readers
	global     bool
}

// traits returns the instance's traits.
func (in *instance) traits() traits {
	t := traits{
		engine: in.engine.bit, primary: in.primary(), burstable: in.class.burstable,
		pi: in.PerformanceInsightsEnabled, gp2: in.StorageType == "gp2", serverless: in.class.serverless,
	}
	if c := in.cluster; c != nil {
		t.readers, t.global = in.Writer && len(c.members) > 1, c.GlobalClusterID != ""
	}
	return t
}

// traits returns the cluster's traits.
func (c *cluster) traits() traits {
	return traits{
		engine: c.engine.bit, primary: true, serverless: c.Serverless(),
		readers: len(c.members) > 1, global: c.GlobalClusterID != "",
	}
}

// appliesTo reports whether a resource with traits t publishes the metric.
func (d metricDoc) appliesTo(t traits) bool {
	if d.engines&t.engine == 0 || (d.role == rolePrimary && !t.primary) || (d.role == roleReplica && t.primary) {
		return false
	}
	checks := []struct {
		need needSet
		ok   bool
	}{
		{needBurstable, t.burstable},
		{needPI, t.pi},
		{needGP2, t.gp2},
		{needServerless, t.serverless},
		{needProvisioned, !t.serverless},
		{needReaders, t.readers},
		{needGlobal, t.global},
		{needAuroraMyBurst, t.engine != engineAuroraMySQL || t.burstable},
	}
	for _, c := range checks {
		if d.needs&c.need != 0 && !c.ok {
			return false
		}
	}
	return true
}

// instancePublishes reports whether the instance publishes the instance
// metric.
func (c *docIndex) instancePublishes(metric string, in *instance) bool {
	if c.dense {
		return len(c.instance[metric]) > 0
	}
	t := in.traits()
	for _, d := range c.instance[metric] {
		if d.appliesTo(t) {
			return true
		}
	}
	return false
}

// publishers returns the instances of cands that publish the instance
// metric.
func (c *docIndex) publishers(metric string, cands []*instance) []*instance {
	var out []*instance
	for _, in := range cands {
		if c.instancePublishes(metric, in) {
			out = append(out, in)
		}
	}
	return out
}

// clusterPublishes reports whether the cluster publishes the cluster-level
// metric.
func (c *docIndex) clusterPublishes(metric string, cl *cluster) bool {
	d, ok := c.cluster[metric]
	return ok && d.appliesTo(cl.traits())
}
