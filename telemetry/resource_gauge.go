package telemetry

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// ResourceGauge is a gauge per RDS resource whose labels are the
// resource's identity labels (catalog.Labeling.Identity), so that resources
// of different kinds, with different dimension labels, share it. It is
// safe for concurrent use.
type ResourceGauge struct {
	name, help string
	labeling   catalog.Labeling

	mu     sync.Mutex
	values map[string]resourceValue // by resource key
}

type resourceValue struct {
	resource model.Resource
	v        float64
}

func newResourceGauge(name, help string) *ResourceGauge {
	return &ResourceGauge{name: prometheus.BuildFQName(Namespace, "", name), help: help, values: map[string]resourceValue{}}
}

// Set sets the gauge of resource r to v.
func (g *ResourceGauge) Set(r model.Resource, v float64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.values[r.Key()] = resourceValue{resource: r, v: v}
}

// Describe sends nothing: the label names depend on the kinds of the
// resources, so the gauge is an unchecked collector.
func (g *ResourceGauge) Describe(chan<- *prometheus.Desc) {}

// Collect sends one gauge per resource.
func (g *ResourceGauge) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	defer g.mu.Unlock()
	descs := map[model.Kind]*prometheus.Desc{}
	for _, rv := range g.values {
		kind := rv.resource.Kind
		labels := g.labeling.Identity(rv.resource)
		if descs[kind] == nil {
			descs[kind] = prometheus.NewDesc(g.name, g.help, catalog.Names(labels), nil)
		}
		ch <- prometheus.MustNewConstMetric(descs[kind], prometheus.GaugeValue, rv.v, catalog.Values(labels)...)
	}
}
