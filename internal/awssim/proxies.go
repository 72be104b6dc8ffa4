package awssim

import (
	"fmt"
	"time"
)

// Proxy is one simulated RDS Proxy, as DescribeDBProxies shows it.
type Proxy struct {
	Name         string // DBProxyName, e.g. "sim-proxy-01"
	ARN          string // arn:aws:rds:<region>:<account>:db-proxy:prx-<17 hex digits>
	AccountID    string
	Region       string
	EngineFamily string // POSTGRESQL or MYSQL
	Status       string // always "available"
	Endpoint     string
	VpcID        string
	RoleARN      string // the IAM role that reads the database secrets
	RequireTLS   bool
	// IdleClientTimeout is in seconds.
	IdleClientTimeout int32
	CreateTime        time.Time
	// TargetID is the DB cluster or instance identifier of the proxy's
	// default target group; TargetCluster tells which.
	TargetID      string
	TargetCluster bool
	Tags          map[string]string
}

// proxy is a simulated proxy with what the data function needs.
type proxy struct {
	Proxy
	owner
	// readOnly is true when the target has readers: the proxy then has
	// traffic in the READ_ONLY target role too.
	readOnly bool
}

// roleOwner returns the data owner of the proxy's traffic in a target
// role: READ_WRITE carries most of it.
func (p *proxy) roleOwner(role string) owner {
	if role == targetReadOnly {
		return p.derived(role, 0.3)
	}
	return p.derived(role, 0.7)
}

// proxyTarget is what a proxy can point at.
type proxyTarget struct {
	id       string
	cluster  bool
	engine   engineSpec
	readOnly bool
}

// proxyTargets returns the possible targets of a fleet's proxies: its
// clusters, then its primary instances that are not in a cluster.
func proxyTargets(ins []instance, cs []cluster) []proxyTarget {
	var out []proxyTarget
	for i := range cs {
		out = append(out, proxyTarget{cs[i].ID, true, cs[i].engine, len(cs[i].members) > 1})
	}
	for i := range ins {
		if in := &ins[i]; in.cluster == nil && in.primary() {
			out = append(out, proxyTarget{id: in.ID, engine: in.engine})
		}
	}
	return out
}

// newProxies generates the proxies of a scope: proxy j (0-based) is
// "sim-proxy-<j+1 as two or more digits>" and targets the j-th possible
// target (clusters first, then primaries not in a cluster), round robin. A
// fleet without targets has no proxies.
func newProxies(sh *fleetShape, sc scope, ins []instance, cs []cluster) []proxy {
	targets := proxyTargets(ins, cs)
	if len(targets) == 0 {
		return nil
	}
	out := make([]proxy, sh.proxies)
	for j := range out {
		t := targets[j%len(targets)]
		name := fmt.Sprintf("sim-proxy-%02d", j+1)
		h := hash3(uint64(sh.seed), uint64(j), strHash(name))
		arn := rdsARN(sc, "db-proxy", "prx-"+hashChars(hash2(h, strHash(sc.key())), 17, hexLower))
		p := &out[j]
		p.owner = newOwner(hash2(h, strHash(arn)), createTime(hash2(h, 9)))
		p.readOnly = t.readOnly
		p.Proxy = Proxy{
			Name: name, ARN: arn, AccountID: sc.account, Region: sc.region,
			EngineFamily: t.engine.family, Status: "available",
			Endpoint:   endpointHost(name, "proxy-", p.hash, sc.region),
			VpcID:      "vpc-" + hashChars(hash2(h, strHash("vpc/"+sc.key())), 17, hexLower),
			RoleARN:    fmt.Sprintf("arn:aws:iam::%s:role/sim-proxy-secrets", sc.account),
			RequireTLS: j%2 == 0, IdleClientTimeout: 1800,
			CreateTime: time.Unix(p.born, 0).UTC(),
			TargetID:   t.id, TargetCluster: t.cluster,
			Tags: tags(name, h),
		}
	}
	return out
}
