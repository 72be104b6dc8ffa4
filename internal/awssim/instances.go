package awssim

import (
	"fmt"
	"time"
)

// Instance is one simulated RDS DB instance, as DescribeDBInstances shows it.
type Instance struct {
	ID               string // DB instance identifier, e.g. "sim-postgres-01"
	ARN              string // arn:aws:rds:<region>:<account>:db:<id>
	ResourceID       string // DbiResourceId, e.g. "db-ABC..."
	AccountID        string
	Region           string
	Engine           string // postgres, mysql, mariadb, aurora-postgresql or aurora-mysql
	EngineVersion    string
	Class            string // e.g. "db.r6g.xlarge"; "db.serverless" for Aurora Serverless v2
	Status           string // always "available"
	AvailabilityZone string
	MultiAZ          bool
	StorageType      string // gp2, gp3, io1 or aurora
	AllocatedStorage int32  // GiB (1 for Aurora, as AWS reports it)
	Endpoint         string // host name of the instance endpoint
	Port             int32
	CreateTime       time.Time
	// ReplicaSource is the identifier of the source instance of a read
	// replica, empty otherwise.
	ReplicaSource string
	// ClusterID is the DBClusterIdentifier of an Aurora instance's cluster,
	// empty for other engines.
	ClusterID string
	// Writer reports whether an Aurora instance is its cluster's writer
	// (IsClusterWriter); false for other engines.
	Writer bool
	// HasGaps reports whether the instance has stopped windows: hours in
	// which CloudWatch has no datapoint for any of its metrics.
	HasGaps bool
	Tags    map[string]string
	// Monitoring is the instance's Enhanced Monitoring and Performance
	// Insights settings.
	Monitoring
}

// instance is a simulated instance with what the data function needs.
type instance struct {
	Instance
	owner
	engine  engineSpec
	class   classSpec
	cluster *cluster // the Aurora cluster, nil for other engines
}

// primary reports whether the instance is an RDS primary or an Aurora
// writer.
func (in *instance) primary() bool {
	if in.cluster != nil {
		return in.Writer
	}
	return in.ReplicaSource == ""
}

// hasGapsEvery makes every fifth instance, starting with the third, one
// with stopped windows.
const hasGapsEvery = 5

// defaultReplicaEvery is Options.ReplicaEvery's default.
const defaultReplicaEvery = 6

// newInstances generates the instances of one account and region, without
// their Aurora clusters: instance i (0-based) is named
// "sim-<engine>-<i+1 as two or more digits>"; engines, classes and storage
// types (gp2, gp3, io1) rotate. Its shape (engine, class, storage,
// replica, tags) derives from the seed and i alone, so every
// account and region has the same fleet; its ARN, resource ID, endpoint
// and data derive from the seed, i and the scope, so they differ between
// scopes. finishInstance completes an instance once its cluster is known.
func newInstances(sh *fleetShape, sc scope) []instance {
	out := make([]instance, sh.instances)
	for i := range out {
		eng := sh.engines[i%len(sh.engines)]
		h := hash3(uint64(sh.seed), uint64(i), strHash(eng.name))
		in := instance{engine: eng, class: sh.classOf(i, eng)}
		in.Instance = describe(sc, i, eng, h)
		in.HasGaps = in.HasGaps && !sh.dense
		if sh.replicaEvery > 0 && i%sh.replicaEvery == sh.replicaEvery-1 && !eng.aurora() && i >= len(sh.engines) {
			in.ReplicaSource = out[i-len(sh.engines)].ID
		}
		in.owner = newOwner(hash2(h, strHash(in.ARN)), time.Time{})
		out[i] = in
	}
	return out
}

// describe builds the public description of instance i of a scope from
// its shape hash h; finishInstance completes it.
func describe(sc scope, i int, eng engineSpec, h uint64) Instance {
	id := fmt.Sprintf("sim-%s-%02d", eng.name, i+1)
	in := Instance{
		ID:               id,
		ARN:              rdsARN(sc, "db", id),
		AccountID:        sc.account,
		Region:           sc.region,
		Engine:           eng.name,
		EngineVersion:    eng.version,
		Status:           "available",
		MultiAZ:          hash2(h, 5)%3 == 0,
		StorageType:      []string{"gp2", "gp3", "io1"}[i%3],
		AllocatedStorage: pick([]int32{20, 100, 200, 500, 1000}, hash2(h, 7)),
		Port:             eng.port,
		HasGaps:          i%hasGapsEvery == 2,
		Tags:             tags(id, h),
	}
	if eng.aurora() {
		in.StorageType, in.AllocatedStorage, in.MultiAZ = "aurora", 1, false
	}
	return in
}

// finishInstance sets what depends on the instance's final class and
// cluster, and what is unique to it (from its owner's hash): resource ID,
// availability zone, endpoint, creation time and the scales of its data.
func finishInstance(in *instance) {
	h := in.hash
	in.Class = in.class.name
	in.ResourceID = "db-" + hashChars(h, 26, base32Upper)
	in.AvailabilityZone = in.Region + pick([]string{"a", "b", "c"}, hash2(h, 4))
	in.Endpoint = endpointHost(in.ID, "c", h, in.Region)
	in.CreateTime = createTime(hash2(h, 9))
	in.born, in.gaps = in.CreateTime.Unix(), in.HasGaps
	in.memGiB, in.vcpus, in.storageGiB = in.class.memGiB, float64(in.class.vcpus), float64(in.AllocatedStorage)
	if c := in.cluster; c != nil {
		in.ClusterID, in.storageGiB = c.ID, c.storageGiB
		if in.class.serverless {
			in.acuMax, in.memGiB = c.MaxACU, 2*c.MaxACU
		}
	}
}
