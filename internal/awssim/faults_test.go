package awssim

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// smallGMD is a one-query GetMetricData input.
func smallGMD() *cloudwatch.GetMetricDataInput {
	return &cloudwatch.GetMetricDataInput{
		StartTime:         aws.Time(testNow.Add(-10 * time.Minute)),
		EndTime:           aws.Time(testNow),
		MetricDataQueries: []cwtypes.MetricDataQuery{rdsQuery("a", "sim-postgres-01", "CPUUtilization", "Average", 60)},
	}
}

func TestThrottlingWithoutRetries(t *testing.T) {
	s := startSim(t, Options{Faults: Faults{ThrottleAboveRPS: 2}})
	c := cwClient(t, s, noRetries())
	var throttled error
	for range 10 {
		if _, err := c.GetMetricData(context.Background(), smallGMD()); err != nil {
			throttled = err
		}
	}
	if code := errorCode(throttled); code != "Throttling" {
		t.Fatalf("error %v (code %q), want Throttling", throttled, code)
	}
	if retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(throttled) != aws.TrueTernary {
		t.Error("the SDK does not classify the error as throttling")
	}
	var re *awshttp.ResponseError
	if !errors.As(throttled, &re) || re.HTTPStatusCode() != 400 || re.Error() == "" {
		t.Errorf("want HTTP 400, got %v", throttled)
	}
	if cs := s.Counters(); cs.Throttled == 0 || cs.Throttled+2 < 8 {
		t.Errorf("counters %+v: want most of 10 requests above 2/s throttled", cs)
	}
	// DescribeDBInstances is not throttled.
	if _, err := rds.NewFromConfig(awsConfig(t, s, noRetries())).DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{}); err != nil {
		t.Errorf("DescribeDBInstances: %v", err)
	}
}

func TestThrottlingWithStandardRetryer(t *testing.T) {
	s := startSim(t, Options{Faults: Faults{ThrottleAboveRPS: 20}})
	c := cwClient(t, s, fastRetries())
	for i := range 40 {
		if _, err := c.GetMetricData(context.Background(), smallGMD()); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if cs := s.Counters(); cs.Throttled == 0 || cs.Requests["GetMetricData"] != 40+cs.Throttled {
		t.Errorf("counters %+v: want throttled attempts, retried", cs)
	}
}

func TestInjectedErrors(t *testing.T) {
	s := startSim(t, Options{})
	s.SetFaults(Faults{ErrorRate: 0.25})
	c := cwClient(t, s, noRetries())
	codes := map[string]int{}
	statuses := map[int]int{}
	for range 40 {
		_, err := c.GetMetricData(context.Background(), smallGMD())
		if err == nil {
			continue
		}
		codes[errorCode(err)]++
		var re *awshttp.ResponseError
		if errors.As(err, &re) {
			statuses[re.HTTPStatusCode()]++
		}
	}
	if codes["InternalFailure"] != 5 || codes["ServiceUnavailable"] != 5 || statuses[500] != 5 || statuses[503] != 5 {
		t.Errorf("40 requests at 25%%: codes %v, statuses %v", codes, statuses)
	}
	if cs := s.Counters(); cs.InjectedErrors != 10 {
		t.Errorf("counters %+v", cs)
	}
	// The SDK retries them: with retries every request succeeds.
	c = cwClient(t, s, fastRetries())
	for i := range 20 {
		if _, err := c.GetMetricData(context.Background(), smallGMD()); err != nil {
			t.Fatalf("request %d with retries: %v", i, err)
		}
	}
	// RDS answers injected errors too, in its XML protocol.
	s.SetFaults(Faults{ErrorRate: 1})
	_, err := rds.NewFromConfig(awsConfig(t, s, noRetries())).DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{})
	if code := errorCode(err); code != "InternalFailure" && code != "ServiceUnavailable" {
		t.Errorf("DescribeDBInstances at error rate 1: %v", err)
	}
}

func TestLatency(t *testing.T) {
	s := startSim(t, Options{Faults: Faults{Latency: 50 * time.Millisecond}})
	c := cwClient(t, s)
	begin := time.Now()
	if _, err := c.GetMetricData(context.Background(), smallGMD()); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d < 50*time.Millisecond {
		t.Errorf("request took %v, want at least the 50ms latency", d)
	}
}

// An outage answers every request of its action, and only of it, with 503
// ServiceUnavailable in the service's own protocol, until the faults
// change or its time is up.
func TestOutages(t *testing.T) {
	s := startSim(t, Options{Faults: Faults{Outage: Outage{Action: "GetCallerIdentity"}}})
	cfg := awsConfig(t, s, noRetries())
	identity := func() error {
		_, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		return err
	}
	describe := func() error {
		_, err := rds.NewFromConfig(cfg).DescribeDBInstances(context.Background(), &rds.DescribeDBInstancesInput{})
		return err
	}
	unavailable := func(err error) bool {
		var re *awshttp.ResponseError
		return errorCode(err) == "ServiceUnavailable" && errors.As(err, &re) && re.HTTPStatusCode() == 503
	}
	if err := identity(); !unavailable(err) {
		t.Fatalf("GetCallerIdentity during its outage: %v, want 503 ServiceUnavailable", err)
	}
	if err := describe(); err != nil {
		t.Fatalf("DescribeDBInstances during another action's outage: %v", err)
	}

	s.SetFaults(Faults{Outage: Outage{Action: "DescribeDBInstances", For: 300 * time.Millisecond}})
	if err := identity(); err != nil {
		t.Fatalf("GetCallerIdentity once its outage ended: %v", err)
	}
	if err := describe(); !unavailable(err) {
		t.Fatalf("DescribeDBInstances during its outage: %v, want 503 ServiceUnavailable", err)
	}
	// Its time is up (as if set a second ago).
	s.faults.mu.Lock()
	s.faults.since = s.faults.since.Add(-time.Second)
	s.faults.mu.Unlock()
	if err := describe(); err != nil {
		t.Fatalf("DescribeDBInstances once its outage ended: %v", err)
	}
	if cs := s.Counters(); cs.InjectedErrors < 2 {
		t.Errorf("counters %+v: want the outage answers counted as injected errors", cs)
	}
}
