package inventory

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// fakeDescriber lists its resources, or fails. Its account is that of its
// target, or account once it has listed instances or ResolveAccount
// succeeded (resolveErr unset). Its methods are safe for concurrent use;
// set changes it under the same lock.
type fakeDescriber struct {
	mu                           sync.Mutex
	target                       model.Target
	account                      string
	instances, clusters, proxies []model.Described
	listing                      model.Listing
	err, clusterErr, listErr     error
	alias                        string
	aliasErr                     error
	resolveErr                   error
	got                          cloudwatch.DiscoveryFilter
	calls                        int // DescribeInstances calls
}

func (f *fakeDescriber) Target() model.Target {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.target
}

func (f *fakeDescriber) AccountAlias(context.Context) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.alias, f.aliasErr
}

func (f *fakeDescriber) DescribeInstances(_ context.Context, filter cloudwatch.DiscoveryFilter) ([]model.Described, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = filter
	f.calls++
	if f.err == nil && len(f.instances) > 0 && f.target.AccountID == "" {
		f.target.AccountID = f.account
	}
	return f.instances, f.err
}

func (f *fakeDescriber) ResolveAccount(context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case f.target.AccountID != "":
		return nil
	case f.resolveErr != nil:
		return f.resolveErr
	}
	f.target.AccountID = f.account
	return nil
}

// set changes the fake under its lock.
func (f *fakeDescriber) set(change func(f *fakeDescriber)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f)
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

// isClosed reports whether ch is closed.
func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// Until the first refresh succeeds, Run retries with a backoff (not the
// discovery interval) and the inventory is not ready; a refresh that
// fails later does not make it unready.
func TestRunRetriesUntilDiscovered(t *testing.T) {
	d := &fakeDescriber{target: model.Target{AccountID: "1", Region: "us-east-1"}, instances: []model.Described{inst("a", "us-east-1", "aws")},
		err: errors.New("api error ServiceUnavailable")}
	inv := New(Options{Describers: []Describer{d}, Discovery: true, Kinds: []model.Kind{model.KindDBInstance},
		RetryMin: time.Millisecond, RetryMax: 4 * time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		inv.Run(ctx, time.Hour)
	}()
	defer func() { cancel(); <-done }()
	waitFor(t, func() bool { d.mu.Lock(); defer d.mu.Unlock(); return d.calls >= 5 })
	if isClosed(inv.Ready()) || len(inv.All()) != 0 {
		t.Fatalf("ready %v with %d resources while discovery fails", isClosed(inv.Ready()), len(inv.All()))
	}
	d.set(func(f *fakeDescriber) { f.err = nil })
	<-inv.Ready()
	if got := ids(inv.All()); got != "us-east-1/db/a/aws" {
		t.Errorf("after recovery: %s", got)
	}
	d.set(func(f *fakeDescriber) { f.err = errors.New("api error ServiceUnavailable") })
	if err := inv.Refresh(t.Context()); err == nil || !isClosed(inv.Ready()) || len(inv.All()) != 1 {
		t.Errorf("a later failure: %v, ready %v, %d resources; want the error, still ready, the list kept", err, isClosed(inv.Ready()), len(inv.All()))
	}
}

// Run returns when its context ends, also while it retries.
func TestRunStopsWhileRetrying(t *testing.T) {
	d := &fakeDescriber{target: model.Target{AccountID: "1", Region: "us-east-1"}, err: errors.New("down")}
	inv := New(Options{Describers: []Describer{d}, Discovery: true, Kinds: []model.Kind{model.KindDBInstance}, RetryMin: time.Hour})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		inv.Run(ctx, time.Hour)
	}()
	waitFor(t, func() bool { d.mu.Lock(); defer d.mu.Unlock(); return d.calls == 1 })
	cancel()
	<-done
}

// waitFor waits until cond holds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	testtools.Eventually(t, 10*time.Second, time.Millisecond, func() error {
		if !cond() {
			return errors.New("not yet")
		}
		return nil
	})
}

// A static instance without region or account takes those of the
// describer of its region: learned from discovery, or asked for (STS)
// only when discovery did not say it. Until the account is known the
// instance is not listed and the inventory is not ready.
func TestStaticInstancesTakeTheDescribersAccount(t *testing.T) {
	for _, tc := range []struct {
		name       string
		discovered []model.Described
	}{
		{"learned from discovery", []model.Described{inst("found", "us-east-1", "aws")}},
		{"asked for", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &fakeDescriber{target: model.Target{Region: "us-east-1"}, account: "1", instances: tc.discovered, resolveErr: errors.New("STS: 503 ServiceUnavailable")}
			static := func(id, provider string) model.Described {
				return model.Described{Resource: model.Resource{Kind: model.KindDBInstance, ID: id}, Provider: provider, Static: true}
			}
			inv := New(Options{
				Static:     []model.Described{static("s", "aws"), static("legacy", "onprem")},
				Describers: []Describer{d}, Discovery: true, Kinds: []model.Kind{model.KindDBInstance},
			})
			err := inv.Refresh(t.Context())
			s, listed := model.Find(inv.All(), model.KindDBInstance, "s", "", "")
			if tc.discovered != nil {
				if err != nil || !listed || s.AccountID != "1" || s.Region != "us-east-1" || s.ARN != "arn:aws:rds:us-east-1:1:db:s" {
					t.Fatalf("Refresh() = %v; static instance %+v (listed %v)", err, s, listed)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "account of static resource s in us-east-1 (set its account_id to do without STS): STS: 503") {
				t.Fatalf("Refresh() = %v, want the STS failure", err)
			}
			if listed || isClosed(inv.Ready()) {
				t.Fatalf("static instance listed (%v) or ready (%v) without its account", listed, isClosed(inv.Ready()))
			}
			if _, ok := model.Find(inv.All(), model.KindDBInstance, "legacy", "", ""); !ok {
				t.Error("an instance CloudWatch does not serve needs no account, but is not listed")
			}
			d.set(func(f *fakeDescriber) { f.resolveErr = nil })
			if err := inv.Refresh(t.Context()); err != nil || !isClosed(inv.Ready()) {
				t.Fatalf("Refresh() = %v, ready %v once STS answers", err, isClosed(inv.Ready()))
			}
			if s, ok := model.Find(inv.All(), model.KindDBInstance, "s", "us-east-1", "1"); !ok || s.ARN != "arn:aws:rds:us-east-1:1:db:s" {
				t.Errorf("static instance %+v (listed %v)", s, ok)
			}
		})
	}
}

// Resources whose metrics are equal share one list; unequal lists, also
// those that would read alike if joined, stay apart.
func TestSelectionListsShared(t *testing.T) {
	s1, s2 := inst("s1", "us-east-1", "aws"), inst("s2", "us-east-1", "aws")
	s1.Engine, s2.Engine = "postgres", "postgres"
	my := inst("my", "us-east-1", "aws")
	my.Engine = "mysql"
	inv := New(Options{Static: []model.Described{s1, s2, my}, Describers: []Describer{&fakeDescriber{}}, Rules: catalog.Rules{Defaults: true}})
	if err := inv.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	byID := map[string][]model.Selection{}
	for _, r := range inv.All() {
		byID[r.ID] = r.Metrics
	}
	if len(byID["s1"]) == 0 || &byID["s1"][0] != &byID["s2"][0] || &byID["s1"][0] == &byID["my"][0] {
		t.Errorf("s1, s2 and my: %p %p %p, want s1 and s2 alone sharing", byID["s1"], byID["s2"], byID["my"])
	}

	sets := selectionSets{}
	for _, tc := range []struct {
		sel  []model.Selection
		same bool // as the first
	}{
		{[]model.Selection{{Metric: "a", Statistics: []string{"b", "c"}}}, true},
		{[]model.Selection{{Metric: "a", Statistics: []string{"b", "c"}}}, true},
		{[]model.Selection{{Metric: "a", Statistics: []string{"bc"}}}, false},
		{[]model.Selection{{Metric: "ab", Statistics: []string{"c"}}}, false},
		{[]model.Selection{{Metric: "a", Statistics: []string{"b", "c"}, NilToZero: true}}, false},
		{[]model.Selection{{Metric: "a", Statistics: []string{"b", "c"}}, {Metric: "a"}}, false},
	} {
		first := sets.intern(slices.Clone([]model.Selection{{Metric: "a", Statistics: []string{"b", "c"}}}))
		got := sets.intern(tc.sel)
		if (&got[0] == &first[0]) != tc.same || !reflect.DeepEqual(got, tc.sel) {
			t.Errorf("intern(%+v) = %+v, shared with the first: %v, want %v", tc.sel, got, &got[0] == &first[0], tc.same)
		}
	}
}
