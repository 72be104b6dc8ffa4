package inventory

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// fakeDescriber lists list, or fails with err. Its account is that of its
// target, or account once it has listed instances or ResolveAccount
// succeeded (resolveErr unset). It is safe for concurrent use.
type fakeDescriber struct {
	mu         sync.Mutex
	target     model.Target
	account    string
	list       []model.Instance
	err        error
	resolveErr error
	got        cloudwatch.DiscoveryFilter
	calls      int // DescribeInstances calls
}

func (f *fakeDescriber) Target() model.Target {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.target
}

func (f *fakeDescriber) DescribeInstances(_ context.Context, filter cloudwatch.DiscoveryFilter) ([]model.Instance, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = filter
	f.calls++
	if f.err == nil && len(f.list) > 0 && f.target.AccountID == "" {
		f.target.AccountID = f.account
	}
	return f.list, f.err
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

func inst(id, region, provider string) model.Instance {
	i := model.Instance{ID: id, Region: region, AccountID: "1", Provider: provider}
	if i.ServedByCloudWatch() {
		i.ARN = i.Target().ARN(model.KindDBInstance, id)
	}
	return i
}

func ids(list []model.Instance) string {
	var s []string
	for _, i := range list {
		s = append(s, i.Region+"/"+i.ID+"/"+i.Provider)
	}
	return strings.Join(s, " ")
}

func TestRefreshMergesAndKeepsListOnFailure(t *testing.T) {
	east := &fakeDescriber{target: model.Target{AccountID: "1", Region: "us-east-1"}, list: []model.Instance{inst("b", "us-east-1", "aws"), inst("a", "us-east-1", "aws")}}
	west := &fakeDescriber{target: model.Target{AccountID: "1", Region: "eu-west-1"}, list: []model.Instance{inst("c", "eu-west-1", "aws")}}
	var refreshed []string
	inv := New(Options{
		Static: []model.Instance{
			inst("a", "us-east-1", "aws"),         // also discovered: discovery wins
			inst("legacy", "us-east-1", "onprem"), // inventory only
		},
		Describers: []Describer{east, west},
		Discovery:  true,
		Filter:     cloudwatch.DiscoveryFilter{Engines: []string{"postgres"}},
		OnRefresh:  func(all []model.Instance, err error) { refreshed = append(refreshed, ids(all)) },
	})
	if got := ids(inv.All()); got != "us-east-1/a/aws us-east-1/legacy/onprem" {
		t.Errorf("before discovery: %s", got)
	}
	if err := inv.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := "eu-west-1/c/aws us-east-1/a/aws us-east-1/b/aws us-east-1/legacy/onprem"
	if got := ids(inv.All()); got != want {
		t.Errorf("after discovery: %s, want %s", got, want)
	}
	if len(east.got.Engines) != 1 {
		t.Errorf("filter not passed: %+v", east.got)
	}
	// A failing source keeps what it had; the others are refreshed.
	east.set(func(f *fakeDescriber) { f.err = errors.New("api error Throttling") })
	west.set(func(f *fakeDescriber) { f.list = nil })
	err := inv.Refresh(context.Background())
	if err == nil || !strings.Contains(err.Error(), "discover instances in 1/us-east-1: api error Throttling") {
		t.Fatalf("Refresh() = %v", err)
	}
	if got := ids(inv.All()); got != "us-east-1/a/aws us-east-1/b/aws us-east-1/legacy/onprem" {
		t.Errorf("after a partial failure: %s", got)
	}
	if len(refreshed) != 2 {
		t.Errorf("OnRefresh called %d times, want 2", len(refreshed))
	}
	if i, ok := model.Find(inv.All(), "legacy", "", ""); !ok || i.Provider != "onprem" {
		t.Errorf("Find(legacy) = %+v %v", i, ok)
	}
	if _, ok := model.Find(inv.All(), "nope", "", ""); ok {
		t.Error("Find(nope) found something")
	}
}

func TestNoDiscovery(t *testing.T) {
	d := &fakeDescriber{list: []model.Instance{inst("x", "us-east-1", "aws")}}
	inv := New(Options{Static: []model.Instance{inst("s", "us-east-1", "aws")}, Describers: []Describer{d}})
	if err := inv.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := ids(inv.All()); got != "us-east-1/s/aws" {
		t.Errorf("discovery off: %s", got)
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
	d := &fakeDescriber{target: model.Target{AccountID: "1", Region: "us-east-1"}, list: []model.Instance{inst("a", "us-east-1", "aws")},
		err: errors.New("api error ServiceUnavailable")}
	inv := New(Options{Describers: []Describer{d}, Discovery: true, RetryMin: time.Millisecond, RetryMax: 4 * time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		inv.Run(ctx, time.Hour)
	}()
	defer func() { cancel(); <-done }()
	waitFor(t, func() bool { d.mu.Lock(); defer d.mu.Unlock(); return d.calls >= 5 })
	if isClosed(inv.Ready()) || len(inv.All()) != 0 {
		t.Fatalf("ready %v with %d instances while discovery fails", isClosed(inv.Ready()), len(inv.All()))
	}
	d.set(func(f *fakeDescriber) { f.err = nil })
	<-inv.Ready()
	if got := ids(inv.All()); got != "us-east-1/a/aws" {
		t.Errorf("after recovery: %s", got)
	}
	d.set(func(f *fakeDescriber) { f.err = errors.New("api error ServiceUnavailable") })
	if err := inv.Refresh(t.Context()); err == nil || !isClosed(inv.Ready()) || len(inv.All()) != 1 {
		t.Errorf("a later failure: %v, ready %v, %d instances; want the error, still ready, the list kept", err, isClosed(inv.Ready()), len(inv.All()))
	}
}

// Run returns when its context ends, also while it retries.
func TestRunStopsWhileRetrying(t *testing.T) {
	d := &fakeDescriber{target: model.Target{AccountID: "1", Region: "us-east-1"}, err: errors.New("down")}
	inv := New(Options{Describers: []Describer{d}, Discovery: true, RetryMin: time.Hour})
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
		discovered []model.Instance
	}{
		{"learned from discovery", []model.Instance{inst("found", "us-east-1", "aws")}},
		{"asked for", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &fakeDescriber{target: model.Target{Region: "us-east-1"}, account: "1", list: tc.discovered, resolveErr: errors.New("STS: 503 ServiceUnavailable")}
			inv := New(Options{
				Static:     []model.Instance{{ID: "s", Provider: "aws"}, {ID: "legacy", Provider: "onprem"}},
				Describers: []Describer{d}, Discovery: true,
			})
			err := inv.Refresh(t.Context())
			s, listed := model.Find(inv.All(), "s", "", "")
			if tc.discovered != nil {
				if err != nil || !listed || s.AccountID != "1" || s.Region != "us-east-1" || s.ARN != "arn:aws:rds:us-east-1:1:db:s" {
					t.Fatalf("Refresh() = %v; static instance %+v (listed %v)", err, s, listed)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "account of static instance s in us-east-1 (set its account_id to do without STS): STS: 503") {
				t.Fatalf("Refresh() = %v, want the STS failure", err)
			}
			if listed || isClosed(inv.Ready()) {
				t.Fatalf("static instance listed (%v) or ready (%v) without its account", listed, isClosed(inv.Ready()))
			}
			if _, ok := model.Find(inv.All(), "legacy", "", ""); !ok {
				t.Error("an instance CloudWatch does not serve needs no account, but is not listed")
			}
			d.set(func(f *fakeDescriber) { f.resolveErr = nil })
			if err := inv.Refresh(t.Context()); err != nil || !isClosed(inv.Ready()) {
				t.Fatalf("Refresh() = %v, ready %v once STS answers", err, isClosed(inv.Ready()))
			}
			if s, ok := model.Find(inv.All(), "s", "us-east-1", "1"); !ok || s.ARN != "arn:aws:rds:us-east-1:1:db:s" {
				t.Errorf("static instance %+v (listed %v)", s, ok)
			}
		})
	}
}
