package inventory

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

type fakeDescriber struct {
	target model.Target
	list   []model.Instance
	err    error
	got    cloudwatch.DiscoveryFilter
}

func (f *fakeDescriber) Target() model.Target { return f.target }

func (f *fakeDescriber) DescribeInstances(_ context.Context, filter cloudwatch.DiscoveryFilter) ([]model.Instance, error) {
	f.got = filter
	return f.list, f.err
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
	east.err = errors.New("api error Throttling")
	west.list = nil
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
