package api

import (
	"net/http"

	"github.com/julienschmidt/httprouter"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// kindPath is one kind of resource the API serves under /api/v1/<path>.
type kindPath struct {
	path string // plural, e.g. "clusters"
	kind model.Kind
	// noun names a resource of the kind in messages; idField is the JSON
	// field of its identifier in error bodies.
	noun, idField string
}

// kindPaths returns the kinds of resources the API serves, each under its
// own path: instances, clusters and proxies.
func kindPaths() []kindPath {
	return []kindPath{
		{"instances", model.KindDBInstance, "DB instance", "instance_id"},
		{"clusters", model.KindCluster, "Aurora cluster", "cluster_id"},
		{"proxies", model.KindProxy, "RDS Proxy", "proxy_id"},
	}
}

// ResourceJSON is one resource in GET /api/v1/resources (and in
// /api/v1/instances, /api/v1/clusters, /api/v1/proxies).
type ResourceJSON struct {
	Kind          model.Kind `json:"kind"`
	ID            string     `json:"id"`
	ARN           string     `json:"arn,omitempty"`
	Provider      string     `json:"provider"`
	Region        string     `json:"region"`
	AccountID     string     `json:"account_id,omitempty"`
	Engine        string     `json:"engine,omitempty"`
	EngineVersion string     `json:"engine_version,omitempty"`
	// InstanceClass, Role and ClusterID describe DB instances.
	InstanceClass string `json:"instance_class,omitempty"`
	Role          string `json:"role,omitempty"`
	ClusterID     string `json:"cluster_id,omitempty"`
	// Writer and Readers describe Aurora clusters, EngineFamily proxies.
	Writer       string            `json:"writer,omitempty"`
	Readers      []string          `json:"readers,omitempty"`
	EngineFamily string            `json:"engine_family,omitempty"`
	Status       string            `json:"status,omitempty"`
	CloudWatch   bool              `json:"cloudwatch"`
	Tags         map[string]string `json:"tags,omitempty"`
	// Metrics are fetched for the resource; MetricsListed says whether
	// ListMetrics listed them, or they are its kind's, engine's and
	// role's defaults.
	Metrics       []MetricJSON `json:"metrics,omitempty"`
	MetricsListed bool         `json:"metrics_listed"`
	// HoursCovered is how many hours of the last max-days blocks hold data
	// for; nil when the backfill is off or for aggregates.
	HoursCovered *int `json:"hours_covered,omitempty"`
}

// MetricJSON is one metric of a resource and its statistics.
type MetricJSON struct {
	Metric     string   `json:"metric"`
	Statistics []string `json:"statistics"`
}

func resourceJSON(d model.Described) ResourceJSON {
	out := ResourceJSON{
		Kind: d.Kind, ID: d.ID, ARN: d.ARN, Provider: d.ProviderName(), Region: d.Region, AccountID: d.AccountID,
		Engine: d.Engine, EngineVersion: d.EngineVersion, InstanceClass: d.Instance.Class, Role: d.InstanceRole(),
		ClusterID: d.Instance.ClusterID, Writer: d.Cluster.Writer, Readers: d.Cluster.Readers,
		EngineFamily: d.Proxy.EngineFamily, Status: d.Status, CloudWatch: d.ServedByCloudWatch(), Tags: d.Tags,
		MetricsListed: d.MetricsListed,
	}
	if d.Kind == model.KindClusterRole {
		out.Role = d.Role
	}
	for _, m := range d.Metrics {
		out.Metrics = append(out.Metrics, MetricJSON{Metric: m.Metric, Statistics: m.Statistics})
	}
	return out
}

// listResources answers the resources of kind k, or all of them when k is
// "".
func (s *Server) listResources(k model.Kind, field string) handler {
	return func(r *http.Request, _ httprouter.Params) (int, any, error) {
		all := s.opts.Resources.All()
		if k != "" {
			all = model.OfKind(all, k)
		}
		out := make([]ResourceJSON, 0, len(all))
		for _, d := range all {
			out = append(out, resourceJSON(d))
		}
		body := map[string]any{field: out}
		if s.opts.History == nil {
			return http.StatusOK, body, nil
		}
		days := s.opts.History.MaxDays()
		cov, rng, err := s.opts.History.Coverage(r.Context(), days)
		if err != nil {
			return 0, nil, err
		}
		for i, d := range all {
			if d.ServedByCloudWatch() && !d.Kind.Aggregate() {
				n := cov.Count(d.Key())
				out[i].HoursCovered = &n
			}
		}
		body["coverage_from"], body["coverage_to"], body["coverage_hours"] = rng.From, rng.To, rng.Hours()
		return http.StatusOK, body, nil
	}
}
