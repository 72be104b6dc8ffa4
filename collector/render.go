package collector

import (
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// infoLabels returns the label names of aws_rds_info, in order.
func infoLabels() []string {
	return append(catalog.LabelNames(model.KindDBInstance),
		"provider", "engine", "engine_version", "instance_class", "status", "availability_zone", "multi_az", "storage_type")
}

// descKey names the Desc of one metric and statistic of a kind of
// resource: each kind has its own identity labels.
type descKey struct {
	kind              model.Kind
	metric, statistic string
}

// descs holds one Desc per kind, metric and statistic, built once.
type descs struct {
	byQuery map[descKey]*prometheus.Desc
	info    *prometheus.Desc
}

func newDescs(metrics []catalog.Selection, interval, period, delay time.Duration) *descs {
	d := &descs{byQuery: map[descKey]*prometheus.Desc{}}
	for _, kind := range model.Kinds() {
		for _, sel := range metrics {
			m, _ := catalog.Lookup(sel.Metric)
			for _, stat := range sel.Statistics {
				d.byQuery[descKey{kind, sel.Metric, stat}] = prometheus.NewDesc(catalog.PromName(sel.Metric, stat),
					help(m, sel.Metric, stat, interval, period, delay), catalog.LabelNames(kind), nil)
			}
		}
	}
	d.info = prometheus.NewDesc(catalog.InfoMetric,
		"Information about a DB instance the exporter knows, from DescribeDBInstances or the config file; always 1.", infoLabels(), nil)
	return d
}

// help says what the series is and how old its value may be.
func help(m catalog.Metric, name, stat string, interval, period, delay time.Duration) string {
	desc := m.Help
	if desc == "" {
		desc = "CloudWatch metric " + name + "."
	}
	unit := m.Unit
	if unit == "" {
		unit = "unknown"
	}
	return fmt.Sprintf("%s CloudWatch AWS/RDS %s, statistic %s, unit %s, period %s. Polled every %s and cached: the value is the latest datapoint and may be up to %s old, older if polls fail (see rds_backfill_exporter_last_poll_success_timestamp_seconds).",
		desc, name, stat, unit, period, interval, interval+delay+period)
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
		desc := d.byQuery[descKey{q.Resource.Kind, q.Metric, q.Statistic}]
		v := s.Points[len(s.Points)-1].Value
		out = append(out, prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, catalog.LabelValues(q.Resource)...))
	}
	return out
}

func (d *descs) infoMetrics(instances []model.Instance) []prometheus.Metric {
	out := make([]prometheus.Metric, 0, len(instances))
	for _, i := range instances {
		lv := append(catalog.LabelValues(i.Resource()), i.ProviderName(), i.Engine, i.EngineVersion, i.InstanceClass, i.Status,
			i.AvailabilityZone, strconv.FormatBool(i.MultiAZ), i.StorageType)
		out = append(out, prometheus.MustNewConstMetric(d.info, prometheus.GaugeValue, 1, lv...))
	}
	return out
}
