package collector

import (
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// descKey names the Desc of one metric and statistic of a kind of
// resource, with or without account_alias: each kind has its own identity
// labels.
type descKey struct {
	kind              model.Kind
	metric, statistic string
	alias             bool
}

// descs holds one Desc per kind, metric and statistic, built when first
// needed: the metrics of each resource come from ListMetrics and the
// config.
type descs struct {
	interval, period, delay time.Duration
	labeling                catalog.Labeling

	mu      sync.Mutex
	byQuery map[descKey]*prometheus.Desc
}

func newDescs(interval, period, delay time.Duration, labeling catalog.Labeling) *descs {
	return &descs{interval: interval, period: period, delay: delay, labeling: labeling, byQuery: map[descKey]*prometheus.Desc{}}
}

// of returns the Desc of a query's series, whose labels have the names
// of labels.
func (d *descs) of(q model.MetricQuery, labels []catalog.Label, alias bool) *prometheus.Desc {
	k := descKey{q.Resource.Kind, q.Metric, q.Statistic, alias}
	d.mu.Lock()
	defer d.mu.Unlock()
	desc, ok := d.byQuery[k]
	if !ok {
		desc = prometheus.NewDesc(catalog.PromName(q.Metric, q.Statistic), d.help(q.Metric, q.Statistic), catalog.Names(labels), nil)
		d.byQuery[k] = desc
	}
	return desc
}

// help says what the series is and how old its value may be. It depends
// on the metric and statistic only: series of every kind share it.
func (d *descs) help(name, stat string) string {
	return fmt.Sprintf("%s CloudWatch AWS/RDS %s, statistic %s, unit %s, period %s. Polled every %s and cached: the value is the latest datapoint and may be up to %s old, older if polls fail (see rds_backfill_exporter_last_poll_success_timestamp_seconds).",
		catalog.Help(name), name, stat, catalog.Unit(name), d.period, d.interval, d.interval+d.delay+d.period)
}

// valueMetrics turns the newest datapoint of each series into a gauge
// with its resource's series labels (catalog.Labeling.Series); resources
// holds the resources of the series by key. A series without datapoints
// yields nothing, or 0 when its metric is selected with NilToZero (YACE's
// nilToZero).
func (d *descs) valueMetrics(series []model.Series, resources map[string]model.Described) []prometheus.Metric {
	out := make([]prometheus.Metric, 0, len(series))
	for _, s := range series {
		q := s.Query
		r := resources[q.Resource.Key()]
		v, ok := latest(s, r)
		if !ok {
			continue
		}
		labels := d.labeling.Series(r)
		out = append(out, prometheus.MustNewConstMetric(d.of(q, labels, r.AccountAlias != ""), prometheus.GaugeValue, v, catalog.Values(labels)...))
	}
	return out
}

// latest returns the value of a series: its newest datapoint, or 0 for a
// series without datapoints whose metric r selects with NilToZero.
func latest(s model.Series, r model.Described) (float64, bool) {
	if n := len(s.Points); n > 0 {
		return s.Points[n-1].Value, true
	}
	for _, sel := range r.Metrics {
		if sel.Metric == s.Query.Metric {
			return 0, sel.NilToZero
		}
	}
	return 0, false
}
