package cloudwatch

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"golang.org/x/time/rate"

	"github.com/rds-backfill-exporter/rds-backfill-exporter/model"
)

// Account is a role to assume for one AWS account. The zero Account means
// the default credentials of the environment.
type Account struct {
	RoleARN     string
	ExternalID  string
	SessionName string
	// Regions overrides Options.Regions for this account.
	Regions []string
}

// Options configure the clients of a fleet.
type Options struct {
	// Regions to serve; empty means the SDK's default region.
	Regions []string
	// Accounts to assume roles in; empty means the default credentials.
	Accounts []Account
	// RequestsPerSecond and Burst size the token bucket shared by every
	// request to one account and region.
	RequestsPerSecond float64
	Burst             int
	// MaxAttempts bounds the SDK's adaptive retries (attempts, first
	// included).
	MaxAttempts int
	// Parallel bounds the GetMetricData calls in flight per client;
	// default DefaultParallel.
	Parallel int
	// LoadOptions are passed to config.LoadDefaultConfig, after the
	// exporter's own (for example to point at a simulator).
	LoadOptions []func(*config.LoadOptions) error
	Observer    Observer
}

// DefaultParallel is how many GetMetricData calls a client has in flight
// at once unless Options says otherwise.
const DefaultParallel = 4

// Client talks to CloudWatch and RDS in one account and region. It is safe
// for concurrent use; every request waits for the shared limiter.
type Client struct {
	target   model.Target
	cw       cloudWatchAPI
	rds      rdsAPI
	limiter  *rate.Limiter
	observer Observer
	par      int
	// retryers of the operations whose client's own retryer counts
	// another operation (see withRetryer).
	retryers map[string]aws.Retryer
	// em and pi read Enhanced Monitoring and Performance Insights in the
	// client's account and region, waiting for the same limiter.
	em *EnhancedMonitoring
	pi *PerformanceInsights
}

// Target returns the client's account and region.
func (c *Client) Target() model.Target { return c.target }

func (c *Client) parallel() int {
	if c.par <= 0 {
		return DefaultParallel
	}
	return c.par
}

// NewClients builds one Client per account and region with
// config.LoadDefaultConfig, so AWS_REGION, AWS_ENDPOINT_URL*, profiles and
// roles of the environment apply. It asks STS for the account ID of the
// default credentials when no role names it.
func NewClients(ctx context.Context, o Options) ([]*Client, error) {
	if o.Observer == nil {
		o.Observer = NopObserver{}
	}
	accounts := o.Accounts
	if len(accounts) == 0 {
		accounts = []Account{{}}
	}
	var clients []*Client
	for _, acc := range accounts {
		regions := acc.Regions
		if len(regions) == 0 {
			regions = o.Regions
		}
		if len(regions) == 0 {
			regions = []string{""}
		}
		for _, region := range regions {
			c, err := newClient(ctx, o, acc, region)
			if err != nil {
				return nil, err
			}
			clients = append(clients, c)
		}
	}
	return clients, nil
}

func newClient(ctx context.Context, o Options, acc Account, region string) (*Client, error) {
	cfg, err := loadConfig(ctx, o, acc, region)
	if err != nil {
		return nil, err
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("load AWS config: no region: set regions in the config file or AWS_REGION")
	}
	accountID, err := accountOf(ctx, cfg, acc, o.Observer)
	if err != nil {
		return nil, err
	}
	obs := o.Observer
	c := &Client{
		target: model.Target{AccountID: accountID, Region: cfg.Region},
		cw: cw.NewFromConfig(cfg, func(co *cw.Options) {
			co.Retryer = newRetryer(o.MaxAttempts, APIGetMetricData, obs)
		}),
		rds: rds.NewFromConfig(cfg, func(ro *rds.Options) {
			ro.Retryer = newRetryer(o.MaxAttempts, APIDescribeDBInstances, obs)
		}),
		limiter:  rate.NewLimiter(rate.Limit(o.RequestsPerSecond), max(1, o.Burst)),
		observer: obs,
		par:      o.Parallel,
		retryers: newRetryers(o.MaxAttempts, obs, APIListMetrics, APIDescribeDBClusters, APIDescribeDBProxies, APIListTagsForResource),
	}
	if err := c.initSources(cfg, o); err != nil {
		return nil, err
	}
	return c, nil
}

func loadConfig(ctx context.Context, o Options, acc Account, region string) (aws.Config, error) {
	var opts []func(*config.LoadOptions) error
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	opts = append(opts, o.LoadOptions...)
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return cfg, fmt.Errorf("load AWS config: %w", err)
	}
	if acc.RoleARN != "" {
		cfg.Credentials = aws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), acc.RoleARN, func(ao *stscreds.AssumeRoleOptions) {
			ao.RoleSessionName = acc.SessionName
			if acc.ExternalID != "" {
				ao.ExternalID = aws.String(acc.ExternalID)
			}
		}))
	}
	return cfg, nil
}

// accountOf returns the account ID of a role ARN, or asks STS who the
// credentials belong to.
func accountOf(ctx context.Context, cfg aws.Config, acc Account, obs Observer) (string, error) {
	if id, ok := accountFromARN(acc.RoleARN); ok {
		return id, nil
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	obs.Request(APIGetCallerIdentity, err)
	if err != nil {
		return "", fmt.Errorf("get caller identity in %s: %w", cfg.Region, err)
	}
	return aws.ToString(out.Account), nil
}

// accountFromARN returns the account field of an ARN.
func accountFromARN(s string) (string, bool) {
	a, err := arn.Parse(s)
	if err != nil || a.AccountID == "" {
		return "", false
	}
	return a.AccountID, true
}

// newRetryer returns the SDK's adaptive retryer, which backs off and slows
// its own sending rate on throttling, without the standard mode's retry
// quota (which would turn a burst of throttles into hard failures), and
// which tells obs about every throttled attempt.
func newRetryer(maxAttempts int, api string, obs Observer) aws.Retryer {
	return &observingRetryer{RetryerV2: adaptiveRetryer(maxAttempts), api: api, obs: obs}
}

// adaptiveRetryer returns the SDK's adaptive retryer without the standard
// mode's retry quota, with maxAttempts attempts when positive.
func adaptiveRetryer(maxAttempts int) aws.RetryerV2 {
	return retry.NewAdaptiveMode(func(ao *retry.AdaptiveModeOptions) {
		ao.StandardOptions = append(ao.StandardOptions, func(so *retry.StandardOptions) {
			so.RateLimiter = ratelimit.None
			if maxAttempts > 0 {
				so.MaxAttempts = maxAttempts
			}
		})
	})
}

// observingRetryer is a retryer that tells obs about every attempt AWS
// throttled; Observer and SourceObserver are both obs.
type observingRetryer struct {
	aws.RetryerV2
	api string
	obs interface{ Throttled(api string) }
}

// IsErrorRetryable is called once per failed attempt.
func (r *observingRetryer) IsErrorRetryable(err error) bool {
	if isThrottle(err) {
		r.obs.Throttled(r.api)
	}
	return r.RetryerV2.IsErrorRetryable(err)
}
