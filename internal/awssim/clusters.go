package awssim

import (
	"fmt"
	"time"
)

// Cluster is one simulated Aurora DB cluster, as DescribeDBClusters shows it.
type Cluster struct {
	ID             string // DB cluster identifier, e.g. "sim-aurora-postgresql-cluster-01"
	ARN            string // arn:aws:rds:<region>:<account>:cluster:<id>
	ResourceID     string // DbClusterResourceId, e.g. "cluster-ABC..."
	AccountID      string
	Region         string
	Engine         string // aurora-postgresql or aurora-mysql
	EngineVersion  string
	EngineMode     string // "provisioned", Aurora Serverless v2 clusters included
	Status         string // always "available"
	Endpoint       string // the writer endpoint
	ReaderEndpoint string
	Port           int32
	MultiAZ        bool // true when the cluster has readers
	CreateTime     time.Time
	// Members are the cluster's instances, the writer first.
	Members []ClusterMember
	// MinACU and MaxACU are the capacity range of an Aurora Serverless v2
	// cluster (ServerlessV2ScalingConfiguration), both 0 otherwise.
	MinACU, MaxACU float64
	// GlobalClusterID is the Aurora global database the cluster belongs
	// to, empty if none.
	GlobalClusterID string
	Tags            map[string]string
}

// ClusterMember is one instance of an Aurora cluster.
type ClusterMember struct {
	InstanceID string
	Writer     bool // IsClusterWriter
}

// Serverless reports whether the cluster is Aurora Serverless v2.
func (c *Cluster) Serverless() bool { return c.MaxACU > 0 }

// cluster is a simulated cluster with what the data function needs.
type cluster struct {
	Cluster
	owner
	engine  engineSpec
	members []*instance // the writer first
}

// Every third cluster (the second, fifth, ...) is Aurora Serverless v2;
// every fourth (the third, seventh, ...) belongs to a global database.
const (
	serverlessEvery, serverlessAt = 3, 1
	globalEvery, globalAt         = 4, 2
)

// newClusters groups the Aurora instances of a fleet into clusters: the
// instances of each Aurora engine, in order, form clusters of size
// instances, the first of each the writer. Clusters are numbered in the
// order of their writers; cluster k (0-based) is
// "sim-<engine>-cluster-<k+1 as two or more digits>".
func newClusters(sh *fleetShape, sc scope, ins []instance) []cluster {
	var out []cluster
	filling := map[string]int{} // engine -> index of its cluster not full yet
	for i := range ins {
		in := &ins[i]
		if !in.engine.aurora() {
			continue
		}
		k, ok := filling[in.Engine]
		if !ok {
			out = append(out, cluster{engine: in.engine})
			k = len(out) - 1
			filling[in.Engine] = k
		}
		out[k].members = append(out[k].members, in)
		if len(out[k].members) == sh.clusterSize {
			delete(filling, in.Engine)
		}
	}
	for k := range out {
		buildCluster(sh, sc, k, &out[k])
	}
	return out
}

// buildCluster describes cluster k of a scope and ties its members to it.
func buildCluster(sh *fleetShape, sc scope, k int, c *cluster) {
	id := fmt.Sprintf("sim-%s-cluster-%02d", c.engine.name, k+1)
	h := hash3(uint64(sh.seed), uint64(k), strHash(id))
	arn := rdsARN(sc, "cluster", id)
	c.owner = newOwner(hash2(h, strHash(arn)), createTime(hash2(h, 9)))
	c.storageGiB = pick([]float64{50, 200, 500, 1500}, hash2(h, 7))
	c.Cluster = Cluster{
		ID: id, ARN: arn, ResourceID: "cluster-" + hashChars(c.hash, 26, base32Upper),
		AccountID: sc.account, Region: sc.region,
		Engine: c.engine.name, EngineVersion: c.engine.version, EngineMode: "provisioned", Status: "available",
		Endpoint:       endpointHost(id, "cluster-", c.hash, sc.region),
		ReaderEndpoint: endpointHost(id, "cluster-ro-", c.hash, sc.region),
		Port:           c.engine.port, MultiAZ: len(c.members) > 1,
		CreateTime: time.Unix(c.born, 0).UTC(), Tags: tags(id, h),
	}
	if k%serverlessEvery == serverlessAt {
		c.MinACU, c.MaxACU = pick([]float64{0.5, 2}, hash2(h, 12)), pick([]float64{8, 16, 32, 64}, hash2(h, 13))
		c.acuMax = c.MaxACU
	}
	if k%globalEvery == globalAt {
		c.GlobalClusterID = fmt.Sprintf("sim-global-%02d", k+1)
	}
	for j, in := range c.members {
		in.cluster, in.Writer = c, j == 0
		if c.Serverless() {
			in.class = mustClasses(serverlessClass)[0]
		}
		c.Members = append(c.Members, ClusterMember{InstanceID: in.ID, Writer: j == 0})
	}
}

// readers returns the cluster's reader instances.
func (c *cluster) readers() []*instance { return c.members[1:] }
