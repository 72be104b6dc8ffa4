package cloudwatch

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// initSources builds the client's Enhanced Monitoring and Performance
// Insights readers from cfg: the same credentials and endpoints as its
// CloudWatch and RDS clients, the same adaptive retries, and the same
// limiter, so that one token bucket per account and region covers every
// API the exporter calls. Their requests and bytes read are reported to
// o.Observer when it is also a SourceObserver.
func (c *Client) initSources(cfg aws.Config, o Options) error {
	cfg = cfg.Copy()
	cfg.Retryer = func() aws.Retryer { return adaptiveRetryer(o.MaxAttempts) }
	so := SourceOptions{Limiter: c.limiter}
	if obs, ok := o.Observer.(SourceObserver); ok {
		so.Observer = obs
	}
	c.em = NewEnhancedMonitoring(cfg, so)
	pi, err := NewPerformanceInsights(cfg, so)
	if err != nil {
		return fmt.Errorf("clients of %s: %w", c.region, err)
	}
	c.pi = pi
	return nil
}

// EnhancedMonitoring returns the reader of the Enhanced Monitoring events
// of the client's account and region.
func (c *Client) EnhancedMonitoring() *EnhancedMonitoring { return c.em }

// PerformanceInsights returns the Performance Insights client of the
// client's account and region.
func (c *Client) PerformanceInsights() *PerformanceInsights { return c.pi }
