package cloudwatch

// API names reported to an Observer.
const (
	APIGetMetricData       = "GetMetricData"
	APIListMetrics         = "ListMetrics"
	APIDescribeDBInstances = "DescribeDBInstances"
	APIDescribeDBClusters  = "DescribeDBClusters"
	APIDescribeDBProxies   = "DescribeDBProxies"
	APIListTagsForResource = "ListTagsForResource"
	APIGetCallerIdentity   = "GetCallerIdentity"
)

// APIs returns every API name reported to an Observer.
func APIs() []string {
	return []string{APIGetMetricData, APIListMetrics, APIDescribeDBInstances, APIDescribeDBClusters,
		APIDescribeDBProxies, APIListTagsForResource, APIGetCallerIdentity, APIListAccountAliases}
}

// Observer is told about every AWS request the package makes, so that the
// caller can count them (for example as Prometheus self-metrics). Its methods
// are called concurrently and must not block.
type Observer interface {
	// Request is called once per API operation, after the SDK's retries,
	// with the final error (nil on success).
	Request(api string, err error)
	// Throttled is called once per attempt that AWS answered with a
	// throttling error, including attempts the SDK then retried.
	Throttled(api string)
	// MetricsRequested is called with the number of metric queries of one
	// GetMetricData request: what GetMetricData is billed on.
	MetricsRequested(caller string, n int)
	// Datapoints is called with the number of datapoints one GetMetricData
	// response carried.
	Datapoints(caller string, n int)
}

// NopObserver ignores everything.
type NopObserver struct{}

// Request implements Observer.
func (NopObserver) Request(string, error) {}

// Throttled implements Observer.
func (NopObserver) Throttled(string) {}

// MetricsRequested implements Observer.
func (NopObserver) MetricsRequested(string, int) {}

// Datapoints implements Observer.
func (NopObserver) Datapoints(string, int) {}
