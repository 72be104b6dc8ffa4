package collector

import (
	"log/slog"
	"maps"
	"slices"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// infoHelp is the HELP of aws_rds_info, the same for every kind.
const infoHelp = "Information about an RDS resource the exporter knows (DB instance, Aurora cluster or RDS Proxy), " +
	"from DescribeDBInstances, DescribeDBClusters, DescribeDBProxies and ListTagsForResource, or the config file; " +
	"tag_<key> labels carry its tags. Always 0, as YACE's, so that `x + on (name) group_left (tag_team) aws_rds_info` keeps x."

// infoFields returns the labels of a resource's info series that follow
// its identity labels, by kind: what describes it, without its tags.
func infoFields(d model.Described) []catalog.Label {
	switch d.Kind {
	case model.KindDBInstance:
		in := d.Instance
		return []catalog.Label{
			{Name: "provider", Value: d.ProviderName()}, {Name: "engine", Value: d.Engine}, {Name: "engine_version", Value: d.EngineVersion},
			{Name: "instance_class", Value: in.Class}, {Name: "status", Value: d.Status}, {Name: "availability_zone", Value: in.AvailabilityZone},
			{Name: "multi_az", Value: strconv.FormatBool(in.MultiAZ)}, {Name: "storage_type", Value: in.StorageType},
			{Name: "role", Value: d.InstanceRole()}, {Name: "cluster_id", Value: in.ClusterID},
			{Name: "performance_insights", Value: strconv.FormatBool(in.PerformanceInsights)},
		}
	case model.KindCluster:
		c := d.Cluster
		return []catalog.Label{
			{Name: "engine", Value: d.Engine}, {Name: "engine_version", Value: d.EngineVersion}, {Name: "status", Value: d.Status},
			{Name: "engine_mode", Value: c.EngineMode}, {Name: "multi_az", Value: strconv.FormatBool(c.MultiAZ)},
			{Name: "serverless_v2", Value: strconv.FormatBool(c.Serverless)}, {Name: "global_cluster_id", Value: c.GlobalClusterID},
			{Name: "writer", Value: c.Writer},
		}
	case model.KindProxy:
		p := d.Proxy
		return []catalog.Label{
			{Name: "engine_family", Value: p.EngineFamily}, {Name: "status", Value: d.Status},
			{Name: "require_tls", Value: strconv.FormatBool(p.RequireTLS)},
		}
	}
	return nil
}

// infoMetrics returns one aws_rds_info series per DB instance, Aurora
// cluster and RDS Proxy (not the aggregates), with the value 0. The series
// of one kind share their label names: the identity labels, account_alias
// when a resource of the kind has one (empty for the others), the kind's
// fields, and a tag_<key> label for every tag key of the kind's resources
// (empty for resources without the tag), named by l.
func infoMetrics(resources []model.Described, l catalog.Labeling, logger *slog.Logger) []prometheus.Metric {
	var out []prometheus.Metric
	for _, k := range model.ResourceKinds() {
		of := model.OfKind(resources, k)
		if len(of) == 0 {
			continue
		}
		tags := make([]map[string]string, len(of))
		union := map[string]bool{}
		alias := false
		for i, r := range of {
			tags[i] = tagLabels(r, l, logger)
			for name := range tags[i] {
				union[name] = true
			}
			alias = alias || r.AccountAlias != ""
		}
		tagNames := slices.Sorted(maps.Keys(union))
		names := catalog.Names(infoLabels(model.Described{Resource: model.Resource{Kind: k}}, l, alias))
		desc := prometheus.NewDesc(catalog.InfoMetric, infoHelp, append(names, tagNames...), nil)
		for i, r := range of {
			values := catalog.Values(infoLabels(r, l, alias))
			for _, name := range tagNames {
				values = append(values, tags[i][name])
			}
			out = append(out, prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, 0, values...))
		}
	}
	return out
}

// infoLabels returns the labels of a resource's info series before its
// tags: identity, account_alias if alias, the kind's fields.
func infoLabels(d model.Described, l catalog.Labeling, alias bool) []catalog.Label {
	out := l.Identity(d.Resource)
	if alias {
		out = append(out, catalog.Label{Name: catalog.LabelAccountAlias, Value: d.AccountAlias})
	}
	return append(out, infoFields(d)...)
}

// tagLabels returns a resource's tags as labels, by label name, named by
// l; tags whose label name is not valid are left out, as YACE does.
func tagLabels(d model.Described, l catalog.Labeling, logger *slog.Logger) map[string]string {
	labels, dropped := l.Tags(d.Tags)
	for _, k := range dropped {
		logger.Debug("tag key is not a valid label name; left out of aws_rds_info", "resource", d.Key(), "tag", k)
	}
	out := make(map[string]string, len(labels))
	for _, t := range labels {
		out[t.Name] = t.Value
	}
	return out
}
