package inventory

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

type fakeDescriber struct {
	target                       model.Target
	instances, clusters, proxies []model.Described
	listing                      model.Listing
	err, clusterErr, listErr     error
	alias                        string
	aliasErr                     error
	got                          cloudwatch.DiscoveryFilter
}

func (f *fakeDescriber) Target() model.Target { return f.target }

func (f *fakeDescriber) AccountAlias(context.Context) (string, error) { return f.alias, f.aliasErr }

func (f *fakeDescriber) DescribeInstances(_ context.Context, filter cloudwatch.DiscoveryFilter) ([]model.Described, error) {
	f.got = filter
	return f.instances, f.err
}

func (f *fakeDescriber) DescribeClusters(context.Context, cloudwatch.DiscoveryFilter) ([]model.Described, error) {
	return f.clusters, f.clusterErr
}

func (f *fakeDescriber) DescribeProxies(context.Context, cloudwatch.DiscoveryFilter) ([]model.Described, error) {
	return f.proxies, nil
}

func (f *fakeDescriber) ListMetrics(context.Context) (model.Listing, error) {
	return f.listing, f.listErr
}

func inst(id, region, provider string) model.Described {
	d := model.Described{Resource: model.Resource{Target: model.Target{AccountID: "1", Region: region}, Kind: model.KindDBInstance, ID: id}, Provider: provider}
	if d.ServedByCloudWatch() {
		d.ARN = d.Target.ARN(model.KindDBInstance, id)
	}
	return d
}

func cluster(id, region, writer string, readers ...string) model.Described {
	d := model.Described{Resource: model.Resource{Target: model.Target{AccountID: "1", Region: region}, Kind: model.KindCluster, ID: id},
		Provider: "aws", Engine: "aurora-postgresql", Cluster: model.ClusterInfo{Writer: writer, Readers: readers}}
	d.ARN = d.Target.ARN(model.KindCluster, id)
	return d
}

func ids(list []model.Described) string {
	var s []string
	for _, d := range list {
		s = append(s, d.Region+"/"+string(d.Kind)+"/"+d.ID+d.Role+"/"+d.Provider)
	}
	return strings.Join(s, " ")
}

func TestRefreshMergesAndKeepsListOnFailure(t *testing.T) {
	east := &fakeDescriber{target: model.Target{AccountID: "1", Region: "us-east-1"},
		instances: []model.Described{inst("b", "us-east-1", "aws"), inst("a", "us-east-1", "aws")},
		clusters:  []model.Described{cluster("a", "us-east-1", "")}}
	west := &fakeDescriber{target: model.Target{AccountID: "1", Region: "eu-west-1"}, instances: []model.Described{inst("c", "eu-west-1", "aws")}}
	var refreshed []string
	inv := New(Options{
		Static: []model.Described{
			inst("a", "us-east-1", "aws"),         // also discovered: discovery wins
			inst("legacy", "us-east-1", "onprem"), // inventory only
		},
		Describers: []Describer{east, west},
		Discovery:  true,
		Filter:     cloudwatch.DiscoveryFilter{Engines: []string{"postgres"}},
		OnRefresh:  func(all []model.Described, err error) { refreshed = append(refreshed, ids(all)) },
	})
	if got := ids(inv.All()); got != "us-east-1/db/a/aws us-east-1/db/legacy/onprem" {
		t.Errorf("before discovery: %s", got)
	}
	if err := inv.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The cluster "a" and the instance "a" are two resources.
	want := "eu-west-1/db/c/aws us-east-1/db/a/aws us-east-1/db/b/aws us-east-1/db/legacy/onprem us-east-1/cluster/a/aws"
	if got := ids(inv.All()); got != want {
		t.Errorf("after discovery: %s, want %s", got, want)
	}
	if len(east.got.Engines) != 1 {
		t.Errorf("filter not passed: %+v", east.got)
	}
	// A failing source or kind keeps what it had; the others are refreshed.
	east.err = errors.New("api error Throttling")
	east.clusterErr = errors.New("api error AccessDenied")
	east.clusters = nil
	west.instances = nil
	err := inv.Refresh(context.Background())
	if err == nil || !strings.Contains(err.Error(), "discover DB instances in 1/us-east-1: api error Throttling") ||
		!strings.Contains(err.Error(), "discover Aurora clusters in 1/us-east-1: api error AccessDenied") {
		t.Fatalf("Refresh() = %v", err)
	}
	if got := ids(inv.All()); got != "us-east-1/db/a/aws us-east-1/db/b/aws us-east-1/db/legacy/onprem us-east-1/cluster/a/aws" {
		t.Errorf("after a partial failure: %s", got)
	}
	if len(refreshed) != 2 {
		t.Errorf("OnRefresh called %d times, want 2", len(refreshed))
	}
	if d, ok := model.Find(inv.All(), model.KindDBInstance, "legacy", "", ""); !ok || d.Provider != "onprem" || d.Metrics != nil {
		t.Errorf("Find(legacy) = %+v %v", d, ok)
	}
}

func TestNoDiscovery(t *testing.T) {
	d := &fakeDescriber{instances: []model.Described{inst("x", "us-east-1", "aws")}}
	s := inst("s", "us-east-1", "aws")
	s.Engine, s.Static = "postgres", true
	inv := New(Options{Static: []model.Described{s}, Describers: []Describer{d}, Rules: catalog.Rules{Defaults: true}})
	if err := inv.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	all := inv.All()
	if got := ids(all); got != "us-east-1/db/s/aws" {
		t.Errorf("discovery off: %s", got)
	}
	// Without a listing: the per-engine defaults.
	if sel := names(all[0].Metrics); all[0].MetricsListed || !slices.Contains(sel, "CheckpointLag") || slices.Contains(sel, "BinLogDiskUsage") {
		t.Errorf("static postgres instance: %v, listed %v", sel, all[0].MetricsListed)
	}
}

func names(sels []model.Selection) []string {
	var out []string
	for _, s := range sels {
		out = append(out, s.Metric)
	}
	return out
}

// With ListMetrics, each resource gets the default metrics it lists; a
// failed ListMetrics keeps the last listing.
func TestMetricsFromListing(t *testing.T) {
	tg := model.Target{AccountID: "1", Region: "us-east-1"}
	a, b := inst("a", "us-east-1", "aws"), inst("b", "us-east-1", "aws")
	listing := model.Listing{}
	listing.Add("CPUUtilization", a.Dimensions())
	listing.Add("DBLoad", a.Dimensions())
	listing.Add("CPUUtilization", b.Dimensions())
	listing.Add("VolumeBytesUsed", b.Dimensions()) // not an instance metric: not asked of an instance
	d := &fakeDescriber{target: tg, instances: []model.Described{a, b}, listing: listing}
	inv := New(Options{Describers: []Describer{d}, Discovery: true, Rules: catalog.Rules{Defaults: true}})
	check := func(when string) {
		t.Helper()
		got := map[string]string{}
		for _, r := range inv.All() {
			got[r.ID] = fmt.Sprint(names(r.Metrics), r.MetricsListed)
		}
		if got["a"] != "[CPUUtilization DBLoad] true" || got["b"] != "[CPUUtilization] true" {
			t.Errorf("%s: metrics %v", when, got)
		}
	}
	if err := inv.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	check("listed")
	d.listing, d.listErr = nil, errors.New("AccessDenied")
	if err := inv.Refresh(context.Background()); err != nil {
		t.Fatalf("a failed ListMetrics failed the refresh: %v", err)
	}
	check("after a failed ListMetrics")

	// Without any listing: the defaults.
	fresh := New(Options{Describers: []Describer{d}, Discovery: true, Rules: catalog.Rules{Defaults: true}})
	if err := fresh.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := fresh.All()[0]; r.MetricsListed || !slices.Contains(names(r.Metrics), "FreeStorageSpace") {
		t.Errorf("without a listing: %v %v", names(r.Metrics), r.MetricsListed)
	}
}

func TestWritersAndAggregates(t *testing.T) {
	w, r := inst("w", "us-east-1", "aws"), inst("r", "us-east-1", "aws")
	for _, x := range []*model.Described{&w, &r} {
		x.Engine, x.Instance.ClusterID, x.Instance.Class = "aurora-postgresql", "c", "db.r6g.large"
	}
	p := inst("p", "us-east-1", "aws")
	p.Engine, p.Instance.Class = "postgres", "db.t3.micro"
	d := &fakeDescriber{target: model.Target{AccountID: "1", Region: "us-east-1"},
		instances: []model.Described{w, r, p}, clusters: []model.Described{cluster("c", "us-east-1", "w", "r")}}
	inv := New(Options{Describers: []Describer{d}, Discovery: true, Rules: catalog.Rules{Defaults: true},
		Aggregates: []model.Kind{model.KindClusterRole, model.KindDatabaseClass, model.KindEngineName}})
	if err := inv.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	all := inv.All()
	want := "us-east-1/db/p/aws us-east-1/db/r/aws us-east-1/db/w/aws us-east-1/cluster/c/aws " +
		"us-east-1/cluster-role/cREADER/aws us-east-1/cluster-role/cWRITER/aws " +
		"us-east-1/database-class/db.r6g.large/aws us-east-1/database-class/db.t3.micro/aws " +
		"us-east-1/engine-name/aurora-postgresql/aws us-east-1/engine-name/postgres/aws"
	if got := ids(all); got != want {
		t.Errorf("resources:\n %s\nwant\n %s", got, want)
	}
	roles := map[string]string{}
	for _, x := range model.OfKind(all, model.KindDBInstance) {
		roles[x.ID] = x.InstanceRole()
	}
	if roles["w"] != model.RoleClusterWriter || roles["r"] != model.RoleClusterReader || roles["p"] != model.RolePrimary {
		t.Errorf("roles %v", roles)
	}
	if src := d.instances[0]; src.Instance.Writer {
		t.Error("linking wrote into the describer's list")
	}
	for _, x := range all {
		if x.Kind.Aggregate() && len(x.Metrics) == 0 {
			t.Errorf("aggregate %s has no metrics", x.Key())
		}
		if x.Kind == model.KindClusterRole && x.ARN != all[3].ARN {
			t.Errorf("role aggregate %s has ARN %q, want its cluster's", x.Key(), x.ARN)
		}
	}
}
