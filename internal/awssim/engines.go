package awssim

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// engineSpec describes one simulated engine.
type engineSpec struct {
	name    string
	version string
	port    int32
	bit     engineSet
	family  string // the EngineFamily of an RDS Proxy: POSTGRESQL or MYSQL
}

// aurora reports whether the engine is an Aurora one.
func (e engineSpec) aurora() bool { return e.bit&engAurora != 0 }

// engineSet is a set of engines, one bit per engine.
type engineSet uint8

const (
	enginePostgres engineSet = 1 << iota
	engineMySQL
	engineMariaDB
	engineAuroraPostgres
	engineAuroraMySQL
)

// Engine names.
const (
	EnginePostgres       = "postgres"
	EngineMySQL          = "mysql"
	EngineMariaDB        = "mariadb"
	EngineAuroraPostgres = "aurora-postgresql"
	EngineAuroraMySQL    = "aurora-mysql"
)

// knownEngines returns every engine awssim simulates.
func knownEngines() []engineSpec {
	return []engineSpec{
		{EnginePostgres, "16.4", 5432, enginePostgres, "POSTGRESQL"},
		{EngineMySQL, "8.0.39", 3306, engineMySQL, "MYSQL"},
		{EngineMariaDB, "10.11.9", 3306, engineMariaDB, "MYSQL"},
		{EngineAuroraPostgres, "16.4", 5432, engineAuroraPostgres, "POSTGRESQL"},
		{EngineAuroraMySQL, "8.0.mysql_aurora.3.08.0", 3306, engineAuroraMySQL, "MYSQL"},
	}
}

// defaultEngines is the engine rotation of Options.Engines' default.
func defaultEngines() []string {
	return []string{EnginePostgres, EngineMySQL, EngineMariaDB, EngineAuroraPostgres}
}

// lookupEngines returns the specs of engine names.
func lookupEngines(names []string) ([]engineSpec, error) {
	out := make([]engineSpec, 0, len(names))
	for _, n := range names {
		i := slices.IndexFunc(knownEngines(), func(e engineSpec) bool { return e.name == n })
		if i < 0 {
			return nil, fmt.Errorf("awssim: unknown engine %q (known: postgres, mysql, mariadb, aurora-postgresql, aurora-mysql)", n)
		}
		out = append(out, knownEngines()[i])
	}
	return out, nil
}

// classSpec describes one DB instance class.
type classSpec struct {
	name      string
	vcpus     int
	memGiB    float64
	burstable bool
	// serverless is the class of Aurora Serverless v2 instances,
	// db.serverless, whose capacity varies.
	serverless bool
}

// serverlessClass is the class of Aurora Serverless v2 instances.
const serverlessClass = "db.serverless"

// parseClass derives a class's vCPUs and memory from its name,
// db.<family><generation>[<options>].<size>: sizes micro to 2xlarge and
// <n>xlarge; memory per vCPU by family (t: by size, m: 4 GiB, r and x: 8
// GiB). db.serverless is the Aurora Serverless v2 class.
func parseClass(name string) (classSpec, error) {
	if name == serverlessClass {
		return classSpec{name: name, vcpus: 8, memGiB: 32, serverless: true}, nil
	}
	rest, ok := strings.CutPrefix(name, "db.")
	fam, size, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || fam == "" {
		return classSpec{}, fmt.Errorf("awssim: unknown instance class %q", name)
	}
	vcpus, ok := classVCPUs(size)
	if !ok {
		return classSpec{}, fmt.Errorf("awssim: unknown size of instance class %q", name)
	}
	c := classSpec{name: name, vcpus: vcpus}
	switch fam[0] {
	case 't':
		c.burstable, c.memGiB = true, burstableMemGiB(size)
	case 'm':
		c.memGiB = 4 * float64(vcpus)
	case 'r', 'x', 'z':
		c.memGiB = 8 * float64(vcpus)
	default:
		return classSpec{}, fmt.Errorf("awssim: unknown family of instance class %q", name)
	}
	return c, nil
}

// classVCPUs returns the vCPUs of an instance size.
func classVCPUs(size string) (int, bool) {
	switch size {
	case "micro", "small", "medium", "large":
		return 2, true
	case "xlarge":
		return 4, true
	}
	n, err := strconv.Atoi(strings.TrimSuffix(size, "xlarge"))
	if err != nil || n < 2 || !strings.HasSuffix(size, "xlarge") {
		return 0, false
	}
	return 4 * n, true
}

// burstableMemGiB returns the memory of a db.t* size.
func burstableMemGiB(size string) float64 {
	switch size {
	case "micro":
		return 1
	case "small":
		return 2
	case "medium":
		return 4
	case "large":
		return 8
	}
	v, _ := classVCPUs(size)
	return 4 * float64(v)
}

// mustClasses parses class names.
func mustClasses(names ...string) []classSpec {
	out := make([]classSpec, len(names))
	for i, n := range names {
		c, err := parseClass(n)
		if err != nil {
			panic(err)
		}
		out[i] = c
	}
	return out
}

// rdsClasses returns the default mix of classes of RDS (non-Aurora)
// instances: two burstable ones in six.
func rdsClasses() []classSpec {
	return mustClasses("db.t3.medium", "db.t4g.large", "db.m6g.large", "db.m5.xlarge", "db.r6g.xlarge", "db.r6g.2xlarge")
}

// auroraClasses returns the default mix of classes of provisioned Aurora
// instances: one burstable one in three.
func auroraClasses() []classSpec {
	return mustClasses("db.t4g.medium", "db.r6g.large", "db.r7g.xlarge")
}
