package cloudwatch

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"golang.org/x/time/rate"
)

// API names the Enhanced Monitoring and Performance Insights readers report
// to a SourceObserver.
const (
	APIGetLogEvents          = "GetLogEvents"
	APIFilterLogEvents       = "FilterLogEvents"
	APIDescribeLogStreams    = "DescribeLogStreams"
	APIGetResourceMetrics    = "GetResourceMetrics"
	APIDescribeDimensionKeys = "DescribeDimensionKeys"
)

// SourceAPIs returns every API name the Enhanced Monitoring and
// Performance Insights readers report.
func SourceAPIs() []string {
	return []string{APIGetLogEvents, APIFilterLogEvents, APIDescribeLogStreams, APIGetResourceMetrics, APIDescribeDimensionKeys}
}

// SourceObserver is told about every request of the Enhanced Monitoring and
// Performance Insights readers, so that the caller can count them. Its
// methods are called concurrently and must not block.
type SourceObserver interface {
	// Request is called once per API call (one page), after the retries,
	// with the final error (nil on success).
	Request(api string, err error)
	// Throttled is called once per attempt that AWS answered with a
	// throttling error, including attempts that were then retried.
	Throttled(api string)
	// BytesRead is called with the size of each response body read,
	// attempts that failed included.
	BytesRead(api string, n int64)
}

// SourceOptions configure an Enhanced Monitoring or Performance Insights
// reader.
type SourceOptions struct {
	// Limiter is waited for before every API call; share one per account
	// and region with the other clients. Nil means no limit.
	Limiter *rate.Limiter
	// Observer is told about every request; nil means none.
	Observer SourceObserver
	// MaxAttempts overrides the attempts (first included) of the retryer
	// that the aws.Config gives; 0 keeps them.
	MaxAttempts int
}

// limiter returns the limiter, an unlimited one when none is set.
func (o SourceOptions) limiter() *rate.Limiter {
	if o.Limiter == nil {
		return rate.NewLimiter(rate.Inf, 1)
	}
	return o.Limiter
}

// observer returns the observer, one that ignores everything when none is
// set.
func (o SourceOptions) observer() SourceObserver {
	if o.Observer == nil {
		return nopSourceObserver{}
	}
	return o.Observer
}

// nopSourceObserver ignores everything.
type nopSourceObserver struct{}

func (nopSourceObserver) Request(string, error)   {}
func (nopSourceObserver) Throttled(string)        {}
func (nopSourceObserver) BytesRead(string, int64) {}

// isThrottle reports whether err is a throttling error, by the SDK's list
// of throttling codes.
func isThrottle(err error) bool {
	return retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err) == aws.TrueTernary
}

// asRetryerV2 returns r as a RetryerV2; a Retryer without attempt tokens
// gets tokens that never wait.
func asRetryerV2(r aws.Retryer) aws.RetryerV2 {
	if v2, ok := r.(aws.RetryerV2); ok {
		return v2
	}
	return retryerV2{r}
}

// retryerV2 adds attempt tokens that never wait to a Retryer.
type retryerV2 struct{ aws.Retryer }

// GetAttemptToken implements aws.RetryerV2.
func (retryerV2) GetAttemptToken(context.Context) (func(error) error, error) {
	return func(error) error { return nil }, nil
}

// countingHTTPClient reports the size of every response body read through
// it to the observer, under the operation its X-Amz-Target header names.
type countingHTTPClient struct {
	next aws.HTTPClient
	obs  SourceObserver
}

// countBytes wraps c (nil: the SDK's default client) so that it reports the
// bytes it reads.
func countBytes(c aws.HTTPClient, obs SourceObserver) aws.HTTPClient {
	if c == nil {
		c = awshttp.NewBuildableClient()
	}
	return countingHTTPClient{next: c, obs: obs}
}

// Do implements aws.HTTPClient.
func (c countingHTTPClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	_, op, _ := strings.Cut(req.Header.Get("X-Amz-Target"), ".")
	resp.Body = &countingBody{ReadCloser: resp.Body, report: func(n int64) { c.obs.BytesRead(op, n) }}
	return resp, nil
}

// countingBody counts the bytes read from a body and reports them once, at
// the end of the body or when it is closed.
type countingBody struct {
	io.ReadCloser
	n      int64
	once   sync.Once
	report func(int64)
}

// Read implements io.Reader.
func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if err == io.EOF {
		b.once.Do(func() { b.report(b.n) })
	}
	return n, err
}

// Close implements io.Closer.
func (b *countingBody) Close() error {
	b.once.Do(func() { b.report(b.n) })
	return b.ReadCloser.Close()
}
