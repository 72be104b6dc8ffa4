package cloudwatch

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	cw "github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/iam"
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
	// LoadOptions are passed to config.LoadDefaultConfig (for example to
	// point at a simulator); a region they set applies only where
	// Regions (and the account's) name none.
	LoadOptions []func(*config.LoadOptions) error
	Observer    Observer
}

// DefaultParallel is how many GetMetricData calls a client has in flight
// at once unless Options says otherwise.
const DefaultParallel = 4

// Client talks to CloudWatch and RDS in one account and region. It is safe
// for concurrent use; every request waits for the shared limiter.
type Client struct {
	region   string
	cw       cloudWatchAPI
	rds      rdsAPI
	iam      iamAPI
	sts      CallerIdentityAPI
	limiter  *rate.Limiter
	observer Observer
	par      int
	// cpu holds a token while a response is decoded and handed over: at
	// most GOMAXPROCS-1 at once (at least one), so that fetches leave a
	// processor to the HTTP server.
	cpu chan struct{}
	// retryers of the operations whose client's own retryer counts
	// another operation (see withRetryer).
	retryers map[string]aws.Retryer
	// em and pi read Enhanced Monitoring and Performance Insights in the
	// client's account and region, waiting for the same limiter.
	em *EnhancedMonitoring
	pi *PerformanceInsights

	mu      sync.RWMutex
	account string // "" until known
}

// CallerIdentityAPI is the STS call that says whose credentials a client
// has; *sts.Client implements it.
type CallerIdentityAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// Target returns the client's account and region. The account is empty
// until the client knows it: from the role ARN it assumes, from the ARN of
// an instance it discovered, or from STS (ResolveAccount).
func (c *Client) Target() model.Target {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return model.Target{AccountID: c.account, Region: c.region}
}

// ResolveAccount makes the client's account known, asking STS whose the
// credentials are only when no role ARN and no discovered instance said
// it. It fails only when the account stays unknown; the caller may retry.
func (c *Client) ResolveAccount(ctx context.Context) error {
	if c.Target().AccountID != "" {
		return nil
	}
	out, err := c.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	c.observer.Request(APIGetCallerIdentity, err)
	if err != nil {
		return fmt.Errorf("get caller identity in %s: %w", c.region, err)
	}
	c.learnAccount(aws.ToString(out.Account))
	return nil
}

// targetOfARN returns the account and region of a resource the client
// listed: the account of its ARN (the client's own if the ARN has none),
// which becomes the client's account if that was not known yet.
func (c *Client) targetOfARN(resourceARN string) model.Target {
	id, ok := accountFromARN(resourceARN)
	if !ok {
		return c.Target()
	}
	c.learnAccount(id)
	return model.Target{AccountID: id, Region: c.region}
}

// learnAccount sets the client's account unless it is known already.
func (c *Client) learnAccount(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.account == "" {
		c.account = id
	}
}

func (c *Client) parallel() int {
	if c.par <= 0 {
		return DefaultParallel
	}
	return c.par
}

// NewClients builds one Client per account and region with
// config.LoadDefaultConfig, so AWS_REGION, AWS_ENDPOINT_URL*, profiles and
// roles of the environment apply. It calls no AWS API: the account of a
// role is in its ARN, and the account of the default credentials is
// learned later (see Client.Target).
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
	obs := o.Observer
	c := &Client{
		region: cfg.Region,
		cw: cw.NewFromConfig(cfg, func(co *cw.Options) {
			co.Retryer = newRetryer(o.MaxAttempts, APIGetMetricData, obs)
		}),
		rds: rds.NewFromConfig(cfg, func(ro *rds.Options) {
			ro.Retryer = newRetryer(o.MaxAttempts, APIDescribeDBInstances, obs)
		}),
		iam: iam.NewFromConfig(cfg, func(io *iam.Options) {
			io.Retryer = newRetryer(o.MaxAttempts, APIListAccountAliases, obs)
		}),
		sts:      sts.NewFromConfig(cfg),
		limiter:  rate.NewLimiter(rate.Limit(o.RequestsPerSecond), max(1, o.Burst)),
		observer: obs,
		par:      o.Parallel,
		cpu:      make(chan struct{}, max(1, runtime.GOMAXPROCS(0)-1)),
		retryers: newRetryers(o.MaxAttempts, obs, APIListMetrics, APIDescribeDBClusters, APIDescribeDBProxies, APIListTagsForResource),
	}
	if id, ok := accountFromARN(acc.RoleARN); ok {
		c.account = id
	}
	if err := c.initSources(cfg, o); err != nil {
		return nil, err
	}
	return c, nil
}

func loadConfig(ctx context.Context, o Options, acc Account, region string) (aws.Config, error) {
	opts := slices.Clone(o.LoadOptions)
	if region != "" {
		// Last: the region a client is for is its identity; a region in
		// LoadOptions is only the default of a client without one.
		opts = append(opts, config.WithRegion(region))
	}
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
