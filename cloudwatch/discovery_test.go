package cloudwatch

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/internal/awssim"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

func startFleetSim(t *testing.T, o awssim.Options) *awssim.Server {
	t.Helper()
	o.Now = func() time.Time { return simNow }
	sim := awssim.New(o)
	if err := sim.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	return sim
}

func TestDescribeClusters(t *testing.T) {
	sim := startFleetSim(t, awssim.Options{Instances: 24, ClusterSize: 3})
	obs := &countingObserver{}
	c := simClient(t, sim, obs, 50, 3)
	got, err := c.DescribeClusters(context.Background(), DiscoveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := sim.Clusters()
	if len(got) != len(want) || len(want) == 0 {
		t.Fatalf("%d clusters, awssim has %d", len(got), len(want))
	}
	byID := map[string]awssim.Cluster{}
	for _, cl := range want {
		byID[cl.ID] = cl
	}
	for _, d := range got {
		w := byID[d.ID]
		var readers []string
		for _, m := range w.Members[1:] {
			readers = append(readers, m.InstanceID)
		}
		if d.Kind != model.KindCluster || d.ARN != w.ARN || d.Engine != w.Engine || d.Cluster.Writer != w.Members[0].InstanceID ||
			!slices.Equal(d.Cluster.Readers, readers) || d.Cluster.Serverless != w.Serverless() || d.Cluster.GlobalClusterID != w.GlobalClusterID ||
			!maps.Equal(d.Tags, w.Tags) {
			t.Errorf("cluster %+v, awssim has %+v", d, w)
		}
	}
	if obs.requests[APIDescribeDBClusters] != 1 {
		t.Errorf("requests %v", obs.requests)
	}
	pg, err := c.DescribeClusters(context.Background(), DiscoveryFilter{Engines: []string{"postgres"}})
	if err != nil || len(pg) != 0 {
		t.Errorf("engine filter postgres kept %d clusters (%v)", len(pg), err)
	}
}

func TestDescribeProxies(t *testing.T) {
	sim := startFleetSim(t, awssim.Options{Instances: 8, Proxies: 3})
	obs := &countingObserver{}
	c := simClient(t, sim, obs, 50, 3)
	got, err := c.DescribeProxies(context.Background(), DiscoveryFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := sim.Proxies()
	if len(got) != 3 || len(want) != 3 {
		t.Fatalf("%d proxies, awssim has %d", len(got), len(want))
	}
	for i, d := range got {
		w := want[i]
		if d.Kind != model.KindProxy || d.ID != w.Name || d.ARN != w.ARN || d.Proxy.EngineFamily != w.EngineFamily || !maps.Equal(d.Tags, w.Tags) || len(d.Tags) == 0 {
			t.Errorf("proxy %+v, awssim has %+v", d, w)
		}
	}
	if obs.requests[APIDescribeDBProxies] != 1 || obs.requests[APIListTagsForResource] != 3 {
		t.Errorf("requests %v", obs.requests)
	}
	tagged, err := c.DescribeProxies(context.Background(), DiscoveryFilter{Tags: map[string]string{"team": want[0].Tags["team"]}})
	if err != nil || len(tagged) == 0 || len(tagged) > 3 {
		t.Errorf("tag filter kept %d (%v)", len(tagged), err)
	}
	for _, d := range tagged {
		if d.Tags["team"] != want[0].Tags["team"] {
			t.Errorf("tag filter kept %s", d.ID)
		}
	}
}

// ListMetrics returns exactly the series CloudWatch has, paged.
func TestListMetricsMatchesPublished(t *testing.T) {
	sim := startFleetSim(t, awssim.Options{Instances: 30, Proxies: 2})
	obs := &countingObserver{}
	c := simClient(t, sim, obs, 50, 3)
	got, err := c.ListMetrics(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := model.Listing{}
	published := sim.PublishedSeries(sim.AccountID(), "us-east-1")
	for _, s := range published {
		var dims []model.Dimension
		for k, v := range s.Dimensions {
			dims = append(dims, model.Dimension{Name: k, Value: v})
		}
		want.Add(s.Metric, dims)
	}
	if !maps.EqualFunc(got, want, maps.Equal) {
		t.Errorf("ListMetrics has %d dimension sets, awssim publishes %d", len(got), len(want))
	}
	if pages := (len(published) + 499) / 500; obs.requests[APIListMetrics] != pages || pages < 2 {
		t.Errorf("%d ListMetrics requests for %d series, want %d", obs.requests[APIListMetrics], len(published), pages)
	}
	if sim.Counters().Requests["ListMetrics"] != int64(obs.requests[APIListMetrics]) {
		t.Errorf("awssim saw %d ListMetrics requests", sim.Counters().Requests["ListMetrics"])
	}
}
