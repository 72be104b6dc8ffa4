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
// resource: each kind has its own identity labels.
type descKey struct {
	kind              model.Kind
	metric, statistic string
}

// descs holds one Desc per kind, metric and statistic, built when first
// needed: the metrics of each resource come from ListMetrics and the
// config.
type descs struct {
	interval, period, delay time.Duration

	mu      sync.Mutex
	byQuery map[descKey]*prometheus.Desc
}

func newDescs(interval, period, delay time.Duration) *descs {
	return &descs{interval: interval, period: period, delay: delay, byQuery: map[descKey]*prometheus.Desc{}}
}

// of returns the Desc of a query's series.
func (d *descs) of(q model.MetricQuery) *prometheus.Desc {
	k := descKey{q.Resource.Kind, q.Metric, q.Statistic}
	d.mu.Lock()
	defer d.mu.Unlock()
	desc, ok := d.byQuery[k]
	if !ok {
		desc = prometheus.NewDesc(catalog.PromName(q.Metric, q.Statistic), d.help(q.Metric, q.Statistic), catalog.LabelNames(k.kind), nil)
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
// with its resource's identity labels. A series without datapoints yields
// nothing.
func (d *descs) valueMetrics(series []model.Series) []prometheus.Metric {
	out := make([]prometheus.Metric, 0, len(series))
	for _, s := range series {
		if len(s.Points) == 0 {
			continue
		}
		q := s.Query
		v := s.Points[len(s.Points)-1].Value
		out = append(out, prometheus.MustNewConstMetric(d.of(q), prometheus.GaugeValue, v, catalog.LabelValues(q.Resource)...))
	}
	return out
}
