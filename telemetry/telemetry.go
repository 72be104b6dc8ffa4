// Package telemetry holds the exporter's self-metrics, all named
// rds_backfill_exporter_*. Metrics implements cloudwatch.Observer and
// cloudwatch.SourceObserver, so every
// AWS request the exporter makes is counted in one place, whether the live
// collector or a backfill made it.
package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors/version"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/catalog"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/cloudwatch"
	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// Callers of CloudWatch, as the collector and the backfill name
// themselves in FetchRequest.Caller.
const (
	CallerLive     = "live"
	CallerBackfill = "backfill"
)

// Namespace prefixes every self-metric.
const Namespace = "rds_backfill_exporter"

// Metrics are the exporter's self-metrics. Create them once per process
// with New and register them with Register.
type Metrics struct {
	Requests              *prometheus.CounterVec
	Throttles             *prometheus.CounterVec
	MetricsRequestedTotal *prometheus.CounterVec
	DatapointsTotal       *prometheus.CounterVec
	ResponseBytes         *prometheus.CounterVec

	PollDuration           prometheus.Histogram
	Polls                  *prometheus.CounterVec
	LastPollSuccess        prometheus.Gauge
	LastPollSuccessTime    prometheus.Gauge
	Instances              *prometheus.GaugeVec
	Resources              *prometheus.GaugeVec
	DiscoveryLastSuccess   prometheus.Gauge
	DiscoveryRefreshErrors prometheus.Counter

	BackfillHistory     prometheus.Counter
	BackfillSamples     prometheus.Counter
	BackfillBlocks      prometheus.Counter
	BackfillJobsRunning prometheus.Gauge
	BackfillJobs        *prometheus.CounterVec
	BackfillCoverage    *ResourceGauge

	RemoteWriteRequests prometheus.Counter
	RemoteWriteRetries  prometheus.Counter
	BlocksUploaded      prometheus.Counter
	UploadedBytes       prometheus.Counter
}

// New creates the self-metrics, unregistered, with the default labeling
// of the per-resource ones (see NewLabeled).
func New() *Metrics { return NewLabeled(catalog.Labeling{}) }

// NewLabeled creates the self-metrics, unregistered; the per-resource
// ones carry the identity labels of l. Counters and gauges start at 0 for
// every label value they can have (every API, outcome, caller and kind),
// so that a dashboard shows 0 rather than no data and increase() sees the
// first event.
func NewLabeled(l catalog.Labeling) *Metrics {
	m := newMetrics()
	m.BackfillCoverage.labeling = l
	for _, o := range []string{"success", "failure", "canceled"} {
		m.BackfillJobs.WithLabelValues(o)
	}
	for _, o := range []string{"success", "failure"} {
		m.Polls.WithLabelValues(o)
	}
	for _, api := range append(cloudwatch.APIs(), cloudwatch.SourceAPIs()...) {
		m.Throttles.WithLabelValues(api)
		for _, o := range []string{"success", "error"} {
			m.Requests.WithLabelValues(api, o)
		}
	}
	for _, api := range cloudwatch.SourceAPIs() {
		m.ResponseBytes.WithLabelValues(api)
	}
	for _, c := range []string{CallerLive, CallerBackfill} {
		m.MetricsRequestedTotal.WithLabelValues(c)
		m.DatapointsTotal.WithLabelValues(c)
	}
	m.SetResources(nil)
	return m
}

// SetResources sets the gauges of known resources: DB instances by
// provider (aws always present), and resources by kind (every kind
// present).
func (m *Metrics) SetResources(all []model.Described) {
	m.Instances.Reset()
	m.Instances.WithLabelValues(model.ProviderAWS)
	m.Resources.Reset()
	for _, k := range model.Kinds() {
		m.Resources.WithLabelValues(string(k))
	}
	for _, d := range all {
		if d.Kind == model.KindDBInstance {
			m.Instances.WithLabelValues(d.ProviderName()).Inc()
		}
		m.Resources.WithLabelValues(string(d.Kind)).Inc()
	}
}

func newMetrics() *Metrics {
	return &Metrics{
		Requests: counterVec("cloudwatch_requests_total",
			"AWS API operations the exporter made (after the SDK's retries), by API (GetMetricData, ListMetrics, DescribeDBInstances, DescribeDBClusters, DescribeDBProxies, ListTagsForResource, GetCallerIdentity; CloudWatch Logs' GetLogEvents, FilterLogEvents, DescribeLogStreams for Enhanced Monitoring; Performance Insights' GetResourceMetrics, DescribeDimensionKeys) and outcome (success or error). A paged read counts one operation per page.", "api", "outcome"),
		Throttles: counterVec("cloudwatch_throttles_total",
			"AWS request attempts answered with a throttling error (for example \"Rate exceeded\"), retried ones included, by API.", "api"),
		MetricsRequestedTotal: counterVec("cloudwatch_metrics_requested_total",
			"Metric queries sent to GetMetricData, by caller (live or backfill). GetMetricData is billed per metric requested ($0.01 per 1,000 in most regions).", "caller"),
		DatapointsTotal: counterVec("cloudwatch_datapoints_total",
			"Datapoints received from GetMetricData, by caller (live or backfill).", "caller"),
		ResponseBytes: counterVec("cloudwatch_response_bytes_total",
			"Bytes of the response bodies read from CloudWatch Logs (Enhanced Monitoring events) and Performance Insights, by API, failed attempts included. CloudWatch Logs pages hold at most 1 MB.", "api"),
		PollDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: Namespace, Name: "poll_duration_seconds",
			Help:    "Duration of live CloudWatch polls, successful or not.",
			Buckets: []float64{0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}),
		Polls: counterVec("polls_total",
			"Live CloudWatch polls, by outcome (success or failure). A failed poll keeps the last good values.", "outcome"),
		LastPollSuccess: gauge("last_poll_success",
			"1 if the last live CloudWatch poll succeeded, 0 if it failed."),
		LastPollSuccessTime: gauge("last_poll_success_timestamp_seconds",
			"Unix time of the end of the last successful live CloudWatch poll: the aws_rds_* values are at most this old plus the poll delay."),
		Instances: gaugeVec("instances",
			"DB instances the exporter knows (discovered or static), by provider; only provider aws is served by CloudWatch.", "provider"),
		Resources: gaugeVec("resources",
			"RDS resources the exporter knows, by kind: db (DB instances), cluster (Aurora clusters), db-proxy (RDS Proxies), and the aggregates cluster-role, database-class and engine-name.", "kind"),
		DiscoveryLastSuccess: gauge("discovery_last_success_timestamp_seconds",
			"Unix time of the last successful refresh of the resource list (DescribeDBInstances, DescribeDBClusters, DescribeDBProxies) and of ListMetrics."),
		DiscoveryRefreshErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: Namespace, Name: "discovery_errors_total",
			Help: "Failed refreshes of the resource list; what a failed account, region or kind had is kept.",
		}),
		BackfillHistory: counter("backfill_history_seconds_total",
			"Seconds of resource history written to TSDB blocks by backfills: 3600 per resource-hour."),
		BackfillSamples: counter("backfill_samples_total",
			"Samples backfills wrote: into TSDB blocks (in the output folder, or for upload to object storage), or sent by remote write and accepted by the receiver."),
		BackfillBlocks: counter("backfill_blocks_total",
			"TSDB blocks written by backfills, in the output folder or for upload to object storage."),
		BackfillJobsRunning: gauge("backfill_jobs_running",
			"Backfill jobs running now."),
		BackfillJobs: counterVec("backfill_jobs_total",
			"Finished backfill jobs, by outcome (success, failure or canceled).", "outcome"),
		BackfillCoverage: newResourceGauge("backfill_coverage_seconds",
			"Seconds of the backfill range (the last max-days, whole hours) that the backfill's store holds (its blocks, bucket or remote store), per resource (DB instance, Aurora cluster or RDS Proxy, with its identity labels: name is its ARN), as of its last backfill."),
		RemoteWriteRequests: counter("backfill_remote_write_requests_total",
			"Remote-write requests of backfills that the receiver accepted."),
		RemoteWriteRetries: counter("backfill_remote_write_retries_total",
			"Remote-write requests of backfills sent again after a 5xx, a 429 or a network error."),
		BlocksUploaded: counter("backfill_blocks_uploaded_total",
			"TSDB blocks of backfills uploaded to object storage (meta.json last); a block the bucket already had is not counted."),
		UploadedBytes: counter("backfill_uploaded_bytes_total",
			"Bytes of the TSDB blocks of backfills uploaded to object storage."),
	}
}

// Register registers every self-metric and the build info with reg.
func (m *Metrics) Register(reg prometheus.Registerer) error {
	cs := []prometheus.Collector{
		version.NewCollector(Namespace),
		m.Requests, m.Throttles, m.MetricsRequestedTotal, m.DatapointsTotal, m.ResponseBytes,
		m.PollDuration, m.Polls, m.LastPollSuccess, m.LastPollSuccessTime,
		m.Instances, m.Resources, m.DiscoveryLastSuccess, m.DiscoveryRefreshErrors,
		m.BackfillHistory, m.BackfillSamples, m.BackfillBlocks,
		m.BackfillJobsRunning, m.BackfillJobs, m.BackfillCoverage,
		m.RemoteWriteRequests, m.RemoteWriteRetries, m.BlocksUploaded, m.UploadedBytes,
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// Request implements cloudwatch.Observer.
func (m *Metrics) Request(api string, err error) {
	outcome := "success"
	if err != nil {
		outcome = "error"
	}
	m.Requests.WithLabelValues(api, outcome).Inc()
}

// BytesRead implements cloudwatch.SourceObserver.
func (m *Metrics) BytesRead(api string, n int64) {
	m.ResponseBytes.WithLabelValues(api).Add(float64(n))
}

// Throttled implements cloudwatch.Observer.
func (m *Metrics) Throttled(api string) { m.Throttles.WithLabelValues(api).Inc() }

// MetricsRequested implements cloudwatch.Observer.
func (m *Metrics) MetricsRequested(caller string, n int) {
	m.MetricsRequestedTotal.WithLabelValues(caller).Add(float64(n))
}

// Datapoints implements cloudwatch.Observer.
func (m *Metrics) Datapoints(caller string, n int) {
	m.DatapointsTotal.WithLabelValues(caller).Add(float64(n))
}

func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help})
}

func counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
}

func gauge(name, help string) prometheus.Gauge {
	return prometheus.NewGauge(prometheus.GaugeOpts{Namespace: Namespace, Name: name, Help: help})
}

func gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: Namespace, Name: name, Help: help}, labels)
}
