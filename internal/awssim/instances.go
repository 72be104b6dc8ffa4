package awssim

import (
	"fmt"
	"strings"
	"time"
)

// Instance is one simulated RDS DB instance, as DescribeDBInstances shows it.
type Instance struct {
	ID               string // DB instance identifier, e.g. "sim-postgres-01"
	ARN              string // arn:aws:rds:<region>:<account>:db:<id>
	ResourceID       string // DbiResourceId, e.g. "db-ABC..."
	AccountID        string
	Region           string
	Engine           string // postgres, mysql, mariadb or aurora-postgresql
	EngineVersion    string
	Class            string // e.g. "db.r6g.xlarge"
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
	// HasGaps reports whether the instance has stopped windows: hours in
	// which CloudWatch has no datapoint for any of its metrics.
	HasGaps bool
	Tags    map[string]string
}

// instance is a simulated instance with what the data function needs.
type instance struct {
	Instance
	hash   uint64
	engine engineSpec
	class  classSpec
	load   float64 // activity factor of load-driven metrics, 0.4..1.6
	phase  float64 // shift of the daily cycle, in days (0..0.25)
}

// engineSpec describes one simulated engine.
type engineSpec struct {
	name    string
	version string
	port    int32
	bit     engineSet
}

// engineSet is a set of engines, one bit per engine.
type engineSet uint8

const (
	enginePostgres engineSet = 1 << iota
	engineMySQL
	engineMariaDB
	engineAuroraPostgres

	engineNone     engineSet = 0
	enginePGFamily           = enginePostgres | engineAuroraPostgres
	engineMyFamily           = engineMySQL | engineMariaDB
	engineAll                = enginePGFamily | engineMyFamily
)

// engines returns the engines instances rotate through, in order.
func engines() []engineSpec {
	return []engineSpec{
		{"postgres", "16.4", 5432, enginePostgres},
		{"mysql", "8.0.39", 3306, engineMySQL},
		{"mariadb", "10.11.9", 3306, engineMariaDB},
		{"aurora-postgresql", "16.4", 5432, engineAuroraPostgres},
	}
}

// classSpec describes one DB instance class.
type classSpec struct {
	name      string
	vcpus     int
	memGiB    float64
	burstable bool
}

// classes returns the classes of non-Aurora instances.
func classes() []classSpec {
	return []classSpec{
		{"db.t3.medium", 2, 4, true},
		{"db.t4g.large", 2, 8, true},
		{"db.m6g.large", 2, 8, false},
		{"db.m5.xlarge", 4, 16, false},
		{"db.r6g.xlarge", 4, 32, false},
		{"db.r6g.2xlarge", 8, 64, false},
	}
}

// auroraClasses returns the classes of Aurora instances.
func auroraClasses() []classSpec {
	return []classSpec{
		{"db.t4g.medium", 2, 4, true},
		{"db.r6g.large", 2, 16, false},
		{"db.r7g.xlarge", 4, 32, false},
	}
}

// hasGapsEvery makes every fifth instance, starting with the third, one
// with stopped windows.
const hasGapsEvery = 5

// replicaEvery makes every sixth instance a read replica of the instance
// four places before it (same engine), unless it is an Aurora instance.
const replicaEvery = 6

// newInstances generates the instances of one account and region: instance
// i (0-based) is named "sim-<engine>-<i+1 as two or more digits>", engines
// rotate in the order of engines(). Its shape (engine, class, storage,
// replica, tags) derives from the seed and i alone, so every account and
// region has the same fleet; its ARN, resource ID, endpoint and data derive
// from the seed, i and the scope, so they differ between scopes.
func newInstances(o Options, sc scope) []instance {
	engs := engines()
	out := make([]instance, o.Instances)
	for i := range out {
		eng := engs[i%len(engs)]
		shape := hash3(uint64(o.Seed), uint64(i), strHash(eng.name))
		in := instance{engine: eng}
		in.class = pickClass(eng, shape)
		in.Instance = describe(sc, i, eng, in.class, shape)
		in.hash = hash2(shape, strHash(in.ARN))
		in.load = 0.4 + 1.2*unit(hash2(in.hash, 1))
		in.phase = 0.25 * unit(hash2(in.hash, 2))
		identify(&in.Instance, in.hash)
		if i%replicaEvery == replicaEvery-1 && eng.bit != engineAuroraPostgres && i >= len(engs) {
			in.ReplicaSource = out[i-len(engs)].ID
		}
		out[i] = in
	}
	return out
}

// pickClass chooses the class of an instance.
func pickClass(eng engineSpec, h uint64) classSpec {
	if eng.bit == engineAuroraPostgres {
		return pick(auroraClasses(), hash2(h, 3))
	}
	return pick(classes(), hash2(h, 3))
}

// describe builds the public description of instance i of a scope from
// its shape hash h; identify completes it.
func describe(sc scope, i int, eng engineSpec, cls classSpec, h uint64) Instance {
	id := fmt.Sprintf("sim-%s-%02d", eng.name, i+1)
	in := Instance{
		ID:               id,
		ARN:              rdsARN(sc, "db", id),
		AccountID:        sc.account,
		Region:           sc.region,
		Engine:           eng.name,
		EngineVersion:    eng.version,
		Class:            cls.name,
		Status:           "available",
		MultiAZ:          hash2(h, 5)%3 == 0,
		StorageType:      pick([]string{"gp2", "gp3", "gp3", "io1"}, hash2(h, 6)),
		AllocatedStorage: pick([]int32{20, 100, 200, 500, 1000}, hash2(h, 7)),
		Port:             eng.port,
		HasGaps:          i%hasGapsEvery == 2,
		Tags:             tags(id, h),
	}
	if eng.bit == engineAuroraPostgres {
		in.StorageType, in.AllocatedStorage = "aurora", 1
	}
	return in
}

// identify sets what is unique to one resource, from its hash h: resource
// ID, availability zone, endpoint and creation time.
func identify(in *Instance, h uint64) {
	in.ResourceID = "db-" + resourceSuffix(h)
	in.AvailabilityZone = in.Region + pick([]string{"a", "b", "c"}, hash2(h, 4))
	in.Endpoint = fmt.Sprintf("%s.c%011x.%s.rds.amazonaws.com", in.ID, hash2(h, 8)>>20, in.Region)
	in.CreateTime = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(hash2(h, 9)%700) * 24 * time.Hour)
}

// rdsARN returns the ARN of an RDS resource of a scope: kind is "db",
// "cluster" or "db-proxy".
func rdsARN(sc scope, kind, id string) string {
	return fmt.Sprintf("arn:aws:rds:%s:%s:%s:%s", sc.region, sc.account, kind, id)
}

// tags returns the tags of an instance.
func tags(id string, h uint64) map[string]string {
	return map[string]string{
		"Name": id,
		"env":  pick([]string{"prod", "prod", "staging", "dev"}, hash2(h, 10)),
		"team": pick([]string{"payments", "search", "platform", "analytics"}, hash2(h, 11)),
	}
}

// base32Upper is the alphabet of AWS resource and key IDs.
const base32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// resourceSuffix returns the 26 characters after "db-" of a DbiResourceId.
func resourceSuffix(h uint64) string { return hashChars(h, 26, base32Upper) }

// hashChars returns n characters of alphabet chosen by h.
func hashChars(h uint64, n int, alphabet string) string {
	var b strings.Builder
	b.Grow(n)
	for i := range n {
		b.WriteByte(alphabet[hash2(h, uint64(100+i))%uint64(len(alphabet))])
	}
	return b.String()
}
