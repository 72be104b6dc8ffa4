package collector

import (
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// ValueLabels returns the label names of every aws_rds_* value series, in
// the order of SeriesLabels.
func ValueLabels() []string {
	return []string{catalog.LabelName, catalog.LabelInstanceID, catalog.LabelRegion, catalog.LabelAccountID}
}

// infoLabels returns the label names of aws_rds_info, in order.
func infoLabels() []string {
	return append(ValueLabels(),
		"provider", "engine", "engine_version", "instance_class", "status", "availability_zone", "multi_az", "storage_type")
}

// descs holds one Desc per metric and statistic, built once.
type descs struct {
	byQuery map[[2]string]*prometheus.Desc
	info    *prometheus.Desc
}

func newDescs(metrics []catalog.Selection, interval, period, delay time.Duration) *descs {
	d := &descs{byQuery: map[[2]string]*prometheus.Desc{}}
	for _, sel := range metrics {
		m, _ := catalog.Lookup(sel.Metric)
		for _, stat := range sel.Statistics {
			d.byQuery[[2]string{sel.Metric, stat}] = prometheus.NewDesc(
				catalog.PromName(sel.Metric, stat), help(m, sel.Metric, stat, interval, period, delay), ValueLabels(), nil)
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

// valueMetrics turns the newest datapoint of each series into a gauge. A
// series without datapoints yields nothing.
func (d *descs) valueMetrics(instances []model.Instance, series []model.Series) []prometheus.Metric {
	byID := make(map[string]model.Instance, len(instances))
	for _, i := range instances {
		byID[i.ID] = i
	}
	out := make([]prometheus.Metric, 0, len(series))
	for _, s := range series {
		if len(s.Points) == 0 {
			continue
		}
		desc := d.byQuery[[2]string{s.Query.Metric, s.Query.Statistic}]
		inst := byID[s.Query.InstanceID]
		v := s.Points[len(s.Points)-1].Value
		out = append(out, prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, SeriesLabels(inst)...))
	}
	return out
}

// SeriesLabels returns the label values of every aws_rds_* series of an
// instance, in the order of ValueLabels: name (the ARN),
// dimension_DBInstanceIdentifier, region, account_id.
func SeriesLabels(i model.Instance) []string {
	return []string{i.ARN, i.ID, i.Region, i.AccountID}
}

func (d *descs) infoMetrics(instances []model.Instance) []prometheus.Metric {
	out := make([]prometheus.Metric, 0, len(instances))
	for _, i := range instances {
		lv := append(SeriesLabels(i), i.ProviderName(), i.Engine, i.EngineVersion, i.InstanceClass, i.Status,
			i.AvailabilityZone, strconv.FormatBool(i.MultiAZ), i.StorageType)
		out = append(out, prometheus.MustNewConstMetric(d.info, prometheus.GaugeValue, 1, lv...))
	}
	return out
}
