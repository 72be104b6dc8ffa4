package cloudwatch

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/testtools"
)

// A client learns its account without STS when something else says it: the
// role ARN it assumes, or the ARN of an instance it discovered. STS is
// asked only by ResolveAccount, only while the account is unknown, and its
// failure leaves the client working and the account unknown until a later
// call succeeds.
func TestAccountWithoutSTS(t *testing.T) {
	sim := awssim.New(awssim.Options{Accounts: []string{"111111111111", "222222222222"}, Instances: 2,
		Faults: awssim.Faults{Outage: awssim.Outage{Action: "GetCallerIdentity"}}})
	if err := sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	obs := &countingObserver{}
	clients, err := NewClients(context.Background(), Options{
		RequestsPerSecond: 50, Burst: 5, MaxAttempts: 1, Observer: obs,
		Accounts:    []Account{{}, {RoleARN: "arn:aws:iam::222222222222:role/reader", SessionName: "test"}},
		LoadOptions: testtools.AWSOptions(sim, config.WithRetryMaxAttempts(1)),
	})
	if err != nil {
		t.Fatalf("NewClients with STS down: %v", err)
	}
	def, role := clients[0], clients[1]
	if def.Target().AccountID != "" || role.Target().AccountID != "222222222222" {
		t.Fatalf("before discovery: default %+v, role %+v; want no account yet, and the role's", def.Target(), role.Target())
	}
	if err := def.ResolveAccount(context.Background()); err == nil || def.Target().AccountID != "" {
		t.Fatalf("ResolveAccount with STS down: %v, account %q; want an error and no account", err, def.Target().AccountID)
	}
	all, err := def.DescribeInstances(context.Background(), DiscoveryFilter{})
	if err != nil || len(all) != 2 {
		t.Fatalf("DescribeInstances with STS down: %d instances, %v", len(all), err)
	}
	for _, i := range all {
		if i.AccountID != "111111111111" {
			t.Errorf("%s: account %q, want the one of its ARN %s", i.ID, i.AccountID, i.ARN)
		}
	}
	if got := def.Target().AccountID; got != "111111111111" {
		t.Errorf("default client's account after discovery: %q, want the instances'", got)
	}
	stsCalls := obs.requests[APIGetCallerIdentity]
	if err := def.ResolveAccount(context.Background()); err != nil || obs.requests[APIGetCallerIdentity] != stsCalls {
		t.Errorf("ResolveAccount of a known account: %v, %d STS calls more", err, obs.requests[APIGetCallerIdentity]-stsCalls)
	}
	if stsCalls != 1 {
		t.Errorf("%d GetCallerIdentity calls, want the one ResolveAccount made", stsCalls)
	}
}

// Without any ARN to learn from, ResolveAccount asks STS.
func TestResolveAccountAsksSTS(t *testing.T) {
	sim := startSim(t, 1, awssim.Faults{})
	c := simClient(t, sim, &countingObserver{}, 50, 3)
	if err := c.ResolveAccount(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := c.Target().AccountID; got != sim.AccountID() {
		t.Errorf("account %q, want %q", got, sim.AccountID())
	}
	if n := sim.Counters().Requests["GetCallerIdentity"]; n != 1 {
		t.Errorf("%d GetCallerIdentity calls, want 1", n)
	}
}

// A region in LoadOptions (as `serve --aws.simulate` passes one) is the
// default of a client without a region, never an override of the regions
// the config names: each client discovers its own region's fleet.
func TestLoadOptionsRegionIsOnlyADefault(t *testing.T) {
	sim := awssim.New(awssim.Options{Regions: []string{"us-east-1", "eu-west-1"}, Instances: 1})
	if err := sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	clients, err := NewClients(context.Background(), Options{
		RequestsPerSecond: 50, Burst: 5, Regions: []string{"us-east-1", "eu-west-1"},
		LoadOptions: testtools.AWSOptions(sim),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(clients) != 2 {
		t.Fatalf("%d clients, want 2", len(clients))
	}
	for i, want := range []string{"us-east-1", "eu-west-1"} {
		if got := clients[i].Target().Region; got != want {
			t.Errorf("client %d: region %s, want %s", i, got, want)
		}
		found, err := clients[i].DescribeInstances(t.Context(), DiscoveryFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(found) == 0 {
			t.Fatalf("client %d (%s): no instances", i, want)
		}
		for _, d := range found {
			if d.Region != want {
				t.Errorf("client %d: discovered %s, want region %s", i, d.ARN, want)
			}
		}
	}
}
