package awssim

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/smithy-go"
)

// testNow is the fixed clock of most tests.
var testNow = time.Date(2026, 3, 10, 12, 34, 56, 0, time.UTC)

// startSim starts a simulator on loopback with the fixed clock unless opts
// has one, and stops it when the test ends.
func startSim(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return testNow }
	}
	s := New(opts)
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// noRetries is a retryer option that disables retries.
func noRetries() config.LoadOptionsFunc {
	return config.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} })
}

// fastRetries is the standard retryer with many attempts and short
// backoffs, so tests that provoke retries stay quick.
func fastRetries() config.LoadOptionsFunc {
	return config.WithRetryer(func() aws.Retryer {
		return retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 20
			o.MaxBackoff = 50 * time.Millisecond
		})
	})
}

// awsConfig builds an SDK config pointed at the simulator, the way users
// build theirs (LoadDefaultConfig), with static credentials.
func awsConfig(t testing.TB, s *Server, extra ...func(*config.LoadOptions) error) aws.Config {
	t.Helper()
	opts := append([]func(*config.LoadOptions) error{
		config.WithRegion(s.Region()),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKID", "SECRET", "")),
		config.WithBaseEndpoint(s.URL()),
	}, extra...)
	cfg, err := config.LoadDefaultConfig(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// findInstance returns the first instance keep accepts; what describes
// it in the failure message.
func findInstance(t testing.TB, s *Server, what string, keep func(Instance) bool) Instance {
	t.Helper()
	for _, in := range s.Instances() {
		if keep(in) {
			return in
		}
	}
	t.Fatalf("no instance %s", what)
	return Instance{}
}

// cwClient returns a CloudWatch client for the simulator.
func cwClient(t testing.TB, s *Server, extra ...func(*config.LoadOptions) error) *cloudwatch.Client {
	return cloudwatch.NewFromConfig(awsConfig(t, s, extra...))
}

// rdsQuery is a MetricDataQuery of one RDS instance metric.
func rdsQuery(id, instance, metric, stat string, period int32) cwtypes.MetricDataQuery {
	return cwtypes.MetricDataQuery{
		Id: aws.String(id),
		MetricStat: &cwtypes.MetricStat{
			Metric: &cwtypes.Metric{
				Namespace:  aws.String("AWS/RDS"),
				MetricName: aws.String(metric),
				Dimensions: []cwtypes.Dimension{{Name: aws.String("DBInstanceIdentifier"), Value: aws.String(instance)}},
			},
			Period: aws.Int32(period),
			Stat:   aws.String(stat),
		},
	}
}

// errorCode returns the API error code of err, "" if it has none.
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// pager is an SDK paginator of pages O of a service with options Opt.
type pager[O, Opt any] interface {
	HasMorePages() bool
	NextPage(ctx context.Context, optFns ...func(*Opt)) (O, error)
}

// allPages runs a paginator to its end and returns the items of every page
// and the number of items of each.
func allPages[O, Opt, T any](t testing.TB, p pager[O, Opt], items func(O) []T) ([]T, []int) {
	t.Helper()
	var all []T
	var sizes []int
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, items(page)...)
		sizes = append(sizes, len(items(page)))
	}
	return all, sizes
}
